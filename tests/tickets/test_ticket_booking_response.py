"""The booking response is built from the values written, without reloading: it must match
what the database holds, as every later read shows it."""

from sqlalchemy import func, select

import app.email
from app.email import OutboxEmail
from tests.tickets.conftest import assert_stock_consistent


def stored(client, body):
    """The booking as GET /bookings/<reference> shows it, read back from the database."""
    reference, email = body["reference"], body["buyer"]["email"]
    response = client.get(f"/bookings/{reference}", query_string={"email": email})
    assert response.status_code == 200
    return response.get_json()


def test_direct_booking_response_matches_the_stored_booking(client, db, make_event, book):
    event = make_event(number_of_tickets=10, location="Carthage")
    body = book(event.id, quantity=3, email="Rim@Example.tn", name="Rim").get_json()
    assert body == stored(client, body)
    again = book(event.id, quantity=1, email="rim@example.tn", name="Not Rim").get_json()
    assert again == stored(client, again)
    assert again["buyer"] == body["buyer"]
    assert assert_stock_consistent(db, event.id).tickets_sold == 4


def test_reseller_booking_response_matches_the_stored_booking(
    client, db, make_event, make_allocation, book
):
    event = make_event(number_of_tickets=10)
    allocation = make_allocation(event, quantity=4, price_minor=25500)
    body = book(event.id, quantity=2, offer_id=allocation.id).get_json()
    assert body["seller"]["type"] == "reseller"
    assert body == stored(client, body)
    assert assert_stock_consistent(db, event.id).tickets_sold == 2


def test_purchase_response_matches_the_stored_booking(
    client, db, auth_headers, make_user, make_event
):
    user = make_user("reseller", name="Nour", email="nour.compat@example.tn")
    event = make_event(number_of_tickets=5)
    response = client.post(
        f"/purchase_ticket/{event.id}", json={"num_tickets": 2}, headers=auth_headers(user)
    )
    assert response.status_code == 201
    booking = response.get_json()["booking"]
    assert booking == stored(client, booking)


def test_a_booking_wakes_the_sender_after_its_commit_and_a_refused_one_does_not(
    client, db, make_event, book, monkeypatch
):
    wakes = []
    monkeypatch.setattr(app.email, "wake_sender", lambda: wakes.append(1))
    event = make_event(number_of_tickets=1)
    assert book(event.id, email="first@example.tn").status_code == 201
    assert wakes == [1]
    assert book(event.id, email="second@example.tn").status_code == 409
    assert wakes == [1]
    queued = select(func.count(OutboxEmail.id)).where(OutboxEmail.status == "pending")
    assert db.session.scalar(queued) == 1
