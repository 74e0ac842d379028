"""Administration use cases: users, buyers, the audit log. Each owns its transaction."""

from sqlalchemy import and_, delete, exists, func, or_, select, true

from app.audit import AuditEntry, record_audit
from app.auth import service as accounts
from app.auth.models import User
from app.errors import Conflict, NotFound
from app.events.models import Event
from app.extensions import db
from app.tickets import service as sales
from app.tickets.models import Allocation, Booking, Buyer, Ticket


def get_user(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No user has this id.")
    return user


def list_users(role=None, blocked=None, q=None):
    """A select of users matching the filters, newest first (the route paginates it)."""
    query = select(User).order_by(User.id.desc())
    if role:
        query = query.where(User.role == role)
    if blocked is not None:
        query = query.where(User.is_blocked.is_(blocked))
    if q:
        columns = (User.email, User.username, User.name)
        query = query.where(or_(*(c.icontains(q, autoescape=True) for c in columns)))
    return query


def create_user(data, actor):
    """A verified account of any role; without a password, a set-password link is emailed."""
    user = accounts.add_user(
        data.email, data.password, data.role, data.name, data.username, verified=True
    )
    record_audit(
        "user_created", actor_id=actor.id, target_type="user", target_id=user.id, role=user.role
    )
    if data.password is None:
        accounts.queue_set_password_email(user)
    accounts.commit_unique("An account with this email or username already exists.")
    return user


# A change of these voids the account's tokens and emailed links.
STAMPED_FIELDS = {"email", "role", "is_active"}


def update_user(user_id, data, actor):
    """Changes name, email, role or active state; the last active admin stays an admin."""
    user = get_user(user_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "email" in changes:
        changes["email"] = accounts.normalise_email(changes["email"])
        if changes["email"] != user.email and accounts.find_user_by_email(changes["email"]):
            raise Conflict("An account with this email already exists.", code="duplicate_email")
    loses_admin = changes.get("role", "admin") != "admin" or changes.get("is_active") is False
    if user.role == "admin" and loses_admin:
        ensure_another_active_admin(user)
    before = {name: getattr(user, name) for name in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    if any(before[name] != changes[name] for name in STAMPED_FIELDS & changes.keys()):
        # What a token or a link vouches for has changed: they must be issued again.
        accounts.renew_security_stamp(user, "account_changed")
    record_audit(
        "user_updated",
        actor_id=actor.id,
        target_type="user",
        target_id=user.id,
        changes={k: [before[k], v] for k, v in changes.items() if before[k] != v},
    )
    accounts.commit_unique("An account with this email already exists.")
    return user


def ensure_another_active_admin(user):
    others = select(func.count()).where(
        User.role == "admin", User.is_active.is_(True), User.id != user.id
    )
    if not db.session.scalar(others):
        raise Conflict("The last active admin cannot be removed or demoted.", code="last_admin")


def delete_user(user_id, actor):
    """Deletes an account that owns nothing; one with events or sales must be deactivated."""
    user = get_user(user_id)
    if user.role == "admin":
        ensure_another_active_admin(user)
    if user_has_business(user.id):
        raise Conflict(
            "This user owns events, allocations or sales: deactivate it instead (is_active).",
            code="user_has_records",
        )
    record_audit(
        "user_deleted",
        actor_id=actor.id,
        target_type="user",
        target_id=user.id,
        email=user.email,
        role=user.role,
    )
    db.session.delete(user)
    db.session.commit()


def user_has_business(user_id):
    owned = (
        exists().where(Event.organizer_id == user_id),
        exists().where(Allocation.reseller_id == user_id),
        exists().where(or_(Booking.seller_id == user_id, Booking.user_id == user_id)),
    )
    return any(db.session.scalar(select(condition)) for condition in owned)


def unblock_user(user_id, actor, ip=None):
    return accounts.unblock_user(get_user(user_id), actor_id=actor.id, ip=ip)


# --- buyers -------------------------------------------------------------------------------------


def bookings_count_column():
    return (
        select(func.count(Booking.id))
        .where(Booking.buyer_id == Buyer.id)
        .correlate(Buyer)
        .scalar_subquery()
    )


def list_buyers(q=None):
    """A select of (buyer, bookings count) rows, newest first."""
    query = select(Buyer, bookings_count_column()).order_by(Buyer.id.desc())
    if q:
        columns = (Buyer.email, Buyer.name)
        query = query.where(or_(*(c.icontains(q, autoescape=True) for c in columns)))
    return query


def get_buyer(buyer_id):
    row = db.session.execute(list_buyers().where(Buyer.id == buyer_id)).first()
    if row is None:
        raise NotFound("No buyer has this id.")
    return row


def update_buyer(buyer_id, data, actor):
    buyer, _count = get_buyer(buyer_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "email" in changes:
        changes["email"] = accounts.normalise_email(changes["email"])
        taken = select(exists().where(Buyer.email == changes["email"], Buyer.id != buyer.id))
        if db.session.scalar(taken):
            raise Conflict("Another buyer has this email.", code="duplicate_email")
    for name, value in changes.items():
        setattr(buyer, name, value)
    record_audit(
        "buyer_updated",
        actor_id=actor.id,
        target_type="buyer",
        target_id=buyer.id,
        fields=sorted(changes),
    )
    accounts.commit_unique("Another buyer has this email.")
    return get_buyer(buyer_id)


def delete_buyer(buyer_id, actor):
    """Deletes a buyer and their cancelled bookings; refused while any booking is confirmed."""
    buyer, _count = get_buyer(buyer_id)
    confirmed = exists().where(Booking.buyer_id == buyer.id, Booking.status == "confirmed")
    if db.session.scalar(select(confirmed)):
        raise Conflict("This buyer holds confirmed bookings.", code="buyer_has_bookings")
    cancelled = select(Booking.id).where(Booking.buyer_id == buyer.id)
    references = list(
        db.session.scalars(select(Booking.reference).where(Booking.buyer_id == buyer.id))
    )
    db.session.execute(delete(Ticket).where(Ticket.booking_id.in_(cancelled)))
    db.session.execute(delete(Booking).where(Booking.buyer_id == buyer.id))
    record_audit(
        "buyer_deleted",
        actor_id=actor.id,
        target_type="buyer",
        target_id=buyer.id,
        email=buyer.email,
        cancelled_bookings=references,
    )
    db.session.delete(buyer)
    db.session.commit()


# --- audit --------------------------------------------------------------------------------------


def list_audit(action=None, actor_id=None, target_type=None, target_id=None):
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    filters = {
        AuditEntry.action: action,
        AuditEntry.actor_id: actor_id,
        AuditEntry.target_type: target_type,
        AuditEntry.target_id: target_id,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    return query


# --- sold tickets (bookings) --------------------------------------------------------------------


def list_tickets(event_id=None, seller_id=None, status=None, email=None, page=1, per_page=20):
    """(bookings, total) matching the filters, newest first."""
    conditions = [true()]
    if event_id is not None:
        conditions.append(Booking.event_id == event_id)
    if seller_id is not None:
        conditions.append(Booking.seller_id == seller_id)
    if status is not None:
        conditions.append(Booking.status == status)
    if email:
        buyer_ids = select(Buyer.id).where(Buyer.email == accounts.normalise_email(email))
        conditions.append(Booking.buyer_id.in_(buyer_ids))
    return sales.page_of_bookings(and_(*conditions), page, per_page)


def get_ticket(booking_id):
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("No booking has this id.", code="booking_not_found")
    return booking


def create_ticket(data, actor):
    """A booking made by hand, by the code path, stock rules and email of a buyer's; its shape."""
    record_audit(
        "booking_created_by_admin",
        actor_id=actor.id,
        target_type="event",
        target_id=data.event_id,
        quantity=data.quantity,
        buyer=data.buyer.email,
    )  # committed by book_tickets together with the booking, or rolled back with it
    # Not capped per buyer: an admin books by hand for a box office or a group on purpose.
    return sales.book_tickets(data.event_id, data, per_buyer_cap=False)


def update_ticket_buyer(booking_id, data, actor):
    """Corrects who holds a booking: another email moves it to that buyer (found or created)."""
    booking = get_ticket(booking_id)
    changes = data.buyer.model_dump(exclude_unset=True, exclude_none=True)
    buyer = booking.buyer
    if "email" in changes and accounts.normalise_email(changes["email"]) != buyer.email:
        buyer = sales.find_or_create_buyer(changes["email"], changes.get("name", buyer.name))
        booking.buyer_id = buyer.id
    if "name" in changes:
        buyer.name = changes["name"]
    record_audit(
        "booking_buyer_updated",
        actor_id=actor.id,
        target_type="booking",
        target_id=booking.id,
        fields=sorted(changes),
    )
    db.session.commit()
    db.session.refresh(booking)
    return booking


def cancel_ticket(booking_id, actor):
    """Deleting a sold ticket cancels its booking: the stock returns, the record stays."""
    return sales.cancel_booking(get_ticket(booking_id).reference, actor=actor)
