"""Outgoing email through an outbox table: queued in the caller's transaction, sent later.

How a message leaves (deliver_pending, one pass):

- A sender claims one due message at a time, in a short transaction of its own, under a lease
  (MAIL_LEASE_SECONDS) that a keeper thread renews while the sender works on it. A sender that
  dies (SIGKILL, a recycled worker) stops renewing, and another takes the message back once the
  lease runs out. Only the message in flight can be repeated after a crash, and it carries the
  Message-ID fixed when it was queued, so the repeat is recognisable.
- SMTP is spoken with no database transaction open; the outcome is recorded in another short
  transaction. (A transaction left open would hold SQLite's write lock while the SMTP server
  takes its time, and every booking would wait for it.)
- A message that fails for its own reason (it cannot be built, the server refuses it with a
  5xx) is tried again until MAIL_MAX_ATTEMPTS tries, then ends `failed`. A temporary failure
  (4xx, no connection, timeout) is tried again with a capped backoff for MAIL_RETRY_HOURS, then
  ends `failed`. `failed` is the one terminal state; an admin requeues it. A message's failure
  never holds back the others: only a lost connection ends the pass.
"""

import email.policy
import logging
import os
import re
import smtplib
import ssl
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import sanitize_address
from sqlalchemy import (
    CheckConstraint,
    Index,
    String,
    Text,
    and_,
    bindparam,
    event,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.common.models import UTCDateTime, utcnow
from app.common.rawsql import RawStatement
from app.common.sqlite import write_intent
from app.extensions import db

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxEmail(db.Model):
    __tablename__ = "email_outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        # What a sender asks for: the due messages of a status, oldest first (and the admin list
        # of a status). One index instead of one on each column: a booking writes one fewer.
        Index("ix_email_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Failed tries so far (a refusal, a timeout ...); a sent message keeps its count.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The Message-ID header, fixed at queue time: every try of the message carries the same one.
    # Null only for rows queued by a release before migration 0006 (see message_id_of).
    message_id: Mapped[str | None] = mapped_column(String(255))
    # A sender claims a row by setting these; the claim is its own while lease_until is ahead.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first failure since the message was queued (or requeued): MAIL_RETRY_HOURS runs from it.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- queueing -----------------------------------------------------------------------------------

# status, attempts, next_attempt_at and created_at take the columns' defaults.
NEW_OUTBOX_ROW = RawStatement(
    insert(OutboxEmail.__table__).inline(),  # no implicit RETURNING of the id: nothing reads it
    columns=["recipient", "subject", "body_text", "body_html", "message_id"],
)
# Control characters (CR and LF first), and the Unicode line breaks that str.splitlines honours.
_HEADER_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")


def clean_header(value, limit):
    """A header value on one line: a CR/LF would end the header and start another (or make the
    message unbuildable), so every control character becomes a space, runs of spaces one."""
    return " ".join(_HEADER_BREAKS.sub(" ", value).split())[:limit]


def queue_email(recipient, subject, body_text, body_html=None, connection=None):
    """Adds an email to the outbox in the current transaction; it is sent once that commits.

    One plain INSERT (no ORM object: bookings call it on their hot path). `connection`: the
    session's (db.session.connection()), when the caller already holds it. The subject often
    carries text someone typed (an event's title): its header values are cleaned here, and again
    when the message is built.
    """
    values = {
        "recipient": clean_header(recipient, 254),
        "subject": clean_header(subject, 255),
        "body_text": body_text,
        "body_html": body_html,
        "message_id": new_message_id(current_app.config),
    }
    NEW_OUTBOX_ROW.send(connection or db.session.connection(), values)
    db.session().info["outbox_changed"] = True


def new_message_id(config):
    return f"<{uuid.uuid4().hex}@{mail_domain(config['MAIL_DEFAULT_SENDER'], config['APP_URL'])}>"


@lru_cache(maxsize=8)
def mail_domain(sender, app_url):
    """The right-hand side of Message-IDs: the sender's domain, else APP_URL's host."""
    domain = parseaddr(sender or "")[1].rpartition("@")[2] or urlsplit(app_url or "").hostname
    return re.sub(r"[^A-Za-z0-9.-]", "", domain or "") or "localhost"


def message_id_of(claim, config):
    """The stored Message-ID, or for a row queued before migration 0006 (during a rolling
    deploy) one derived from the row alone, so that it too is the same at every try."""
    if claim.message_id:
        return claim.message_id
    stamp = int(claim.created_at.timestamp())
    domain = mail_domain(config["MAIL_DEFAULT_SENDER"], config["APP_URL"])
    return f"<outbox.{claim.id}.{stamp}@{domain}>"


REQUEUE_CHUNK = 1000  # ids per statement: PostgreSQL takes at most 65 535 parameters


def requeue_failed(ids):
    """Makes the failed messages among `ids` due now with a fresh count of tries and a new
    retry window, in the caller's transaction; returns the ids requeued. Only `failed` rows
    move: a message that is pending, being sent or sent stays as it is."""
    requeued = []
    ids = list(ids)
    for start in range(0, len(ids), REQUEUE_CHUNK):
        chunk = ids[start : start + REQUEUE_CHUNK]
        failed = select(OutboxEmail.id).where(
            OutboxEmail.id.in_(chunk), OutboxEmail.status == "failed"
        )
        found = list(db.session.scalars(failed.order_by(OutboxEmail.id).with_for_update()))
        if found:
            db.session.execute(
                update(outbox)
                .where(outbox.c.id.in_(found), outbox.c.status == "failed")
                .values(
                    status="pending",
                    attempts=0,
                    next_attempt_at=utcnow(),
                    failing_since=None,
                    claimed_by=None,
                    claimed_at=None,
                    lease_until=None,
                )
            )
        requeued += found
    if requeued:
        db.session().info["outbox_changed"] = True
    return requeued


@event.listens_for(Session, "after_commit")
def wake_sender_after_commit(session):
    if session.info.pop("outbox_changed", False):
        wake_sender()


# --- claims -------------------------------------------------------------------------------------

log = logging.getLogger(__name__)
# A pass stops after this many messages or seconds (the next one starts at once): its SMTP
# connection is renewed now and then, and a stop request is seen.
PASS_MESSAGES = 200
PASS_SECONDS = 60
RETRY_DELAY_FIRST = 10  # seconds before the first retry; doubled at each failure ...
RETRY_DELAY_CAP = 3600  # ... up to an hour
# Claims made by a release before migration 0006 have no lease: they were stale after 5 minutes.
LEGACY_CLAIM = timedelta(minutes=5)


@dataclass(frozen=True)
class Claim:
    """A message this sender holds, with the values read when it was claimed (plain values: no
    ORM object that could reload itself, and open a transaction, while SMTP is spoken)."""

    id: int
    token: str  # the claimed_by value: the claim is ours while the row carries it
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    message_id: str | None
    attempts: int
    failing_since: datetime | None
    created_at: datetime


@contextmanager
def writing():
    """The sender's transactions write: on SQLite they take the write lock up front, even when
    the caller's context reads only (a test's, a GET's)."""
    token = write_intent.set(True)
    try:
        yield
    finally:
        write_intent.reset(token)


def lease_of(config):
    return timedelta(seconds=config["MAIL_LEASE_SECONDS"])


# The sender's statements, built once (Core, on the table: no ORM bookkeeping per message).
outbox = OutboxEmail.__table__
CLAIMABLE = {
    # A message whose sender's lease ran out (it died holding it): taken back first.
    "lease expired": and_(
        outbox.c.status == "sending",
        or_(
            outbox.c.lease_until < bindparam("now"),
            and_(outbox.c.lease_until.is_(None), outbox.c.claimed_at < bindparam("legacy_before")),
        ),
    ),
    "pending due": and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= bindparam("now")),
}
NEXT_CLAIMABLE = {
    name: select(
        outbox.c.id,
        outbox.c.recipient,
        outbox.c.subject,
        outbox.c.body_text,
        outbox.c.body_html,
        outbox.c.message_id,
        outbox.c.attempts,
        outbox.c.failing_since,
        outbox.c.created_at,
    )
    .where(condition)
    .order_by(outbox.c.next_attempt_at)  # the index's order: the one due the longest
    .limit(1)
    .with_for_update(skip_locked=True)
    for name, condition in CLAIMABLE.items()
}
TAKE = {
    name: update(outbox)
    .where(outbox.c.id == bindparam("row_id"), condition)
    .values(
        status="sending",
        claimed_by=bindparam("token"),
        claimed_at=bindparam("now"),
        lease_until=bindparam("until"),
    )
    for name, condition in CLAIMABLE.items()
}
# The row is still this claim's (a rival took it if our lease ran out meanwhile).
OURS = and_(
    outbox.c.id == bindparam("row_id"),
    outbox.c.status == "sending",
    outbox.c.claimed_by == bindparam("token"),
)
RENEW = update(outbox).where(OURS).values(lease_until=bindparam("until"))


def claim_next(worker_id, lease):
    """Claims the next due message for this sender in one short transaction; None when none is
    due (see CLAIMABLE for the order).

    Rival senders: on PostgreSQL the row is locked (SKIP LOCKED: a rival takes the next one
    instead of waiting); SQLite runs one writer at a time. Either way the UPDATE's WHERE clause
    checks the row is still claimable, so a message is claimed by one sender at a time.
    """
    now = utcnow()
    params = {"now": now, "legacy_before": now - LEGACY_CLAIM}
    with writing():
        try:
            name, row = first_claimable(params)
            if row is None:
                db.session.rollback()
                return None
            token = f"{worker_id}:{uuid.uuid4().hex[:12]}"
            claim = {"row_id": row.id, "token": token, "until": now + lease}
            taken = db.session.execute(TAKE[name], params | claim).rowcount
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return Claim(token=token, **row._asdict()) if taken else None


def first_claimable(params):
    for name, query in NEXT_CLAIMABLE.items():
        row = db.session.execute(query, params).first()
        if row is not None:
            return name, row
    return None, None


class LeaseKeeper:
    """Renews the lease of the message its sender holds, every third of the lease, from a thread
    of its own: the sender itself is blocked in SMTP meanwhile, however long the server takes.
    The lease lives as long as the process: a killed sender's message comes back to the others
    within one lease. Started at the first claim of a pass, stopped at its end."""

    def __init__(self, app, lease):
        self.app, self.lease = app, lease
        self._claim = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = None

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=self.lease.total_seconds())

    @contextmanager
    def holding(self, claim):
        with self._lock:
            self._claim = claim
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="email-lease", daemon=True)
            self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._claim = None

    def _run(self):
        while not self._done.wait(self.lease.total_seconds() / 3):
            with self._lock:
                claim = self._claim
            if claim is not None:
                self._renew(claim)

    def _renew(self, claim):
        with self.app.app_context(), writing():
            try:
                until = utcnow() + self.lease
                db.session.execute(
                    RENEW, {"row_id": claim.id, "token": claim.token, "until": until}
                )
                db.session.commit()
            except SQLAlchemyError as exc:  # the next renewal may fare better
                db.session.rollback()
                log.warning("Could not renew the lease of email %s: %s", claim.id, exc)
            finally:
                db.session.remove()


# --- building and sending -----------------------------------------------------------------------

SENT = "sent"
REFUSED = "refused"  # this message, for good: it cannot be built, or a 5xx
DEFERRED = "deferred"  # this message, for now: a 4xx
UNREACHABLE = "unreachable"  # the server: no connection, a timeout, a lost connection


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: list
    payload: bytes


# CRLF line ends, and 7-bit on the wire (non-ASCII text quoted-printable, headers RFC 2047):
# every server takes it, with or without 8BITMIME.
WIRE_POLICY = email.policy.SMTP.clone(cte_type="7bit")


def build(claim, config):
    """The message's bytes and envelope. Header values are cleaned once more (rows queued
    before the cleaning existed, a sender address from the configuration), and the email
    package refuses a header value with a line break anyway.

    The standard library's EmailMessage, not Flask-Mail's Message: that one makes its own
    Message-ID in its constructor, looking up the machine's name (a DNS query) for each message.
    """
    sender = sanitize_address(clean_header(config["MAIL_DEFAULT_SENDER"], 320))
    recipient = sanitize_address(clean_header(claim.recipient, 254))
    message = EmailMessage(policy=WIRE_POLICY)
    message["Subject"] = clean_header(claim.subject, 255)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate()
    message["Message-ID"] = clean_header(message_id_of(claim, config), 255)
    message.set_content(claim.body_text)
    if claim.body_html:
        message.add_alternative(claim.body_html, subtype="html")
    return Envelope(sender, [recipient], message.as_bytes())


class ServerUnavailable(Exception):
    """The SMTP session could not be set up (connect, greeting, EHLO, STARTTLS, login)."""


class SmtpSession:
    """One SMTP connection for a pass, opened by the first message that needs it and reused by
    the next ones; a timeout on every socket operation."""

    def __init__(self, config):
        self.config = config
        self.host = None

    def send(self, envelope, claim):
        if self.host is None:
            self.host = self._open()
        self.host.sendmail(envelope.sender, envelope.recipients, envelope.payload)

    def _open(self):
        config = self.config
        try:
            host = smtplib.SMTP(
                config["SMTP_SERVER"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]
            )
        except Exception as exc:  # noqa: BLE001  (any failure to connect is the server's)
            raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        try:
            host.ehlo()
            if config["SMTP_USE_TLS"]:
                host.starttls(context=ssl.create_default_context())
                host.ehlo()
            if config["SMTP_USERNAME"] and config["SMTP_PASSWORD"]:
                host.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        except Exception as exc:  # noqa: BLE001  (the session never became usable)
            host.close()
            raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return host

    def discard(self):
        """Drops the connection without a word (it may be dead or in an unknown state)."""
        if self.host is not None:
            self.host.close()
            self.host = None

    def close(self):
        if self.host is not None:
            with suppress(OSError, smtplib.SMTPException):  # the server went away first
                self.host.quit()
            self.discard()


class LogTransport:
    """Without SMTP_SERVER: the email goes to the log, links included (development)."""

    def send(self, envelope, claim):
        log.info("Email to %s: %s\n%s", claim.recipient, claim.subject, claim.body_text)

    def discard(self):
        pass

    def close(self):
        pass


def transport_for(config):
    return SmtpSession(config) if config.get("SMTP_SERVER") else LogTransport()


def attempt(claim, transport, config):
    """Builds and sends one message; never raises: (outcome, the exception or None)."""
    ensure_no_transaction()
    try:
        envelope = build(claim, config)
    except Exception as exc:  # noqa: BLE001  (whatever makes it unbuildable is this message's)
        return REFUSED, exc
    try:
        transport.send(envelope, claim)
    except Exception as exc:  # noqa: BLE001  (classified below; nothing escapes a message)
        outcome = classify(exc)
        if not isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
            # smtplib resets the session after a refusal; after anything else the connection
            # is in an unknown state, so the next message gets a new one.
            transport.discard()
        return outcome, exc
    return SENT, None


def ensure_no_transaction():
    """SMTP is never spoken inside a database transaction (see the module's doc)."""
    if db.session.registry.has() and db.session().in_transaction():
        raise RuntimeError("A database transaction is open while SMTP is spoken.")


def classify(exc):
    """REFUSED, DEFERRED or UNREACHABLE for an exception raised while sending a message."""
    if isinstance(exc, ServerUnavailable):
        return UNREACHABLE
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return REFUSED if codes and all(code >= 500 for code in codes) else DEFERRED
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        if code == 421 or not 400 <= code < 600:  # the server is closing, or talks nonsense
            return UNREACHABLE
        return REFUSED if code >= 500 else DEFERRED
    if isinstance(exc, OSError):  # timeouts, resets, SMTPServerDisconnected (an OSError too)
        return UNREACHABLE
    return REFUSED  # the message could not be encoded for the wire (a non-ASCII address ...)


# --- recording the outcome ----------------------------------------------------------------------


def retry_delay(attempts):
    """Capped exponential backoff: 10 s, 20 s, 40 s ... at most one hour."""
    return timedelta(seconds=min(RETRY_DELAY_FIRST * 2 ** max(attempts - 1, 0), RETRY_DELAY_CAP))


def record(claim, outcome, exc, config):
    """Writes the outcome in one short transaction (retried a few times if the database
    hiccups: the message went out, or failed, whatever the database says now)."""
    values = outcome_values(claim, outcome, exc, config)
    for pause in (0.1, 0.5, 2.0, None):
        try:
            with writing():
                changed = db.session.execute(
                    update(outbox).where(OURS).values(**values),
                    {"row_id": claim.id, "token": claim.token},
                ).rowcount
                db.session.commit()
            break
        except SQLAlchemyError:
            db.session.rollback()
            if pause is None:
                raise  # the claim's lease runs out and another sender tries the message again
            time.sleep(pause)
    if not changed:
        log.warning("Email %s: claim lost before its outcome (%s) was saved", claim.id, outcome)
    log_outcome(claim, values, exc)


def outcome_values(claim, outcome, exc, config):
    now = utcnow()
    if outcome == SENT:
        return {"status": "sent", "sent_at": now, "last_error": None, "lease_until": None}
    attempts = claim.attempts + 1
    failing_since = claim.failing_since or now
    if outcome == REFUSED:
        give_up = attempts >= config["MAIL_MAX_ATTEMPTS"]
    else:
        give_up = now - failing_since >= timedelta(hours=config["MAIL_RETRY_HOURS"])
    return {
        "status": "failed" if give_up else "pending",
        "attempts": attempts,
        "failing_since": failing_since,
        "next_attempt_at": now if give_up else now + retry_delay(attempts),
        "last_error": f"{outcome}: {type(exc).__name__}: {exc}"[:2000],
        "claimed_by": None,
        "lease_until": None,
    }


def log_outcome(claim, values, exc):
    if values["status"] == "failed":
        error = values["last_error"]
        log.error("Giving up on email %s to %s: %s", claim.id, claim.recipient, error)
    elif values["status"] == "pending":
        log.warning("Email %s not sent (try %s): %s", claim.id, values["attempts"], exc)


# --- one pass -----------------------------------------------------------------------------------


@dataclass
class PassReport:
    sent: int = 0
    failed: int = 0
    server_unreachable: bool = False  # the pass ended on a connection-level failure
    cut_short: bool = False  # it stopped at its bounds with messages perhaps still due


def run_pass(worker_id):
    """Sends the due messages one by one until none is due, the server is unreachable, or the
    pass reaches its bounds."""
    app = current_app._get_current_object()
    config = app.config
    lease = lease_of(config)
    report = PassReport()
    deadline = time.monotonic() + PASS_SECONDS
    transport = transport_for(config)
    try:
        with LeaseKeeper(app, lease) as keeper:
            while not report.server_unreachable:
                if report.sent + report.failed >= PASS_MESSAGES or time.monotonic() > deadline:
                    report.cut_short = True
                    break
                claim = claim_next(worker_id, lease)
                if claim is None:
                    break
                with keeper.holding(claim):
                    outcome, exc = attempt(claim, transport, config)
                    record(claim, outcome, exc, config)
                report.sent += outcome == SENT
                report.failed += outcome != SENT
                report.server_unreachable = outcome == UNREACHABLE
    finally:
        if report.server_unreachable:
            transport.discard()  # a dead server would make QUIT wait for its timeout
        else:
            transport.close()
    return report


def deliver_pending(worker_id="cli"):
    """One pass over the outbox; returns (sent, failed) counts for this pass."""
    report = run_pass(worker_id)
    return report.sent, report.failed


# --- the background sender ----------------------------------------------------------------------

_wakeup = threading.Event()
_sender = None
_sender_lock = threading.Lock()


def wake_sender():
    """Tells the background sender that new mail was committed."""
    _wakeup.set()


class BackgroundSender:
    """A daemon thread of this process that runs passes: when mail is committed, and every
    MAIL_SENDER_INTERVAL seconds for retries. After a connection-level failure it waits the
    interval out, whatever is committed meanwhile (no storm of connections to a dead server)."""

    def __init__(self, app):
        self.app = app
        self.interval = app.config["MAIL_SENDER_INTERVAL"]
        self.pid = os.getpid()
        self.worker_id = f"{self.pid}-{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="email-sender", daemon=True)

    def run(self):
        while not self.stopping.is_set():
            _wakeup.clear()  # before the pass: mail committed during it wakes the next one
            report = self.one_pass()
            if report is None or report.server_unreachable:
                self.stopping.wait(self.interval)
            elif not report.cut_short:
                _wakeup.wait(self.interval)

    def one_pass(self):
        with self.app.app_context():
            try:
                return run_pass(self.worker_id)
            except Exception:  # noqa: BLE001  (the sender must outlive any one failure)
                log.exception("Email sender pass failed")
                db.session.rollback()
                return None
            finally:
                db.session.remove()

    def stop(self, timeout):
        self.stopping.set()
        _wakeup.set()
        self.thread.join(timeout)


def start_background_sender(app):
    """Starts this process's sender thread, once; nothing when MAIL_BACKGROUND_SENDER is off.

    Call it in the process that serves (a gunicorn worker: gunicorn.conf.py's post_worker_init),
    never before a fork: the thread would stay behind in the parent. A process forked from one
    that had a sender gets its own (the pid tells)."""
    global _sender
    if not app.config["MAIL_BACKGROUND_SENDER"]:
        return None
    sender = _sender
    if sender is not None and sender.pid == os.getpid() and sender.thread.is_alive():
        return sender
    with _sender_lock:
        if _sender is None or _sender.pid != os.getpid() or not _sender.thread.is_alive():
            _sender = BackgroundSender(app)
            _sender.thread.start()
        return _sender


def stop_background_sender(timeout=5.0):
    """Lets the sender finish the message in hand, then stops it (a worker leaving cleanly)."""
    sender = _sender
    if sender is not None and sender.pid == os.getpid():
        sender.stop(timeout)
