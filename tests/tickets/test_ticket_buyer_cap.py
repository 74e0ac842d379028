"""MAX_TICKETS_PER_BUYER: the tickets one buyer email holds for one event, over every seller.

The rules through the API in process; the race (many bookings of one buyer at once) against
gunicorn with 2 workers, on the suite's database (SQLite, or PostgreSQL via TEST_DATABASE_URL).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from app.tickets.models import Booking, Buyer
from tests.tickets.conftest import booking_body


@pytest.fixture()
def cap_of(app, monkeypatch):
    """cap_of(n): MAX_TICKETS_PER_BUYER is n for this test."""
    return lambda n: monkeypatch.setitem(app.config, "MAX_TICKETS_PER_BUYER", n)


def tickets_held(db, event_id, email):
    db.session.rollback()  # a fresh read, and no open transaction left for a live server
    held = db.session.scalar(
        select(func.coalesce(func.sum(Booking.quantity), 0))
        .join(Buyer, Booking.buyer_id == Buyer.id)
        .where(Booking.event_id == event_id, Buyer.email == email, Booking.status == "confirmed")
    )
    db.session.rollback()
    return held


def test_the_default_cap_is_twenty_tickets_per_buyer_and_event(app, book, make_event):
    assert app.config["MAX_TICKETS_PER_BUYER"] == 20
    event = make_event()
    assert [book(event.id, quantity=10).status_code for _ in range(2)] == [201, 201]
    refused = book(event.id, quantity=1)
    assert refused.status_code == 409
    assert refused.get_json()["remaining"] == 0


def test_beyond_the_cap_is_409_with_what_remains(book, make_event, cap_of):
    cap_of(5)
    event = make_event()
    assert book(event.id, quantity=3).status_code == 201
    refused = book(event.id, quantity=3)
    assert refused.status_code == 409
    body = refused.get_json()
    assert (body["code"], body["remaining"], body["limit"]) == ("buyer_limit_reached", 2, 5)
    assert body["error"]
    assert book(event.id, quantity=2).status_code == 201
    assert book(event.id, quantity=1).get_json()["remaining"] == 0


def test_the_cap_is_per_event_and_per_buyer_email_whatever_its_case(book, make_event, cap_of):
    cap_of(2)
    first, second = make_event(), make_event()
    assert book(first.id, quantity=2, email="Sami@Example.TN").status_code == 201
    assert book(first.id, quantity=1, email="sami@example.tn").status_code == 409
    assert book(second.id, quantity=2, email="sami@example.tn").status_code == 201
    assert book(first.id, quantity=2, email="other@example.tn").status_code == 201


def test_reseller_offers_and_the_organizer_count_together(
    book, make_event, make_allocation, cap_of
):
    cap_of(3)
    event = make_event()
    offer = make_allocation(event, quantity=10)
    assert book(event.id, quantity=2, offer_id=offer.id).status_code == 201
    refused = book(event.id, quantity=2)
    assert (refused.status_code, refused.get_json()["remaining"]) == (409, 1)
    assert book(event.id, quantity=1).status_code == 201
    assert book(event.id, quantity=1, offer_id=offer.id).status_code == 409


def test_a_refused_booking_takes_no_stock(client, book, make_event, cap_of):
    cap_of(1)
    event = make_event(number_of_tickets=10)
    book(event.id, quantity=1)
    assert book(event.id, quantity=1).status_code == 409
    assert client.get(f"/events/{event.id}").get_json()["tickets_available"] == 9


def test_cancelled_bookings_no_longer_count(client, book, make_event, cap_of):
    cap_of(2)
    event = make_event()
    reference = book(event.id, quantity=2).get_json()["reference"]
    assert book(event.id, quantity=1).status_code == 409
    cancel = client.post(f"/bookings/{reference}/cancel", json={"email": "sami@example.tn"})
    assert cancel.status_code == 200
    assert book(event.id, quantity=2).status_code == 201


def test_admin_bookings_by_hand_are_exempt(
    client, book, make_user, auth_headers, make_event, cap_of
):
    cap_of(2)
    event = make_event()
    admin = auth_headers(make_user("admin"))
    body = {"event_id": event.id, **booking_body(quantity=5)}
    assert client.post("/admin/tickets", json=body, headers=admin).status_code == 201
    assert client.post("/admin/tickets", json=body, headers=admin).status_code == 201
    # The admin's tickets still count for what the buyer may book themselves.
    refused = book(event.id, quantity=1)
    assert (refused.status_code, refused.get_json()["remaining"]) == (409, 0)


def test_purchase_ticket_counts_for_the_users_email(
    client, book, make_user, auth_headers, make_event, cap_of
):
    cap_of(3)
    event = make_event()
    user = make_user("organizer", email="buyer.user@example.tn")
    headers = auth_headers(user)
    url = f"/purchase_ticket/{event.id}"
    assert client.post(url, json={"num_tickets": 2}, headers=headers).status_code == 201
    refused = client.post(url, json={"num_tickets": 2}, headers=headers)
    body = refused.get_json()
    assert (refused.status_code, body["code"], body["remaining"]) == (409, "buyer_limit_reached", 1)
    assert book(event.id, quantity=2, email="Buyer.User@example.tn").status_code == 409
    assert book(event.id, quantity=1, email="buyer.user@example.tn").status_code == 201


def test_a_refused_booking_frees_its_idempotency_key(client, book, make_event, cap_of):
    cap_of(1)
    event = make_event()
    book(event.id, quantity=1)
    key = {"Idempotency-Key": "cap-refused-1"}
    assert book(event.id, quantity=1, headers=key).status_code == 409
    assert book(event.id, quantity=1, email="free@example.tn", headers=key).status_code == 201


def test_one_buyers_parallel_bookings_never_pass_the_cap(db, make_event, gunicorn_server):
    # Six events booked at once, each a chance for the race to show: one ticket at a time on
    # three of them, two on the others.
    quantities = {make_event().id: 1 + n % 2 for n in range(6)}
    db.session.commit()
    # Two servers of 2 workers each: up to four sales of the buyer in flight at once.
    servers = [gunicorn_server(workers=2, MAX_TICKETS_PER_BUYER=5) for _ in range(2)]
    # The same buyer, spelled three ways: the cap counts the normalised email.
    emails = ["dora@example.tn", "Dora@Example.tn", " DORA@example.TN"]
    jobs = [(event_id, n) for event_id in quantities for n in range(16)]

    def book(job):
        event_id, n = job
        url = f"{servers[n % 2]}/events/{event_id}/bookings"
        body = booking_body(quantities[event_id], email=emails[n % 3])
        return event_id, requests.post(url, json=body, timeout=60)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(book, jobs))

    for event_id, quantity in quantities.items():
        responses = [response for event, response in answers if event == event_id]
        booked = [r for r in responses if r.status_code == 201]
        refused = [r.json() for r in responses if r.status_code != 201]
        assert len(booked) == 5 // quantity, [r.status_code for r in responses]
        assert {r["code"] for r in refused} == {"buyer_limit_reached"}
        assert min(r["remaining"] for r in refused) == 5 % quantity
        assert tickets_held(db, event_id, "dora@example.tn") == 5 // quantity * quantity
