"""Bookings without an account, the compat purchase, cancellations and the organizer's sales."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, select, text

from app.email import OutboxEmail
from app.tickets import service
from app.tickets.models import Buyer, IdempotencyRecord
from tests.tickets.conftest import assert_stock_consistent, booking_body


def test_booking_is_confirmed_with_random_codes_and_an_email(
    client, db, make_event, book, spec_schema
):
    event = make_event(title="Jazz à Carthage", number_of_tickets=10)
    response = book(event.id, quantity=3, email="Sami@Example.tn")
    assert response.status_code == 201
    body = response.get_json()
    spec_schema(body, "Booking")
    assert body["status"] == "confirmed"
    assert body["event"]["id"] == event.id and body["event"]["title"] == "Jazz à Carthage"
    assert body["seller"] == {
        "type": "organizer",
        "id": event.organizer_id,
        "name": event.organizer.name,
    }
    assert body["buyer"]["email"] == "sami@example.tn"
    assert (body["quantity"], body["unit_price"], body["total"]) == (3, "20.000", "60.000")
    assert body["currency_code"] == "TND" and body["cancelled_at"] is None
    codes = [ticket["code"] for ticket in body["tickets"]]
    assert len(set(codes + [body["reference"]])) == 4
    for code in codes + [body["reference"]]:
        assert re.fullmatch(r"[A-Z2-7]{16}", code)  # 80 random bits in base32

    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == "sami@example.tn"))
    assert body["reference"] in mail.subject + mail.body_text
    assert all(code in mail.body_text for code in codes)
    assert assert_stock_consistent(db, event.id).tickets_sold == 3


def test_buyer_is_reused_by_email_case_insensitively(client, db, make_event, book):
    event = make_event()
    first = book(event.id, email="leila@example.tn", name="Leila").get_json()
    second = book(event.id, email="LEILA@example.TN", name="Someone Else").get_json()
    assert first["buyer"] == second["buyer"]
    assert second["buyer"]["name"] == "Leila"
    assert db.session.scalar(select(Buyer).where(Buyer.email == "leila@example.tn")) is not None


def test_booking_from_a_reseller_offer_at_its_price(
    client, db, make_event, make_allocation, book, spec_schema
):
    event = make_event(number_of_tickets=10)
    allocation = make_allocation(event, quantity=4, price_minor=25500)
    body = book(event.id, quantity=2, offer_id=allocation.id).get_json()
    assert body["seller"]["type"] == "reseller"
    assert body["seller"]["id"] == allocation.reseller_id
    assert (body["unit_price"], body["total"]) == ("25.500", "51.000")
    sold_out = book(event.id, quantity=3, offer_id=allocation.id)
    assert sold_out.status_code == 409
    spec_schema(sold_out.get_json(), "NotEnoughTickets")
    assert sold_out.get_json() == {
        "error": "Not enough tickets are left.",
        "code": "not_enough_tickets",
        "available": 2,
    }
    state = assert_stock_consistent(db, event.id)
    assert (state.tickets_sold, state.direct_sold) == (2, 0)


def test_offer_must_be_on_sale_and_of_this_event(client, make_event, make_allocation, book):
    event = make_event()
    off_sale = make_allocation(event, on_sale=False)
    elsewhere = make_allocation(make_event())
    refused = book(event.id, offer_id=off_sale.id)
    assert (refused.status_code, refused.get_json()["code"]) == (409, "offer_not_on_sale")
    assert book(event.id, offer_id=elsewhere.id).status_code == 404
    assert book(event.id, offer_id=999999).status_code == 404


def test_direct_stock_excludes_allocations(client, db, make_event, make_allocation, book):
    event = make_event(number_of_tickets=10)
    make_allocation(event, quantity=8)
    assert book(event.id, quantity=2).status_code == 201
    response = book(event.id, quantity=1)
    assert response.status_code == 409
    assert response.get_json()["available"] == 0
    assert_stock_consistent(db, event.id)


def test_quantity_limits_past_events_and_bad_bodies(client, app, make_event, book):
    event = make_event()
    too_many = book(event.id, quantity=app.config["MAX_TICKETS_PER_BOOKING"] + 1)
    assert too_many.status_code == 400
    assert "quantity" in too_many.get_json()["fields"]
    assert book(event.id, quantity=0).status_code == 400
    assert book(event.id, email="not-an-email").status_code == 400
    assert client.post(f"/events/{event.id}/bookings", json={"quantity": 1}).status_code == 400
    extra = {**booking_body(), "unit_price": "0.001"}
    assert client.post(f"/events/{event.id}/bookings", json=extra).status_code == 400
    assert book(999999).status_code == 404

    past = make_event(starts_at=datetime.now(timezone.utc) - timedelta(hours=1))
    response = book(past.id)
    assert (response.status_code, response.get_json()["code"]) == (409, "event_past")


def test_buyer_reads_the_booking_with_the_right_email_only(client, make_event, book):
    reference = book(make_event().id, email="amel@example.tn").get_json()["reference"]
    found = client.get(f"/bookings/{reference}?email=AMEL@example.tn")
    assert found.status_code == 200
    assert found.get_json()["reference"] == reference
    assert client.get(f"/bookings/{reference}?email=other@example.tn").status_code == 404
    assert client.get(f"/bookings/{reference}").status_code == 400
    assert client.get("/bookings/NOPE?email=amel@example.tn").status_code == 404


def test_buyer_cancels_and_tickets_return_to_their_seller(
    client, db, make_event, make_allocation, book, spec_schema
):
    event = make_event(number_of_tickets=10)
    allocation = make_allocation(event, quantity=5)
    direct = book(event.id, quantity=2).get_json()["reference"]
    resold = book(event.id, quantity=3, offer_id=allocation.id).get_json()["reference"]

    assert (
        client.post(f"/bookings/{direct}/cancel", json={"email": "nobody@x.tn"}).status_code == 404
    )
    cancelled = client.post(f"/bookings/{direct}/cancel", json={"email": "SAMI@example.tn"})
    assert cancelled.status_code == 200
    spec_schema(cancelled.get_json(), "Booking")
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancelled_at"] is not None
    by_query = client.post(f"/bookings/{resold}/cancel?email=sami@example.tn")
    assert by_query.status_code == 200

    state = assert_stock_consistent(db, event.id)
    assert (state.tickets_sold, state.direct_sold, state.allocated) == (0, 0, 5)
    again = client.post(f"/bookings/{direct}/cancel", json={"email": "sami@example.tn"})
    assert (again.status_code, again.get_json()["code"]) == (409, "already_cancelled")
    assert client.post(f"/bookings/{direct}/cancel").status_code == 400


def test_owner_and_admin_cancel_with_a_token(client, db, auth_headers, make_user, make_event, book):
    owner = make_user("organizer")
    event = make_event(organizer=owner)
    first = book(event.id).get_json()["reference"]
    second = book(event.id).get_json()["reference"]
    stranger = auth_headers(make_user("organizer"))
    assert client.post(f"/bookings/{first}/cancel", headers=stranger).status_code == 403
    assert client.post(f"/bookings/{first}/cancel", headers=auth_headers(owner)).status_code == 200
    admin = auth_headers(make_user("admin"))
    assert client.post(f"/bookings/{second}/cancel", headers=admin).status_code == 200
    assert assert_stock_consistent(db, event.id).tickets_sold == 0


def test_purchase_ticket_compat_and_my_bookings(
    client, db, auth_headers, make_user, make_event, spec_schema
):
    user = make_user("reseller", name="Nour", email="nour@example.tn")
    event = make_event(number_of_tickets=5)
    headers = auth_headers(user)
    response = client.post(f"/purchase_ticket/{event.id}", json={"num_tickets": 2}, headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    spec_schema(body, "PurchaseResult")
    assert body["message"] == "2 ticket(s) purchased successfully!"
    assert body["booking"]["buyer"]["email"] == "nour@example.tn"
    assert body["booking"]["buyer"]["name"] == "Nour"
    default_one = client.post(f"/purchase_ticket/{event.id}", headers=headers)
    assert default_one.get_json()["message"] == "1 ticket(s) purchased successfully!"

    mine = client.get("/me/bookings", headers=headers).get_json()
    spec_schema(mine, "BookingPage")
    assert [b["quantity"] for b in mine["bookings"]] == [1, 2]
    assert (mine["total"], mine["page"], mine["pages"]) == (2, 1, 1)
    other = client.get("/me/bookings", headers=auth_headers(make_user("organizer"))).get_json()
    assert other["total"] == 0

    sold_out = client.post(f"/purchase_ticket/{event.id}", json={"num_tickets": 3}, headers=headers)
    assert (sold_out.status_code, sold_out.get_json()["available"]) == (409, 2)
    assert client.post(f"/purchase_ticket/{event.id}").status_code == 401
    assert client.get("/me/bookings").status_code == 401
    assert assert_stock_consistent(db, event.id).tickets_sold == 3


def test_event_sales_for_owner_and_admin_paginated(
    client, auth_headers, make_user, make_event, book
):
    owner = make_user("organizer")
    event = make_event(organizer=owner)
    for n in range(3):
        book(event.id, email=f"buyer{n}@example.tn")
    url = f"/events/{event.id}/bookings?per_page=2"
    page = client.get(url, headers=auth_headers(owner)).get_json()
    assert (page["total"], page["pages"], len(page["bookings"])) == (3, 2, 2)
    assert page["bookings"][0]["buyer"]["email"] == "buyer2@example.tn"  # newest first
    admin = client.get(url + "&page=2", headers=auth_headers(make_user("admin"))).get_json()
    assert len(admin["bookings"]) == 1
    stranger = auth_headers(make_user("organizer"))
    assert client.get(url, headers=stranger).status_code == 403
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("sale", ["direct", "direct with an Idempotency-Key", "reseller offer"])
def test_an_event_deleted_while_it_is_being_booked_answers_404(
    client, db, make_event, make_allocation, book, monkeypatch, sale
):
    """PostgreSQL: a sale reads the event without locking it, so a delete can commit before the
    booking's INSERT, whose foreign key then fails. (SQLite's writers queue, so the delete
    cannot come in between there.) Nothing of the sale is left, not even its Idempotency-Key."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite serializes the sale and the delete")
    event = make_event()
    event_id = event.id
    offer_id = make_allocation(event, quantity=5).id if sale == "reseller offer" else None
    # The direct sale is pipelined (the INSERT fails inside the batch), the reseller sale is
    # not (it fails at once): delete just before each reaches its INSERT.
    step = "find_offer" if offer_id else "bookable_event"
    original = getattr(service, step)
    other = create_engine(db.engine.url)

    def delete_meanwhile(*args):
        found = original(*args)
        with other.begin() as connection:
            params = {"id": event_id}
            connection.execute(text("DELETE FROM allocations WHERE event_id = :id"), params)
            connection.execute(text("DELETE FROM events WHERE id = :id"), params)
        return found

    monkeypatch.setattr(service, step, delete_meanwhile)
    headers = {"Idempotency-Key": "late-1"} if "Idempotency" in sale else None
    try:
        response = book(event_id, email="late@example.tn", offer_id=offer_id, headers=headers)
    finally:
        other.dispose()
    assert response.status_code == 404
    assert response.get_json()["code"] == "event_not_found"
    db.session.expire_all()
    assert db.session.scalar(select(Buyer).where(Buyer.email == "late@example.tn")) is None
    outbox = select(OutboxEmail).where(OutboxEmail.recipient == "late@example.tn")
    assert db.session.scalar(outbox) is None
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
