"""SQLite settings that let several worker processes write without "database is locked".

WAL lets readers run beside one writer, the busy timeout makes a writer wait for the lock instead
of failing, and write transactions take the lock up front (BEGIN IMMEDIATE): a deferred
transaction that reads first and writes later can fail at once when another writer got in between.
"""

from contextvars import ContextVar

from sqlalchemy import event

# Whether the next transaction may write. Requests that only read (GET) turn it off.
write_intent = ContextVar("sqlite_write_intent", default=True)


def configure_sqlite(engine, busy_timeout_ms):
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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
