"""Row ids as the database stores them: 1 to 2**31 - 1 (PostgreSQL's `integer`).

A larger id names no row, and passing it to the database fails (SQLite raises OverflowError past
2**63 - 1): a path id out of range is a 404, a body id out of range a 400, never a 500.
"""

from typing import Annotated

from pydantic import Field, StrictInt

from app.errors import NotFound

MAX_ID = 2**31 - 1

# An id in a JSON body: a JSON integer (not true, "1" or 1.0, API.md "Decisions") a row can have.
BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


def reject_impossible_ids(_endpoint, values):
    """The app's url_value_preprocessor: 404 for an integer path id no row can have."""
    for value in (values or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFound()
