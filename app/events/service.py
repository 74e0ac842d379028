"""Event use cases: publish, change, delete, and explore (filters, sorts, search, categories).

Reads build one SQLAlchemy Core select joined to the organizer and return plain rows: no ORM
object per listed event, no query per row. Writes commit once per use case.
"""

from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import iso4217
from sqlalchemy import and_, exists, func, or_, select

from app.auth.models import User
from app.common.money import MAX_MINOR, MoneyError, minor_unit, to_minor
from app.common.readcache import ReadCache, current_token
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.events.models import CatalogueVersion, Event
from app.events.search import matching_events, ranked_candidates, search_words
from app.extensions import db
from app.tickets.models import Allocation, Booking
from app.tickets.stock import set_capacity

events = Event.__table__
users = User.__table__

EVENT_ROW = (
    *(events.c[name] for name in (
        "id", "title", "description", "starts_at", "location", "category", "image",
        "price_minor", "currency_code", "number_of_tickets", "tickets_sold", "organizer_id",
        "created_at", "updated_at",
    )),
    users.c.name.label("organizer_name"),
)  # fmt: skip

# With `q`, at most this many matches are counted, ranked and reachable page by page: it bounds
# the work of one search whatever the word (a word found in half of 100 000 events).
SEARCH_RESULT_CAP = 1000

SORT_ORDERS = {
    "date": (events.c.starts_at, events.c.id),
    "-date": (events.c.starts_at.desc(), events.c.id.desc()),
    "price": (events.c.price_minor, events.c.starts_at, events.c.id),
    "-price": (events.c.price_minor.desc(), events.c.starts_at, events.c.id),
    "title": (events.c.title, events.c.id),
    "-created": (events.c.created_at.desc(), events.c.id.desc()),
}


def event_rows():
    return select(*EVENT_ROW).join(users, users.c.id == events.c.organizer_id)


# ------------------------------------------------------------------------------------- reads


def get_event(event_id):
    """One event as a row; NotFound when it does not exist."""
    row = db.session.execute(event_rows().where(events.c.id == event_id)).first()
    if row is None:
        raise NotFound("No event with this id.", code="event_not_found")
    return row


def list_events(filters, page, per_page):
    """(rows of one page, total) of the events matching `filters` (service.EventFilters)."""
    conditions = filter_conditions(filters)
    if filters.q is None:
        query = event_rows().where(*conditions).order_by(*SORT_ORDERS[filters.sort or "date"])
        return fetch_page(query, page, per_page), count_events(filters, conditions)
    return search_events(filters, conditions, page, per_page)


def read_token():
    """The change token of the database now (readcache.py; None: nothing may be cached).

    None too when the session is already in a transaction (a test or CLI session that outlives
    a request): on SQLite its snapshot may predate the token, so what it reads must not be
    stored under it. A request's own transaction starts after the token is read.
    """
    if db.session.registry.has() and db.session().in_transaction():
        return None
    return current_token(db.engine)


def filters_key(filters):
    """A hashable key of what `filters` selects (every field but q and sort)."""
    return tuple((name, value) for name, value in filters if name not in ("q", "sort"))


# Exact totals of plain lists, and the ordered ids of search results, reused only while the
# catalogue is unchanged (CatalogueVersion, renewed by database triggers on every change to what
# lists select, sort or match on). A ticket sale does not change it, so during an on-sale these
# stay cached while page bodies (which show the stock) are recomputed. With `available=true`,
# which depends on the stock, nothing is cached.
TOTALS = ReadCache(256)
SEARCH_RESULTS = ReadCache(256)


def catalogue_stamp(filters):
    """The catalogue's stamp as this request's transaction sees it; None when results for
    `filters` may not be cached (they depend on the stock, or the row is missing)."""
    if filters.available:
        return None
    query = select(CatalogueVersion.stamp).where(CatalogueVersion.id == 1)
    return db.session.scalar(query)


def count_events(filters, conditions):
    """The exact number of events matching `conditions` (the filters of `filters`)."""
    key = filters_key(filters)
    stamp = catalogue_stamp(filters)
    total = TOTALS.get(key, stamp)
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(events).where(*conditions))
        TOTALS.put(key, stamp, total)
    return total


def search_events(filters, conditions, page, per_page):
    """A page of full-text matches, best first unless a sort is given; total capped.

    The matches are ordered once per catalogue stamp (at most SEARCH_RESULT_CAP ids, see
    ordered_matches); a page then reads only its own events, so stock figures are always fresh.
    """
    words = search_words(filters.q)
    if not words:
        return [], 0
    key = (tuple(words), filters_key(filters), filters.sort)
    stamp = catalogue_stamp(filters)
    ids = SEARCH_RESULTS.get(key, stamp)
    if ids is None:
        ids = ordered_matches(words, db.engine.dialect.name, conditions, filters.sort)
        SEARCH_RESULTS.put(key, stamp, ids)
    offset = (page - 1) * per_page
    return events_by_id(ids[offset : offset + per_page]), len(ids)


def ordered_matches(words, dialect, conditions, sort):
    """The ids of at most SEARCH_RESULT_CAP matching events, in the order pages show them.

    Best first: the SEARCH_RESULT_CAP most recently created matches, ranked by the same
    query (search.ranked_candidates). With a sort: every match in that order, the first
    SEARCH_RESULT_CAP kept.
    """
    if sort:
        query = matching_events(words, dialect, conditions).order_by(*SORT_ORDERS[sort])
    else:
        hits = ranked_candidates(words, dialect, conditions, SEARCH_RESULT_CAP).subquery("hits")
        query = select(hits.c.event_id).order_by(
            hits.c.relevance.desc(), hits.c.starts_at, hits.c.event_id
        )
    return tuple(db.session.scalars(query.limit(SEARCH_RESULT_CAP)))


def events_by_id(ids):
    """The rows of these events, in this order (an event deleted meanwhile is left out)."""
    if not ids:
        return []
    rows = db.session.execute(event_rows().where(events.c.id.in_(ids))).all()
    by_id = {row.id: row for row in rows}
    return [by_id[event_id] for event_id in ids if event_id in by_id]


def fetch_page(query, page, per_page):
    return db.session.execute(query.offset((page - 1) * per_page).limit(per_page)).all()


def filter_conditions(filters):
    """SQL conditions for every filter given (text filters are case-insensitive)."""
    conditions = []
    if filters.title:
        conditions.append(events.c.title.icontains(filters.title, autoescape=True))
    if filters.location:
        conditions.append(events.c.location.icontains(filters.location, autoescape=True))
    if filters.category:
        conditions.append(func.lower(events.c.category) == filters.category.lower())
    if filters.organizer_id:
        conditions.append(events.c.organizer_id == filters.organizer_id)
    if filters.available:
        conditions.append(events.c.tickets_sold < events.c.number_of_tickets)
    conditions += date_conditions(filters.date_from, filters.date_to)
    conditions += price_conditions(filters.min_price, filters.max_price)
    return conditions


def date_conditions(date_from, date_to):
    """date_from/date_to are (moment, date_only); a bare date_to includes its whole day."""
    conditions = []
    if date_from:
        conditions.append(events.c.starts_at >= date_from[0])
    if date_to:
        moment, date_only = date_to
        if date_only:
            conditions.append(events.c.starts_at < moment + timedelta(days=1))
        else:
            conditions.append(events.c.starts_at <= moment)
    return conditions


def price_conditions(min_price, max_price):
    """Exact bounds in each event's own currency: 20.5 is 20500 TND, 2050 GBP, and for JPY
    "at least 21" / "at most 20" (bounds are rounded inwards to whole minor units)."""
    if min_price is None and max_price is None:
        return []
    per_exponent = []
    for exponent, codes in CURRENCIES_BY_MINOR_UNIT.items():
        bounds = [events.c.currency_code.in_(codes)]
        if min_price is not None:
            bounds.append(events.c.price_minor >= scaled(min_price, exponent, ROUND_CEILING))
        if max_price is not None:
            bounds.append(events.c.price_minor <= scaled(max_price, exponent, ROUND_FLOOR))
        per_exponent.append(and_(*bounds))
    return [or_(*per_exponent)]


def scaled(amount, exponent, rounding):
    """The bound in minor units, at most MAX_MINOR + 1: no stored price is above MAX_MINOR, so
    the clamp keeps every comparison's answer and keeps the bound inside a 64-bit column (a
    large amount in a currency with 4 decimals would overflow it)."""
    minor = int(amount.scaleb(exponent).to_integral_value(rounding=rounding))
    return min(minor, MAX_MINOR + 1)


def group_currencies_by_minor_unit():
    """{minor unit: (ISO 4217 codes)} of every currency an event can have."""
    groups = {}
    for currency in iso4217.Currency:
        if currency.exponent is not None:
            groups.setdefault(currency.exponent, []).append(currency.code)
    return {exponent: tuple(codes) for exponent, codes in groups.items()}


CURRENCIES_BY_MINOR_UNIT = group_currencies_by_minor_unit()


def find_event_by_title(title):
    """The best match for a title: exact (case-insensitive) first, then the closest partial."""
    exact = event_rows().where(func.lower(events.c.title) == title.lower())
    row = db.session.execute(exact.order_by(events.c.starts_at, events.c.id).limit(1)).first()
    if row is None:
        partial = event_rows().where(events.c.title.icontains(title, autoescape=True))
        starts_with = events.c.title.istartswith(title, autoescape=True)
        order = (starts_with.desc(), func.length(events.c.title), events.c.id)
        row = db.session.execute(partial.order_by(*order).limit(1)).first()
    if row is None:
        raise NotFound("No event matches this title.", code="event_not_found")
    return row


def list_categories():
    """[{name, count}] of the categories in use, most events first (names case-insensitive)."""
    key = func.lower(events.c.category)
    query = (
        select(func.min(events.c.category).label("name"), func.count().label("count"))
        .where(events.c.category.is_not(None))
        .group_by(key)
        .order_by(func.count().desc(), key)
    )
    return [{"name": row.name, "count": row.count} for row in db.session.execute(query)]


# ------------------------------------------------------------------------------------ writes


def create_event(organizer, data):
    """Publishes an event owned by `organizer` (an organizer or an admin)."""
    event = Event(
        organizer_id=organizer.id,
        title=data.title,
        description=data.description,
        starts_at=data.date,
        location=data.location,
        category=data.category,
        image=data.image,
        number_of_tickets=data.number_of_tickets,
        price_minor=price_in_minor_units(data.price, data.currency_code),
        currency_code=data.currency_code,
    )
    db.session.add(event)
    db.session.commit()
    return get_event(event.id)


def update_event(user, event_id, data):
    """Changes the fields given; the capacity never goes below what is sold plus allocated."""
    event = owned_event(user, event_id)
    changes = data.given()
    if "number_of_tickets" in changes:
        set_capacity(event.id, changes.pop("number_of_tickets"))
    apply_price_and_currency(event, changes.pop("price", None), changes.pop("currency_code", None))
    if "date" in changes:
        event.starts_at = changes.pop("date")
    for name, value in changes.items():
        setattr(event, name, value)
    db.session.commit()
    return get_event(event.id)


def apply_price_and_currency(event, price, currency):
    """A new currency keeps the amount (20.000 TND -> 20.00 GBP) unless a price is given too."""
    if currency and currency != event.currency_code:
        if has_sales_or_allocations(event.id):
            raise Conflict(
                "The currency cannot change once tickets are allocated or sold.",
                code="currency_locked",
            )
        if price is None:
            price = event_amount(event)
        event.currency_code = currency
    if price is not None:
        event.price_minor = price_in_minor_units(price, event.currency_code)


def event_amount(event):
    return Decimal(event.price_minor).scaleb(-minor_unit(event.currency_code))


def delete_event(user, event_id):
    """Deletes an event without bookings (with its unsold allocations); 409 once any exist."""
    event = owned_event(user, event_id, lock=True)
    if db.session.scalar(select(exists().where(Booking.event_id == event.id))):
        raise Conflict("This event has bookings and cannot be deleted.", code="event_has_bookings")
    db.session.execute(Allocation.__table__.delete().where(Allocation.event_id == event.id))
    db.session.delete(event)
    db.session.commit()


def owned_event(user, event_id, lock=False):
    """The event, when `user` organizes it or is an admin; NotFound or Forbidden otherwise."""
    query = select(Event).where(Event.id == event_id)
    if lock:
        # Serializes with a concurrent booking, whose INSERT's foreign key check locks the event
        # row (FOR KEY SHARE): a booking inserted first makes this wait, then the bookings check
        # below sees it; a delete locked first makes the booking's INSERT fail (it answers 404).
        query = query.with_for_update(of=Event)
    event = db.session.scalar(query)
    if event is None:
        raise NotFound("No event with this id.", code="event_not_found")
    if user.role != "admin" and event.organizer_id != user.id:
        raise Forbidden("Only the event's organizer or an admin can change it.", code="not_owner")
    return event


def has_sales_or_allocations(event_id):
    sold = exists().where(Booking.event_id == event_id)
    allocated = exists().where(Allocation.event_id == event_id)
    return db.session.scalar(select(or_(sold, allocated)))


def price_in_minor_units(amount, currency):
    try:
        return to_minor(amount, currency)
    except MoneyError as exc:
        raise ValidationFailed(fields={"price": [str(exc)]}) from None
