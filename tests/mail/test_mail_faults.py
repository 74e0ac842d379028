"""The outbox against a real SMTP server that misbehaves: line breaks in headers, refusals, a
server that hangs, and SMTP spoken with no database transaction open. One sender pass runs in the
test's process here; tests/mail/test_mail_processes.py runs real sender processes."""

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.common.models import utcnow
from app.email import OutboxEmail, deliver_pending, queue_email
from app.extensions import db as _db
from tests.conftest import suite_database_url
from tests.mail.mailservers import MailHandler, make_due_now, outbox_rows


def queue(db, *recipients):
    for n, recipient in enumerate(recipients):
        queue_email(recipient, f"Hello {n}", f"Body {n}")
    db.session.commit()


def book(client, event, email):
    body = {"quantity": 1, "buyer": {"name": "Leila", "email": email}}
    response = client.post(f"/events/{event.id}/bookings", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def test_a_line_break_in_an_event_title_is_cleaned_and_jams_nothing(
    smtp_app, smtp_port, db, client, make_event, deliver_mail
):
    server = smtp_port.up(MailHandler())
    queue(db, "before@example.tn")
    event = make_event(title="Nuit du malouf\r\nBcc: spy@evil.tn")
    reference = book(client, event, "leila@example.tn")
    queue(db, "after@example.tn")
    stored = db.session.scalar(
        select(OutboxEmail.subject).where(OutboxEmail.subject.contains("malouf"))
    )
    assert "\r" not in stored and "\n" not in stored

    assert deliver_mail() == (3, 0)
    [confirmation] = server.to("leila@example.tn")
    # .strip(): a subject this long is folded right after "Subject:".
    assert (
        confirmation["Subject"].strip()
        == f"Your tickets for Nuit du malouf Bcc: spy@evil.tn (booking {reference})"
    )
    assert confirmation["Bcc"] is None and confirmation.rcpt_tos == ["leila@example.tn"]
    assert {row.status for row in outbox_rows(db)} == {"sent"}
    assert server.to("before@example.tn") and server.to("after@example.tn")


def test_a_raw_line_break_queued_before_the_cleaning_is_cleaned_when_sent(
    smtp_app, smtp_port, db, deliver_mail
):
    server = smtp_port.up(MailHandler())
    queue(db, "first@example.tn")
    # As a row written by a release without the cleaning: straight into the table.
    db.session.add(
        OutboxEmail(
            recipient="raw@example.tn\r\n",
            subject="Soirée\r\nBcc: spy@evil.tn\nX-Injected: yes",
            body_text="Body",
        )
    )
    db.session.commit()
    queue(db, "last@example.tn")

    assert deliver_mail() == (3, 0)
    [raw] = server.to("raw@example.tn")
    assert raw["Subject"].strip() == "Soirée Bcc: spy@evil.tn X-Injected: yes"
    assert raw["X-Injected"] is None and raw.rcpt_tos == ["raw@example.tn"]
    assert raw["Message-ID"].startswith("<outbox."), "a row without one gets a derived Message-ID"
    assert {row.status for row in outbox_rows(db)} == {"sent"}


def test_a_refused_message_fails_after_max_attempts_while_the_others_go_out(
    smtp_app, smtp_port, db, deliver_mail, monkeypatch
):
    monkeypatch.setitem(smtp_app.config, "MAIL_MAX_ATTEMPTS", 3)
    server = smtp_port.up(MailHandler(refuse={"nobody@example.tn": "550 5.1.1 No such user"}))
    queue(db, "one@example.tn", "nobody@example.tn", "two@example.tn")

    assert deliver_mail() == (2, 1), "the refusal holds back neither message after it"
    assert server.to("one@example.tn") and server.to("two@example.tn")
    for tries in (2, 3):
        make_due_now(db)
        assert deliver_mail() == (0, 1)
        refused = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.recipient == "nobody@example.tn")
        )
        assert refused.attempts == tries
    assert (refused.status, refused.last_error[:8]) == ("failed", "refused:")
    assert "550" in refused.last_error
    make_due_now(db)
    assert deliver_mail() == (0, 0), "failed is the end: only an admin requeues it"


def test_a_temporary_refusal_is_retried_for_the_retry_window_then_failed(
    smtp_app, smtp_port, db, deliver_mail, monkeypatch
):
    monkeypatch.setitem(smtp_app.config, "MAIL_MAX_ATTEMPTS", 2)
    server = smtp_port.up(MailHandler(refuse={"full@example.tn": "452 4.2.2 Mailbox full"}))
    queue(db, "full@example.tn", "other@example.tn")

    for _ in range(4):  # more tries than MAIL_MAX_ATTEMPTS: a 4xx is not counted against it
        assert deliver_mail()[1] == 1
        make_due_now(db)
    full = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == "full@example.tn"))
    assert (full.status, full.attempts) == ("pending", 4)
    assert full.next_attempt_at - full.failing_since < timedelta(hours=1)
    assert len(server.to("other@example.tn")) == 1

    # 72 hours (MAIL_RETRY_HOURS) after its first failure, the next failure is its last.
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == full.id)
        .values(failing_since=utcnow() - timedelta(hours=72, minutes=1))
    )
    db.session.commit()
    assert deliver_mail() == (0, 1)
    assert outbox_rows(db)[0].status == "failed"


def test_a_hanging_server_ends_the_pass_after_the_timeout_and_the_mail_waits(
    smtp_app, smtp_port, db, deliver_mail
):
    queue(db, "first@example.tn", "second@example.tn")
    smtp_port.hanging()
    assert deliver_mail() == (0, 1), "the pass gives up on the server, not on every message"
    first, second = outbox_rows(db)
    assert (first.status, first.attempts) == ("pending", 1) and "unreachable" in first.last_error
    assert (second.status, second.attempts) == ("pending", 0)

    server = smtp_port.up(MailHandler())
    make_due_now(db)
    assert deliver_mail() == (2, 0)
    assert server.message_ids() == {row.message_id: 1 for row in outbox_rows(db)}


def test_a_slow_server_gets_every_message_over_one_connection(
    smtp_app, smtp_port, db, deliver_mail
):
    server = smtp_port.up(MailHandler(delay=0.05))  # 50 ms before each answer
    recipients = [f"guest{n}@example.tn" for n in range(5)]
    queue(db, *recipients)
    assert deliver_mail() == (5, 0)
    assert sorted(m["To"] for m in server.messages) == recipients
    assert server.commands["EHLO"] == 1, "one SMTP session for the pass, not one per message"


def open_write_transactions():
    """Whether some connection other than this one holds a write lock (SQLite) or sits in an
    open transaction (PostgreSQL), seen from a new connection of the test."""
    url = make_url(suite_database_url())
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, timeout=5, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")  # waits up to 5 s for any other writer
            connection.execute("ROLLBACK")
            return 0
        except sqlite3.OperationalError:
            return 1
        finally:
            connection.close()
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            )
    finally:
        engine.dispose()


def test_no_transaction_is_open_while_the_server_takes_its_time(
    smtp_app, smtp_port, db, client, make_event, monkeypatch
):
    monkeypatch.setitem(smtp_app.config, "SMTP_TIMEOUT", 30)  # the sender waits in DATA for it
    server = smtp_port.up(MailHandler())
    held = server.hold("held@example.tn")
    queue(db, "held@example.tn")
    event = make_event()
    passes = []

    def sender():
        with smtp_app.app_context():
            try:
                passes.append(deliver_pending("thread"))
            finally:
                _db.session.remove()

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        assert held.holding.wait(20), "the sender reached DATA"
        db.session.rollback()  # the test's own session holds nothing either
        assert open_write_transactions() == 0
        book(client, event, "buyer@example.tn")  # a booking commits meanwhile
        assert not held.release.is_set() and thread.is_alive(), "the sender is still in DATA"
    finally:
        held.release.set()
        thread.join(timeout=30)
    assert passes and passes[0][0] >= 1
    assert len(server.to("held@example.tn")) == 1


@pytest.mark.parametrize("lease_left", [timedelta(seconds=20), -timedelta(seconds=1)])
def test_a_claim_is_taken_back_only_once_its_lease_ran_out(
    smtp_app, smtp_port, db, deliver_mail, lease_left
):
    server = smtp_port.up(MailHandler())
    queue(db, "claimed@example.tn")
    now = utcnow()
    db.session.execute(
        update(OutboxEmail).values(
            status="sending", claimed_by="dead:1", claimed_at=now, lease_until=now + lease_left
        )
    )
    db.session.commit()
    expired = lease_left < timedelta(0)
    assert deliver_mail() == ((1, 0) if expired else (0, 0))
    assert len(server.messages) == (1 if expired else 0)
