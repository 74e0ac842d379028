"""Fixtures: the app on a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
a client, and callable factories for the objects tests need."""

import email
import email.policy
import itertools
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
import redis
import requests
from flask_migrate import upgrade
from sqlalchemy import text

from app import MIGRATIONS_DIR, create_app
from app.common.sqlite import write_intent
from app.extensions import db as _db
from config import BASE_DIR, INSTANCE_DIR, TestingConfig

SQLITE_TEST_DB = INSTANCE_DIR / "test.db"


def suite_database_url():
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{SQLITE_TEST_DB}"


class SuiteConfig(TestingConfig):
    SQLALCHEMY_DATABASE_URI = suite_database_url()


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
    """The database, emptied after each test.

    The test's own transactions start deferred (like a GET request's), so a test that reads
    never holds SQLite's write lock while a live server it started wants to write.
    """
    with app.app_context():
        token = write_intent.set(False)
        yield _db
        write_intent.reset(token)
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                if table.name != "catalogue_version":  # the schema's own row, not test data
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


@pytest.fixture()
def auth_headers(app):
    """auth_headers(user) -> {"Authorization": "Bearer <access token>"} for that user."""
    from app.auth.tokens import start_session

    def headers(user):
        with app.test_request_context():
            access, _refresh = start_session(user)
            _db.session.commit()
        return {"Authorization": f"Bearer {access}"}

    return headers


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def gunicorn_server(db):
    """gunicorn_server(workers=2, **env) -> base URL of a real gunicorn serving the suite's DB."""
    processes = []

    def start(workers=2, **extra_env):
        port = free_port()
        env = {**os.environ, "APP_ENV": "testing", "TEST_DATABASE_URL": suite_database_url()}
        env.update({key: str(value) for key, value in extra_env.items()})
        command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        process = subprocess.Popen(
            [*command, "--log-level", "warning", "main:app"], cwd=BASE_DIR, env=env
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process)
        return url

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


def wait_until_healthy(url, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become healthy")


class SMTPCapture:
    """An aiosmtpd handler that keeps every message the server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture()
def smtp_server(app, monkeypatch):
    """A real SMTP server on 127.0.0.1; the app is pointed at it for the test."""
    from aiosmtpd.controller import Controller

    capture = SMTPCapture()
    port = free_port()  # Controller(port=0) fails its own readiness check
    controller = Controller(capture, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_USE_TLS", False)
    capture.port = port
    yield capture
    controller.stop()


@pytest.fixture()
def deliver_mail(db):
    """deliver_mail() runs one pass of the outbox sender, as the background thread does."""
    from app.email import deliver_pending

    def deliver():
        # In the test's own app context (the db fixture's), so its session is the one used.
        return deliver_pending("test")

    return deliver


@pytest.fixture()
def live_app(gunicorn_server):
    """live_app(workers=1, **env) -> URL of gunicorn running the development config."""

    def start(workers=1, **env):
        cheap_hashes = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}
        return gunicorn_server(
            workers=workers,
            APP_ENV="development",
            DATABASE_URL=suite_database_url(),
            **{**cheap_hashes, **env},
        )

    return start


def redis_url_or_skip():
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return url


def as_json_schema(node):
    """OpenAPI 3.0 schema → JSON Schema (only `nullable` differs in what swagger.yml uses)."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@pytest.fixture(scope="session")
def spec_schema():
    """spec_schema(body, "OAuthLoginResult") validates body against that swagger.yml schema."""
    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    from config import BASE_DIR

    with open(BASE_DIR / "swagger.yml", encoding="utf-8") as handle:
        spec = as_json_schema(yaml.safe_load(handle))
    registry = Registry().with_resource("urn:spec", Resource.opaque(spec))

    def check(body, name):
        schema = {"$ref": f"urn:spec#/components/schemas/{name}"}
        Draft202012Validator(schema, registry=registry).validate(body)

    return check
