"""Migration 0006 keeps every outbox row: each gets a Message-ID, a row being sent keeps its claim,
the constraints stay, and the downgrade gives the old table back with the same rows."""

from datetime import datetime, timedelta, timezone

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app import MIGRATIONS_DIR
from app.extensions import db
from tests.test_migrations import scratch_app, scratch_database_url  # noqa: F401  (fixtures)

OUTBOX_0007 = "0007outboxlease"
# The revision before it, whichever that is once merged.
BEFORE = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(OUTBOX_0007).down_revision


def add_rows_the_old_way():
    """Rows as the release before 0006 wrote them: pending, sending (claimed a minute ago), sent,
    failed."""
    claimed = datetime.now(timezone.utc) - timedelta(minutes=1)
    with db.engine.begin() as conn:
        for n, status in enumerate(("pending", "sending", "sent", "failed")):
            conn.execute(
                text(
                    "INSERT INTO email_outbox (recipient, subject, body_text, status, attempts, "
                    "next_attempt_at, claimed_by, claimed_at, created_at) VALUES "
                    "(:recipient, 'Hello', 'Body', :status, 0, :now, :by, :at, :now)"
                ),
                {
                    "recipient": f"old{n}@example.tn",
                    "status": status,
                    "now": claimed,
                    "by": "old-sender" if status == "sending" else None,
                    "at": claimed if status == "sending" else None,
                },
            )


def outbox_rows():
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM email_outbox ORDER BY id")).mappings().all()


def test_existing_rows_get_a_message_id_and_keep_everything_else(scratch_app):  # noqa: F811
    upgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
    add_rows_the_old_way()
    before = outbox_rows()
    upgrade(directory=str(MIGRATIONS_DIR), revision=OUTBOX_0007)

    after = outbox_rows()
    assert [row["id"] for row in after] == [row["id"] for row in before]
    for old, new in zip(before, after, strict=True):
        assert {key: new[key] for key in old} == dict(old)
    message_ids = [row["message_id"] for row in after]
    assert all(mid.startswith("<outbox.") and mid.endswith(">") for mid in message_ids)
    assert len(set(message_ids)) == len(message_ids)
    indexes = {index["name"] for index in inspect(db.engine).get_indexes("email_outbox")}
    assert "ix_email_outbox_due" in indexes and "ix_email_outbox_status" not in indexes
    with pytest.raises(IntegrityError), db.engine.begin() as conn:  # the CHECKs are still there
        conn.execute(text("UPDATE email_outbox SET status = 'lost'"))


def test_the_downgrade_keeps_every_row(scratch_app):  # noqa: F811
    upgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
    add_rows_the_old_way()
    before = outbox_rows()
    upgrade(directory=str(MIGRATIONS_DIR), revision=OUTBOX_0007)
    downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
    assert outbox_rows() == before
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("UPDATE email_outbox SET attempts = -1"))
