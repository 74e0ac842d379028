"""Allocations to resellers, buyers, bookings, tickets and idempotency records."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import UTCDateTime, utcnow
from app.extensions import db

BOOKING_STATUSES = ("confirmed", "cancelled")
# Bookings whose tickets count toward a buyer's MAX_TICKETS_PER_BUYER for the event
# (pending_payment: a booking held while its payment is under way).
HOLDING_STATUSES = ("confirmed", "pending_payment")


class Allocation(db.Model):
    """Part of an event's stock given to one reseller; sold never exceeds quantity."""

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("event_id", "reseller_id"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
        CheckConstraint("sold >= 0", name="sold_non_negative"),
        CheckConstraint("sold <= quantity", name="sold_within_quantity"),
        CheckConstraint("price_minor IS NULL OR price_minor >= 0", name="price_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    sold: Mapped[int] = mapped_column(default=0)
    on_sale: Mapped[bool] = mapped_column(default=False)
    # None means the event's own price.
    price_minor: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    reseller = relationship("User")

    @property
    def remaining(self):
        return self.quantity - self.sold


class Buyer(db.Model):
    """Someone who booked tickets; buyers have no account, the email identifies them."""

    __tablename__ = "buyers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Booking(db.Model):
    """One purchase of `quantity` tickets from one seller, at a price fixed at booking time."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_minor >= 0", name="unit_price_non_negative"),
        CheckConstraint("total_minor >= 0", name="total_non_negative"),
        CheckConstraint("status IN ('confirmed', 'cancelled')", name="status_known"),
        # The per-buyer cap sums one buyer's bookings of one event on every sale; it also
        # serves what ix_bookings_buyer_id served (lookups by buyer alone).
        Index("ix_bookings_buyer_id_event_id", "buyer_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    # None: sold from the organizer's direct stock.
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocations.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    # The logged-in user who purchased (compat /purchase_ticket), if any.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    quantity: Mapped[int]
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency_code: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="confirmed", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event = relationship("Event")
    allocation = relationship("Allocation")
    seller = relationship("User", foreign_keys=[seller_id])
    buyer = relationship("Buyer")
    tickets: Mapped[list["Ticket"]] = relationship(back_populates="booking", order_by="Ticket.id")


class Ticket(db.Model):
    """One admission, with an unguessable code checked at the door."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship(back_populates="tickets")


class IdempotencyRecord(db.Model):
    """The stored outcome of a request sent with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    # None while the first request is still being processed.
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
