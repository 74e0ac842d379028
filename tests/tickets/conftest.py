"""Helpers of the ticketing tests: resellers with allocations, bookings, and the stock invariant."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from app.events.models import Event
from app.tickets.models import Allocation, Booking, Ticket


@pytest.fixture()
def make_allocation(db, make_user):
    """make_allocation(event, reseller=None, quantity=10, on_sale=True, price_minor=None)."""

    def make(event, reseller=None, quantity=10, on_sale=True, price_minor=None):
        reseller = reseller or make_user("reseller")
        allocation = Allocation(
            event_id=event.id,
            reseller_id=reseller.id,
            quantity=quantity,
            on_sale=on_sale,
            price_minor=price_minor,
        )
        event.allocated += quantity
        db.session.add(allocation)
        db.session.commit()
        return allocation

    return make


def booking_body(quantity=1, email="sami@example.tn", name="Sami Trabelsi", offer_id=None):
    body = {"quantity": quantity, "buyer": {"name": name, "email": email}}
    if offer_id is not None:
        body["offer_id"] = offer_id
    return body


@pytest.fixture()
def book(client):
    """book(event_id, quantity=1, email=..., offer_id=None, headers=None) -> the response."""

    def post(event_id, quantity=1, headers=None, **buyer):
        return client.post(
            f"/events/{event_id}/bookings", json=booking_body(quantity, **buyer), headers=headers
        )

    return post


def stock_state(db, event_id):
    """Fresh counters of an event, from the database."""
    db.session.expire_all()
    return db.session.get(Event, event_id)


def assert_stock_consistent(db, event_id):
    """The counters agree with the bookings and tickets, and stay within the stock."""
    event = stock_state(db, event_id)
    confirmed = (Booking.event_id == event_id, Booking.status == "confirmed")
    sold = db.session.scalar(select(func.coalesce(func.sum(Booking.quantity), 0)).where(*confirmed))
    tickets = db.session.scalar(select(func.count(Ticket.id)).join(Booking).where(*confirmed))
    direct = db.session.scalar(
        select(func.coalesce(func.sum(Booking.quantity), 0)).where(
            *confirmed, Booking.allocation_id.is_(None)
        )
    )
    assert event.tickets_sold == sold == tickets
    assert event.direct_sold == direct
    allocations = list(
        db.session.scalars(select(Allocation).where(Allocation.event_id == event_id))
    )
    assert event.allocated == sum(allocation.quantity for allocation in allocations)
    for allocation in allocations:
        by_reseller = db.session.scalar(
            select(func.coalesce(func.sum(Booking.quantity), 0)).where(
                *confirmed, Booking.allocation_id == allocation.id
            )
        )
        assert allocation.sold == by_reseller <= allocation.quantity
    assert event.direct_sold + event.allocated <= event.number_of_tickets
    db.session.rollback()  # end the read: a server may need the SQLite write lock next
    return event


def post_in_parallel(url, bodies, headers=None, threads=20):
    """POSTs every body at once from `threads` threads; returns the responses in order."""

    def post(body):
        return requests.post(url, json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(post, bodies))
