"""Administration of buyers and the audit log."""

import secrets

import pytest
from sqlalchemy import select

from app.tickets.models import Booking, Buyer, Ticket


@pytest.fixture()
def as_admin(make_user, auth_headers):
    return auth_headers(make_user("admin"))


@pytest.fixture()
def make_booking(db, make_event):
    """make_booking(buyer_email, status="confirmed") -> a Booking of 2 tickets (rows only)."""

    def make(email, status="confirmed", name="Buyer"):
        buyer = db.session.scalar(select(Buyer).where(Buyer.email == email))
        if buyer is None:
            buyer = Buyer(email=email, name=name)
            db.session.add(buyer)
            db.session.flush()
        event = make_event()
        booking = Booking(
            reference=secrets.token_hex(8), event_id=event.id, seller_id=event.organizer_id,
            buyer_id=buyer.id, quantity=2, unit_price_minor=20000, total_minor=40000,
            currency_code="TND", status=status,
        )  # fmt: skip
        db.session.add(booking)
        db.session.flush()
        db.session.add_all(
            Ticket(booking_id=booking.id, event_id=event.id, code=secrets.token_hex(8))
            for _ in range(2)
        )
        db.session.commit()
        return booking

    return make


def test_list_and_search_buyers_with_their_bookings_count(client, as_admin, make_booking):
    make_booking("yasmine@mail.tn", name="Yasmine Trabelsi")
    make_booking("yasmine@mail.tn")
    make_booking("omar@mail.tn", name="Omar")
    listing = client.get("/admin/buyers", headers=as_admin).get_json()
    counts = {b["email"]: b["bookings_count"] for b in listing["buyers"]}
    assert counts == {"yasmine@mail.tn": 2, "omar@mail.tn": 1}
    found = client.get("/admin/buyers?q=trabel", headers=as_admin).get_json()
    assert [b["email"] for b in found["buyers"]] == ["yasmine@mail.tn"]


def test_read_and_update_a_buyer(client, as_admin, make_booking):
    buyer_id = make_booking("sana@mail.tn").buyer_id
    assert client.get(f"/admin/buyers/{buyer_id}", headers=as_admin).get_json()["email"] == (
        "sana@mail.tn"
    )
    body = {"name": "Sana K.", "email": "Sana.K@Mail.tn"}
    updated = client.patch(f"/admin/buyers/{buyer_id}", json=body, headers=as_admin).get_json()
    assert (updated["name"], updated["email"]) == ("Sana K.", "sana.k@mail.tn")
    assert client.get("/admin/buyers/999999", headers=as_admin).status_code == 404


def test_an_email_of_another_buyer_is_409(client, as_admin, make_booking):
    first = make_booking("a@mail.tn").buyer_id
    make_booking("b@mail.tn")
    response = client.patch(f"/admin/buyers/{first}", json={"email": "B@mail.tn"}, headers=as_admin)
    assert response.status_code == 409


def test_a_buyer_with_confirmed_bookings_cannot_be_deleted(client, as_admin, make_booking, db):
    booking = make_booking("keep@mail.tn")
    response = client.delete(f"/admin/buyers/{booking.buyer_id}", headers=as_admin)
    assert (response.status_code, response.get_json()["code"]) == (409, "buyer_has_bookings")
    assert db.session.get(Booking, booking.id).status == "confirmed"


def test_a_buyer_whose_bookings_are_all_cancelled_can_be_deleted_and_it_is_audited(
    client, as_admin, make_booking
):
    booking = make_booking("gone@mail.tn", status="cancelled")
    assert client.delete(f"/admin/buyers/{booking.buyer_id}", headers=as_admin).status_code == 204
    assert client.get(f"/admin/buyers/{booking.buyer_id}", headers=as_admin).status_code == 404
    audit = client.get("/admin/audit?action=buyer_deleted", headers=as_admin).get_json()
    [entry] = audit["entries"]
    assert entry["details"]["cancelled_bookings"] == [booking.reference]


def test_audit_filters_and_paginates(client, as_admin, make_user):
    users = [make_user("organizer", is_blocked=True) for _ in range(3)]
    for user in users:
        client.post(f"/admin/users/{user.id}/unblock", headers=as_admin)
    page = client.get("/admin/audit?action=user_unblocked&per_page=2", headers=as_admin).get_json()
    assert (page["total"], len(page["entries"])) == (3, 2)
    entry = page["entries"][0]
    assert entry["target_type"] == "user" and entry["actor_id"] is not None
    assert client.get("/admin/audit?actor_id=abc", headers=as_admin).status_code == 400
