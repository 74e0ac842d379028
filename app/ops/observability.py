"""X-Request-ID on every response and one structured log line per request."""

import json
import logging
import re
import time
import uuid

from flask import g, request

access_log = logging.getLogger("app.access")
# A client-supplied id is kept only when it is short and plain, so it cannot forge log lines.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def current_request_id():
    return getattr(g, "request_id", None)


def start_request():
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.started_at = time.perf_counter()


def finish_request(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    access_log.info(json.dumps(access_record(response), separators=(",", ":")))
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
    from flask_jwt_extended import get_jwt_identity

    try:
        return get_jwt_identity()
    except RuntimeError:  # no JWT was verified for this request
        return None


def register_observability(app):
    # First of the before_request hooks, so even a request refused by a later hook has an id.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
