"""Bookmarks: a logged-in user's saved events. Adding twice is harmless (unique pair)."""

from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from app.bookmarks.models import Bookmark
from app.errors import NotFound
from app.events.models import Event
from app.events.service import event_rows
from app.extensions import db

bookmarks = Bookmark.__table__
events = Event.__table__


def add_bookmark(user, event_id):
    """Bookmarks the event; True when new, False when it was bookmarked already."""
    require_event(event_id)
    if is_bookmarked(user.id, event_id):
        return False
    try:
        # A savepoint, so that losing a race to a concurrent identical request is not an error.
        with db.session.begin_nested():
            db.session.add(Bookmark(user_id=user.id, event_id=event_id))
    except IntegrityError:
        return False
    finally:
        db.session.commit()
    return True


def remove_bookmark(user, event_id):
    """Removes the bookmark if there is one (idempotent); NotFound for an unknown event."""
    require_event(event_id)
    db.session.execute(
        delete(Bookmark).where(Bookmark.user_id == user.id, Bookmark.event_id == event_id)
    )
    db.session.commit()


def list_bookmarked_events(user, page, per_page):
    """(event rows of one page, total) of the user's bookmarks, the latest first."""
    query = (
        event_rows()
        .join(bookmarks, bookmarks.c.event_id == events.c.id)
        .where(bookmarks.c.user_id == user.id)
        .order_by(bookmarks.c.created_at.desc(), bookmarks.c.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    total = db.session.scalar(
        select(func.count()).select_from(bookmarks).where(bookmarks.c.user_id == user.id)
    )
    return db.session.execute(query).all(), total


def require_event(event_id):
    if not db.session.scalar(select(exists().where(Event.id == event_id))):
        raise NotFound("No event with this id.", code="event_not_found")


def is_bookmarked(user_id, event_id):
    condition = (Bookmark.user_id == user_id) & (Bookmark.event_id == event_id)
    return db.session.scalar(select(exists().where(condition)))
