"""Events and their stock counters."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import UTCDateTime, utcnow
from app.extensions import db


class Event(db.Model):
    """An event; its stock is number_of_tickets = direct stock + what is allocated to resellers.

    The counters are changed only by tickets/service.py, each by one conditional UPDATE, and the
    CHECK constraints below are the last line of defence against overselling.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("number_of_tickets >= 0", name="capacity_non_negative"),
        CheckConstraint("direct_sold >= 0", name="direct_sold_non_negative"),
        CheckConstraint("allocated >= 0", name="allocated_non_negative"),
        CheckConstraint("tickets_sold >= 0", name="tickets_sold_non_negative"),
        CheckConstraint(
            "direct_sold + allocated <= number_of_tickets", name="stock_within_capacity"
        ),
        CheckConstraint("tickets_sold <= number_of_tickets", name="sold_within_capacity"),
        CheckConstraint("price_minor >= 0", name="price_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    location: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    image: Mapped[str | None] = mapped_column(String(2048))
    number_of_tickets: Mapped[int] = mapped_column(default=0)
    # Sold by the organizer directly, allocated to resellers, and sold by everyone.
    direct_sold: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)
    tickets_sold: Mapped[int] = mapped_column(default=0)
    # Money as integer minor units of currency_code (ISO 4217): 20.000 TND is 20000.
    price_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency_code: Mapped[str] = mapped_column(String(3), default="TND")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organizer = relationship("User", lazy="joined")

    @property
    def tickets_available(self):
        """Unsold tickets across every seller."""
        return self.number_of_tickets - self.tickets_sold

    @property
    def direct_available(self):
        """What the organizer can still sell directly (unsold and not allocated)."""
        return self.number_of_tickets - self.allocated - self.direct_sold


class CatalogueVersion(db.Model):
    """One row (id 1) whose stamp changes with every change to what lists and searches select
    or sort by: an event created or deleted, or its title, description, location, category,
    organizer, date, price, currency or creation time changed. Database triggers write it
    (migration 0003), so every writer counts, the API, the CLI and plain SQL alike; ticket sales
    do not touch it. The stamp is random, never a counter: a change rolled back must not leave a
    value that a later change could take again. Results computed under one stamp stay exact
    while it is unchanged (events/service.py).
    """

    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
