"""SQLite settings that let several worker processes write without "database is locked".

WAL lets readers run beside one writer, the busy timeout makes a writer wait for the lock instead
of failing, and write transactions take the lock up front (BEGIN IMMEDIATE): a deferred
transaction that reads first and writes later can fail at once when another writer got in between.

Writers also queue on a file lock (flock) beside the database before BEGIN IMMEDIATE. SQLite's own
busy handler waits by sleeping (1, 2, 5, 10 ms ...), so two workers taking turns on a hot event
spent most of their time asleep; a blocked flock wakes the moment the holder commits. SQLite's lock
still decides: a writer that does not use the file lock (another program) is waited for as before.
"""

import fcntl
import os
import sqlite3
import threading
from contextvars import ContextVar

from sqlalchemy import event

# Whether the next transaction may write. Requests that only read (GET) turn it off.
write_intent = ContextVar("sqlite_write_intent", default=True)


class WriterQueue:
    """One writing transaction at a time over all processes and threads using one database file.

    Re-entrant per thread: a second connection opened by a thread that already writes gets past
    the queue and meets SQLite's lock, i.e. its busy timeout, exactly as without the queue.
    """

    def __init__(self, path):
        self.path = path
        self.threads = threading.RLock()  # threads of this process, in turn
        self.depth = threading.local()
        self.fd, self.pid = None, None

    def _file(self):
        # Opened per process: a descriptor inherited over fork() shares its lock with the parent.
        if self.pid != os.getpid():
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self.pid = os.getpid()
        return self.fd

    def acquire(self):
        self.threads.acquire()
        depth = getattr(self.depth, "value", 0)
        if depth == 0:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX)  # processes, in turn
            except BaseException:
                self.threads.release()
                raise
        self.depth.value = depth + 1

    def release(self):
        self.depth.value -= 1
        if self.depth.value == 0:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        self.threads.release()


def queued_connection_class(queue):
    """A sqlite3.Connection that leaves the writer queue when its transaction ends."""

    class QueuedConnection(sqlite3.Connection):
        in_queue = False

        def begin_immediate(self):
            queue.acquire()
            self.in_queue = True
            try:
                self.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.leave_queue()
                raise

        def leave_queue(self):
            if self.in_queue:
                self.in_queue = False
                queue.release()

        def commit(self):
            try:
                super().commit()
            finally:
                self.leave_queue()

        def rollback(self):
            try:
                super().rollback()
            finally:
                self.leave_queue()

        def close(self):
            try:
                super().close()
            finally:
                self.leave_queue()

    return QueuedConnection


def database_file(engine):
    """The database's path, or None for an in-memory database."""
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return os.path.abspath(name)


def configure_sqlite(engine, busy_timeout_ms):
    path = database_file(engine)
    connection_class = queued_connection_class(WriterQueue(path + ".writer-lock")) if path else None

    @event.listens_for(engine, "do_connect")
    def use_queued_connection(_dialect, _record, _cargs, cparams):
        if connection_class is not None:
            cparams["factory"] = connection_class

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if not write_intent.get():
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        if isinstance(dbapi_connection, sqlite3.Connection) and hasattr(
            dbapi_connection, "begin_immediate"
        ):
            dbapi_connection.begin_immediate()
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
