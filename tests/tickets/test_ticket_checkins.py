"""Check-in at the door: once per ticket, only tickets of the event, never a cancelled one."""

import pytest


@pytest.fixture()
def owner(make_user):
    return make_user("organizer")


def check_in(client, headers, event_id, code):
    return client.post(f"/events/{event_id}/checkins", json={"code": code}, headers=headers)


def test_first_scan_admits_the_second_is_refused(
    client, auth_headers, owner, make_event, book, spec_schema
):
    event = make_event(organizer=owner)
    booking = book(event.id, quantity=2).get_json()
    code = booking["tickets"][0]["code"]
    headers = auth_headers(owner)

    first = check_in(client, headers, event.id, code)
    assert first.status_code == 200
    body = first.get_json()
    spec_schema(body, "CheckInResult")
    assert (body["code"], body["reference"]) == (code, booking["reference"])
    assert body["checked_in_at"] is not None
    again = check_in(client, headers, event.id, code)
    assert (again.status_code, again.get_json()["code"]) == (409, "already_checked_in")

    seen = client.get(f"/bookings/{booking['reference']}?email=sami@example.tn").get_json()
    assert [t["checked_in_at"] is not None for t in seen["tickets"]] == [True, False]


def test_unknown_or_other_events_codes_are_404(client, auth_headers, owner, make_event, book):
    event = make_event(organizer=owner)
    other = make_event(organizer=owner)
    code = book(other.id).get_json()["tickets"][0]["code"]
    headers = auth_headers(owner)
    assert check_in(client, headers, event.id, "NOSUCHCODE").status_code == 404
    assert check_in(client, headers, event.id, code).status_code == 404
    assert check_in(client, headers, other.id, code).status_code == 200


def test_cancelled_bookings_tickets_are_refused(client, auth_headers, owner, make_event, book):
    event = make_event(organizer=owner)
    booking = book(event.id).get_json()
    client.post(f"/bookings/{booking['reference']}/cancel", json={"email": "sami@example.tn"})
    response = check_in(client, auth_headers(owner), event.id, booking["tickets"][0]["code"])
    assert (response.status_code, response.get_json()["code"]) == (409, "booking_cancelled")


def test_only_owner_or_admin(client, auth_headers, owner, make_user, make_event, book):
    event = make_event(organizer=owner)
    code = book(event.id).get_json()["tickets"][0]["code"]
    assert check_in(client, auth_headers(make_user("reseller")), event.id, code).status_code == 403
    assert check_in(client, {}, event.id, code).status_code == 401
    assert check_in(client, auth_headers(make_user("admin")), event.id, code).status_code == 200
    assert check_in(client, auth_headers(owner), event.id, "").status_code == 400
