"""HTTP routes; each parses input, calls one service function, and shapes the result."""

from app.auth import bp  # noqa: F401
