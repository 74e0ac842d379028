"""Cancelling, checking in, offering: each changes one booking, ticket or allocation, no other.

app/tickets/service.py updates rows by id (cancel_booking, check_in_ticket) or through the ORM
(update_reseller_offer). Each test here acts over HTTP on one row among bookings, tickets and
allocations of two events, then reads everything back over HTTP: the row acted on changed, every
other one is as it was. The first booking ever made is a cancelled one of the other event, so a
lookup that lost its WHERE and took the first row would act on it, not on the row meant.
"""

import copy
from dataclasses import dataclass, field

import pytest

from tests.tickets.conftest import booking_body

QUANTITY = 2


@dataclass
class Sales:
    owner: dict  # the organizer's headers
    reseller: dict  # the headers of the reseller holding `mine` and `mine_elsewhere`
    events: dict  # name -> event id
    allocations: dict  # name -> allocation id
    bookings: dict = field(default_factory=dict)  # name -> the booking as created (JSON)


@pytest.fixture()
def sales(client, make_user, make_event, make_allocation, auth_headers):
    """Two events of one organizer, reseller offers on both and bookings of every kind."""
    owner = make_user("organizer")
    reseller = make_user("reseller")
    other_event = make_event(organizer=owner)
    event = make_event(organizer=owner)
    s = Sales(
        owner=auth_headers(owner),
        reseller=auth_headers(reseller),
        events={"other": other_event.id, "event": event.id},
        allocations={
            "mine_elsewhere": make_allocation(other_event, reseller).id,
            "mine": make_allocation(event, reseller).id,
            "theirs": make_allocation(event).id,  # another reseller's, same event
        },
    )
    plan = [  # (name, event, offer): the order of creation
        ("first_cancelled", "other", None),
        ("other_direct", "other", None),
        ("other_resold", "other", "mine_elsewhere"),
        ("neighbour_direct", "event", None),
        ("neighbour_resold", "event", "theirs"),
        ("target_direct", "event", None),
        ("target_resold", "event", "mine"),
    ]
    for name, event_name, offer in plan:
        body = booking_body(
            QUANTITY,
            email=f"{name.replace('_', '.')}@example.tn",
            offer_id=s.allocations[offer] if offer else None,
        )
        response = client.post(f"/events/{s.events[event_name]}/bookings", json=body)
        assert response.status_code == 201, response.get_json()
        s.bookings[name] = response.get_json()
    cancel(client, s, "first_cancelled")
    return s


def cancel(client, s, name):
    booking = s.bookings[name]
    return client.post(
        f"/bookings/{booking['reference']}/cancel", json={"email": booking["buyer"]["email"]}
    )


def world(client, s):
    """Every booking's status and tickets, every event's offers and unsold tickets, over HTTP."""
    bookings = {}
    for name, booking in s.bookings.items():
        email = booking["buyer"]["email"]
        seen = client.get(f"/bookings/{booking['reference']}?email={email}").get_json()
        bookings[name] = {
            "status": seen["status"],
            "checked_in": [ticket["checked_in_at"] is not None for ticket in seen["tickets"]],
        }
    offers, available = {}, {}
    for name, event_id in s.events.items():
        available[name] = client.get(f"/events/{event_id}").get_json()["tickets_available"]
        listed = client.get(f"/events/{event_id}/offers").get_json()["offers"]
        offers[name] = {
            o["offer_id"]: {"available": o["available"], "price": o["price"]} for o in listed
        }
    return {"bookings": bookings, "offers": offers, "tickets_available": available}


def check_in(client, s, event_id, code):
    return client.post(f"/events/{event_id}/checkins", json={"code": code}, headers=s.owner)


@pytest.mark.parametrize(("target", "offer"), [("target_direct", None), ("target_resold", "mine")])
def test_cancelling_a_booking_leaves_the_other_bookings_and_stock_alone(
    client, sales, target, offer
):
    before = world(client, sales)
    response = cancel(client, sales, target)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"

    expected = copy.deepcopy(before)
    expected["bookings"][target]["status"] = "cancelled"
    returned_to = sales.allocations[offer] if offer else None
    expected["offers"]["event"][returned_to]["available"] += QUANTITY
    expected["tickets_available"]["event"] += QUANTITY
    assert world(client, sales) == expected


def test_checking_in_a_ticket_leaves_every_other_ticket_unused(client, sales):
    before = world(client, sales)
    target = sales.bookings["target_direct"]
    first, second = (ticket["code"] for ticket in target["tickets"])
    response = check_in(client, sales, sales.events["event"], first)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["code"] == first

    expected = copy.deepcopy(before)
    expected["bookings"]["target_direct"]["checked_in"] = [True, False]
    assert world(client, sales) == expected
    # The second ticket of the same booking, and a neighbour's, are still good at the door.
    assert check_in(client, sales, sales.events["event"], second).status_code == 200
    neighbour = sales.bookings["neighbour_direct"]["tickets"][0]["code"]
    assert check_in(client, sales, sales.events["event"], neighbour).status_code == 200


def test_a_cancelled_bookings_ticket_is_refused_among_confirmed_neighbours(client, sales):
    # With the test above, whichever booking a status lookup that lost its WHERE would read
    # first (a cancelled or a confirmed one), one of the two tests gets the wrong answer.
    assert cancel(client, sales, "target_direct").status_code == 200
    before = world(client, sales)
    code = sales.bookings["target_direct"]["tickets"][0]["code"]
    response = check_in(client, sales, sales.events["event"], code)
    assert (response.status_code, response.get_json().get("code")) == (409, "booking_cancelled")
    assert world(client, sales) == before


def test_a_reseller_changing_one_offer_leaves_its_other_offers_alone(client, sales):
    before = world(client, sales)
    mine = sales.allocations["mine"]
    priced = client.patch(
        f"/allocations/{mine}", json={"on_sale": True, "price": "15.000"}, headers=sales.reseller
    )
    assert priced.status_code == 200, priced.get_json()
    expected = copy.deepcopy(before)
    expected["offers"]["event"][mine]["price"] = "15.000"
    assert world(client, sales) == expected

    withdrawn = client.patch(
        f"/allocations/{mine}", json={"on_sale": False}, headers=sales.reseller
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    del expected["offers"]["event"][mine]
    assert world(client, sales) == expected


@pytest.mark.parametrize("offer", [None, "mine"])
def test_a_booking_takes_from_its_own_offer_only(client, sales, offer):
    before = world(client, sales)
    offer_id = sales.allocations[offer] if offer else None
    body = booking_body(QUANTITY, email="late@example.tn", offer_id=offer_id)
    response = client.post(f"/events/{sales.events['event']}/bookings", json=body)
    assert response.status_code == 201, response.get_json()
    sales.bookings["late"] = response.get_json()

    expected = copy.deepcopy(before)
    expected["bookings"]["late"] = {"status": "confirmed", "checked_in": [False] * QUANTITY}
    expected["offers"]["event"][offer_id]["available"] -= QUANTITY
    expected["tickets_available"]["event"] -= QUANTITY
    assert world(client, sales) == expected


def test_allocating_resizing_and_withdrawing_move_one_events_stock_only(client, sales, make_user):
    url = f"/events/{sales.events['event']}/allocations"
    before = world(client, sales)
    body = {"reseller_email": make_user("reseller").email, "quantity": 5}
    created = client.post(url, json=body, headers=sales.owner)
    assert created.status_code == 201, created.get_json()
    expected = copy.deepcopy(before)
    expected["offers"]["event"][None]["available"] -= 5  # not on sale: no offer of its own
    assert world(client, sales) == expected

    theirs = sales.allocations["theirs"]
    resized = client.patch(f"{url}/{theirs}", json={"quantity": 13}, headers=sales.owner)
    assert resized.status_code == 200, resized.get_json()
    expected["offers"]["event"][None]["available"] -= 3
    expected["offers"]["event"][theirs]["available"] += 3
    assert world(client, sales) == expected

    deleted = client.delete(f"{url}/{created.get_json()['id']}", headers=sales.owner)
    assert deleted.status_code == 204
    expected["offers"]["event"][None]["available"] += 5
    assert world(client, sales) == expected


def test_a_new_capacity_changes_its_own_event_only(client, sales):
    before = world(client, sales)
    event_id = sales.events["event"]
    capacity = client.get(f"/events/{event_id}").get_json()["number_of_tickets"]
    body = {"number_of_tickets": capacity - 10}
    response = client.patch(f"/events/{event_id}", json=body, headers=sales.owner)
    assert response.status_code == 200, response.get_json()

    expected = copy.deepcopy(before)
    expected["offers"]["event"][None]["available"] -= 10
    expected["tickets_available"]["event"] -= 10
    assert world(client, sales) == expected


def test_the_per_buyer_cap_counts_that_buyers_tickets_for_that_event_only(
    app, client, sales, monkeypatch
):
    # Other buyers already hold more than the cap for the event; this one holds it elsewhere.
    monkeypatch.setitem(app.config, "MAX_TICKETS_PER_BUYER", 2 * QUANTITY)

    def book_as_repeat(event_name):
        body = booking_body(QUANTITY, email="repeat@example.tn")
        return client.post(f"/events/{sales.events[event_name]}/bookings", json=body)

    for _ in range(2):
        assert book_as_repeat("other").status_code == 201
    for _ in range(2):
        response = book_as_repeat("event")
        assert response.status_code == 201, response.get_json()
    refused = book_as_repeat("event")
    assert (refused.status_code, refused.get_json()["code"]) == (409, "buyer_limit_reached")
