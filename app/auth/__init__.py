"""The auth domain: its blueprint, registered by create_app."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import loaders, oauth_routes, routes, tokens  # noqa: E402,F401  (they attach themselves)
