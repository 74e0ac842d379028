"""Each stock statement changes its own row only: the other event and allocations stay as they were.

Every statement of app/tickets/stock.py names its row by id. A test that builds a single row
cannot tell `WHERE id = :id AND ...` from `WHERE ...`; these build, next to the row under test,
another event and allocations whose counters would all satisfy the rest of the condition, so a
lost id condition shows as a bystander that changed.
"""

import pytest

from app.errors import SoldOut
from app.events.models import Event
from app.tickets import stock
from app.tickets.models import Allocation

# Every counter of every row is above what the tests move, so a statement that lost its id
# condition would match the bystanders too (its other conditions hold for them).
DIRECT_SOLD = 5
ALLOCATION_QUANTITY = 10
ALLOCATION_SOLD = 3


@pytest.fixture()
def rows(db, make_user, make_event):
    """Ids of: `other_event` and `other_allocation` (made first), then `event`, its
    `allocation` and a `sibling` allocation of another reseller on the same event."""
    organizer = make_user("organizer")
    other_event = busy_event(db, make_event, organizer)
    other_allocation = busy_allocation(db, other_event, make_user("reseller"))
    event = busy_event(db, make_event, organizer)
    allocation = busy_allocation(db, event, make_user("reseller"))
    sibling = busy_allocation(db, event, make_user("reseller"))
    return {
        "other_event": other_event.id,
        "other_allocation": other_allocation.id,
        "event": event.id,
        "allocation": allocation.id,
        "sibling": sibling.id,
    }


def busy_event(db, make_event, organizer):
    event = make_event(organizer, number_of_tickets=100)
    event.direct_sold = event.tickets_sold = DIRECT_SOLD
    db.session.commit()
    return event


def busy_allocation(db, event, reseller):
    allocation = Allocation(
        event_id=event.id,
        reseller_id=reseller.id,
        quantity=ALLOCATION_QUANTITY,
        sold=ALLOCATION_SOLD,
        on_sale=True,
    )
    event.allocated += ALLOCATION_QUANTITY
    event.tickets_sold += ALLOCATION_SOLD
    db.session.add(allocation)
    db.session.commit()
    return allocation


def state(db, rows):
    """Every row's counters as the database holds them now (None for a deleted allocation)."""
    db.session.expire_all()
    snapshot = {}
    for name, row_id in rows.items():
        if name.endswith("event"):
            event = db.session.get(Event, row_id)
            snapshot[name] = {
                "number_of_tickets": event.number_of_tickets,
                "allocated": event.allocated,
                "direct_sold": event.direct_sold,
                "tickets_sold": event.tickets_sold,
            }
        else:
            allocation = db.session.get(Allocation, row_id)
            snapshot[name] = allocation and {
                "quantity": allocation.quantity,
                "sold": allocation.sold,
                "on_sale": allocation.on_sale,
            }
    db.session.rollback()
    return snapshot


def assert_only(before, after, **changed):
    """`changed` names the rows that must have changed, with their new fields (None: deleted);
    every other row must be exactly as before."""
    for name, row in before.items():
        if name in changed and changed[name] is None:
            assert after[name] is None, name
        else:
            assert after[name] == {**row, **changed.get(name, {})}, name


def moved(row, **deltas):
    """The fields of `row` that `deltas` names, each moved by its delta."""
    return {field: row[field] + delta for field, delta in deltas.items()}


def commit_and_compare(db, rows, before, **changed):
    db.session.commit()
    assert_only(before, state(db, rows), **changed)


def test_take_direct_sells_from_its_event_only(db, rows):
    before = state(db, rows)
    stock.take_direct(rows["event"], 2)
    commit_and_compare(
        db, rows, before, event=moved(before["event"], direct_sold=2, tickets_sold=2)
    )


def direct_available(row):
    return row["number_of_tickets"] - row["allocated"] - row["direct_sold"]


def test_a_refused_direct_sale_reports_its_own_events_stock(db, rows):
    before = state(db, rows)
    available = direct_available(before["event"])
    assert direct_available(before["other_event"]) != available  # one allocation fewer
    with pytest.raises(SoldOut) as refused:
        stock.take_direct(rows["event"], available + 1)
    assert refused.value.extra == {"available": available}
    db.session.rollback()
    assert_only(before, state(db, rows))


def test_release_direct_returns_to_its_event_only(db, rows):
    before = state(db, rows)
    stock.release_direct(rows["event"], 2)
    commit_and_compare(
        db, rows, before, event=moved(before["event"], direct_sold=-2, tickets_sold=-2)
    )


def test_take_from_allocation_sells_from_its_allocation_and_event_only(db, rows):
    before = state(db, rows)
    stock.take_from_allocation(rows["allocation"], rows["event"], 2)
    commit_and_compare(
        db,
        rows,
        before,
        allocation=moved(before["allocation"], sold=2),
        event=moved(before["event"], tickets_sold=2),
    )


def test_take_from_an_allocation_off_sale_is_refused_and_sells_nothing(db, rows):
    allocation = db.session.get(Allocation, rows["allocation"])
    allocation.on_sale = False
    db.session.commit()
    before = state(db, rows)
    with pytest.raises(stock.OfferNotOnSale):
        stock.take_from_allocation(rows["allocation"], rows["event"], 2)
    db.session.rollback()
    assert_only(before, state(db, rows))


def test_release_to_allocation_returns_to_its_allocation_and_event_only(db, rows):
    before = state(db, rows)
    stock.release_to_allocation(rows["allocation"], rows["event"], 2)
    commit_and_compare(
        db,
        rows,
        before,
        allocation=moved(before["allocation"], sold=-2),
        event=moved(before["event"], tickets_sold=-2),
    )


def test_allocate_adds_to_its_event_only(db, rows):
    before = state(db, rows)
    stock.allocate(rows["event"], 4)
    commit_and_compare(db, rows, before, event=moved(before["event"], allocated=4))


def test_deallocate_takes_from_its_event_only(db, rows):
    before = state(db, rows)
    stock.deallocate(rows["event"], 4)
    commit_and_compare(db, rows, before, event=moved(before["event"], allocated=-4))


def test_resize_allocation_changes_its_allocation_and_event_only(db, rows):
    before = state(db, rows)
    stock.resize_allocation(rows["allocation"], rows["event"], ALLOCATION_QUANTITY + 4)
    commit_and_compare(
        db,
        rows,
        before,
        allocation=moved(before["allocation"], quantity=4),
        event=moved(before["event"], allocated=4),
    )


def test_withdraw_allocation_deletes_its_allocation_only(db, rows):
    allocation = db.session.get(Allocation, rows["allocation"])
    allocation.sold = 0  # only an allocation nothing was sold from can be withdrawn
    db.session.get(Event, rows["event"]).tickets_sold -= ALLOCATION_SOLD
    db.session.commit()
    before = state(db, rows)
    stock.withdraw_allocation(rows["allocation"], rows["event"])
    commit_and_compare(
        db,
        rows,
        before,
        allocation=None,
        event=moved(before["event"], allocated=-ALLOCATION_QUANTITY),
    )


def test_set_capacity_changes_its_event_only(db, rows):
    before = state(db, rows)
    stock.set_capacity(rows["event"], 60)
    commit_and_compare(db, rows, before, event={"number_of_tickets": 60})
