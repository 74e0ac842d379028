"""Fixtures: the app on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
a client, and callable factories for the objects tests need."""

import itertools
import os
from datetime import datetime, timedelta, timezone

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import MIGRATIONS_DIR, create_app
from app.extensions import db as _db
from config import INSTANCE_DIR, TestingConfig

SQLITE_TEST_DB = INSTANCE_DIR / "test.db"


def test_database_url():
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{SQLITE_TEST_DB}"


class SuiteConfig(TestingConfig):
    SQLALCHEMY_DATABASE_URI = test_database_url()


def reset_schema(app):
    """Drops everything, then builds the schema through the migrations (as production does)."""
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=str(MIGRATIONS_DIR))


@pytest.fixture(scope="session")
def app():
    app = create_app(SuiteConfig)
    reset_schema(app)
    return app


@pytest.fixture()
def db(app):
    """The database, emptied after each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture()
def make_user(db):
    """make_user(role="organizer", **fields) -> a verified, active User."""
    from app.auth.models import User
    from app.auth.passwords import hash_password

    def make(role="organizer", password="correct-horse-battery", **fields):
        n = next(_counter)
        fields.setdefault("email", f"user{n}@example.tn")
        fields.setdefault("username", f"user{n}")
        fields.setdefault("name", f"User {n}")
        fields.setdefault("email_verified", True)
        user = User(role=role, password_hash=hash_password(password), **fields)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture()
def make_event(db, make_user):
    """make_event(organizer=None, **fields) -> an upcoming Event (100 tickets, 20.000 TND)."""
    from app.events.models import Event

    def make(organizer=None, **fields):
        organizer = organizer or make_user("organizer")
        fields.setdefault("title", f"Event {next(_counter)}")
        fields.setdefault("starts_at", datetime.now(timezone.utc) + timedelta(days=30))
        fields.setdefault("number_of_tickets", 100)
        fields.setdefault("price_minor", 20000)
        fields.setdefault("currency_code", "TND")
        event = Event(organizer_id=organizer.id, **fields)
        db.session.add(event)
        db.session.commit()
        return event

    return make
