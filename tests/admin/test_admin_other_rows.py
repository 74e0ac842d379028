"""An admin's change to one user, buyer or sold ticket leaves every other one as it was.

app/admin/service.py changes rows by id through the ORM (users, buyers, a booking's buyer), by
DELETE ... WHERE buyer_id (a buyer's cancelled bookings and their tickets) and through
tickets/service.py (cancel). A test with one row of each cannot tell a statement that names its
row from one that names every row. Here each change is made over HTTP among rows made before
and after the one changed (a lookup that lost its WHERE takes the first or the newest row), and
the admin API's whole view of users, buyers, sold tickets and stock is compared before and after.
"""

import copy

import pytest

from tests.tickets.conftest import booking_body

QUANTITY = 2


@pytest.fixture()
def as_admin(make_user, auth_headers):
    return auth_headers(make_user("admin", email="chief@tapestry.tn"))


@pytest.fixture()
def events(make_user, make_event):
    """Two events of one organizer: {"other": id, "event": id}."""
    owner = make_user("organizer")
    return {"other": make_event(owner).id, "event": make_event(owner).id}


def listing(client, headers, path, key):
    response = client.get(f"{path}?per_page=100", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] <= 100  # all of it on one page
    return {item["id"]: item for item in body[key]}


def view(client, headers, events):
    """Every user, buyer and sold ticket as the admin API shows them, and each event's stock."""
    return {
        "users": listing(client, headers, "/admin/users", "users"),
        "buyers": listing(client, headers, "/admin/buyers", "buyers"),
        "bookings": listing(client, headers, "/admin/tickets", "tickets"),
        "available": {
            name: client.get(f"/events/{event_id}").get_json()["tickets_available"]
            for name, event_id in events.items()
        },
    }


def book(client, event_id, email):
    response = client.post(f"/events/{event_id}/bookings", json=booking_body(QUANTITY, email))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def cancel(client, booking):
    email = booking["buyer"]["email"]
    response = client.post(f"/bookings/{booking['reference']}/cancel", json={"email": email})
    assert response.status_code == 200, response.get_json()


# --- users --------------------------------------------------------------------------------------


@pytest.fixture()
def three_users(as_admin, make_user):
    """(first, target, last): the target between two bystanders of other roles."""
    return make_user("organizer"), make_user("organizer"), make_user("reseller")


def test_updating_a_user_changes_that_user_only(client, as_admin, events, three_users):
    _first, target, _last = three_users
    before = view(client, as_admin, events)
    url = f"/admin/users/{target.id}"
    renamed = client.patch(url, json={"name": "Renamed", "role": "reseller"}, headers=as_admin)
    assert renamed.status_code == 200, renamed.get_json()
    expected = copy.deepcopy(before)
    expected["users"][target.id].update(name="Renamed", role="reseller")
    assert view(client, as_admin, events) == expected

    moved = client.patch(
        url, json={"email": "moved@example.tn", "is_active": False}, headers=as_admin
    )
    assert moved.status_code == 200, moved.get_json()
    expected["users"][target.id].update(email="moved@example.tn", is_active=False)
    assert view(client, as_admin, events) == expected


def test_deleting_a_user_deletes_that_user_only(client, as_admin, events, three_users):
    _first, target, _last = three_users
    before = view(client, as_admin, events)
    response = client.delete(f"/admin/users/{target.id}", headers=as_admin)
    assert response.status_code == 204, response.get_json()
    expected = copy.deepcopy(before)
    del expected["users"][target.id]
    assert view(client, as_admin, events) == expected


def test_unblocking_a_user_unblocks_that_user_only(client, as_admin, events, make_user):
    blocked = {"is_blocked": True, "failed_login_count": 3}
    first = make_user("organizer", **blocked)
    target = make_user("organizer", **blocked)
    make_user("reseller", **blocked)
    before = view(client, as_admin, events)
    response = client.post(f"/admin/users/{target.id}/unblock", headers=as_admin)
    assert response.status_code == 200, response.get_json()
    expected = copy.deepcopy(before)
    expected["users"][target.id]["is_blocked"] = False
    assert view(client, as_admin, events) == expected
    password = {"email": first.email, "password": "correct-horse-battery"}
    assert client.post("/login", json=password).get_json()["code"] == "account_blocked"


# --- buyers -------------------------------------------------------------------------------------


@pytest.fixture()
def buyers(client, events):
    """Bookings of three buyers, the target's all cancelled, each bystander's of both kinds:
    {name: [bookings]} in the order they were made (first, target, last)."""
    made = {name: [] for name in ("first", "target", "last")}
    for name, bookings in made.items():
        for event_name in ("other", "event"):
            bookings.append(book(client, events[event_name], f"{name}@mail.tn"))
        cancel(client, bookings[0])
    cancel(client, made["target"][1])
    return made


def buyer_id(buyers, name):
    return buyers[name][0]["buyer"]["id"]


def test_updating_a_buyer_changes_that_buyer_only(client, as_admin, events, buyers):
    target = buyer_id(buyers, "target")
    url = f"/admin/buyers/{target}"
    before = view(client, as_admin, events)
    renamed = client.patch(url, json={"name": "Renamed Buyer"}, headers=as_admin)
    assert renamed.status_code == 200, renamed.get_json()
    expected = copy.deepcopy(before)
    expected["buyers"][target]["name"] = "Renamed Buyer"
    for booking in buyers["target"]:
        expected["bookings"][booking["id"]]["buyer"]["name"] = "Renamed Buyer"
    assert view(client, as_admin, events) == expected

    moved = client.patch(url, json={"email": "moved@mail.tn"}, headers=as_admin)
    assert moved.status_code == 200, moved.get_json()
    expected["buyers"][target]["email"] = "moved@mail.tn"
    for booking in buyers["target"]:
        expected["bookings"][booking["id"]]["buyer"]["email"] = "moved@mail.tn"
    assert view(client, as_admin, events) == expected


def test_deleting_a_buyer_deletes_that_buyers_bookings_only(client, as_admin, events, buyers):
    target = buyer_id(buyers, "target")
    before = view(client, as_admin, events)
    response = client.delete(f"/admin/buyers/{target}", headers=as_admin)
    assert response.status_code == 204, response.get_json()
    expected = copy.deepcopy(before)
    del expected["buyers"][target]
    for booking in buyers["target"]:
        del expected["bookings"][booking["id"]]
    assert view(client, as_admin, events) == expected
    audit = client.get("/admin/audit?action=buyer_deleted", headers=as_admin).get_json()
    [entry] = audit["entries"]
    references = sorted(b["reference"] for b in buyers["target"])
    assert sorted(entry["details"]["cancelled_bookings"]) == references


# --- sold tickets -------------------------------------------------------------------------------


@pytest.fixture()
def sold(client, events):
    """Three confirmed bookings of three buyers, made in this order: first, target, last."""
    return {
        "first": book(client, events["other"], "first@mail.tn"),
        "target": book(client, events["event"], "target@mail.tn"),
        "last": book(client, events["event"], "last@mail.tn"),
    }


def test_correcting_a_bookings_buyer_changes_that_booking_only(client, as_admin, events, sold):
    target = sold["target"]
    url = f"/admin/tickets/{target['id']}"
    before = view(client, as_admin, events)
    renamed = client.patch(url, json={"buyer": {"name": "Corrected"}}, headers=as_admin)
    assert renamed.status_code == 200, renamed.get_json()
    expected = copy.deepcopy(before)
    expected["buyers"][target["buyer"]["id"]]["name"] = "Corrected"
    expected["bookings"][target["id"]]["buyer"]["name"] = "Corrected"
    assert view(client, as_admin, events) == expected

    body = {"buyer": {"name": "Right Person", "email": "right@mail.tn"}}
    moved = client.patch(url, json=body, headers=as_admin)
    assert moved.status_code == 200, moved.get_json()
    new_buyer = moved.get_json()["buyer"]
    assert (new_buyer["email"], new_buyer["name"]) == ("right@mail.tn", "Right Person")
    after = view(client, as_admin, events)
    expected["bookings"][target["id"]]["buyer"] = new_buyer
    expected["buyers"][target["buyer"]["id"]]["bookings_count"] = 0
    expected["buyers"][new_buyer["id"]] = after["buyers"][new_buyer["id"]]
    assert after["buyers"][new_buyer["id"]]["bookings_count"] == 1
    assert after == expected


def test_cancelling_a_sold_ticket_cancels_that_booking_only(client, as_admin, events, sold):
    target = sold["target"]
    before = view(client, as_admin, events)
    response = client.delete(f"/admin/tickets/{target['id']}", headers=as_admin)
    assert response.status_code == 204, response.get_json()
    after = view(client, as_admin, events)
    expected = copy.deepcopy(before)
    cancelled = after["bookings"][target["id"]]
    assert cancelled["cancelled_at"] is not None
    expected["bookings"][target["id"]].update(
        status="cancelled", cancelled_at=cancelled["cancelled_at"]
    )
    expected["available"]["event"] += QUANTITY
    assert after == expected
