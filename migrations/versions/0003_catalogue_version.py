"""catalogue version: a random stamp that triggers renew with every change to listed event fields

Revision ID: 7c41d2e8a9f0
Revises: e5a1c3d9b204
Create Date: 2026-11-29 14:40:00

Stock counters (bookings, allocations) are not among the fields, so a sale leaves it unchanged.
The triggers are not in the models; Alembic does not compare triggers.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c41d2e8a9f0"
down_revision = "e5a1c3d9b204"
branch_labels = None
depends_on = None

# What lists and searches filter, sort or match on (app/events/service.py, search.py).
LISTED_COLUMNS = (
    "title, description, location, category, organizer_id, starts_at, price_minor, "
    "currency_code, created_at"
)
# An upsert (the row comes back if something deleted it) of 128 random bits, as hex.
SQLITE_STAMP = "lower(hex(randomblob(16)))"
POSTGRES_STAMP = "replace(gen_random_uuid()::text, '-', '')"


def bump(stamp):
    return (
        f"INSERT INTO catalogue_version (id, stamp) VALUES (1, {stamp}) "
        "ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp"
    )


SQLITE_UPGRADE = [
    f"""CREATE TRIGGER catalogue_after_insert AFTER INSERT ON events
    BEGIN {bump(SQLITE_STAMP)}; END""",
    f"""CREATE TRIGGER catalogue_after_delete AFTER DELETE ON events
    BEGIN {bump(SQLITE_STAMP)}; END""",
    f"""CREATE TRIGGER catalogue_after_update AFTER UPDATE OF {LISTED_COLUMNS} ON events
    BEGIN {bump(SQLITE_STAMP)}; END""",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS catalogue_after_update",
    "DROP TRIGGER IF EXISTS catalogue_after_delete",
    "DROP TRIGGER IF EXISTS catalogue_after_insert",
]

POSTGRES_UPGRADE = [
    f"""CREATE OR REPLACE FUNCTION tapestry_bump_catalogue() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN {bump(POSTGRES_STAMP)}; RETURN NULL; END $$""",
    # Once per statement: a bulk insert of 100 000 events bumps it once.
    f"""CREATE TRIGGER catalogue_after_change
    AFTER INSERT OR DELETE OR UPDATE OF {LISTED_COLUMNS} ON events
    FOR EACH STATEMENT EXECUTE FUNCTION tapestry_bump_catalogue()""",
]
POSTGRES_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS catalogue_after_change ON events",
    "DROP FUNCTION IF EXISTS tapestry_bump_catalogue()",
]


def upgrade():
    op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_version")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(bump(POSTGRES_STAMP if postgres else SQLITE_STAMP))
    for statement in POSTGRES_UPGRADE if postgres else SQLITE_UPGRADE:
        op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWNGRADE if postgres else SQLITE_DOWNGRADE:
        op.execute(statement)
    op.drop_table("catalogue_version")
