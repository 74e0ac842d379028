"""Per-process caches of read results that are never stale: an entry is used only while the
database is provably unchanged since it was computed.

Each entry is stored with a change token read before the result was computed; a later read
uses it only when the token read now is equal. A token changes with every commit that could
change what a read sees:

- every commit made through this process's engine (a counter bumped before and after each one);
- SQLite: `PRAGMA data_version` of a connection kept for reading tokens, which changes when
  any other connection (this process's pooled ones, another worker, another process, the CLI)
  commits to the database file;
- PostgreSQL: `pg_current_snapshot()`, which changes when any transaction that wrote anything
  (on any database of the server) ends: a committed one leaves the in-progress list or moves
  xmax past it.

So a cached result is exactly what the query would return at the moment the token was read,
and that moment is after every commit that finished before the request; under writes the
entries are simply recomputed. Other databases get no token: nothing is cached.
"""

import contextlib
import itertools
import os
import threading
import weakref
from collections import OrderedDict

from sqlalchemy import event

_generations = itertools.count(1)
_generation = 0


def _bump(*_args):
    # next() on itertools.count is atomic: every bump gives a value never seen before.
    global _generation
    _generation = next(_generations)


def track_commits(engine, session_class):
    """Bumps the process generation around every commit of `engine` and of the ORM sessions."""
    event.listen(engine, "commit", _bump)
    event.listen(session_class, "after_commit", _bump)


def current_token(engine):
    """The change token of what a new transaction of `engine` would read now; None when it
    cannot be had cheaply (then nothing may be cached).

    It is read on a connection of its own, kept per thread and outside any transaction (no
    SQLAlchemy session, no BEGIN/ROLLBACK): a request answered from a cache never checks out a
    pooled connection. A failure drops that connection and answers None: the request then
    reads the database as usual, through the pool and its pre-ping.
    """
    generation = _generation
    dialect = engine.dialect.name
    if dialect not in ("sqlite", "postgresql") or _in_memory(engine):
        return None
    connections = _token_connections()
    connection = connections.get(engine)
    try:
        if connection is None:
            connection = connections[engine] = _token_connection(engine)
        dbapi_connection = connection.dbapi_connection
        if dialect == "sqlite":
            value = dbapi_connection.execute("PRAGMA data_version").fetchone()[0]
        else:
            value = dbapi_connection.execute("SELECT pg_current_snapshot()::text").fetchone()[0]
    except Exception:  # noqa: BLE001  (no token: the caller reads the database instead)
        connections.pop(engine, None)
        if connection is not None:
            _discard(connection)
        return None
    return (generation, value)


_local = threading.local()


def _token_connections():
    """{engine: connection} of this thread, forgotten after a fork (connections are not shared
    with a child process)."""
    pid = os.getpid()
    if getattr(_local, "pid", None) != pid:
        _local.pid, _local.connections = pid, weakref.WeakKeyDictionary()
    return _local.connections


def _token_connection(engine):
    connection = engine.raw_connection()  # taken from the pool for good: never checked in
    if engine.dialect.name == "postgresql":
        connection.dbapi_connection.autocommit = True  # each query sees the latest commits
    return connection


def _discard(connection):
    with contextlib.suppress(Exception):  # it is gone either way
        connection.invalidate()


def _in_memory(engine):
    """SQLite in memory: each connection has a database of its own, which tells nothing."""
    url = engine.url
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and (
        database in ("", ":memory:")
        or "mode=memory" in database
        or url.query.get("mode") == "memory"
    )


class ReadCache:
    """A bounded LRU map of key -> (token, value)."""

    def __init__(self, size):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, token):
        """The value stored for `key` under this very token, else None."""
        if token is None:
            return None
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != token:
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key, token, value):
        if token is None:
            return
        with self.lock:
            self.entries[key] = (token, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()
