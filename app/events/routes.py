"""HTTP routes; each parses input, calls one service function, and shapes the result."""

from app.events import bp  # noqa: F401
