"""SQLite settings that let several worker processes write without "database is locked".

WAL lets readers run beside one writer, the busy timeout makes a writer wait for the lock instead
of failing, and write transactions take the lock up front (BEGIN IMMEDIATE): a deferred
transaction that reads first and writes later can fail at once when another writer got in between.

Writers also queue on a file lock (flock) beside the database before BEGIN IMMEDIATE. SQLite's own
busy handler waits by sleeping (1, 2, 5, 10 ms ...), so two workers taking turns on a hot event
spent most of their time asleep; a writer waiting on the queue gets in within 0.2 ms of the
holder's commit. SQLite's lock still decides: a writer that does not use the file lock (another
program) is waited for as before.
"""

import fcntl
import os
import sqlite3
import threading
import time
from contextvars import ContextVar
from functools import wraps

from sqlalchemy import event

# Whether the next transaction may write. Requests that only read (GET) turn it off.
write_intent = ContextVar("sqlite_write_intent", default=True)


class WriterQueue:
    """One writing transaction at a time over all processes and threads using one database file.

    The queue belongs to the transaction, not to a thread: whichever thread ends it (commit,
    rollback, close, the pool cleaning up a connection lost by its owner) lets the next one in. A
    writer that waits longer than the busy timeout gets SQLite's own "database is locked", as it
    would from SQLite, so a stuck holder cannot block everyone for good, and a thread that opens
    a second writing connection while holding the first fails after that timeout as before.
    """

    # flock() cannot wait with a timeout, so a blocked writer polls it with naps this short: at
    # most 0.2 ms late, where SQLite's busy handler sleeps whole milliseconds.
    FIRST_NAP, LONGEST_NAP = 0.00005, 0.0002

    def __init__(self, path, timeout_seconds):
        self.path = path
        self.timeout = timeout_seconds
        self.pid = self.threads = self.fd = None

    def _state(self):
        """(lock, file descriptor) of this process: a child process after fork() gets its own,
        since an inherited descriptor would share the parent's lock."""
        if self.pid != os.getpid():
            self.threads = threading.Lock()
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self.pid = os.getpid()
        return self.threads, self.fd

    def acquire(self):
        threads, fd = self._state()
        deadline = time.monotonic() + self.timeout
        if not threads.acquire(timeout=self.timeout):  # threads of this process, in turn
            raise sqlite3.OperationalError("database is locked")
        try:
            self._lock_file(fd, deadline)  # processes, in turn
        except BaseException:
            threads.release()
            raise

    def _lock_file(self, fd, deadline):
        nap = self.FIRST_NAP
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(nap)
                nap = min(nap * 2, self.LONGEST_NAP)

    def release(self):
        threads, fd = self._state()
        fcntl.flock(fd, fcntl.LOCK_UN)
        threads.release()


# One queue per database file and process, whatever the number of engines on it.
_queues = {}
_queues_lock = threading.Lock()


def writes_database(view):
    """For a GET view that writes: its transactions take SQLite's write lock up front, as a
    POST's do (a deferred transaction that turns into a write can fail at once under load)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        write_intent.set(True)  # the request's teardown restores the previous value
        return view(*args, **kwargs)

    return wrapped


def writer_queue(path, timeout_seconds):
    with _queues_lock:
        if path not in _queues:
            _queues[path] = WriterQueue(path + ".writer-lock", timeout_seconds)
        return _queues[path]


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
    queue = writer_queue(path, busy_timeout_ms / 1000) if path else None
    connection_class = queued_connection_class(queue) if queue else None

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
        begin_immediate = getattr(connection.connection.dbapi_connection, "begin_immediate", None)
        if begin_immediate is not None:  # a QueuedConnection: through the writer queue
            begin_immediate()
        else:  # no file to queue on (an in-memory or URI database)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
