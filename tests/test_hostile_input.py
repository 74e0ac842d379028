"""Input the API cannot take is a 400, never a 500 (API.md, "Operations that survive faults").

Integers out of the database's range, NUL characters anywhere, JSON nested too deep and
integers that are not JSON integers: each is sent through the API, on whichever database the
suite runs (the NUL cases broke only PostgreSQL), and once to a real gunicorn.
"""

import json

import pytest
import requests
from sqlalchemy import func, select

from app.tickets.models import Booking

BUYER = {"name": "Sami Trabelsi", "email": "sami@example.tn"}


def assert_refused(response, code, status=400):
    """The API's error shape, with that status and code; returns the body."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.is_json
    body = response.get_json()
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    assert set(body) <= {"error", "code", "fields"}
    return body


def bookings_count(db):
    db.session.rollback()  # a fresh snapshot: a live server may have written since
    return db.session.scalar(select(func.count()).select_from(Booking))


def nested(depth, kind):
    """A JSON text of `depth` arrays or objects, one inside the other."""
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.fixture()
def event(make_event):
    return make_event(number_of_tickets=100)


@pytest.fixture()
def as_admin(make_user, auth_headers):
    return auth_headers(make_user("admin"))


# ---------------------------------------------------------------- integer query parameters


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_price=9223372036854775", "min_price"),  # issue 14: overflowed once scaled
        ("max_price=9999999999999999", "max_price"),
        ("min_price=1000000000000000.001", "min_price"),
        ("page=9223372036854775808", "page"),  # 2**63: past any 64-bit column
        ("per_page=99999999999999999999", "per_page"),
        ("organizer_id=2147483648", "organizer_id"),  # past PostgreSQL's integer
        ("page=%C2%B2", "page"),  # "²": str.isdigit() says yes, int() says no
        ("per_page=%D9%A3", "per_page"),  # an Arabic-Indic 3 is not an ASCII digit
        ("page=" + "9" * 5000, "page"),  # more digits than int() converts
    ],
)
def test_out_of_range_integers_in_the_events_query_are_400(client, query, field):
    body = assert_refused(client.get(f"/events?{query}"), "validation_error")
    assert field in body["fields"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/admin/audit?actor_id=%C2%B2", "actor_id"),
        ("/admin/tickets?event_id=%C2%B2", "event_id"),
        ("/admin/tickets?seller_id=2147483648", "seller_id"),
        ("/admin/audit?target_id=2147483648", "target_id"),  # past PostgreSQL's integer
        ("/admin/users?page=%C2%B2", "page"),
    ],
)
def test_out_of_range_integers_in_admin_queries_are_400(client, as_admin, path, field):
    body = assert_refused(client.get(path, headers=as_admin), "validation_error")
    assert field in body["fields"]


def test_integers_in_range_keep_their_meaning(client, event, as_admin):
    far_page = client.get("/events?page=9223372036854775807&per_page=1000")
    assert far_page.status_code == 200
    assert (far_page.get_json()["events"], far_page.get_json()["per_page"]) == ([], 100)
    audit = client.get("/admin/audit?target_id=2147483647", headers=as_admin)
    assert (audit.status_code, audit.get_json()["total"]) == (200, 0)


def test_the_largest_price_bounds_compare_in_every_currency(client, make_event):
    # CLF has 4 decimals: 10**15 of it is 10**19 minor units, past a 64-bit integer.
    event = make_event(currency_code="CLF", price_minor=12345)
    top = "1000000000000000"
    below = client.get(f"/events?max_price={top}")
    assert below.status_code == 200
    assert [row["id"] for row in below.get_json()["events"]] == [event.id]
    above = client.get(f"/events?min_price={top}")
    assert (above.status_code, above.get_json()["events"]) == (200, [])


# ----------------------------------------------------------------------- NUL characters


def test_a_nul_in_a_buyers_name_is_400_and_books_nothing(client, db, event):
    buyer = {**BUYER, "name": "Sami\x00Trabelsi"}
    response = client.post(f"/events/{event.id}/bookings", json={"quantity": 1, "buyer": buyer})
    body = assert_refused(response, "invalid_characters")
    assert list(body["fields"]) == ["buyer.name"]
    assert bookings_count(db) == 0


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/events?title=Jazz%00", "title"),
        ("/events?q=jazz%00", "q"),
        ("/search_event?title=Jazz%00", "title"),
        ("/bookings/AB%00CD?email=sami@example.tn", "path"),
        ("/bookings/ABCD?email=sami%00@example.tn", "email"),
    ],
)
def test_a_nul_in_the_path_or_query_is_400(client, db, path, field):
    body = assert_refused(client.get(path), "invalid_characters")
    assert list(body["fields"]) == [field]


def test_a_nul_in_a_login_email_is_400(client, make_user):
    user = make_user("organizer")
    body = {"email": user.email + "\x00", "password": "correct-horse-battery"}
    refused = assert_refused(client.post("/login", json=body), "invalid_characters")
    assert list(refused["fields"]) == ["email"]


def test_nuls_deep_in_a_body_and_in_keys_are_all_named(client, db, event):
    body = {"quantity": 1, "buyer": BUYER, "notes": [["ok", "\x00"]], "bad\x00key": 1}
    response = client.post(f"/events/{event.id}/bookings", json=body)
    refused = assert_refused(response, "invalid_characters")
    # The key is named with its NUL written as \0, never echoed raw.
    assert set(refused["fields"]) == {"notes.0.1", "bad\\0key"}
    assert bookings_count(db) == 0


def test_a_nul_in_a_stored_header_is_400(client, db, event, make_user):
    booking = {"quantity": 1, "buyer": BUYER}
    with_key = client.post(
        f"/events/{event.id}/bookings", json=booking, headers={"Idempotency-Key": "k\x001"}
    )
    assert list(assert_refused(with_key, "invalid_characters")["fields"]) == ["Idempotency-Key"]
    assert bookings_count(db) == 0
    user = make_user("organizer")
    login = {"email": user.email, "password": "correct-horse-battery"}
    agent = client.post("/login", json=login, headers={"User-Agent": "curl\x00/8"})
    assert list(assert_refused(agent, "invalid_characters")["fields"]) == ["User-Agent"]


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(client, make_user, auth_headers):
    headers = auth_headers(make_user("organizer"))
    title = "C:\\u0000 and more"  # a backslash, then the letters u0000
    body = {"title": title, "date": "2031-05-01", "number_of_tickets": 5}
    created = client.post("/events", data=json.dumps(body), headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["title"] == title


# ------------------------------------------------------------------- deeply nested JSON


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_json_nested_too_deep_is_400(client, db, event, depth, kind):
    text = nested(depth, kind)
    for path in ("/login", f"/events/{event.id}/bookings"):
        for content_type in ("application/json", "text/plain"):  # bodies are read as JSON
            response = client.post(path, data=text, content_type=content_type)
            assert_refused(response, "json_too_deep")
    assert bookings_count(db) == 0


def test_the_depth_limit_is_32_levels(client, event):
    def booking_with_extra(depth):
        extra = "[" * (depth - 1) + "]" * (depth - 1)  # the body object is the first level
        text = f'{{"quantity": 1, "buyer": {json.dumps(BUYER)}, "x": {extra}}}'
        return client.post(
            f"/events/{event.id}/bookings", data=text, content_type="application/json"
        )

    assert_refused(booking_with_extra(32), "validation_error")  # parsed: "x" is not a field
    assert_refused(booking_with_extra(33), "json_too_deep")


def test_brackets_inside_strings_do_not_count(client, make_user, auth_headers):
    headers = auth_headers(make_user("organizer"))
    description = '[{"\\' * 1000  # brackets, a quote and a backslash, 1000 times
    body = {"title": "Brackets", "date": "2031-05-01", "number_of_tickets": 5}
    created = client.post("/events", json={**body, "description": description}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["description"] == description


def test_a_deep_body_leaves_its_idempotency_key_free(client, db, event):
    headers = {"Idempotency-Key": "retry-after-a-bad-body"}
    url = f"/events/{event.id}/bookings"
    deep = client.post(url, data=nested(100_000, "array"), headers=headers)
    assert_refused(deep, "json_too_deep")
    booked = client.post(url, json={"quantity": 1, "buyer": BUYER}, headers=headers)
    assert booked.status_code == 201
    assert bookings_count(db) == 1


# ---------------------------------------------------------------------- strict integers

NOT_JSON_INTEGERS = [True, "1", 1.0]


@pytest.fixture()
def strict_int_targets(client, event, make_user, auth_headers, as_admin):
    """{name: (method, url, body(value), field, headers)} of every integer field in a body."""
    organizer = auth_headers(event.organizer)
    reseller = make_user("reseller")
    allocation = client.post(
        f"/events/{event.id}/allocations",
        json={"reseller_id": reseller.id, "quantity": 10},
        headers=organizer,
    ).get_json()
    bookings = f"/events/{event.id}/bookings"
    new_event = {"title": "Strict", "date": "2031-05-01"}
    return {
        "booking quantity": (
            "post",
            bookings,
            lambda v: {"quantity": v, "buyer": BUYER},
            "quantity",
            {},
        ),
        "booking offer_id": (
            "post",
            bookings,
            lambda v: {"quantity": 1, "buyer": BUYER, "offer_id": v},
            "offer_id",
            {},
        ),
        "purchase num_tickets": (
            "post",
            f"/purchase_ticket/{event.id}",
            lambda v: {"num_tickets": v},
            "num_tickets",
            organizer,
        ),
        "allocation quantity": (
            "post",
            f"/events/{event.id}/allocations",
            lambda v: {"reseller_email": "x@example.tn", "quantity": v},
            "quantity",
            organizer,
        ),
        "allocation reseller_id": (
            "post",
            f"/events/{event.id}/allocations",
            lambda v: {"reseller_id": v, "quantity": 1},
            "reseller_id",
            organizer,
        ),
        "allocation change": (
            "patch",
            f"/events/{event.id}/allocations/{allocation['id']}",
            lambda v: {"quantity": v},
            "quantity",
            organizer,
        ),
        "admin ticket event_id": (
            "post",
            "/admin/tickets",
            lambda v: {"event_id": v, "quantity": 1, "buyer": BUYER},
            "event_id",
            as_admin,
        ),
        "event number_of_tickets": (
            "post",
            "/events",
            lambda v: {**new_event, "number_of_tickets": v},
            "number_of_tickets",
            organizer,
        ),
        "event tickets_available": (
            "post",
            "/events",
            lambda v: {**new_event, "tickets_available": v},
            "tickets_available",
            organizer,
        ),
    }


@pytest.mark.parametrize("value", NOT_JSON_INTEGERS, ids=["true", "string", "float"])
def test_integers_in_bodies_must_be_json_integers(client, db, event, strict_int_targets, value):
    for name, (method, url, body, field, headers) in strict_int_targets.items():
        response = getattr(client, method)(url, json=body(value), headers=headers)
        refused = assert_refused(response, "validation_error")
        assert field in refused["fields"], name
    assert bookings_count(db) == 0
    assert client.get(f"/events/{event.id}").get_json()["tickets_available"] == 100


# ------------------------------------------------------------------------ a real server


def test_a_real_server_refuses_hostile_bodies_and_keeps_serving(gunicorn_server, db, event):
    url = gunicorn_server(workers=1)
    deep = requests.post(
        f"{url}/login",
        data=nested(100_000, "array"),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    nul = requests.post(
        f"{url}/events/{event.id}/bookings",
        json={"quantity": 1, "buyer": {**BUYER, "name": "Sami\x00"}},
        timeout=30,
    )
    path = requests.get(f"{url}/bookings/AB%00CD?email=sami@example.tn", timeout=30)
    for response, code in (
        (deep, "json_too_deep"),
        (nul, "invalid_characters"),
        (path, "invalid_characters"),
    ):
        assert (response.status_code, response.json()["code"]) == (400, code)
    # The one worker is still there and still books.
    booked = requests.post(
        f"{url}/events/{event.id}/bookings", json={"quantity": 1, "buyer": BUYER}, timeout=30
    )
    assert booked.status_code == 201
    assert bookings_count(db) == 1
