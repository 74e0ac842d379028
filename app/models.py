"""Every model, imported in one place so metadata (and Alembic) sees the whole schema."""

from app.audit import AuditEntry
from app.auth.models import OAuthIdentity, RecoveryCode, RevokedToken, User, UserSession
from app.bookmarks.models import Bookmark
from app.email import OutboxEmail
from app.events.models import Event
from app.tickets.models import Allocation, Booking, Buyer, IdempotencyRecord, Ticket

__all__ = [
    "AuditEntry",
    "Allocation",
    "Booking",
    "Bookmark",
    "Buyer",
    "Event",
    "IdempotencyRecord",
    "OAuthIdentity",
    "OutboxEmail",
    "RecoveryCode",
    "RevokedToken",
    "Ticket",
    "User",
    "UserSession",
]
