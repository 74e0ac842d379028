"""Full-text search over events (title, description, location), indexed on both databases.

SQLite: the FTS5 table `events_fts` (external content: it indexes `events` without copying it),
kept in sync by triggers, tokenizer `unicode61 remove_diacritics 2` (case and accents ignored),
with a prefix index for each word length from 2 to 12 (migration 0004).
PostgreSQL: a GIN index on the stored generated column `events.search_document`, the tsvector
of the unaccented text (`tapestry_event_document(title, description, location)`). Migration 0002
creates them; the models do not declare them, so `include_name` hides them from autogenerate.

Every word of `q` must start a word of the event: `fest medina` -> `"fest"* AND "medina"*` on
SQLite, `fest:* & medina:*` on PostgreSQL. Words are runs of letters and digits, so quotes,
`%`, `_` and operators in `q` are only separators, never syntax.
"""

import re
import unicodedata

from sqlalchemy import String, bindparam, column, func, literal_column, select, table, type_coerce
from sqlalchemy.types import NullType

from app.events.models import Event

FTS_TABLE = "events_fts"
PG_SEARCH_INDEX = "ix_events_search"
PG_SEARCH_COLUMN = "search_document"
# Keeps a query's cost bounded whatever a client sends.
MAX_WORDS = 8
MAX_WORD_LENGTH = 64
WORD = re.compile(r"[^\W_]+")

events = Event.__table__
# PostgreSQL only: a stored generated tsvector, so ranking reads it instead of re-parsing text.
SEARCH_DOCUMENT = literal_column(f"events.{PG_SEARCH_COLUMN}")


def search_words(q):
    """The words of a search query, lower-cased and composed (NFKC), at most MAX_WORDS."""
    normalized = unicodedata.normalize("NFKC", q or "").lower()
    return [word[:MAX_WORD_LENGTH] for word in WORD.findall(normalized)][:MAX_WORDS]


def matching_events(words, dialect_name, conditions):
    """A select of the ids of the events that match every word and `conditions`, for a sorted
    search to order and limit.

    Left to each planner: PostgreSQL walks the index of the sort (starts_at, title, created_at)
    and stops at the limit for a common word, or sorts the matches the GIN index gives for a
    rare one (at 100 000 events, `festival` sorted by date: 5 ms, where collecting its 30 000
    matches first took 170 ms). SQLite reads every match from the FTS index and sorts them (33
    ms for `festival`). A sort on price has no index: every match is sorted.
    """
    if dialect_name == "postgresql":
        match = SEARCH_DOCUMENT.op("@@")(_postgres_query(words))
        return select(events.c.id).where(match, *conditions)
    fts = table(FTS_TABLE, column("rowid"))
    query = select(events.c.id).select_from(fts.join(events, events.c.id == fts.c.rowid))
    return query.where(_sqlite_match(words), *conditions)


def ranked_candidates(words, dialect_name, conditions, limit):
    """A select of (event_id, relevance, starts_at) of the `limit` most recently created
    matching events (highest ids); higher relevance is better. `starts_at` is the database's
    own value (no type conversion): it only breaks ties, and it sorts in time order on each
    database (SQLite stores one fixed format).

    The limit bounds the work of ranking: a word found in half of 100 000 events would
    otherwise score every one of them on each request. The newest matches are the ones kept,
    so a just-created event is always found. FTS5 walks its index backwards, at no extra cost.
    PostgreSQL's planner walks the primary key backwards for a common word, testing each row
    it passes, and sorts a bitmap of the GIN index for a rare one, by the word's statistics; the
    worst case is a common word whose matches are nearly all old events (a past year, say): the
    walk then passes most of the table, about 80 ms at 100 000 events against 3 ms by the
    index. Repeated searches are cached (service.SEARCH_RESULTS), so it is paid once per
    catalogue change and process.
    """
    starts_at = type_coerce(events.c.starts_at, NullType()).label("starts_at")
    if dialect_name == "postgresql":
        words_query = _postgres_query(words)
        relevance = func.ts_rank(SEARCH_DOCUMENT, words_query)
        query = select(events.c.id.label("event_id"), relevance.label("relevance"), starts_at)
        query = query.where(SEARCH_DOCUMENT.op("@@")(words_query), *conditions)
        return query.order_by(events.c.id.desc()).limit(limit)
    fts = table(FTS_TABLE, column("rowid"))
    # bm25 is lower for better matches; a title hit weighs more than location or description.
    score = literal_column(f"bm25({FTS_TABLE}, 10.0, 1.0, 3.0)")
    query = (
        select(fts.c.rowid.label("event_id"), (-score).label("relevance"), starts_at)
        .select_from(fts.join(events, events.c.id == fts.c.rowid))
        .where(_sqlite_match(words), *conditions)
    )
    return query.order_by(fts.c.rowid.desc()).limit(limit)


def _sqlite_match(words):
    # The FTS5 query is a bound value: one SQL text for every search, so SQLAlchemy compiles it
    # once (an inline string made each new query a new statement to compile and cache).
    match = " AND ".join(f'"{word}"*' for word in words)
    return literal_column(FTS_TABLE).op("MATCH")(bindparam("fts_query", match, type_=String))


def _postgres_query(words):
    # The query goes through the same unaccent as the indexed text.
    text = func.tapestry_unaccent(" & ".join(f"{word}:*" for word in words))
    return func.to_tsquery(literal_column("'simple'::regconfig"), text)


def is_search_index_object(name, type_):
    """True for the search objects the models do not declare: FTS5 tables, the GIN index."""
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    if type_ == "column":
        return name == PG_SEARCH_COLUMN
    return type_ == "index" and name == PG_SEARCH_INDEX


def include_name(name, type_, parent_names):
    """Alembic hook: leave the search objects out of autogenerate comparisons."""
    return not is_search_index_object(name, type_)
