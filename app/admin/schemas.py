"""Input models and output shapes of the administration API."""

from typing import Literal

from pydantic import EmailStr, Field

from app.auth.schemas import USERNAME_PATTERN, NewPassword
from app.common.ids import BodyId
from app.common.validation import InputModel
from app.tickets.schemas import BookingIn

Role = Literal["admin", "organizer", "reseller"]


class AdminUserCreate(InputModel):
    email: EmailStr = Field(max_length=254)
    # Without a password the user is emailed a link to choose one.
    password: NewPassword | None = None
    name: str | None = Field(default=None, min_length=1, max_length=120)
    username: str | None = Field(default=None, pattern=USERNAME_PATTERN)
    role: Role = "organizer"


class AdminUserUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    email: EmailStr | None = Field(default=None, max_length=254)
    role: Role | None = None
    is_active: bool | None = None


class BuyerUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    email: EmailStr | None = Field(default=None, max_length=254)


def buyer_out(buyer, bookings_count):
    return {
        "id": buyer.id,
        "name": buyer.name,
        "email": buyer.email,
        "bookings_count": bookings_count,
        "created_at": buyer.created_at.isoformat(),
    }


def audit_out(entry):
    return {
        "id": entry.id,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details or {},
        "ip": entry.ip,
        "created_at": entry.created_at.isoformat(),
    }


class AdminTicketCreate(BookingIn):
    """The body of POST /events/<id>/bookings, plus the event."""

    event_id: BodyId


class AdminTicketUpdate(InputModel):
    buyer: BuyerUpdate
