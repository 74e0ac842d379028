"""The events domain: its blueprint, registered by create_app."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from app.events import routes  # noqa: E402,F401  (routes attach themselves to bp)
