"""X-Request-ID on every response and one structured log line per request.

Both run on every request, so they stay cheap: the headers are read from the WSGI environ (a
missing key in werkzeug's Headers raises and builds an exception), and the log record is made
directly, without the caller lookup (stack walk) that Logger.info does for every line.
"""

import json
import logging
import re
import time
import uuid

from flask import g, request

access_log = logging.getLogger("app.access")
# A client-supplied id is kept only when it is short and plain, so it cannot forge log lines.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_encode = json.JSONEncoder(separators=(",", ":")).encode


def current_request_id():
    return getattr(g, "request_id", None)


def start_request():
    incoming = request.environ.get("HTTP_X_REQUEST_ID", "")
    g.request_id = incoming if incoming and SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.started_at = time.perf_counter()


def finish_request(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if access_log.isEnabledFor(logging.INFO):
        record = access_log.makeRecord(
            access_log.name, logging.INFO, __file__, 0, _encode(access_record(response)), (), None
        )
        access_log.handle(record)
    return response


def access_record(response):
    started = g.get("started_at")
    return {
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "user_id": current_user_id(),
        "remote_addr": request.remote_addr,
    }


def current_user_id():
    """The token's user id when the request was authenticated, without re-verifying it."""
    if "_jwt_extended_jwt" not in g:  # where flask_jwt_extended keeps a verified token
        return None
    from flask_jwt_extended import get_jwt_identity

    try:
        return get_jwt_identity()
    except RuntimeError:  # no JWT was verified for this request
        return None


def register_observability(app):
    # First of the before_request hooks, so even a request refused by a later hook has an id.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
