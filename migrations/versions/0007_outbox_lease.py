"""outbox lease: a Message-ID per message, claims under a renewed lease, the retry window

Revision ID: 0007outboxlease
Revises: 0006buyercap
Create Date: 2026-12-01 21:00:00

- message_id: the Message-ID header, fixed at queue time so that every try of a message (a
  repeat after a crash too) carries the same. Existing rows get one here.
- lease_until: a sender's claim holds while this is ahead; it renews it while it works, so a
  dead sender's message is taken back within a lease (30 s) instead of 5 minutes. Rows being
  sent now keep the old rule (stale 5 minutes after claimed_at) in the sender's query.
- failing_since: MAIL_RETRY_HOURS counts from a message's first failure.
- One index (status, next_attempt_at) replaces the two single-column ones: the sender's query
  walks it in order, and a booking writes one index fewer.

Only columns are added (nullable) and indexes changed: no table is rebuilt, every row is kept,
and a release before this one keeps working against the new schema during a rolling deploy.
"""

import uuid
from email.utils import parseaddr

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007outboxlease"
# Written after 0004; follows the newest head when merged (main had 0005 and 0007 by then).
down_revision = "0006buyercap"
branch_labels = None
depends_on = None


def mail_domain():
    """The sender's domain from the app's configuration, as the app makes Message-IDs."""
    try:
        from flask import current_app

        sender = current_app.config.get("MAIL_DEFAULT_SENDER") or ""
    except RuntimeError:  # no app context: alembic run on its own
        sender = ""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return "".join(c for c in domain if c.isascii() and (c.isalnum() or c in ".-")) or "localhost"


def upgrade():
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index("ix_email_outbox_next_attempt_at")
        batch_op.drop_index("ix_email_outbox_status")
        batch_op.create_index("ix_email_outbox_due", ["status", "next_attempt_at"], unique=False)
    # Unique across databases and installs: the row id and a stamp of this migration run.
    op.execute(
        sa.text(
            "UPDATE email_outbox SET message_id = "
            "'<outbox.' || CAST(id AS VARCHAR(20)) || '.' || :stamp || '@' || :domain || '>' "
            "WHERE message_id IS NULL"
        ).bindparams(stamp=uuid.uuid4().hex[:12], domain=mail_domain())
    )


def downgrade():
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_email_outbox_due")
        batch_op.create_index("ix_email_outbox_status", ["status"], unique=False)
        batch_op.create_index("ix_email_outbox_next_attempt_at", ["next_attempt_at"], unique=False)
        batch_op.drop_column("failing_since")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("message_id")
