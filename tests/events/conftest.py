"""Helpers for the events tests: a publisher with a token, and a valid event body."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, insert

from app.events.models import Event
from tests.conftest import suite_database_url


@pytest.fixture()
def organizer(make_user):
    return make_user("organizer", name="Leila Ben Ali")


@pytest.fixture()
def as_organizer(organizer, auth_headers):
    return auth_headers(organizer)


def in_days(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


@pytest.fixture()
def event_body():
    """event_body(**overrides) -> a valid POST /events body."""

    def body(**overrides):
        data = {
            "title": "Festival de la Médina",
            "description": "Music and crafts in the old town.",
            "date": in_days(30),
            "location": "Tunis",
            "category": "Music",
            "number_of_tickets": 100,
            "price": "50.000",
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not ...}

    return body


def insert_event_elsewhere(organizer_id, title="Written elsewhere"):
    """Inserts an event through an engine of its own, as another worker or the CLI would."""
    now = datetime.now(timezone.utc)
    other = create_engine(suite_database_url())
    with other.begin() as conn:
        conn.execute(
            insert(Event.__table__).values(
                organizer_id=organizer_id,
                title=title,
                starts_at=now + timedelta(days=3),
                number_of_tickets=5,
                direct_sold=0,
                allocated=0,
                tickets_sold=0,
                price_minor=0,
                currency_code="TND",
                created_at=now,
                updated_at=now,
            )  # fmt: skip
        )
    other.dispose()
