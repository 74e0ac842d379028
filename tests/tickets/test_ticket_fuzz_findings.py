"""Ticketing inputs that spec-driven fuzzing (make fuzz) once turned into a 500."""

import pytest

from tests.tickets.conftest import booking_body

HUGE = 27991138696981471297536  # past SQLite's 64-bit integers, let alone PostgreSQL's integer


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/events/{huge}"),
        ("GET", "/events/{huge}/bookings"),
        ("GET", "/events/{huge}/allocations"),
        ("GET", "/events/{huge}/offers"),
        ("PATCH", "/events/{event}/allocations/{huge}"),
        ("PATCH", "/allocations/{huge}"),
        ("POST", "/purchase_ticket/{huge}"),
        ("POST", "/bookmark/{huge}"),
        ("GET", "/admin/users/{huge}"),
        ("GET", "/admin/tickets/{huge}"),
        ("GET", "/events/2147483648"),
    ],
)
def test_a_path_id_no_row_can_have_is_a_json_404(
    client, make_user, make_event, auth_headers, method, path
):
    event = make_event()
    admin = make_user("admin")
    url = path.format(huge=HUGE, event=event.id)
    response = client.open(url, method=method, json={}, headers=auth_headers(admin))
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_a_body_id_no_row_can_have_is_a_400_naming_the_field(
    client, make_event, make_user, auth_headers
):
    event = make_event()
    response = client.post(f"/events/{event.id}/bookings", json=booking_body(offer_id=HUGE))
    assert response.status_code == 400
    assert "offer_id" in response.get_json()["fields"]
    response = client.post(
        f"/events/{event.id}/allocations",
        json={"reseller_id": HUGE, "quantity": 1},
        headers=auth_headers(event.organizer),
    )
    assert response.status_code == 400
    assert "reseller_id" in response.get_json()["fields"]
