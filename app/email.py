"""Outgoing email through an outbox table: queued in the caller's transaction, sent later."""

import logging
import os
import smtplib
import ssl
import threading
import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_mail import Connection, Message
from sqlalchemy import CheckConstraint, String, Text, and_, event, insert, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.common.models import UTCDateTime, utcnow
from app.common.rawsql import RawStatement
from app.extensions import db

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxEmail(db.Model):
    __tablename__ = "email_outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A sender claims a row by setting these in one conditional UPDATE; a stale claim is retaken.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# status, attempts, next_attempt_at and created_at take the columns' defaults.
NEW_OUTBOX_ROW = RawStatement(
    insert(OutboxEmail.__table__).inline(),  # no implicit RETURNING of the id: nothing reads it
    columns=["recipient", "subject", "body_text", "body_html"],
)


def queue_email(recipient, subject, body_text, body_html=None, connection=None):
    """Adds an email to the outbox in the current transaction; it is sent once that commits.

    One plain INSERT (no ORM object: bookings call it on their hot path). `connection`: the
    session's (db.session.connection()), when the caller already holds it.
    """
    values = {
        "recipient": recipient,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
    }
    NEW_OUTBOX_ROW.send(connection or db.session.connection(), values)
    db.session().info["outbox_changed"] = True


@event.listens_for(Session, "after_commit")
def wake_sender_after_commit(session):
    if session.info.pop("outbox_changed", False):
        wake_sender()


# --- delivery -----------------------------------------------------------------------------------

log = logging.getLogger(__name__)
BATCH_SIZE = 20
MAX_ATTEMPTS = 8
# A claim older than this belongs to a sender that died mid-send: the row is taken again.
STALE_CLAIM = timedelta(minutes=5)


def retry_delay(attempts):
    """Exponential backoff: 10 s, 20 s, 40 s ... capped at one hour."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def claim_batch(worker_id, limit=BATCH_SIZE):
    """Marks due rows as this sender's in one conditional UPDATE; returns the claimed rows.

    Two senders (threads or processes) may race for the same rows: the UPDATE's WHERE clause is
    re-checked by the database for each row, so every row is claimed by exactly one of them.
    """
    now = utcnow()
    due = or_(
        and_(OutboxEmail.status == "pending", OutboxEmail.next_attempt_at <= now),
        and_(OutboxEmail.status == "sending", OutboxEmail.claimed_at < now - STALE_CLAIM),
    )
    candidates = select(OutboxEmail.id).where(due).order_by(OutboxEmail.id).limit(limit)
    ids = list(db.session.scalars(candidates))
    if not ids:
        db.session.rollback()
        return []
    claim = uuid.uuid4().hex
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(ids), due)
        .values(status="sending", claimed_by=claim, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.claimed_by == claim)))


def deliver_pending(worker_id="cli"):
    """Sends every due email once; returns (sent, failed) counts for this pass."""
    sent = 0
    while batch := claim_batch(worker_id):
        for position, email in enumerate(batch):
            if not deliver_one(email):
                # The server is probably down: hand the rest back and wait for the next pass.
                release_claims(batch[position + 1 :])
                return sent, 1
            sent += 1
    return sent, 0


def release_claims(emails):
    for email in emails:
        email.status, email.claimed_by, email.claimed_at = "pending", None, None
    db.session.commit()


def deliver_one(email):
    """Sends one claimed email and records the outcome; True when it was sent."""
    try:
        transmit(email)
    except (OSError, smtplib.SMTPException) as exc:
        record_failure(email, exc)
        return False
    email.status, email.sent_at, email.last_error = "sent", utcnow(), None
    db.session.commit()
    return True


def record_failure(email, exc):
    email.attempts += 1
    email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    email.claimed_by = email.claimed_at = None
    if email.attempts >= MAX_ATTEMPTS:
        email.status = "failed"
        log.error("Giving up on email %s to %s: %s", email.id, email.recipient, email.last_error)
    else:
        email.status = "pending"
        email.next_attempt_at = utcnow() + retry_delay(email.attempts)
        log.warning("Email %s not sent (attempt %s): %s", email.id, email.attempts, exc)
    db.session.commit()


def transmit(email):
    """Over SMTP when SMTP_SERVER is set; otherwise into the log, links included."""
    if not current_app.config.get("SMTP_SERVER"):
        log.info("Email to %s: %s\n%s", email.recipient, email.subject, email.body_text)
        return
    message = Message(
        subject=email.subject,
        recipients=[email.recipient],
        body=email.body_text,
        html=email.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    with SafeConnection(current_app.extensions["mail"]) as connection:
        connection.send(message)


class SafeConnection(Connection):
    """Flask-Mail's connection with a timeout and a certificate-checking STARTTLS."""

    def configure_host(self):
        config = current_app.config
        timeout = config["SMTP_TIMEOUT"]
        host = smtplib.SMTP(config["SMTP_SERVER"], config["SMTP_PORT"], timeout=timeout)
        if config["SMTP_USE_TLS"]:
            host.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"] and config["SMTP_PASSWORD"]:
            host.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        return host


# --- the background sender ----------------------------------------------------------------------

_wakeup = threading.Event()


def wake_sender():
    """Tells the background sender that new mail was committed."""
    _wakeup.set()


def start_background_sender(app, interval=5.0):
    """A daemon thread of this process that delivers the outbox every `interval` seconds."""
    worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def run():
        while True:
            _wakeup.wait(interval)
            _wakeup.clear()
            with app.app_context():
                try:
                    deliver_pending(worker_id)
                except Exception:  # noqa: BLE001  (the sender must outlive any one failure)
                    log.exception("Email sender pass failed")
                    db.session.rollback()
                finally:
                    db.session.remove()

    thread = threading.Thread(target=run, name="email-sender", daemon=True)
    thread.start()
    return thread
