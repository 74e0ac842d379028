"""Checks of the services the API depends on."""

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

log = logging.getLogger(__name__)


def database_is_up():
    """True when a trivial query succeeds."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        log.warning("Health check: database unreachable: %s", exc)
        db.session.rollback()
        return False
    finally:
        db.session.close()
