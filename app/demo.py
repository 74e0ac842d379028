"""`flask seed-demo`: a realistic, always-upcoming catalogue, created once (idempotent)."""

import secrets
from datetime import date

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.passwords import hash_password
from app.common.money import to_minor
from app.demo_data import DEMO_ORGANIZER, DEMO_RESELLER, demo_event_dates
from app.events.models import Event
from app.extensions import db
from app.tickets.models import Allocation

DEMO_ALLOCATION = 200


def database_has_events():
    return bool(db.session.scalar(select(func.count()).select_from(Event)))


def seed_demo_catalogue(password=None, today=None):
    """Creates the demo organizer, reseller, events and one allocation; returns what was new."""
    password = password or secrets.token_urlsafe(12)
    organizer, new_organizer = ensure_demo_user(DEMO_ORGANIZER, "organizer", password)
    reseller, new_reseller = ensure_demo_user(DEMO_RESELLER, "reseller", password)
    existing = set(
        db.session.scalars(select(Event.title).where(Event.organizer_id == organizer.id))
    )
    created = [
        make_demo_event(spec, when, organizer)
        for spec, when in demo_event_dates(today or date.today())
        if spec["title"] not in existing
    ]
    db.session.add_all(created)
    db.session.flush()
    allocate_demo_stock(organizer, reseller)
    db.session.commit()
    new_users = [
        u.email for u, new in ((organizer, new_organizer), (reseller, new_reseller)) if new
    ]
    return {"events": len(created), "users": new_users, "password": password if new_users else None}


def ensure_demo_user(spec, role, password):
    user = db.session.scalar(select(User).where(User.email == spec["email"]))
    if user:
        return user, False
    user = User(**spec, role=role, email_verified=True, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user, True


def make_demo_event(spec, when, organizer):
    return Event(
        organizer_id=organizer.id,
        title=spec["title"],
        description=spec["description"],
        starts_at=when,
        location=spec["location"],
        category=spec["category"],
        image=spec["image"],
        number_of_tickets=spec["number_of_tickets"],
        price_minor=to_minor(spec["price"], spec["currency_code"]),
        currency_code=spec["currency_code"],
    )


def allocate_demo_stock(organizer, reseller):
    """Gives the reseller part of the first demo event, once (fresh rows, nothing sold yet)."""
    first = db.session.scalar(
        select(Event).where(Event.organizer_id == organizer.id).order_by(Event.id).limit(1)
    )
    already = db.session.scalar(
        select(Allocation).where(Allocation.reseller_id == reseller.id).limit(1)
    )
    if first is None or already or first.direct_available < DEMO_ALLOCATION:
        return
    first.allocated += DEMO_ALLOCATION
    db.session.add(
        Allocation(
            event_id=first.id, reseller_id=reseller.id, quantity=DEMO_ALLOCATION, on_sale=True
        )
    )
