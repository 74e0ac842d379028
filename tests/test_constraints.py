"""The database itself refuses stock that would oversell, whatever the code above it does."""

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.events.models import Event
from app.tickets.models import Allocation


def assert_refused(db, statement):
    with pytest.raises(IntegrityError):
        db.session.execute(statement)
        db.session.commit()
    db.session.rollback()


def test_event_counters_cannot_exceed_capacity_or_go_negative(db, make_event):
    event = make_event(number_of_tickets=10)
    where = Event.id == event.id
    assert_refused(db, update(Event).where(where).values(tickets_sold=11))
    assert_refused(db, update(Event).where(where).values(direct_sold=6, allocated=5))
    assert_refused(db, update(Event).where(where).values(direct_sold=-1))
    assert_refused(db, update(Event).where(where).values(price_minor=-1))
    db.session.execute(update(Event).where(where).values(direct_sold=5, allocated=5))
    db.session.commit()


def test_an_allocation_never_sells_more_than_its_quantity(db, make_event, make_user):
    event = make_event()
    reseller = make_user("reseller")
    allocation = Allocation(event_id=event.id, reseller_id=reseller.id, quantity=3)
    db.session.add(allocation)
    db.session.commit()
    assert_refused(db, update(Allocation).where(Allocation.id == allocation.id).values(sold=4))
    duplicate = Allocation(event_id=event.id, reseller_id=reseller.id, quantity=1)
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
