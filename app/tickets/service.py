"""Ticketing use cases: allocations, offers, bookings, check-in. Each owns its transaction.

Stock moves only through app/tickets/stock.py, as the last writes before the commit, so the row
locks PostgreSQL takes for them are held as briefly as possible.
"""

import secrets
from base64 import b32encode
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, exists, func, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.audit import record_audit
from app.auth.models import User
from app.auth.service import normalise_email
from app.common import rawsql
from app.common.models import utcnow
from app.common.money import MoneyError, to_minor
from app.common.rawsql import RawStatement
from app.email import queue_email
from app.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from app.events.models import Event
from app.extensions import db
from app.tickets import emails, stock
from app.tickets.models import HOLDING_STATUSES, Allocation, Booking, Buyer, Ticket
from app.tickets.schemas import booking_out, purchase_out

# 80 random bits, base32: 16 characters, easy to read out or type, never sequential.
CODE_BYTES = 10


def random_code():
    return b32encode(secrets.token_bytes(CODE_BYTES)).decode()


# --- access -------------------------------------------------------------------------------------


def get_event(event_id):
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("Event not found.", code="event_not_found")
    return event


def manages(user, event):
    return user is not None and (user.role == "admin" or event.organizer_id == user.id)


def get_managed_event(event_id, actor):
    """The event, when `actor` is its organizer or an admin (403 otherwise)."""
    event = get_event(event_id)
    if not manages(actor, event):
        raise Forbidden(
            "Only the event's organizer or an admin can do this.", code="not_event_owner"
        )
    return event


# --- allocations --------------------------------------------------------------------------------


def get_event_allocation(event, allocation_id):
    allocation = db.session.get(Allocation, allocation_id)
    if allocation is None or allocation.event_id != event.id:
        raise NotFound("Allocation not found.", code="allocation_not_found")
    return allocation


def find_reseller(data):
    """The verified, active reseller named by id or email (400 with a precise code otherwise)."""
    if data.reseller_id is not None:
        user = db.session.get(User, data.reseller_id)
    else:
        email = normalise_email(data.reseller_email)
        user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise BadRequest(
            "No user has this reseller_id or reseller_email.", code="reseller_not_found"
        )
    if user.role != "reseller":
        raise BadRequest("This user is not a reseller.", code="not_a_reseller")
    if not user.email_verified:
        raise BadRequest(
            "This reseller has not verified their email.", code="reseller_not_verified"
        )
    if user.is_blocked or not user.is_active:
        raise BadRequest("This reseller's account is not active.", code="reseller_inactive")
    return user


def ensure_no_allocation(event, reseller):
    taken = db.session.scalar(
        select(
            exists().where(Allocation.event_id == event.id, Allocation.reseller_id == reseller.id)
        )
    )
    if taken:
        raise AllocationExists()


class AllocationExists(Conflict):
    code = "allocation_exists"
    message = "This reseller already has an allocation for this event: change its quantity."


def allocate_to_reseller(event_id, data, actor):
    """Gives part of the organizer's unsold, unallocated stock to a verified reseller."""
    event = get_managed_event(event_id, actor)
    reseller = find_reseller(data)
    ensure_no_allocation(event, reseller)
    allocation = Allocation(event_id=event.id, reseller_id=reseller.id, quantity=data.quantity)
    db.session.add(allocation)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent request created it after our check
        db.session.rollback()
        raise AllocationExists() from None
    stock.allocate(event.id, data.quantity)
    audit_allocation("allocation_created", allocation, actor)
    db.session.commit()
    return allocation


def audit_allocation(action, allocation, actor):
    record_audit(
        action,
        actor_id=actor.id,
        target_type="allocation",
        target_id=allocation.id,
        event_id=allocation.event_id,
        reseller_id=allocation.reseller_id,
        quantity=allocation.quantity,
    )


def list_event_allocations(event_id, actor):
    """The event's allocations, for its organizer or an admin."""
    event = get_managed_event(event_id, actor)
    query = (
        select(Allocation)
        .where(Allocation.event_id == event.id)
        .options(joinedload(Allocation.reseller), joinedload(Allocation.event))
        .order_by(Allocation.id)
    )
    return list(db.session.scalars(query))


def resize_event_allocation(event_id, allocation_id, quantity, actor):
    """Changes an allocation's quantity: not below what was sold, not beyond the stock."""
    event = get_managed_event(event_id, actor)
    allocation = get_event_allocation(event, allocation_id)
    stock.resize_allocation(allocation.id, event.id, quantity)
    db.session.refresh(allocation)
    audit_allocation("allocation_resized", allocation, actor)
    db.session.commit()
    return allocation


def delete_event_allocation(event_id, allocation_id, actor):
    """Withdraws an allocation nothing was sold from; its tickets go back to the organizer."""
    event = get_managed_event(event_id, actor)
    allocation = get_event_allocation(event, allocation_id)
    # Cancelled bookings still point at it: deleting it would erase where they were sold.
    if not allocation.sold and has_bookings(allocation):
        raise Conflict(
            "Bookings were made on this allocation: set its quantity to 0 instead.",
            code="allocation_has_bookings",
        )
    stock.withdraw_allocation(allocation.id, event.id)
    audit_allocation("allocation_deleted", allocation, actor)
    db.session.commit()


def has_bookings(allocation):
    return db.session.scalar(select(exists().where(Booking.allocation_id == allocation.id)))


def list_reseller_allocations(reseller):
    """The reseller's own allocations, each with its event."""
    query = (
        select(Allocation)
        .where(Allocation.reseller_id == reseller.id)
        .options(joinedload(Allocation.event), joinedload(Allocation.reseller))
        .order_by(Allocation.id)
    )
    return list(db.session.scalars(query))


def update_reseller_offer(allocation_id, data, reseller):
    """Puts the reseller's allocation on sale (at its price) or takes it off sale."""
    allocation = db.session.get(Allocation, allocation_id)
    if allocation is None or allocation.reseller_id != reseller.id:
        raise NotFound("Allocation not found.", code="allocation_not_found")
    allocation.on_sale = data.on_sale
    if data.price_given:
        allocation.price_minor = price_in_minor(data.price, allocation.event.currency_code)
    db.session.commit()
    return allocation


def price_in_minor(price, currency_code):
    if price is None:
        return None
    try:
        return to_minor(price, currency_code)
    except MoneyError as exc:
        raise ValidationFailed(fields={"price": [str(exc)]}) from None


# --- offers -------------------------------------------------------------------------------------


def list_offers(event_id):
    """(event, on-sale reseller allocations): where the event's tickets can be bought."""
    event = get_event(event_id)
    query = (
        select(Allocation)
        .where(Allocation.event_id == event.id, Allocation.on_sale.is_(True))
        .options(joinedload(Allocation.reseller), joinedload(Allocation.event))
        .order_by(Allocation.id)
    )
    return event, list(db.session.scalars(query))


# --- bookings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sale:
    event_id: int
    quantity: int
    buyer_name: str
    buyer_email: str
    offer_id: int | None = None
    user_id: int | None = None
    # MAX_TICKETS_PER_BUYER applies (everywhere but the bookings an admin makes by hand).
    per_buyer_cap: bool = True


def book_tickets(event_id, order, claim=None, per_buyer_cap=True):
    """Books tickets for a buyer without an account, from the organizer or a reseller offer.

    Returns the booking as the API shows it (see sell()).
    """
    sale = Sale(
        event_id,
        order.quantity,
        order.buyer.name,
        order.buyer.email,
        offer_id=order.offer_id,
        per_buyer_cap=per_buyer_cap,
    )
    return sell(sale, claim, booking_out)


def purchase_tickets(event_id, num_tickets, user, claim=None):
    """Compat: the logged-in user buys from the organizer's direct stock; returns its shape."""
    name = user.name or user.username
    sale = Sale(event_id, num_tickets, name, user.email, user_id=user.id)
    return sell(sale, claim, purchase_out)


def sell(sale, claim, response_shape):
    """Records the booking and its tickets, queues the confirmation, takes the stock last.

    The hot path of the API: plain SQL statements on the driver's cursor (app/common/rawsql.py),
    and the response built from the values this transaction wrote, so nothing is loaded twice.
    The conditional stock UPDATE is the last statement before the commit: on PostgreSQL the
    event's row lock it takes is held from the UPDATE's round trip to the commit's, nothing else
    in between but the stored idempotent response when there is one.

    On PostgreSQL a sale of the organizer's stock goes to the server in three round trips, not
    one per statement (rawsql.pipeline): the event, the buyer (row locked) and the tickets the
    buyer already holds for the event (the per-buyer cap, see send_tickets_held); the booking,
    tickets, email and stock; the commit (a fourth stores the idempotent response when there is
    a key). A reseller sale reads its offer through the ORM, statement by statement.
    """
    connection = db.session.connection()
    try:
        with rawsql.pipeline(connection, enabled=sale.offer_id is None):
            event = EVENT_FOR_SALE.send(connection, {"event_id": sale.event_id})
            buyer = send_buyer(connection, sale.buyer_email, sale.buyer_name)
            held = send_tickets_held(connection, sale)
            event = bookable_event(event.result(), sale.quantity)
            ensure_within_buyer_cap(held, sale)
            offer = find_offer(event, sale.offer_id)
            booking, new_booking = record_booking(connection, event, offer, buyer(), sale)
            confirmation = emails.booking_confirmation(booking)
            queue_email(booking.buyer.email, *confirmation, connection=connection)
            taken = take_stock(booking, connection)
        # Leaving the pipeline sent what was queued and read every result: one round trip.
    except IntegrityError:
        raise_if_event_deleted(sale.event_id)
        raise
    ensure_stock_taken(taken, booking, connection)
    booking = replace(booking, id=new_booking.result()[0].id)
    body = response_shape(booking)
    if claim is not None:
        claim.complete(201, body)
    db.session.commit()
    return body


def raise_if_event_deleted(event_id):
    """After a sale's statements failed a constraint: NotFound when the event is gone.

    The event is read without a lock (the stock UPDATE takes it last), so on PostgreSQL a
    delete can commit in between, and the booking's foreign key then fails: for the client
    that is an unknown event, not a server error. SQLite's writers queue, so it cannot happen
    there.
    """
    db.session.rollback()
    if not db.session.scalar(select(exists().where(Event.id == event_id))):
        raise NotFound("Event not found.", code="event_not_found")


events_table = Event.__table__
users_table = User.__table__
buyers_table = Buyer.__table__
bookings_table = Booking.__table__
tickets_table = Ticket.__table__

# The hot path's statements, run on the driver's cursor (app/common/rawsql.py).
EVENT_FOR_SALE = RawStatement(
    select(
        events_table.c.id,
        events_table.c.organizer_id,
        events_table.c.title,
        events_table.c.starts_at,
        events_table.c.location,
        events_table.c.price_minor,
        events_table.c.currency_code,
        users_table.c.name.label("organizer_name"),
    )
    .join_from(events_table, users_table, events_table.c.organizer_id == users_table.c.id)
    .where(events_table.c.id == bindparam("event_id"))
)
# Locked (PostgreSQL: FOR NO KEY UPDATE) so that one buyer's sales queue for the per-buyer cap:
# see send_tickets_held. NO KEY: the foreign-key checks of other bookings naming this buyer take
# KEY SHARE, which this lock does not block.
BUYER_BY_EMAIL = RawStatement(
    select(buyers_table.c.id, buyers_table.c.name)
    .where(buyers_table.c.email == bindparam("email"))
    .with_for_update(key_share=True)
)
# Tickets the buyer holds for the event, in bookings of every seller; the buyer by email, so the
# statement goes out with the buyer's own (its id is not known yet inside a pipeline). NULL when
# there are none. The statuses are SQL literals: RawStatement binds only named parameters.
TICKETS_HELD = RawStatement(
    select(func.sum(bookings_table.c.quantity).label("held")).where(
        bookings_table.c.buyer_id
        == select(buyers_table.c.id)
        .where(buyers_table.c.email == bindparam("email"))
        .scalar_subquery(),
        bookings_table.c.event_id == bindparam("event_id"),
        bookings_table.c.status.in_([literal_column(f"'{status}'") for status in HOLDING_STATUSES]),
    )
)
# INSERT ... ON CONFLICT (email) DO NOTHING: a new buyer in one statement, no savepoint (the buyer
# may exist, or a concurrent request may just have created them); BUYER_BY_EMAIL reads it back.
NEW_BUYER = {
    name: RawStatement(
        dialect_insert(buyers_table)
        .on_conflict_do_nothing(index_elements=[buyers_table.c.email])
        .inline(),  # no implicit RETURNING of the id: BUYER_BY_EMAIL reads it
        columns=["email", "name"],
    )
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}
BOOKING_COLUMNS = [
    "reference", "event_id", "allocation_id", "seller_id", "buyer_id", "user_id", "quantity",
    "unit_price_minor", "total_minor", "currency_code", "status", "created_at",
]  # fmt: skip
NEW_BOOKING = RawStatement(
    insert(bookings_table).returning(bookings_table.c.id), columns=BOOKING_COLUMNS
)
# The booking's id by its reference: the tickets go out in the same batch as their booking.
NEW_TICKET = RawStatement(
    insert(tickets_table)
    .inline()  # no implicit RETURNING of each ticket's id on PostgreSQL: nothing reads it
    .values(
        booking_id=select(bookings_table.c.id)
        .where(bookings_table.c.reference == bindparam("reference"))
        .scalar_subquery(),
        event_id=bindparam("event_id"),
        code=bindparam("code"),
    )
)


@dataclass(frozen=True)
class Party:
    """A seller or buyer as the booking's response and email show them."""

    id: int
    name: str
    email: str | None = None


@dataclass(frozen=True)
class IssuedTicket:
    code: str
    checked_in_at: None = None


@dataclass(frozen=True)
class RecordedBooking:
    """A booking just written, with the attributes booking_out and the emails read."""

    id: int | None  # None until the INSERT's result is read
    reference: str
    event: Any  # the EVENT_FOR_SALE row: id, title, starts_at, location, ...
    allocation_id: int | None
    seller: Party
    buyer: Party
    quantity: int
    unit_price_minor: int
    total_minor: int
    currency_code: str
    tickets: list
    created_at: datetime
    status: str = "confirmed"
    cancelled_at: None = None

    @property
    def event_id(self):
        return self.event.id


def bookable_event(rows, quantity):
    """The event's row (EVENT_FOR_SALE), when it exists and can still be booked."""
    if not rows:
        raise NotFound("Event not found.", code="event_not_found")
    ensure_bookable(rows[0], quantity)
    return rows[0]


def send_buyer(connection, email, name):
    """Creates the buyer unless their email is known (an existing buyer keeps their name) and
    sends the read of their row; returns a function that gives the buyer as a Party once the
    statements have run (inside a pipeline, calling it waits for them)."""
    email = normalise_email(email)
    new_buyer = NEW_BUYER.get(connection.dialect.name)
    if new_buyer is None:  # another database: the portable way, at once
        buyer = find_or_create_buyer(email, name)
        return lambda: Party(buyer.id, buyer.name, buyer.email)
    new_buyer.send(connection, {"email": email, "name": name})
    found = BUYER_BY_EMAIL.send(connection, {"email": email})

    def read_buyer():
        row = found.result()[0]
        return Party(row.id, row.name, email)

    return read_buyer


def send_tickets_held(connection, sale):
    """Sends the count of tickets the sale's buyer holds for its event: an Outcome for
    ensure_within_buyer_cap(), or None when the cap does not apply.

    The count must see every sale of this buyer committed before this one, and none may commit
    between the count and this sale's booking. SQLite: every sale's transaction holds the
    database's write lock from its first statement, so sales run one at a time. PostgreSQL (READ
    COMMITTED): a plain count-then-insert would let two sales of one buyer both count the same
    total and both pass. So send_buyer() locks the buyer's row first; a second sale of the same
    buyer waits there, holding no other lock, until the first commits or rolls back, and its
    count, a later statement with a fresh snapshot, then sees the first's booking. Sales of other
    buyers never wait for each other. (A condition inside the booking's INSERT would not do: it
    reads the same snapshot as a plain count.) One more statement per sale, in the pipeline's
    first round trip.
    """
    if not sale.per_buyer_cap:
        return None
    email = normalise_email(sale.buyer_email)
    return TICKETS_HELD.send(connection, {"email": email, "event_id": sale.event_id})


class BuyerLimitReached(Conflict):
    code = "buyer_limit_reached"


def ensure_within_buyer_cap(held, sale):
    """Raises BuyerLimitReached (with `remaining`) when the sale would take its buyer past
    MAX_TICKETS_PER_BUYER tickets for the event."""
    if held is None:
        return
    cap = current_app.config["MAX_TICKETS_PER_BUYER"]
    remaining = max(0, cap - (held.result()[0].held or 0))
    if sale.quantity > remaining:
        raise BuyerLimitReached(
            f"A buyer may hold at most {cap} tickets for this event; {remaining} more can be "
            "booked with this email.",
            remaining=remaining,
            limit=cap,
        )


def record_booking(connection, event, offer, buyer, sale):
    """Inserts the booking and its tickets: the booking as a RecordedBooking (id None), and the
    Outcome of its INSERT (its row has the id)."""
    unit_price = event.price_minor
    if offer is not None and offer.price_minor is not None:
        unit_price = offer.price_minor
    if offer is None:
        seller = Party(event.organizer_id, event.organizer_name)
    else:
        seller = Party(offer.reseller.id, offer.reseller.name)
    values = {
        "reference": random_code(),
        "event_id": event.id,
        "allocation_id": offer.id if offer else None,
        "seller_id": seller.id,
        "buyer_id": buyer.id,
        "user_id": sale.user_id,
        "quantity": sale.quantity,
        "unit_price_minor": unit_price,
        "total_minor": unit_price * sale.quantity,
        "currency_code": event.currency_code,
        "status": "confirmed",
        "created_at": utcnow(),
    }
    try:
        new_booking = NEW_BOOKING.send(connection, values)
    except IntegrityError:  # the event, or the reseller's allocation, was deleted meanwhile
        if offer is None:
            raise  # sell() tells a deleted event from any other failure
        raise_if_event_deleted(event.id)
        raise stock.OfferNotOnSale() from None
    codes = [random_code() for _ in range(sale.quantity)]
    reference = values["reference"]
    NEW_TICKET.send_many(
        connection, [{"reference": reference, "event_id": event.id, "code": c} for c in codes]
    )
    booking = RecordedBooking(
        id=None,
        reference=reference,
        event=event,
        allocation_id=values["allocation_id"],
        seller=seller,
        buyer=buyer,
        quantity=sale.quantity,
        unit_price_minor=unit_price,
        total_minor=values["total_minor"],
        currency_code=event.currency_code,
        tickets=[IssuedTicket(code) for code in codes],
        created_at=values["created_at"],
    )
    return booking, new_booking


def ensure_bookable(event, quantity):
    if event.starts_at <= utcnow():
        raise Conflict("This event has already taken place.", code="event_past")
    limit = current_app.config["MAX_TICKETS_PER_BOOKING"]
    if quantity > limit:
        raise ValidationFailed(
            f"At most {limit} tickets per booking.",
            code="too_many_tickets",
            fields={"quantity": [f"must be at most {limit}"]},
        )


def find_offer(event, offer_id):
    """The reseller allocation to sell from; None for the organizer's direct stock."""
    if offer_id is None:
        return None
    allocation = db.session.get(Allocation, offer_id)
    if allocation is None or allocation.event_id != event.id:
        raise NotFound("This event has no such offer.", code="offer_not_found")
    if not allocation.on_sale:
        raise stock.OfferNotOnSale()
    return allocation


def find_or_create_buyer(email, name):
    """The buyer with this email (case-insensitive), created on their first booking.

    An existing buyer keeps their name: anyone can type an email, so a booking must not rename.
    """
    email = normalise_email(email)
    buyer = db.session.scalar(select(Buyer).where(Buyer.email == email))
    if buyer is not None:
        return buyer
    try:
        with db.session.begin_nested():
            buyer = Buyer(email=email, name=name)
            db.session.add(buyer)
    except IntegrityError:  # another request created this buyer since we looked
        buyer = db.session.scalar(select(Buyer).where(Buyer.email == email))
    return buyer


def take_stock(booking, connection):
    """Takes the booking's stock: from a reseller's allocation at once (or raises), from the
    organizer's direct stock by a conditional UPDATE whose Outcome ensure_stock_taken() checks."""
    if booking.allocation_id is None:
        return stock.send_take_direct(booking.event_id, booking.quantity, connection)
    stock.take_from_allocation(booking.allocation_id, booking.event_id, booking.quantity)
    return None


def ensure_stock_taken(taken, booking, connection):
    if taken is not None:
        stock.ensure_taken(taken, booking.event_id, connection)


def release_stock(booking):
    if booking.allocation_id is None:
        stock.release_direct(booking.event_id, booking.quantity)
    else:
        stock.release_to_allocation(booking.allocation_id, booking.event_id, booking.quantity)


def find_booking(reference):
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None:
        raise NotFound("Booking not found.", code="booking_not_found")
    return booking


def get_buyer_booking(reference, email):
    """The booking, for the buyer who knows its reference and email (404 otherwise)."""
    booking = find_booking(reference)
    if booking.buyer.email != normalise_email(email):
        raise NotFound("Booking not found.", code="booking_not_found")
    return booking


def cancel_booking(reference, email=None, actor=None):
    """Cancels a booking (buyer by email, or the event's organizer or an admin); stock returns."""
    booking = find_booking(reference)
    ensure_may_cancel(booking, email, actor)
    cancelled = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == "confirmed")
        .values(status="cancelled", cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if cancelled.rowcount != 1:
        raise Conflict("This booking is already cancelled.", code="already_cancelled")
    release_stock(booking)
    queue_email(booking.buyer.email, *emails.booking_cancelled(booking))
    record_audit(
        "booking_cancelled",
        actor_id=actor.id if actor else None,
        target_type="booking",
        target_id=booking.id,
        reference=booking.reference,
    )
    db.session.commit()
    return booking


def ensure_may_cancel(booking, email, actor):
    if manages(actor, booking.event):
        return
    if email is not None:
        if normalise_email(email) != booking.buyer.email:
            raise NotFound("Booking not found.", code="booking_not_found")
        return
    if actor is not None:
        raise Forbidden(
            "Only the buyer, the event's organizer or an admin can cancel.", code="forbidden"
        )
    raise ValidationFailed(
        "Give the buyer's email, in the body or as ?email=.", fields={"email": ["required"]}
    )


def with_booking_details(query):
    return query.options(
        joinedload(Booking.event),
        joinedload(Booking.buyer),
        joinedload(Booking.seller),
        selectinload(Booking.tickets),
    )


def page_of_bookings(condition, page, per_page):
    total = db.session.scalar(select(func.count(Booking.id)).where(condition))
    query = (
        select(Booking)
        .where(condition)
        .order_by(Booking.created_at.desc(), Booking.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(db.session.scalars(with_booking_details(query))), total


def list_event_bookings(event_id, actor, page, per_page):
    """(bookings, total): the event's sales of every seller, newest first."""
    event = get_managed_event(event_id, actor)
    return page_of_bookings(Booking.event_id == event.id, page, per_page)


def list_user_bookings(user, page, per_page):
    """(bookings, total): what the user bought with /purchase_ticket, newest first."""
    return page_of_bookings(Booking.user_id == user.id, page, per_page)


# --- check-in -----------------------------------------------------------------------------------


def check_in_ticket(event_id, code, actor):
    """Admits a ticket once: 404 not a ticket of this event, 409 used or cancelled."""
    event = get_managed_event(event_id, actor)
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.code == code, Ticket.event_id == event.id)
    )
    if ticket is None:
        raise NotFound("No ticket of this event has this code.", code="ticket_not_found")
    # FOR SHARE (PostgreSQL): a cancellation of this booking waits until the check-in is done.
    status = db.session.scalar(
        select(Booking.status).where(Booking.id == ticket.booking_id).with_for_update(read=True)
    )
    if status != "confirmed":
        raise Conflict("This ticket's booking is cancelled.", code="booking_cancelled")
    admitted = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.checked_in_at.is_(None))
        .values(checked_in_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if admitted.rowcount != 1:
        db.session.refresh(ticket)
        raise Conflict(
            "This ticket was already checked in.",
            code="already_checked_in",
            checked_in_at=ticket.checked_in_at.isoformat(),
        )
    db.session.commit()
    return ticket
