"""buyer cap: bookings indexed by (buyer_id, event_id) instead of buyer_id alone

Revision ID: 0006buyercap
Revises: b6d2e4f81a07
Create Date: 2026-12-02 10:00:00

Every sale now sums the tickets its buyer holds for the event (MAX_TICKETS_PER_BUYER). With
an index on buyer_id alone that reads every booking the buyer ever made, of every event; the
pair finds just those of this event. It replaces the single-column index (its leading column
serves the lookups by buyer), so a booking still writes as many index entries as before.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0006buyercap"
down_revision = "b6d2e4f81a07"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_bookings_buyer_id_event_id", "bookings", ["buyer_id", "event_id"])
    op.drop_index("ix_bookings_buyer_id", table_name="bookings")


def downgrade():
    op.create_index("ix_bookings_buyer_id", "bookings", ["buyer_id"])
    op.drop_index("ix_bookings_buyer_id_event_id", table_name="bookings")
