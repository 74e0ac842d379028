"""HTTP routes; each parses input, calls one service function, and shapes the result."""

from flask import jsonify
from flask_jwt_extended import current_user

from app.bookmarks import bp, service
from app.common.auth import login_required
from app.common.pagination import page_args, page_envelope
from app.events.schemas import event_out


@bp.post("/bookmark/<int:event_id>")
@login_required
def add_bookmark(event_id):
    if service.add_bookmark(current_user, event_id):
        return jsonify(message="Event bookmarked.", event_id=event_id), 201
    return jsonify(message="Event already bookmarked.", event_id=event_id), 200


@bp.delete("/bookmark/<int:event_id>")
@login_required
def remove_bookmark(event_id):
    service.remove_bookmark(current_user, event_id)
    return "", 204


@bp.get("/bookmarked_events")
@login_required
def list_bookmarked_events():
    page, per_page = page_args()
    rows, total = service.list_bookmarked_events(current_user, page, per_page)
    return jsonify(page_envelope("events", [event_out(row) for row in rows], page, per_page, total))
