"""Search results and list totals are cached per catalogue stamp (CatalogueVersion, renewed by
database triggers): a ticket sale leaves them cached, any change to a listed field shows at once,
whoever makes it."""

import pytest
from sqlalchemy import create_engine, event, select, text, update

from app.events.models import CatalogueVersion, Event
from tests.conftest import suite_database_url
from tests.events.conftest import insert_event_elsewhere


def stamp(db):
    db.session.rollback()  # a fresh snapshot, as a new request would have
    return db.session.scalar(select(CatalogueVersion.stamp))


@pytest.fixture()
def statements(db):
    """Every SELECT the app's engine runs, recorded."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def text_matches(statements):
    """How many of these statements matched text (FTS5 on SQLite, the tsvector on PostgreSQL)."""
    return sum("events_fts" in s or "search_document" in s for s in statements)


def counts(statements):
    return sum("count(*)" in s.lower() and "FROM events" in s for s in statements)


def book(client, event_id, quantity=1, email="amel@example.tn"):
    body = {"quantity": quantity, "buyer": {"name": "Amel", "email": email}}
    response = client.post(f"/events/{event_id}/bookings", json=body)
    assert response.status_code == 201, response.get_json()


def another_connection():
    """A connection of its own, as another worker or the CLI would use."""
    return create_engine(suite_database_url())


def test_the_stamp_changes_with_listed_fields_only(client, db, make_user, make_event, auth_headers):
    organizer = make_user("organizer")
    headers = auth_headers(organizer)
    body = {"title": "Festival du Jasmin", "date": "2031-05-01", "number_of_tickets": 10}
    before = stamp(db)
    event_id = client.post("/events", json=body, headers=headers).get_json()["id"]
    created = stamp(db)
    assert created != before
    book(client, event_id)
    assert stamp(db) == created  # a sale changes the stock only
    capacity = client.patch(f"/events/{event_id}", json={"number_of_tickets": 20}, headers=headers)
    assert capacity.status_code == 200
    assert stamp(db) == created  # so does the capacity (available=true is never cached)
    moving = client.patch(f"/events/{event_id}", json={"location": "Hammamet"}, headers=headers)
    assert moving.status_code == 200
    moved = stamp(db)
    assert moved != created
    other = another_connection()
    with other.begin() as conn:  # plain SQL, by another connection: the triggers count it too
        conn.execute(update(Event.__table__).values(category="Music"))
    other.dispose()
    assert stamp(db) != moved


def test_a_search_during_sales_reuses_its_ordered_results(client, make_event, statements):
    event = make_event(title="Nuit du Malouf", number_of_tickets=5)
    first = client.get("/events?q=malouf").get_json()["events"]
    assert [e["tickets_available"] for e in first] == [5]
    matched = text_matches(statements)
    book(client, event.id, quantity=2)  # the page cache is now stale, the search is not
    (shown,) = client.get("/events?q=malouf").get_json()["events"]
    assert shown["tickets_available"] == 3  # the page is read again: fresh stock
    assert text_matches(statements) == matched  # the text was not matched again


def test_an_edit_by_another_connection_shows_in_search_at_once(client, db, make_event):
    event_id = make_event(title="Nuit du Malouf").id
    db.session.rollback()  # no transaction of the test's may hold an older snapshot
    assert [e["title"] for e in client.get("/events?q=malouf").get_json()["events"]] == [
        "Nuit du Malouf"
    ]
    other = another_connection()
    with other.begin() as conn:
        conn.execute(
            update(Event.__table__)
            .where(Event.__table__.c.id == event_id)
            .values(title="Nuit du Stambali")
        )
    other.dispose()
    assert client.get("/events?q=malouf").get_json()["total"] == 0
    assert client.get("/events?q=stambali").get_json()["total"] == 1


def test_list_totals_survive_sales_and_follow_new_events(client, db, make_event, statements):
    event = make_event(number_of_tickets=5)
    organizer_id = event.organizer_id
    db.session.rollback()
    assert client.get("/events?per_page=1").get_json()["total"] == 1
    counted = counts(statements)
    book(client, event.id)
    assert client.get("/events?per_page=1").get_json()["total"] == 1
    assert counts(statements) == counted  # the total was not counted again
    insert_event_elsewhere(organizer_id)
    assert client.get("/events?per_page=1").get_json()["total"] == 2


def test_available_events_follow_the_stock_at_once(client, make_event):
    event = make_event(title="Concert de Oud", number_of_tickets=2)
    assert client.get("/events?q=oud&available=true").get_json()["total"] == 1
    assert client.get("/events?available=true").get_json()["total"] == 1
    book(client, event.id, quantity=2)  # sold out
    assert client.get("/events?q=oud&available=true").get_json()["total"] == 0
    assert client.get("/events?available=true").get_json()["total"] == 0
    assert client.get("/events?q=oud").get_json()["total"] == 1


def test_a_change_rolled_back_leaves_the_stamp_as_it_was(db, make_event):
    event = make_event()
    before = stamp(db)
    db.session.execute(text("UPDATE events SET title = 'Draft' WHERE id = :id"), {"id": event.id})
    assert db.session.scalar(select(CatalogueVersion.stamp)) != before  # inside the transaction
    db.session.rollback()
    assert stamp(db) == before
