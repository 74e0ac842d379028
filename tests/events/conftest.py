"""Helpers for the events tests: a publisher with a token, and a valid event body."""

from datetime import datetime, timedelta, timezone

import pytest


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
