"""Idempotency-Key on bookings and purchases: one booking per key, replayed on retries."""

from datetime import timedelta

from sqlalchemy import func, select

from app.common.models import utcnow
from app.tickets import idempotency
from app.tickets.models import Booking, IdempotencyRecord
from tests.tickets.conftest import booking_body


def post_booking(client, event_id, key, body=None):
    return client.post(
        f"/events/{event_id}/bookings",
        json=body or booking_body(),
        headers={"Idempotency-Key": key},
    )


def count_bookings(db):
    return db.session.scalar(select(func.count(Booking.id)))


def test_retry_with_the_same_body_replays_the_same_booking(client, db, make_event):
    event = make_event()
    first = post_booking(client, event.id, "key-1")
    reordered = {"buyer": {"email": "sami@example.tn", "name": "Sami Trabelsi"}, "quantity": 1}
    retry = post_booking(client, event.id, "key-1", reordered)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert count_bookings(db) == 1
    assert post_booking(client, event.id, "key-2").get_json()["id"] != first.get_json()["id"]


def test_same_key_with_another_body_is_409(client, db, make_event):
    event = make_event()
    assert post_booking(client, event.id, "key").status_code == 201
    other = post_booking(client, event.id, "key", booking_body(quantity=2))
    assert (other.status_code, other.get_json()["code"]) == (409, "idempotency_key_reused")
    assert count_bookings(db) == 1


def test_a_failed_request_releases_its_key(client, db, make_event, book):
    event = make_event(number_of_tickets=1)
    reference = book(event.id).get_json()["reference"]
    sold_out = post_booking(client, event.id, "retry-me")
    assert sold_out.status_code == 409
    client.post(f"/bookings/{reference}/cancel", json={"email": "sami@example.tn"})
    assert post_booking(client, event.id, "retry-me").status_code == 201


def test_expired_records_are_replaced_and_purged(client, db, make_event):
    event = make_event()
    scope = f"POST /events/{event.id}/bookings"
    expired = dict(request_hash="0" * 64, status_code=201, response_body="{}")
    expired["expires_at"] = utcnow() - timedelta(seconds=1)
    db.session.add(IdempotencyRecord(scope=scope, key="old", **expired))
    db.session.add(IdempotencyRecord(scope=scope, key="older", **expired))
    db.session.commit()
    replaced = post_booking(client, event.id, "old")
    assert replaced.status_code == 201 and "Idempotent-Replayed" not in replaced.headers
    record = db.session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "old"))
    assert record.expires_at > utcnow() + timedelta(hours=23)
    assert idempotency.purge_expired() == 1


def test_a_key_still_in_progress_answers_409_after_waiting(client, db, make_event, monkeypatch):
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2)
    event = make_event()
    body = booking_body()
    scope = f"POST /events/{event.id}/bookings"
    fresh = dict(scope=scope, expires_at=utcnow() + timedelta(hours=1))
    with client.application.test_request_context(json=body):
        request_hash = idempotency.request_hash()
    db.session.add(IdempotencyRecord(key="busy", request_hash=request_hash, **fresh))
    abandoned = IdempotencyRecord(key="dead", request_hash=request_hash, **fresh)
    abandoned.created_at = utcnow() - timedelta(minutes=10)
    db.session.add(abandoned)
    db.session.commit()

    busy = post_booking(client, event.id, "busy", body)
    assert (busy.status_code, busy.get_json()["code"]) == (409, "idempotency_in_progress")
    assert post_booking(client, event.id, "dead", body).status_code == 201


def test_purchase_keys_are_per_user(client, db, auth_headers, make_user, make_event):
    event = make_event()
    url = f"/purchase_ticket/{event.id}"
    first_user = {**auth_headers(make_user()), "Idempotency-Key": "same"}
    second_user = {**auth_headers(make_user()), "Idempotency-Key": "same"}
    first = client.post(url, json={"num_tickets": 2}, headers=first_user)
    replay = client.post(url, json={"num_tickets": 2}, headers=first_user)
    assert first.status_code == replay.status_code == 201
    assert replay.get_json() == first.get_json()
    assert client.post(url, json={"num_tickets": 2}, headers=second_user).status_code == 201
    assert count_bookings(db) == 2


def test_invalid_key_is_400(client, make_event):
    event = make_event()
    response = post_booking(client, event.id, "x" * 256)
    assert (response.status_code, response.get_json()["code"]) == (400, "invalid_idempotency_key")
