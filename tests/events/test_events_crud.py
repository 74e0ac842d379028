"""Publishing, changing and deleting events through the API."""

from datetime import datetime, timedelta, timezone

import pytest

from app.tickets.models import Allocation, Booking, Buyer
from tests.events.conftest import in_days


def test_an_organizer_publishes_an_event_everyone_can_read(
    client, as_organizer, organizer, event_body
):
    created = client.post("/events", json=event_body(), headers=as_organizer)
    assert created.status_code == 201
    event = created.get_json()
    assert event["title"] == "Festival de la Médina"
    assert event["price"] == event["ticket_price"] == "50.000"
    assert event["currency_code"] == "TND"
    assert event["number_of_tickets"] == event["tickets_available"] == 100
    assert event["organizer"] == {"id": organizer.id, "name": "Leila Ben Ali"}
    assert datetime.fromisoformat(event["date"]).utcoffset() is not None
    assert client.get(f"/events/{event['id']}").get_json() == event


def test_the_compat_route_and_the_other_seeds_field_names_are_accepted(client, as_organizer):
    body = {"title": "Jazz à Carthage", "time": "2099-07-14", "tickets_available": 5,
            "ticket_price": 12.5, "currency_code": "GBP"}  # fmt: skip
    created = client.post("/create_event", json=body, headers=as_organizer)
    assert created.status_code == 201
    event = created.get_json()
    assert event["date"] == "2099-07-14T00:00:00+00:00"
    assert (event["number_of_tickets"], event["price"]) == (5, "12.50")


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("20", "TND", "20.000"),
        (20, "GBP", "20.00"),
        ("2000", "JPY", "2000"),
        ("0.5", "TND", "0.500"),
    ],
)
def test_money_is_shown_with_the_currencys_minor_unit(
    client, as_organizer, event_body, amount, currency, shown
):
    body = event_body(price=amount, currency_code=currency)
    event = client.post("/events", json=body, headers=as_organizer).get_json()
    assert event["price"] == shown
    assert client.get(f"/events/{event['id']}").get_json()["price"] == shown


def test_a_date_with_an_offset_is_kept_as_the_same_instant(client, as_organizer, event_body):
    body = event_body(date="2099-07-14T20:00:00+01:00")
    event = client.post("/events", json=body, headers=as_organizer).get_json()
    assert datetime.fromisoformat(event["date"]) == datetime(2099, 7, 14, 19, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "2001-01-01"),
        ("date", (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()),
        ("date", "next tuesday"),
        ("image", "ftp://example.com/poster.png"),
        ("image", "javascript:alert(1)"),
        ("number_of_tickets", -1),
        ("number_of_tickets", "ten"),
        ("price", -5),
        ("price", "12.5.1"),
        ("price", True),
        ("currency_code", "ABC"),
        ("currency_code", "XXX"),
        ("title", ""),
        ("title", "x" * 201),
        ("organizer_id", 99),
    ],
)
def test_invalid_fields_are_refused_with_their_name(client, as_organizer, event_body, field, value):
    response = client.post("/events", json=event_body(**{field: value}), headers=as_organizer)
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert field in body["fields"]
    assert client.get("/events").get_json()["total"] == 0


def test_more_decimals_than_the_currency_has_is_a_400(client, as_organizer, event_body):
    response = client.post(
        "/events", json=event_body(price="1.005", currency_code="GBP"), headers=as_organizer
    )
    assert response.status_code == 400
    assert "price" in response.get_json()["fields"]


def test_title_date_and_ticket_count_are_required(client, as_organizer):
    response = client.post("/events", json={"description": "no title"}, headers=as_organizer)
    assert response.status_code == 400
    assert {"title", "date", "number_of_tickets"} <= response.get_json()["fields"].keys()


def test_a_body_that_is_not_a_json_object_is_a_400(client, as_organizer):
    response = client.post("/events", data="[1, 2]", headers=as_organizer)
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_json"


def test_only_organizers_and_admins_publish(client, make_user, auth_headers, event_body):
    reseller = auth_headers(make_user("reseller"))
    assert client.post("/events", json=event_body(), headers=reseller).status_code == 403
    assert client.post("/create_event", json=event_body(), headers=reseller).status_code == 403
    assert client.post("/events", json=event_body()).status_code == 401
    admin = auth_headers(make_user("admin"))
    assert client.post("/events", json=event_body(), headers=admin).status_code == 201


def test_the_owner_updates_only_the_fields_given(client, as_organizer, make_event, organizer):
    event = make_event(organizer, title="Old", description="Kept", category="Music")
    response = client.patch(
        f"/events/{event.id}", json={"title": "New", "category": None}, headers=as_organizer
    )
    assert response.status_code == 200
    updated = client.get(f"/events/{event.id}").get_json()
    assert (updated["title"], updated["description"], updated["category"]) == ("New", "Kept", None)


def test_put_accepts_the_aliases_too(client, as_organizer, make_event, organizer):
    event = make_event(organizer)
    body = {"time": in_days(3), "tickets_available": 7, "ticket_price": "9.5"}
    response = client.put(f"/events/{event.id}", json=body, headers=as_organizer)
    assert response.status_code == 200
    assert (response.get_json()["number_of_tickets"], response.get_json()["price"]) == (7, "9.500")


def test_a_new_currency_keeps_the_amount(client, as_organizer, make_event, organizer):
    event = make_event(organizer, price_minor=20000, currency_code="TND")
    response = client.patch(
        f"/events/{event.id}", json={"currency_code": "GBP"}, headers=as_organizer
    )
    assert (response.get_json()["price"], response.get_json()["currency_code"]) == ("20.00", "GBP")


def test_required_fields_cannot_be_nulled_and_dates_stay_in_the_future(
    client, as_organizer, make_event, organizer
):
    event = make_event(organizer)
    url = f"/events/{event.id}"
    assert client.patch(url, json={"title": None}, headers=as_organizer).status_code == 400
    assert client.patch(url, json={"date": "2000-01-01"}, headers=as_organizer).status_code == 400
    assert client.patch(url, json={"role": "admin"}, headers=as_organizer).status_code == 400


def test_another_organizer_cannot_change_or_delete_an_event(
    client, make_event, make_user, auth_headers
):
    event = make_event(title="Mine")
    stranger = auth_headers(make_user("organizer"))
    assert (
        client.patch(f"/events/{event.id}", json={"title": "Theirs"}, headers=stranger).status_code
        == 403
    )
    assert client.delete(f"/events/{event.id}", headers=stranger).status_code == 403
    assert client.get(f"/events/{event.id}").get_json()["title"] == "Mine"


def test_an_admin_changes_and_deletes_any_event(client, make_event, make_user, auth_headers):
    event = make_event()
    admin = auth_headers(make_user("admin"))
    assert (
        client.patch(f"/events/{event.id}", json={"title": "By admin"}, headers=admin).status_code
        == 200
    )
    assert client.delete(f"/events/{event.id}", headers=admin).status_code == 204
    assert client.get(f"/events/{event.id}").status_code == 404


def test_unknown_events_are_404(client, as_organizer):
    for method in ("get", "patch", "put", "delete"):
        response = getattr(client, method)("/events/999999", json={}, headers=as_organizer)
        assert response.status_code == 404
        assert response.get_json()["code"] == "event_not_found"


def test_capacity_never_goes_below_sold_plus_allocated(
    client, as_organizer, make_event, organizer, db
):
    event = make_event(
        organizer, number_of_tickets=100, direct_sold=30, tickets_sold=30, allocated=20
    )
    url = f"/events/{event.id}"
    response = client.patch(url, json={"number_of_tickets": 49}, headers=as_organizer)
    assert response.status_code == 409
    assert response.get_json()["code"] == "capacity_below_committed"
    assert client.get(url).get_json()["number_of_tickets"] == 100
    response = client.patch(url, json={"number_of_tickets": 50}, headers=as_organizer)
    assert response.status_code == 200
    assert (response.get_json()["number_of_tickets"], response.get_json()["tickets_available"]) == (
        50,
        20,
    )


def add_booking(db, event):
    buyer = Buyer(email="buyer@example.tn", name="Buyer")
    db.session.add(buyer)
    db.session.flush()
    booking = Booking(
        reference="REF1", event_id=event.id, seller_id=event.organizer_id, buyer_id=buyer.id,
        quantity=1, unit_price_minor=0, total_minor=0, currency_code="TND",
    )  # fmt: skip
    db.session.add(booking)
    db.session.commit()


def test_an_event_with_bookings_cannot_be_deleted(client, as_organizer, make_event, organizer, db):
    event = make_event(organizer)
    add_booking(db, event)
    response = client.delete(f"/events/{event.id}", headers=as_organizer)
    assert response.status_code == 409
    assert response.get_json()["code"] == "event_has_bookings"
    assert client.get(f"/events/{event.id}").status_code == 200


def test_deleting_an_event_without_sales_removes_its_allocations(
    client, as_organizer, make_event, organizer, make_user, db
):
    event = make_event(organizer, allocated=10)
    db.session.add(Allocation(event_id=event.id, reseller_id=make_user("reseller").id, quantity=10))
    db.session.commit()
    assert client.delete(f"/events/{event.id}", headers=as_organizer).status_code == 204
    assert client.get(f"/events/{event.id}").status_code == 404
    assert db.session.query(Allocation).count() == 0
