"""The admin domain: its blueprint, registered by create_app."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import routes  # noqa: E402,F401  (routes attach themselves to bp)
