"""Pessimistic disconnect handling that costs nothing under load.

SQLAlchemy's pool_pre_ping pings the server on every checkout: a round trip per request, about a
sixth of a booking's time on PostgreSQL. Connections die while they sit idle in the pool (a
server restart, a proxy's idle timeout), so only a connection idle for longer than
PING_AFTER_IDLE_SECONDS is pinged when checked out; a dead one is replaced before the request
sees it, as with pre-ping (SQLAlchemy's documented checkout-event recipe). A connection that
breaks in the middle of a request fails that request, and SQLAlchemy then drops the pool's older
connections.
"""

import time

from sqlalchemy import event, exc

PING_AFTER_IDLE_SECONDS = 1.0


def ping_after_idle(engine, idle_seconds=PING_AFTER_IDLE_SECONDS):
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def note_idle_since(_dbapi_connection, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"connection dropped while idle: {error}") from error
