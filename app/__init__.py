"""Application factory: create_app(config) is a sequence of register_* steps."""

import logging
from pathlib import Path

from flask import Flask, request

from app.extensions import db, jwt, limiter, login_manager, mail, migrate, oauth

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config=None):
    """Builds the app from a config class (or object); APP_ENV picks one when none is given."""
    from config import config_from_env

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config or config_from_env())
    app.json.sort_keys = False
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_docs(app)
    register_cli(app)
    return app


def configure_logging(app):
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.DEBUG if app.debug else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )


def register_extensions(app):
    from app import models  # noqa: F401  (the whole schema, for create_all and Alembic)

    ensure_sqlite_directory(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    jwt.init_app(app)
    login_manager.init_app(app)
    oauth.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        configure_engine(app)


def ensure_sqlite_directory(app):
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def configure_engine(app):
    from app.common.sqlite import configure_sqlite, write_intent

    if db.engine.dialect.name != "sqlite":
        return
    configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.before_request
    def reads_do_not_lock():
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))


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
