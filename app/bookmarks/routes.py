"""HTTP routes; each parses input, calls one service function, and shapes the result."""

from app.bookmarks import bp  # noqa: F401
