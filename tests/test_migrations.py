"""The migrations build exactly the models' schema, and upgrade and downgrade both run."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import MIGRATIONS_DIR, create_app
from app.events.search import include_name
from app.extensions import db
from tests.conftest import SuiteConfig

EXPECTED_TABLES = {
    "users", "oauth_identities", "revoked_tokens", "events", "allocations", "buyers", "bookings",
    "tickets", "bookmarks", "idempotency_records", "email_outbox", "audit_log", "catalogue_version",
    "user_sessions", "recovery_codes",
}  # fmt: skip


@pytest.fixture()
def scratch_database_url(tmp_path):
    """A new empty database of the suite's kind (a temp SQLite file, or a PostgreSQL database)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or make_url(base).get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"tapestry_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture()
def scratch_app(scratch_database_url):
    class ScratchConfig(SuiteConfig):
        SQLALCHEMY_DATABASE_URI = scratch_database_url

    app = create_app(ScratchConfig)
    with app.app_context():
        yield app
        db.engine.dispose()


def schema_differences():
    with db.engine.connect() as conn:
        # The same filter as migrations/env.py: search objects the models don't declare.
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, db.metadata)


def table_names():
    names = {
        name for name in inspect(db.engine).get_table_names() if include_name(name, "table", {})
    }
    return names - {"alembic_version"}


def test_upgrade_builds_every_table_and_matches_the_models(scratch_app):
    upgrade(directory=str(MIGRATIONS_DIR))
    assert table_names() == EXPECTED_TABLES
    assert schema_differences() == []


def test_downgrade_removes_everything_and_upgrade_runs_again(scratch_app):
    upgrade(directory=str(MIGRATIONS_DIR))
    downgrade(directory=str(MIGRATIONS_DIR), revision="base")
    assert table_names() == set()
    upgrade(directory=str(MIGRATIONS_DIR))
    assert table_names() == EXPECTED_TABLES


def insert_rows_before_0005():
    """Two users (one with a Google identity), an event, a bookmark, an audit row: at 0004."""
    statements = [
        # No explicit ids: PostgreSQL's sequence must hand them out (1 and 2 on a new database).
        "INSERT INTO users (email, username, name, password_hash, role, email_verified,"
        " is_blocked, is_active, failed_login_count, created_at, updated_at) VALUES"
        " ('a@example.tn', 'a', 'A', 'h', 'organizer', true, false, true, 0,"
        " '2026-01-01', '2026-01-01'),"
        " ('b@example.tn', 'b', 'B', NULL, 'reseller', true, false, true, 0,"
        " '2026-01-01', '2026-01-01')",
        "INSERT INTO oauth_identities (provider, subject, user_id, email, created_at) VALUES"
        " ('google', 'sub-2', 2, 'b@example.tn', '2026-01-01')",
        "INSERT INTO audit_log (actor_id, action, details, created_at) VALUES"
        " (2, 'x', '{}', '2026-01-01')",
    ]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_0005_keeps_every_row_and_ids_are_never_reused(scratch_app):
    upgrade(directory=str(MIGRATIONS_DIR), revision="3f9b7a1c2d54")
    insert_rows_before_0005()
    upgrade(directory=str(MIGRATIONS_DIR))
    with db.engine.begin() as conn:
        users = conn.execute(text("SELECT id, email, security_stamp FROM users ORDER BY id")).all()
        # The rows that reference users survived the rebuild (no cascade fired).
        assert conn.execute(text("SELECT user_id FROM oauth_identities")).scalar_one() == 2
        assert conn.execute(text("SELECT actor_id FROM audit_log")).scalar_one() == 2
        assert [(u.id, u.email) for u in users] == [(1, "a@example.tn"), (2, "b@example.tn")]
        assert len({u.security_stamp for u in users}) == 2 and all(u.security_stamp for u in users)
        conn.execute(text("DELETE FROM oauth_identities"))
        conn.execute(text("DELETE FROM audit_log"))
        conn.execute(text("DELETE FROM users WHERE id = 2"))
        conn.execute(
            text(
                "INSERT INTO users (email, username, role, email_verified, is_blocked, is_active,"
                " failed_login_count, security_stamp, totp_enabled, created_at, updated_at)"
                " VALUES ('c@example.tn', 'c', 'admin', true, false, true, 0, 's', false,"
                " '2026-01-01', '2026-01-01')"
            )
        )
        new_id = conn.execute(text("SELECT id FROM users WHERE email = 'c@example.tn'")).scalar()
    assert new_id == 3  # not the deleted account's 2
