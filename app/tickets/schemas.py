"""Input models and output shapes of allocations, offers, bookings and check-ins."""

import re
from typing import Any

from pydantic import (
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from app.common.ids import BodyId
from app.common.money import format_minor
from app.common.validation import InputModel
from app.events.schemas import event_out

MAX_QUANTITY = 1_000_000
MONEY_PATTERN = r"^[0-9]+(\.[0-9]+)?$"


class AllocationCreateIn(InputModel):
    reseller_id: BodyId | None = None
    reseller_email: EmailStr | None = Field(default=None, max_length=254)
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)

    @model_validator(mode="after")
    def needs_a_reseller(self):
        if self.reseller_id is None and self.reseller_email is None:
            raise ValueError("give reseller_id or reseller_email")
        return self


class AllocationUpdateIn(InputModel):
    quantity: StrictInt = Field(ge=0, le=MAX_QUANTITY)


class OfferUpdateIn(InputModel):
    on_sale: StrictBool
    # A number or a decimal string, converted to minor units by the service (which knows the
    # event's currency); null resets it to the event's price, leaving it out keeps the current one.
    price: Any = None

    @field_validator("price")
    @classmethod
    def non_negative_amount(cls, price):
        if price is None:
            return None
        is_amount = isinstance(price, int | float | str) and not isinstance(price, bool)
        if not is_amount or not re.fullmatch(MONEY_PATTERN, str(price)):
            raise ValueError("must be a non-negative amount, as a number or a decimal string")
        return price

    @property
    def price_given(self):
        return "price" in self.model_fields_set


class BuyerIn(InputModel):
    name: str = Field(min_length=1, max_length=120)
    email: EmailStr = Field(max_length=254)


class BookingIn(InputModel):
    quantity: StrictInt = Field(ge=1)
    buyer: BuyerIn
    offer_id: BodyId | None = None


class PurchaseIn(InputModel):
    num_tickets: StrictInt = Field(default=1, ge=1)


class BuyerEmailIn(InputModel):
    email: EmailStr = Field(max_length=254)


class CancelIn(InputModel):
    email: EmailStr | None = Field(default=None, max_length=254)


class CheckInIn(InputModel):
    code: str = Field(min_length=1, max_length=64)


# --- output -------------------------------------------------------------------------------------


def iso(moment):
    return moment.isoformat() if moment else None


def allocation_price_minor(allocation):
    if allocation.price_minor is None:
        return allocation.event.price_minor
    return allocation.price_minor


def allocation_out(allocation):
    event = allocation.event
    reseller = allocation.reseller
    return {
        "id": allocation.id,
        "event_id": allocation.event_id,
        "reseller": {"id": reseller.id, "name": reseller.name, "email": reseller.email},
        "quantity": allocation.quantity,
        "sold": allocation.sold,
        "remaining": allocation.remaining,
        "on_sale": allocation.on_sale,
        "price": format_minor(allocation_price_minor(allocation), event.currency_code),
        "currency_code": event.currency_code,
        "created_at": iso(allocation.created_at),
        "updated_at": iso(allocation.updated_at),
    }


def reseller_allocation_out(allocation):
    return {**allocation_out(allocation), "event": event_out(allocation.event)}


def seller_out(user, seller_type):
    return {"type": seller_type, "id": user.id, "name": user.name}


def direct_offer_out(event):
    return {
        "offer_id": None,
        "seller": seller_out(event.organizer, "organizer"),
        "price": format_minor(event.price_minor, event.currency_code),
        "currency_code": event.currency_code,
        "available": max(event.direct_available, 0),
    }


def reseller_offer_out(allocation):
    currency = allocation.event.currency_code
    return {
        "offer_id": allocation.id,
        "seller": seller_out(allocation.reseller, "reseller"),
        "price": format_minor(allocation_price_minor(allocation), currency),
        "currency_code": currency,
        "available": allocation.remaining,
    }


def ticket_out(ticket):
    return {"code": ticket.code, "checked_in_at": iso(ticket.checked_in_at)}


def booking_out(booking):
    event = booking.event
    currency = booking.currency_code
    seller_type = "reseller" if booking.allocation_id else "organizer"
    return {
        "id": booking.id,
        "reference": booking.reference,
        "status": booking.status,
        "event": {"id": event.id, "title": event.title, "date": iso(event.starts_at)},
        "seller": seller_out(booking.seller, seller_type),
        "buyer": {"id": booking.buyer.id, "name": booking.buyer.name, "email": booking.buyer.email},
        "quantity": booking.quantity,
        "unit_price": format_minor(booking.unit_price_minor, currency),
        "total": format_minor(booking.total_minor, currency),
        "currency_code": currency,
        "tickets": [ticket_out(ticket) for ticket in booking.tickets],
        "created_at": iso(booking.created_at),
        "cancelled_at": iso(booking.cancelled_at),
    }


def purchase_out(booking):
    message = f"{booking.quantity} ticket(s) purchased successfully!"
    return {"message": message, "booking": booking_out(booking)}


def check_in_out(ticket):
    return {
        **ticket_out(ticket),
        "reference": ticket.booking.reference,
        "message": "Checked in.",
    }
