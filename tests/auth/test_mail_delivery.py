"""The outbox: mail survives an SMTP outage and is delivered exactly once, even by rival senders."""

import threading
from datetime import timedelta

from sqlalchemy import select, update

from app.common.models import utcnow
from app.email import OutboxEmail, deliver_pending, queue_email
from app.extensions import db as _db
from tests.conftest import free_port


def queue(db, count, prefix="guest"):
    for n in range(count):
        queue_email(f"{prefix}{n}@example.tn", f"Hello {n}", f"Body {n}")
    db.session.commit()


def make_due_now(db):
    db.session.execute(update(OutboxEmail).values(next_attempt_at=OutboxEmail.created_at))
    db.session.commit()


def test_mail_queued_while_smtp_is_down_arrives_once_it_is_up(
    app, db, smtp_server, deliver_mail, monkeypatch
):
    queue(db, 2)
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    assert deliver_mail() == (0, 1)
    first, second = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at > first.created_at and "Error" in first.last_error
    assert (second.status, second.attempts) == ("pending", 0), "not tried while the server is down"

    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    make_due_now(db)
    assert deliver_mail() == (2, 0)
    assert deliver_mail() == (0, 0)
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "guest0@example.tn",
        "guest1@example.tn",
    ]
    statuses = set(db.session.scalars(select(OutboxEmail.status)))
    assert statuses == {"sent"}


def test_rival_senders_deliver_each_email_exactly_once(app, db, smtp_server):
    queue(db, 30)
    barrier = threading.Barrier(4)
    errors = []

    def sender(worker):
        with app.app_context():
            try:
                barrier.wait()
                deliver_pending(f"worker-{worker}")
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    recipients = [m["To"] for m in smtp_server.messages]
    assert len(recipients) == 30 and len(set(recipients)) == 30


def test_without_an_smtp_server_the_mail_and_its_link_go_to_the_log(db, deliver_mail, caplog):
    queue_email("newcomer@example.tn", "Verify", "Click http://127.0.0.1:5000/verify-email/abc")
    db.session.commit()
    with caplog.at_level("INFO", logger="app.email"):
        assert deliver_mail() == (1, 0)
    assert "http://127.0.0.1:5000/verify-email/abc" in caplog.text


def test_a_stale_claim_from_a_dead_sender_is_taken_again(db, smtp_server, deliver_mail):
    """A claim without a lease (made by a release before migration 0006): stale after 5 min."""
    queue(db, 1)
    email = db.session.scalar(select(OutboxEmail))
    email.status, email.claimed_by, email.claimed_at = "sending", "dead", utcnow()
    db.session.commit()
    assert deliver_mail() == (0, 0), "a fresh claim belongs to a live sender"
    email.claimed_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert deliver_mail() == (1, 0)
    assert len(smtp_server.messages) == 1
