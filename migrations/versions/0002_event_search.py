"""event search indexes: FTS5 on SQLite, unaccented tsvector column + GIN index on PostgreSQL

Revision ID: e5a1c3d9b204
Revises: a3b292551ceb
Create Date: 2026-11-29 11:30:00

These objects (and the PostgreSQL column events.search_document) are not declared in the models; migrations/env.py leaves them out of autogenerate
comparisons (app.events.search.include_name).
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "e5a1c3d9b204"
down_revision = "a3b292551ceb"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = [
    # A test reset (drop_all) drops `events` but not the FTS table: start from a clean one.
    "DROP TABLE IF EXISTS events_fts",
    """CREATE VIRTUAL TABLE events_fts USING fts5(
        title, description, location,
        content='events', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    )""",
    """CREATE TRIGGER events_fts_after_insert AFTER INSERT ON events BEGIN
        INSERT INTO events_fts(rowid, title, description, location)
        VALUES (new.id, new.title, new.description, new.location);
    END""",
    """CREATE TRIGGER events_fts_after_delete AFTER DELETE ON events BEGIN
        INSERT INTO events_fts(events_fts, rowid, title, description, location)
        VALUES ('delete', old.id, old.title, old.description, old.location);
    END""",
    # Only text changes touch the index: stock counters are updated far more often.
    """CREATE TRIGGER events_fts_after_update AFTER UPDATE OF title, description, location
    ON events BEGIN
        INSERT INTO events_fts(events_fts, rowid, title, description, location)
        VALUES ('delete', old.id, old.title, old.description, old.location);
        INSERT INTO events_fts(rowid, title, description, location)
        VALUES (new.id, new.title, new.description, new.location);
    END""",
    # Index the events that exist already.
    "INSERT INTO events_fts(events_fts) VALUES ('rebuild')",
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS events_fts_after_update",
    "DROP TRIGGER IF EXISTS events_fts_after_delete",
    "DROP TRIGGER IF EXISTS events_fts_after_insert",
    "DROP TABLE IF EXISTS events_fts",
]

POSTGRES_UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE (its dictionary could change); an index needs IMMUTABLE. The
    # wrapper names the dictionary explicitly, which makes that promise safe to give.
    """CREATE OR REPLACE FUNCTION tapestry_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    # One definition of the indexed document, used by the index and by the queries alike.
    """CREATE OR REPLACE FUNCTION tapestry_event_document(title text, description text, location text)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT
        setweight(to_tsvector('simple'::regconfig, tapestry_unaccent(coalesce($1, ''))), 'A')
        || setweight(to_tsvector('simple'::regconfig, tapestry_unaccent(coalesce($3, ''))), 'B')
        || setweight(to_tsvector('simple'::regconfig, tapestry_unaccent(coalesce($2, ''))), 'D')
    $$""",
    # Stored, so that ranking reads the vector instead of re-parsing every matching event.
    """ALTER TABLE events ADD COLUMN search_document tsvector
    GENERATED ALWAYS AS (tapestry_event_document(title, description, location)) STORED""",
    "CREATE INDEX ix_events_search ON events USING gin (search_document)",
]

POSTGRES_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_events_search",
    "ALTER TABLE events DROP COLUMN IF EXISTS search_document",
    "DROP FUNCTION IF EXISTS tapestry_event_document(text, text, text)",
    "DROP FUNCTION IF EXISTS tapestry_unaccent(text)",
    # The unaccent extension stays: other objects may use it, and dropping it needs a superuser.
]


def run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        run(POSTGRES_UPGRADE)
    else:
        run(SQLITE_UPGRADE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        run(POSTGRES_DOWNGRADE)
    else:
        run(SQLITE_DOWNGRADE)
