"""Administration of the email outbox: its messages by status, and the requeue of failed ones.

`failed` is the outbox's one terminal status (app/email.py): a message ends there after
MAIL_MAX_ATTEMPTS refusals or MAIL_RETRY_HOURS of temporary failures, and only an admin (here,
or `flask send-mail --retry-failed`) sends it back to `pending`. Every requeue is audited.
"""

from sqlalchemy import select

from app.audit import record_audit
from app.email import OutboxEmail, requeue_failed
from app.errors import Conflict, NotFound
from app.extensions import db


def list_messages(status=None):
    """A select of outbox messages, newest first (the route paginates it)."""
    query = select(OutboxEmail).order_by(OutboxEmail.id.desc())
    if status:
        query = query.where(OutboxEmail.status == status)
    return query


def requeue(message_id, actor, ip=None):
    """Sends one failed message back to the queue, due now, with a fresh count of tries."""
    message = db.session.get(OutboxEmail, message_id)
    if message is None:
        raise NotFound("No outbox message has this id.")
    before = (message.id, message.recipient, message.attempts, message.last_error)
    if not requeue_failed([message_id]):
        raise Conflict(
            f"Only a failed message can be requeued; this one is {message.status}.",
            code="not_failed",
        )
    audit_requeue(*before, actor_id=actor.id, ip=ip)
    db.session.commit()
    db.session.refresh(message)
    return message


def requeue_all_failed():
    """Every failed message back to the queue (the CLI's --retry-failed); their ids."""
    columns = (OutboxEmail.id, OutboxEmail.recipient, OutboxEmail.attempts, OutboxEmail.last_error)
    failed = db.session.execute(select(*columns).where(OutboxEmail.status == "failed")).all()
    requeued = set(requeue_failed([row.id for row in failed]))
    for row in failed:
        if row.id in requeued:  # not sent back meanwhile by someone else
            audit_requeue(*row, via="cli")
    db.session.commit()
    return sorted(requeued)


def audit_requeue(message_id, recipient, attempts, last_error, actor_id=None, ip=None, **details):
    record_audit(
        "email_requeued",
        actor_id=actor_id,
        target_type="email",
        target_id=message_id,
        ip=ip,
        recipient=recipient,
        attempts=attempts,
        last_error=(last_error or "")[:500],
        **details,
    )


def message_out(message):
    """An outbox message as admins see it (no body: it may carry links that sign someone in)."""
    return {
        "id": message.id,
        "recipient": message.recipient,
        "subject": message.subject,
        "status": message.status,
        "attempts": message.attempts,
        "message_id": message.message_id,
        "created_at": iso(message.created_at),
        "next_attempt_at": iso(message.next_attempt_at),
        "failing_since": iso(message.failing_since),
        "claimed_by": message.claimed_by if message.status == "sending" else None,
        "lease_until": iso(message.lease_until) if message.status == "sending" else None,
        "sent_at": iso(message.sent_at),
        "last_error": message.last_error,
    }


def iso(moment):
    return moment.isoformat() if moment is not None else None
