"""The stock primitives and the booking service, called directly, also from parallel threads."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from app.errors import Conflict, SoldOut
from app.extensions import db as _db
from app.tickets import service, stock
from app.tickets.schemas import BookingIn
from tests.tickets.conftest import assert_stock_consistent, booking_body


def test_take_direct_never_passes_the_direct_stock(db, make_event, make_allocation):
    event = make_event(number_of_tickets=10)
    make_allocation(event, quantity=6)
    stock.take_direct(event.id, 4)
    with pytest.raises(SoldOut) as refused:
        stock.take_direct(event.id, 1)
    assert refused.value.extra == {"available": 0}
    db.session.commit()
    db.session.expire_all()
    assert (event.direct_sold, event.tickets_sold, event.allocated) == (4, 4, 6)


def test_resize_and_withdraw_keep_the_pools_whole(db, make_event, make_allocation):
    event = make_event(number_of_tickets=10)
    allocation = make_allocation(event, quantity=5)
    stock.resize_allocation(allocation.id, event.id, 8)
    with pytest.raises(Conflict):
        stock.resize_allocation(allocation.id, event.id, 11)
    db.session.rollback()
    stock.withdraw_allocation(allocation.id, event.id)
    db.session.commit()
    db.session.expire_all()
    assert (event.allocated, event.direct_available) == (0, 10)


def test_parallel_service_bookings_sell_exactly_the_stock(app, db, make_event):
    event_id = make_event(number_of_tickets=15).id
    db.session.commit()

    def book(n):
        with app.app_context():
            order = BookingIn.model_validate(booking_body(email=f"t{n}@example.tn"))
            try:
                return service.book_tickets(event_id, order)["reference"]
            except SoldOut:
                return None
            finally:
                _db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(book, range(30)))

    assert len([ref for ref in references if ref]) == 15
    assert assert_stock_consistent(db, event_id).tickets_sold == 15
