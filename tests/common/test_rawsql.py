"""RawStatement and pipeline(): the booking hot path's statements on the driver's cursor behave as
SQLAlchemy's execute() would (types, defaults, errors), on the suite's database."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.common import rawsql
from app.common.rawsql import RawStatement
from app.email import OutboxEmail
from app.events.models import Event
from app.tickets.models import Buyer

outbox = OutboxEmail.__table__
buyers = Buyer.__table__
events = Event.__table__

NEW_MAIL = RawStatement(insert(outbox), columns=["recipient", "subject", "body_text"])
NEW_BUYER = RawStatement(insert(buyers).returning(buyers.c.id), columns=["email", "name"])
EVENT_DATE = RawStatement(
    select(events.c.id, events.c.starts_at).where(events.c.id == bindparam("event_id"))
)
RENAME = RawStatement(
    update(events).where(events.c.id == bindparam("event_id")).values(title=bindparam("title"))
)


def test_insert_fills_the_columns_python_defaults(db):
    connection = db.session.connection()
    NEW_MAIL.execute(connection, {"recipient": "a@b.tn", "subject": "Hi", "body_text": "Hello"})
    db.session.commit()
    mail = db.session.scalars(select(OutboxEmail)).one()
    assert (mail.recipient, mail.status, mail.attempts) == ("a@b.tn", "pending", 0)
    assert mail.created_at.tzinfo is not None
    assert abs((datetime.now(timezone.utc) - mail.created_at).total_seconds()) < 60


def test_rows_come_back_named_and_converted_like_the_orm_reads_them(db, make_event):
    event = make_event()
    rows = EVENT_DATE.execute(db.session.connection(), {"event_id": event.id})
    assert [row.id for row in rows] == [event.id]
    assert rows[0].starts_at == event.starts_at  # an aware UTC datetime on both databases
    assert rows[0].starts_at.tzinfo is not None
    assert EVENT_DATE.execute(db.session.connection(), {"event_id": 10**9}) == []


def test_a_statement_without_rows_answers_its_row_count(db, make_event):
    event = make_event()
    connection = db.session.connection()
    assert RENAME.execute(connection, {"event_id": event.id, "title": "Renamed"}) == 1
    assert RENAME.execute(connection, {"event_id": 10**9, "title": "Nobody"}) == 0
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Renamed"


def test_driver_errors_are_raised_as_sqlalchemy_errors(db):
    connection = db.session.connection()
    NEW_BUYER.execute(connection, {"email": "same@b.tn", "name": "First"})
    with pytest.raises(IntegrityError):
        NEW_BUYER.execute(connection, {"email": "same@b.tn", "name": "Second"})
    db.session.rollback()


def test_a_pipeline_gives_the_same_results_and_its_writes_commit(db, make_event):
    event = make_event()
    event_id, starts_at = event.id, event.starts_at  # no ORM loads inside a pipeline
    connection = db.session.connection()
    with rawsql.pipeline(connection):
        first = NEW_BUYER.send(connection, {"email": "one@b.tn", "name": "One"})
        NEW_MAIL.send(connection, {"recipient": "one@b.tn", "subject": "S", "body_text": "B"})
        date = EVENT_DATE.send(connection, {"event_id": event_id})
        assert date.result()[0].starts_at == starts_at
        assert first.result()[0].id is not None
    db.session.commit()
    assert db.session.scalar(select(Buyer.name).where(Buyer.email == "one@b.tn")) == "One"
    assert db.session.scalars(select(OutboxEmail.recipient)).all() == ["one@b.tn"]


def test_a_failed_statement_in_a_pipeline_is_an_integrity_error_and_nothing_commits(db):
    connection = db.session.connection()
    with pytest.raises(IntegrityError), rawsql.pipeline(connection):
        NEW_BUYER.send(connection, {"email": "twice@b.tn", "name": "A"})
        NEW_BUYER.send(connection, {"email": "twice@b.tn", "name": "B"}).result()
    db.session.rollback()
    assert db.session.scalar(select(Buyer.id).where(Buyer.email == "twice@b.tn")) is None


def test_a_sqlalchemy_statement_inside_a_pipeline_fails_clearly(db):
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("pipelines exist on PostgreSQL only")
    with pytest.raises(Exception, match="only RawStatement may"), rawsql.pipeline(connection):
        db.session.execute(select(Buyer.id)).all()
    db.session.rollback()
