"""Operations: health check and the API documentation routes."""

from flask import Blueprint

bp = Blueprint("ops", __name__)

from app.ops import routes  # noqa: E402,F401  (routes attach themselves to bp)
