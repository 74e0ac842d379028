"""HTTP routes; each parses input, calls one service function, and shapes the result."""

from flask import current_app, jsonify, request
from flask_jwt_extended import current_user
from pydantic import ValidationError

from app.common.auth import roles_required
from app.common.pagination import page_args, page_envelope
from app.common.readcache import ReadCache
from app.common.validation import parse_body
from app.errors import ValidationFailed, fields_from_pydantic
from app.events import bp, service
from app.events.schemas import EventCreate, EventFilters, EventUpdate, event_out
from app.events.search import search_words

PUBLISHERS = ("organizer", "admin")


# Response bodies of list and search pages, reused only while the database is unchanged
# (app/common/readcache.py), so they are always what a fresh query would return. Searches are
# keyed by their normalised words: `Médina`, `médina ` and `médina!` are one entry.
LIST_PAGES = ReadCache(512)


@bp.get("/events")
def list_events():
    filters = query_filters()
    page, per_page = page_args()
    words = None if filters.q is None else tuple(search_words(filters.q))
    key = (service.filters_key(filters), words, filters.sort, page, per_page)
    token = service.read_token()
    body = LIST_PAGES.get(key, token)
    if body is None:
        rows, total = service.list_events(filters, page, per_page)
        body = jsonify(events_page(rows, page, per_page, total)).get_data()
        LIST_PAGES.put(key, token, body)
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def events_page(rows, page, per_page, total):
    return page_envelope("events", [event_out(row) for row in rows], page, per_page, total)


def query_filters():
    """The filters of GET /events; a bad value is a 400 naming the parameter."""
    try:
        return EventFilters.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed(
            "The query parameters are invalid.", fields=fields_from_pydantic(exc)
        ) from None


@bp.get("/events/<int:event_id>")
def get_event(event_id):
    return jsonify(event_out(service.get_event(event_id)))


@bp.post("/events")
@bp.post("/create_event")
@roles_required(*PUBLISHERS)
def create_event():
    row = service.create_event(current_user, parse_body(EventCreate))
    return jsonify(event_out(row)), 201


@bp.route("/events/<int:event_id>", methods=["PATCH", "PUT"])
@roles_required(*PUBLISHERS)
def update_event(event_id):
    row = service.update_event(current_user, event_id, parse_body(EventUpdate))
    return jsonify(event_out(row))


@bp.delete("/events/<int:event_id>")
@roles_required(*PUBLISHERS)
def delete_event(event_id):
    service.delete_event(current_user, event_id)
    return "", 204


@bp.get("/search_event")
def search_event():
    title = (request.args.get("title") or "").strip()
    if not title:
        raise ValidationFailed("title is required.", fields={"title": ["is required"]})
    return jsonify(event_out(service.find_event_by_title(title)))


@bp.get("/categories")
def list_categories():
    return jsonify(categories=service.list_categories())
