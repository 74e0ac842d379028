"""Allocations to resellers, the reseller's side, and the public offers."""

import pytest

from tests.tickets.conftest import stock_state


@pytest.fixture()
def owner(make_user):
    return make_user("organizer")


@pytest.fixture()
def event(make_event, owner):
    return make_event(organizer=owner, number_of_tickets=100)


@pytest.fixture()
def reseller(make_user):
    return make_user("reseller", name="Karim")


def allocate(client, headers, event_id, **body):
    return client.post(f"/events/{event_id}/allocations", json=body, headers=headers)


def test_owner_allocates_by_id_or_email(
    client, db, auth_headers, owner, event, reseller, make_user, spec_schema
):
    other = make_user("reseller", email="other.reseller@example.tn")
    headers = auth_headers(owner)

    response = allocate(client, headers, event.id, reseller_id=reseller.id, quantity=30)
    assert response.status_code == 201
    body = response.get_json()
    spec_schema(body, "Allocation")
    assert body["reseller"] == {"id": reseller.id, "name": "Karim", "email": reseller.email}
    assert (body["quantity"], body["sold"], body["remaining"], body["on_sale"]) == (
        30,
        0,
        30,
        False,
    )
    assert (body["price"], body["currency_code"]) == ("20.000", "TND")

    by_email = allocate(
        client, headers, event.id, reseller_email="OTHER.reseller@EXAMPLE.tn", quantity=20
    )
    assert by_email.status_code == 201
    assert by_email.get_json()["reseller"]["id"] == other.id

    assert stock_state(db, event.id).allocated == 50
    listed = client.get(f"/events/{event.id}/allocations", headers=headers).get_json()
    spec_schema(listed, "AllocationList")
    assert [a["quantity"] for a in listed["allocations"]] == [30, 20]


def test_admin_may_allocate_but_not_other_organizers_or_resellers(
    client, auth_headers, make_user, event, reseller
):
    admin = make_user("admin")
    assert (
        allocate(
            client, auth_headers(admin), event.id, reseller_id=reseller.id, quantity=1
        ).status_code
        == 201
    )
    for intruder in (make_user("organizer"), reseller):
        response = allocate(
            client, auth_headers(intruder), event.id, reseller_id=reseller.id, quantity=1
        )
        assert response.status_code == 403
        assert (
            client.get(
                f"/events/{event.id}/allocations", headers=auth_headers(intruder)
            ).status_code
            == 403
        )
    assert client.post(f"/events/{event.id}/allocations", json={}).status_code == 401


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"role": "organizer"}, "not_a_reseller"),
        ({"role": "reseller", "email_verified": False}, "reseller_not_verified"),
        ({"role": "reseller", "is_active": False}, "reseller_inactive"),
        ({"role": "reseller", "is_blocked": True}, "reseller_inactive"),
    ],
)
def test_only_verified_active_resellers(
    client, auth_headers, make_user, owner, event, fields, code
):
    user = make_user(**fields)
    response = allocate(client, auth_headers(owner), event.id, reseller_id=user.id, quantity=1)
    assert response.status_code == 400
    assert response.get_json()["code"] == code


def test_unknown_reseller_and_invalid_bodies_are_400(client, auth_headers, owner, event):
    headers = auth_headers(owner)
    unknown = allocate(client, headers, event.id, reseller_email="nobody@example.tn", quantity=1)
    assert unknown.get_json()["code"] == "reseller_not_found"
    assert allocate(client, headers, event.id, quantity=1).status_code == 400
    assert allocate(client, headers, event.id, reseller_id=1, quantity=0).status_code == 400
    assert allocate(client, headers, event.id, reseller_id=1, quantity=1, sold=5).status_code == 400
    assert allocate(client, headers, 999999, reseller_id=1, quantity=1).status_code == 404


def test_never_beyond_unsold_unallocated_stock(
    client, db, auth_headers, owner, event, reseller, make_user, book
):
    headers = auth_headers(owner)
    assert book(event.id, quantity=10).status_code == 201  # 90 left for the organizer
    too_many = allocate(client, headers, event.id, reseller_id=reseller.id, quantity=91)
    assert too_many.status_code == 409
    assert too_many.get_json()["code"] == "allocation_exceeds_stock"
    assert too_many.get_json()["available"] == 90
    assert (
        allocate(client, headers, event.id, reseller_id=reseller.id, quantity=90).status_code == 201
    )
    assert (
        allocate(
            client, headers, event.id, reseller_id=make_user("reseller").id, quantity=1
        ).status_code
        == 409
    )
    assert stock_state(db, event.id).allocated == 90


def test_one_allocation_per_reseller_and_event(client, auth_headers, owner, event, reseller):
    headers = auth_headers(owner)
    assert (
        allocate(client, headers, event.id, reseller_id=reseller.id, quantity=5).status_code == 201
    )
    again = allocate(client, headers, event.id, reseller_email=reseller.email, quantity=5)
    assert again.status_code == 409
    assert again.get_json()["code"] == "allocation_exists"


def test_resize_not_below_sold_nor_beyond_stock(
    client, db, auth_headers, owner, event, reseller, make_allocation, book
):
    allocation = make_allocation(event, reseller, quantity=10)
    assert book(event.id, quantity=4, offer_id=allocation.id).status_code == 201
    url = f"/events/{event.id}/allocations/{allocation.id}"
    headers = auth_headers(owner)

    below = client.patch(url, json={"quantity": 3}, headers=headers)
    assert below.status_code == 409
    assert below.get_json()["code"] == "allocation_below_sold"
    beyond = client.patch(url, json={"quantity": 101}, headers=headers)
    assert beyond.status_code == 409
    assert stock_state(db, event.id).allocated == 10

    assert client.patch(url, json={"quantity": 4}, headers=headers).get_json()["remaining"] == 0
    assert stock_state(db, event.id).allocated == 4
    grown = client.patch(url, json={"quantity": 100}, headers=headers)
    assert grown.status_code == 200
    assert grown.get_json()["remaining"] == 96
    assert stock_state(db, event.id).direct_available == 0


def test_delete_returns_unsold_stock_and_refuses_after_sales(
    client, db, auth_headers, owner, event, make_allocation, book
):
    headers = auth_headers(owner)
    unsold = make_allocation(event, quantity=30).id
    sold = make_allocation(event, quantity=10).id
    assert book(event.id, offer_id=sold).status_code == 201

    assert (
        client.delete(f"/events/{event.id}/allocations/{unsold}", headers=headers).status_code
        == 204
    )
    assert stock_state(db, event.id).allocated == 10
    refused = client.delete(f"/events/{event.id}/allocations/{sold}", headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "allocation_has_sales"
    assert (
        client.delete(f"/events/{event.id}/allocations/{unsold}", headers=headers).status_code
        == 404
    )


def test_delete_refused_while_cancelled_bookings_point_at_it(
    client, auth_headers, owner, event, make_allocation, book
):
    allocation = make_allocation(event, quantity=5)
    reference = book(event.id, offer_id=allocation.id).get_json()["reference"]
    cancel = client.post(f"/bookings/{reference}/cancel", json={"email": "sami@example.tn"})
    assert cancel.status_code == 200
    refused = client.delete(
        f"/events/{event.id}/allocations/{allocation.id}", headers=auth_headers(owner)
    )
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "allocation_has_bookings"


def test_allocation_of_another_event_is_404(
    client, auth_headers, owner, event, make_event, make_allocation
):
    elsewhere = make_allocation(make_event(organizer=owner))
    url = f"/events/{event.id}/allocations/{elsewhere.id}"
    assert client.patch(url, json={"quantity": 1}, headers=auth_headers(owner)).status_code == 404


def test_reseller_lists_and_offers_only_own_allocations(
    client, auth_headers, event, reseller, make_user, make_allocation, spec_schema
):
    mine = make_allocation(event, reseller, quantity=10, on_sale=False)
    theirs = make_allocation(event, quantity=5)
    headers = auth_headers(reseller)

    listed = client.get("/allocations", headers=headers).get_json()
    spec_schema(listed, "ResellerAllocationList")
    listed = listed["allocations"]
    assert [a["id"] for a in listed] == [mine.id]
    assert listed[0]["event"]["id"] == event.id
    assert listed[0]["event"]["title"] == event.title

    offered = client.patch(
        f"/allocations/{mine.id}", json={"on_sale": True, "price": 25.5}, headers=headers
    )
    assert offered.status_code == 200
    assert (offered.get_json()["on_sale"], offered.get_json()["price"]) == (True, "25.500")
    same_price = client.patch(f"/allocations/{mine.id}", json={"on_sale": True}, headers=headers)
    assert same_price.get_json()["price"] == "25.500"
    reset = client.patch(
        f"/allocations/{mine.id}", json={"on_sale": True, "price": None}, headers=headers
    )
    assert reset.get_json()["price"] == "20.000"

    assert (
        client.patch(
            f"/allocations/{theirs.id}", json={"on_sale": False}, headers=headers
        ).status_code
        == 404
    )
    organizer = auth_headers(make_user("organizer"))
    assert client.get("/allocations", headers=organizer).status_code == 403
    assert (
        client.patch(
            f"/allocations/{mine.id}", json={"on_sale": False}, headers=organizer
        ).status_code
        == 403
    )


@pytest.mark.parametrize("price", [-1, "abc", "1.0001", True, "-2"])
def test_offer_price_is_validated(client, auth_headers, event, reseller, make_allocation, price):
    allocation = make_allocation(event, reseller)
    response = client.patch(
        f"/allocations/{allocation.id}",
        json={"on_sale": True, "price": price},
        headers=auth_headers(reseller),
    )
    assert response.status_code == 400
    assert "price" in response.get_json()["fields"]


def test_offers_list_direct_stock_and_on_sale_resellers(
    client, make_event, make_user, make_allocation, spec_schema
):
    organizer = make_user("organizer", name="Festival Carthage")
    event = make_event(organizer=organizer, number_of_tickets=100)
    karim = make_user("reseller", name="Karim")
    on_sale = make_allocation(event, karim, quantity=30, price_minor=25000)
    make_allocation(event, quantity=20, on_sale=False)

    offers = client.get(f"/events/{event.id}/offers").get_json()
    spec_schema(offers, "OfferList")
    offers = offers["offers"]
    assert offers == [
        {
            "offer_id": None,
            "seller": {"type": "organizer", "id": organizer.id, "name": "Festival Carthage"},
            "price": "20.000",
            "currency_code": "TND",
            "available": 50,
        },
        {
            "offer_id": on_sale.id,
            "seller": {"type": "reseller", "id": karim.id, "name": "Karim"},
            "price": "25.000",
            "currency_code": "TND",
            "available": 30,
        },
    ]
    assert client.get("/events/999999/offers").status_code == 404
