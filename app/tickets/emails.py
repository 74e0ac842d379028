"""Texts of the booking emails: each returns (subject, text body)."""

from app.common.money import format_minor


def booking_confirmation(booking):
    event = booking.event
    codes = "\n".join(f"  - {ticket.code}" for ticket in booking.tickets)
    total = format_minor(booking.total_minor, booking.currency_code)
    return (
        f"Your tickets for {event.title} (booking {booking.reference})",
        f"Hello {booking.buyer.name},\n\n"
        f"Your booking {booking.reference} is confirmed: {booking.quantity} ticket(s) for "
        f"{event.title} on {event.starts_at:%Y-%m-%d %H:%M} UTC"
        f"{f' at {event.location}' if event.location else ''}.\n"
        f"Total: {total} {booking.currency_code}.\n\n"
        f"Your ticket codes (one per person, checked at the door):\n{codes}\n\n"
        "Keep this email. To see or cancel the booking, use its reference and your email.\n",
    )


def booking_cancelled(booking):
    event = booking.event
    return (
        f"Booking {booking.reference} cancelled",
        f"Hello {booking.buyer.name},\n\n"
        f"Your booking {booking.reference} for {event.title} is cancelled; "
        "its tickets are no longer valid.\n",
    )
