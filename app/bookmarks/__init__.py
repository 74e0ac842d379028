"""The bookmarks domain: its blueprint, registered by create_app."""

from flask import Blueprint

bp = Blueprint("bookmarks", __name__)

from app.bookmarks import routes  # noqa: E402,F401  (routes attach themselves to bp)
