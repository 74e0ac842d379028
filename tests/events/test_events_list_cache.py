"""The list cache (app/common/readcache.py) is never stale: any commit, through the API or by
another connection (another worker, another process), shows on the next request."""

import pytest
from sqlalchemy import event

from tests.events.conftest import insert_event_elsewhere


@pytest.fixture()
def event_queries(db):
    """A list that records each SELECT on the events table made through the app's engine."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM events" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def total(client):
    return client.get("/events?per_page=5").get_json()["total"]


def served_from_cache(client, event_queries, attempts=10):
    """True when an identical list request ran no query on events.

    On PostgreSQL the change token moves with any write transaction on the whole server (other
    databases included), so a busy server may need a few attempts.
    """
    for _ in range(attempts):
        total(client)
        before = len(event_queries)
        total(client)
        if len(event_queries) == before:
            return True
    return False


def test_an_unchanged_database_is_answered_from_the_cache(client, db, make_event, event_queries):
    make_event()
    assert total(client) == 1
    assert served_from_cache(client, event_queries)


def test_a_write_through_the_api_shows_at_once(client, make_user, make_event, auth_headers):
    organizer = make_user("organizer")
    make_event(organizer)
    assert total(client) == 1
    body = {"title": "Nouveau", "date": "2031-05-01", "number_of_tickets": 10}
    assert client.post("/events", json=body, headers=auth_headers(organizer)).status_code == 201
    assert total(client) == 2


def test_a_write_by_another_connection_shows_at_once(client, db, make_event, event_queries):
    organizer_id = make_event().organizer_id
    db.session.rollback()  # end the test's read, as a request's session would be fresh
    assert total(client) == 1
    assert served_from_cache(client, event_queries)
    insert_event_elsewhere(organizer_id)
    assert total(client) == 2


def found(client, q):
    return [event["title"] for event in client.get(f"/events?q={q}").get_json()["events"]]


def test_a_repeated_search_is_answered_from_the_cache(client, make_event, event_queries):
    make_event(title="Festival de la Médina")
    assert found(client, "medina") == ["Festival de la Médina"]
    before = len(event_queries)
    for _ in range(10):  # PostgreSQL: the server-wide token may move; see served_from_cache
        found(client, "Médina!")  # the same words, written differently: the same entry
        if len(event_queries) == before:
            break
        before = len(event_queries)
    assert len(event_queries) == before


def test_a_search_sees_an_edit_and_a_sale_at_once(
    client, make_user, make_event, auth_headers, event_queries
):
    organizer = make_user("organizer")
    event = make_event(organizer, title="Nuit du Malouf", number_of_tickets=5)
    assert found(client, "malouf") == ["Nuit du Malouf"]
    edit = {"title": "Nuit du Stambali"}
    headers = auth_headers(organizer)
    assert client.patch(f"/events/{event.id}", json=edit, headers=headers).status_code == 200
    assert found(client, "malouf") == []
    assert found(client, "stambali") == ["Nuit du Stambali"]
    booking = {"quantity": 2, "buyer": {"name": "Amel", "email": "amel@example.tn"}}
    assert client.post(f"/events/{event.id}/bookings", json=booking).status_code == 201
    (shown,) = client.get("/events?q=stambali").get_json()["events"]
    assert shown["tickets_available"] == 3
