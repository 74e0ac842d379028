"""The tickets domain: its blueprint, registered by create_app."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)

from app.tickets import routes  # noqa: E402,F401  (routes attach themselves to bp)
