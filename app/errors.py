"""The API's one error shape, {"error", "code", "fields"?}, for every failure."""

import logging

from flask import jsonify
from pydantic import ValidationError as PydanticValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """A failure the client can act on; subclasses fix the status and code."""

    status = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message=None, code=None, fields=None, **extra):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.fields = fields
        self.extra = extra

    def to_dict(self):
        body = {"error": self.message, "code": self.code}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class BadRequest(AppError):
    pass


class ValidationFailed(AppError):
    code = "validation_error"
    message = "The request body is invalid."


class InvalidCharacters(BadRequest):
    """A NUL character in a string of the request (PostgreSQL cannot store one)."""

    code = "invalid_characters"
    message = "The request contains a NUL character, which no text may hold."


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    message = "Authentication is required."


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this."


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = "The resource was not found."


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class SoldOut(Conflict):
    code = "not_enough_tickets"
    message = "Not enough tickets are left."


class BadGateway(AppError):
    status = 502
    code = "bad_gateway"
    message = "An upstream provider failed."


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    message = "A required service is not available."


# Codes for HTTP errors raised by Flask/Werkzeug itself (routing, body size, JSON parsing).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def fields_from_pydantic(exc):
    """{"field.path": [messages]} from a pydantic ValidationError."""
    fields = {}
    for err in exc.errors():
        name = ".".join(str(part) for part in err["loc"]) or "body"
        fields.setdefault(name, []).append(err["msg"])
    return fields


def error_response(status, message, code, **extra):
    body = {"error": message, "code": code}
    body.update({k: v for k, v in extra.items() if v is not None})
    return jsonify(body), status


def handle_app_error(exc):
    return jsonify(exc.to_dict()), exc.status


def handle_validation_error(exc):
    return error_response(
        400, "The request body is invalid.", "validation_error", fields=fields_from_pydantic(exc)
    )


def handle_http_exception(exc):
    code = HTTP_CODES.get(exc.code, "http_error")
    response, status = error_response(exc.code, exc.description or exc.name, code)
    if exc.code == 429:
        response.headers["Retry-After"] = str(retry_after_seconds(exc))
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response, status


def retry_after_seconds(exc):
    limit = getattr(exc, "limit", None)
    if limit is not None:
        return max(1, int(limit.limit.get_expiry()))
    return 60


def handle_unexpected(exc):
    from app.extensions import db
    from app.ops.observability import current_request_id

    db.session.rollback()
    request_id = current_request_id()
    log.exception("Unhandled error in request %s: %s", request_id, exc)
    return error_response(
        500, "An internal error occurred.", "internal_error", request_id=request_id
    )


def register_error_handlers(app):
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(PydanticValidationError, handle_validation_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
