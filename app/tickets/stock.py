"""Stock changes: each is ONE conditional UPDATE (or a row lock), checked by its row count.

`UPDATE ... SET sold = sold + :n WHERE id = :id AND quantity - sold >= :n` is atomic on SQLite and
PostgreSQL alike: the database re-checks the condition on the row it updates, so concurrent sales
from any number of processes can never push a counter past its limit, and no lock is held while
the rest of the request runs. Call these as late as possible in the transaction that records the
sale; the caller commits (and a raised error means the caller must not). The CHECK constraints of
the models are the last line of defence.

Lock order, to keep PostgreSQL free of deadlocks: a booking row, then an allocation row, then the
event row. Every function here touches the allocation before the event.
"""

from sqlalchemy import bindparam, delete, select, update

from app.common.rawsql import RawStatement
from app.errors import Conflict, NotFound, SoldOut
from app.events.models import Event
from app.extensions import db
from app.tickets.models import Allocation


class OfferNotOnSale(Conflict):
    code = "offer_not_on_sale"
    message = "This reseller offer is not on sale."


def _apply(statement):
    """Runs a conditional UPDATE; True when it changed the row (its condition held)."""
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount == 1


events = Event.__table__
# The hot path's statements, run on the driver's cursor (app/common/rawsql.py).
TAKE_DIRECT = RawStatement(
    update(events)
    .where(
        events.c.id == bindparam("event_id"),
        events.c.number_of_tickets - events.c.allocated - events.c.direct_sold
        >= bindparam("quantity"),
    )
    .values(
        direct_sold=events.c.direct_sold + bindparam("quantity"),
        tickets_sold=events.c.tickets_sold + bindparam("quantity"),
    )
    # The changed row comes back as a row, not a row count: a result that works in a pipeline.
    .returning(events.c.id)
)
DIRECT_AVAILABLE = RawStatement(
    select(
        (events.c.number_of_tickets - events.c.allocated - events.c.direct_sold).label("available")
    ).where(events.c.id == bindparam("event_id"))
)


def take_direct(event_id, quantity, connection=None):
    """Sells `quantity` of the organizer's direct stock, or raises SoldOut."""
    connection = connection or db.session.connection()
    ensure_taken(send_take_direct(event_id, quantity, connection), event_id, connection)


def send_take_direct(event_id, quantity, connection):
    """Sends the sale of `quantity` of the organizer's direct stock: its Outcome, which
    ensure_taken() checks (inside rawsql.pipeline() it is only queued)."""
    return TAKE_DIRECT.send(connection, {"event_id": event_id, "quantity": quantity})


def ensure_taken(outcome, event_id, connection):
    """Raises SoldOut when the conditional UPDATE of send_take_direct() changed no row."""
    if not outcome.result():
        raise SoldOut(available=direct_available(event_id, connection))


def release_direct(event_id, quantity):
    """Returns cancelled tickets to the organizer's direct stock."""
    _apply(
        update(Event)
        .where(Event.id == event_id, Event.direct_sold >= quantity)
        .values(
            direct_sold=Event.direct_sold - quantity,
            tickets_sold=Event.tickets_sold - quantity,
        )
    )


def take_from_allocation(allocation_id, event_id, quantity):
    """Sells `quantity` of an on-sale reseller allocation (counted on the event too).

    Raises SoldOut, or OfferNotOnSale when the reseller withdrew the offer meanwhile: the on_sale
    test is part of the same conditional UPDATE, so a withdrawal and a sale cannot cross.
    """
    changed = _apply(
        update(Allocation)
        .where(
            Allocation.id == allocation_id,
            Allocation.on_sale.is_(True),
            Allocation.quantity - Allocation.sold >= quantity,
        )
        .values(sold=Allocation.sold + quantity)
    )
    if not changed:
        allocation = db.session.get(Allocation, allocation_id, populate_existing=True)
        if allocation is None or not allocation.on_sale:
            raise OfferNotOnSale()
        raise SoldOut(available=allocation.remaining)
    _apply(
        update(Event).where(Event.id == event_id).values(tickets_sold=Event.tickets_sold + quantity)
    )


def release_to_allocation(allocation_id, event_id, quantity):
    """Returns cancelled tickets to the reseller's allocation they were sold from."""
    _apply(
        update(Allocation)
        .where(Allocation.id == allocation_id, Allocation.sold >= quantity)
        .values(sold=Allocation.sold - quantity)
    )
    _apply(
        update(Event)
        .where(Event.id == event_id, Event.tickets_sold >= quantity)
        .values(tickets_sold=Event.tickets_sold - quantity)
    )


def allocate(event_id, quantity):
    """Moves `quantity` from the organizer's unsold, unallocated stock to the allocated pool."""
    changed = _apply(
        update(Event)
        .where(
            Event.id == event_id,
            Event.number_of_tickets - Event.allocated - Event.direct_sold >= quantity,
        )
        .values(allocated=Event.allocated + quantity)
    )
    if not changed:
        raise Conflict(
            "The allocation would exceed the organizer's unsold, unallocated tickets.",
            code="allocation_exceeds_stock",
            available=direct_available(event_id),
        )


def deallocate(event_id, quantity):
    """Gives `quantity` allocated tickets back to the organizer's direct stock."""
    _apply(
        update(Event)
        .where(Event.id == event_id, Event.allocated >= quantity)
        .values(allocated=Event.allocated - quantity)
    )


def lock_allocation(allocation_id):
    """(quantity, sold) of an allocation, its row locked until commit (PostgreSQL).

    SQLite has no row locks; there every write transaction already holds the database's write
    lock (BEGIN IMMEDIATE), which serializes the same way.
    """
    query = select(Allocation.quantity, Allocation.sold).where(Allocation.id == allocation_id)
    row = db.session.execute(query.with_for_update()).one_or_none()
    if row is None:  # deleted by a concurrent request since the caller found it
        raise NotFound("Allocation not found.", code="allocation_not_found")
    return row


def resize_allocation(allocation_id, event_id, new_quantity):
    """Sets an allocation's quantity: never below what the reseller sold, never beyond stock."""
    quantity, sold = lock_allocation(allocation_id)
    if new_quantity < sold:
        raise Conflict(
            f"The quantity cannot go below the {sold} ticket(s) the reseller has sold.",
            code="allocation_below_sold",
            sold=sold,
        )
    _apply(update(Allocation).where(Allocation.id == allocation_id).values(quantity=new_quantity))
    delta = new_quantity - quantity
    if delta > 0:
        allocate(event_id, delta)
    elif delta < 0:
        deallocate(event_id, -delta)


def withdraw_allocation(allocation_id, event_id):
    """Deletes an allocation nothing was sold from; its tickets go back to the organizer."""
    quantity, sold = lock_allocation(allocation_id)
    if sold:
        raise Conflict(
            f"The reseller has sold {sold} ticket(s): reduce the quantity instead.",
            code="allocation_has_sales",
            sold=sold,
        )
    db.session.execute(
        delete(Allocation)
        .where(Allocation.id == allocation_id)
        .execution_options(synchronize_session=False)
    )
    deallocate(event_id, quantity)


def set_capacity(event_id, number_of_tickets):
    """Changes an event's number_of_tickets; never below what is sold plus allocated (409)."""
    changed = _apply(
        update(Event)
        .where(
            Event.id == event_id,
            Event.direct_sold + Event.allocated <= number_of_tickets,
            Event.tickets_sold <= number_of_tickets,
        )
        .values(number_of_tickets=number_of_tickets)
    )
    if not changed:
        raise Conflict(
            "number_of_tickets cannot go below the tickets sold plus those allocated to resellers.",
            code="capacity_below_committed",
        )


def direct_available(event_id, connection=None):
    rows = DIRECT_AVAILABLE.execute(connection or db.session.connection(), {"event_id": event_id})
    return rows[0].available if rows else 0
