"""Application factory: create_app(config) is a sequence of register_* steps."""

import logging
from pathlib import Path

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface

from app.extensions import db, jwt, limiter, login_manager, mail, migrate, oauth

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config=None):
    """Builds the app from a config class (or object); APP_ENV picks one when none is given."""
    from config import check_production_settings, config_from_env

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config or config_from_env())
    check_production_settings(app.config)
    app.json.sort_keys = False
    configure_logging(app)
    register_extensions(app)
    register_request_hooks(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_docs(app)
    register_cli(app)
    register_startup_tasks(app)
    return app


def configure_logging(app):
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.DEBUG if app.debug else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )


def configure_mail(app):
    """Flask-Mail reads MAIL_*; the API's documented names are SMTP_*."""
    config = app.config
    config["MAIL_SERVER"] = config.get("SMTP_SERVER") or "localhost"
    config["MAIL_PORT"] = config.get("SMTP_PORT")
    config["MAIL_USERNAME"] = config.get("SMTP_USERNAME")
    config["MAIL_PASSWORD"] = config.get("SMTP_PASSWORD")
    config["MAIL_USE_TLS"] = config.get("SMTP_USE_TLS")
    # Flask-Mail suppresses sending under TESTING; tests deliver to a real SMTP server instead.
    config["MAIL_SUPPRESS_SEND"] = False


def register_extensions(app):
    from sqlalchemy.orm import Session

    from app import models  # noqa: F401  (the whole schema, for create_all and Alembic)
    from app.common.readcache import track_commits

    ensure_sqlite_directory(app)
    reuse_recent_connections(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    jwt.init_app(app)
    login_manager.init_app(app)
    oauth.init_app(app)
    configure_mail(app)
    mail.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        configure_engine(app)
        track_commits(db.engine, Session)


def ensure_sqlite_directory(app):
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def reuse_recent_connections(app):
    """Server databases: the pool hands out the most recently used connection first, so the
    busy ones are never idle long enough to be pinged (app/common/dbpool.py). SQLite's in-memory
    pool has no such option, and a file needs no ping."""
    from sqlalchemy.engine import make_url

    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    server = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "sqlite"
    if server and "poolclass" not in options:  # a custom pool (NullPool ...) may not take it
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_use_lifo": True, **options}


def configure_engine(app):
    from app.common.dbpool import ping_after_idle
    from app.common.rawsql import forbid_sqlalchemy_statements_in_pipelines
    from app.common.sqlite import configure_sqlite, write_intent

    if db.engine.dialect.name != "sqlite":
        # A SQLite file has no server that could drop a connection: nothing to ping.
        ping_after_idle(db.engine)
        forbid_sqlalchemy_statements_in_pipelines(db.engine)
        return
    configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.before_request
    def reads_do_not_lock():
        g.write_intent_token = write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def restore_write_intent(_exc):
        # Back to what it was before the request (a test or CLI context may have its own).
        token = g.pop("write_intent_token", None)
        if token is not None:
            write_intent.reset(token)


def register_request_hooks(app):
    from app.auth.tokens import copy_access_token_header
    from app.common.ids import reject_impossible_ids
    from app.common.validation import register_input_screening
    from app.ops.observability import register_observability
    from app.ops.security import register_security

    register_observability(app)
    register_security(app)
    # NUL characters and too deeply nested JSON are a 400 before any other hook reads them.
    register_input_screening(app)
    app.before_request(copy_access_token_header)
    # An integer path id no row can have is a 404 before any query (SQLite overflows on it).
    app.url_value_preprocessor(reject_impossible_ids)

    @app.teardown_request
    def end_transaction(_exc):
        # A request that raised never committed: release its locks now, even when the app
        # context (and so the session) outlives the request, as it does in tests and CLI calls.
        # A request that never used the database has no session to end (none is made for it).
        if db.session.registry.has():
            db.session.rollback()

    app.session_interface = CachedSerializerSessionInterface()


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, with its signing serializer made once per secret key.

    Flask opens the session on every request and builds a new serializer each time; the
    serializer depends only on the keys, so it is reused while they stay the same.
    """

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


def register_blueprints(app):
    from app import admin, auth, bookmarks, events, ops, tickets

    for package in (ops, auth, events, tickets, bookmarks, admin):
        app.register_blueprint(package.bp)


def register_error_handlers(app):
    from app.errors import register_error_handlers as register

    register(app)


def register_docs(app):
    from app.ops.docs import init_swagger

    init_swagger(app)


def register_cli(app):
    from app.cli import register_commands

    register_commands(app)


def register_startup_tasks(app):
    """The configured admin now. The email sender belongs to the serving process, not to this
    factory (CLI runs like `flask db upgrade` build the app too, and gunicorn's master would
    fork it away): gunicorn.conf.py starts it in each worker as soon as the worker has loaded
    the app, with no request needed. Under any other server (the development one, a gunicorn
    without the project's config) the first request starts it."""
    from app.auth.service import ensure_configured_admin
    from app.email import start_background_sender

    with app.app_context():
        if schema_is_ready():
            ensure_configured_admin()
        db.session.remove()

    if app.config["MAIL_BACKGROUND_SENDER"]:

        @app.before_request
        def ensure_email_sender():
            start_background_sender(app)  # a no-op once this process's sender runs


def schema_is_ready():
    """False before `flask db upgrade` has created the tables, or while the database is down."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return inspect(db.engine).has_table("users")
    except SQLAlchemyError as exc:
        logging.getLogger(__name__).warning("Database not ready at start-up: %s", exc)
        return False
