"""PostgreSQL: pooled connections are pinged only after sitting idle, and a dead one is replaced
before a request uses it (app/common/dbpool.py)."""

import time

import pytest
from sqlalchemy import create_engine, text

from app.common.dbpool import PING_AFTER_IDLE_SECONDS


@pytest.fixture()
def postgres_engine(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: a SQLite file has no server to drop a connection")
    return db.engine


def backend_pid(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate_other_backends(engine):
    """Ends every other session on the test database, as a server restart would."""
    killer = create_engine(engine.url)
    with killer.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    killer.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(postgres_engine):
    old_pid = backend_pid(postgres_engine)
    terminate_other_backends(postgres_engine)
    time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
    new_pid = backend_pid(postgres_engine)  # would raise without the ping
    assert new_pid != old_pid


def test_a_connection_used_a_moment_ago_is_not_pinged(postgres_engine, monkeypatch):
    pings = []
    original = postgres_engine.dialect.do_ping
    monkeypatch.setattr(
        postgres_engine.dialect, "do_ping", lambda conn: pings.append(1) or original(conn)
    )
    postgres_engine.dispose()  # only this test's connection in the pool
    backend_pid(postgres_engine)
    backend_pid(postgres_engine)
    assert pings == []
    time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
    backend_pid(postgres_engine)
    assert pings == [1]


def test_a_booking_on_a_connection_lost_mid_use_fails_cleanly_and_the_next_succeeds(
    postgres_engine, client, make_event
):
    """The booking path runs on the driver's cursor (app/common/rawsql.py): a lost connection
    must be invalidated there as SQLAlchemy would, so the error handler's rollback works."""
    event_id = make_event().id
    body = {"quantity": 1, "buyer": {"name": "Amel", "email": "amel@example.tn"}}
    assert client.post(f"/events/{event_id}/bookings", json=body).status_code == 201
    terminate_other_backends(postgres_engine)  # at once: too soon for the idle ping
    failed = client.post(f"/events/{event_id}/bookings", json=body)
    assert failed.status_code == 500
    assert failed.get_json()["code"] == "internal_error" and failed.get_json()["request_id"]
    assert client.post(f"/events/{event_id}/bookings", json=body).status_code == 201
