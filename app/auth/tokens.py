"""The API's own JWTs: issuing, revoking, and the Flask-JWT-Extended callbacks.

The user is loaded on every request, so a block, a deactivation or a deletion bites at once.
Every JWT failure answers 401 in the API's error shape (the library's default is 422/401 text).
"""

from datetime import datetime, timezone

from flask import jsonify, request
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import RevokedToken, User
from app.extensions import db, jwt


def issue_token_pair(user, via="email"):
    """Access and refresh tokens for `user`; `via` records how the account signed in."""
    claims = {"role": user.role, "via": via}
    access = create_access_token(identity=str(user.id), additional_claims=claims)
    refresh = create_refresh_token(identity=str(user.id), additional_claims=claims)
    return access, refresh


def revoke_token(payload):
    """Stores the token's jti until its expiry; False when it was revoked already (a replay)."""
    db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now_utc()))
    db.session.add(
        RevokedToken(
            jti=payload["jti"],
            token_type=payload["type"],
            user_id=int(payload["sub"]),
            expires_at=datetime.fromtimestamp(payload["exp"], timezone.utc),
        )
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def decode_refresh_token(token):
    """The payload of a refresh token, or None when it is not a valid one."""
    try:
        payload = decode_token(token)
    except Exception:  # noqa: BLE001  (any decoding failure means "not a valid token")
        return None
    return payload if payload.get("type") == "refresh" else None


def now_utc():
    return datetime.now(timezone.utc)


def copy_access_token_header():
    """Accepts the compat `access-token: <jwt>` header as if it were `Authorization: Bearer`."""
    # The WSGI environ directly: werkzeug's Headers.get builds an exception for a missing name.
    environ = request.environ
    token = environ.get("HTTP_ACCESS_TOKEN")
    if token and "HTTP_AUTHORIZATION" not in environ:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token.strip()}"


def jwt_error(message, code="invalid_token"):
    return jsonify(error=message, code=code), 401


@jwt.user_lookup_loader
def load_token_user(_header, payload):
    user = db.session.get(User, int(payload["sub"]))
    if user is None or user.is_blocked or not user.is_active:
        return None
    access_type = request.headers.get("access-type")
    if access_type and access_type != payload.get("via"):
        return None
    return user


@jwt.token_in_blocklist_loader
def token_is_revoked(_header, payload):
    return db.session.scalar(select(exists().where(RevokedToken.jti == payload["jti"])))


@jwt.user_lookup_error_loader
def user_unavailable(_header, _payload):
    return jwt_error("This account can no longer use this token.", "account_unavailable")


@jwt.unauthorized_loader
def missing_token(reason):
    return jwt_error(
        "Authentication is required: send Authorization: Bearer <token>.", "unauthorized"
    )


@jwt.invalid_token_loader
def invalid_token(reason):
    return jwt_error(f"The token is invalid: {reason}.")


@jwt.expired_token_loader
def expired_token(_header, _payload):
    return jwt_error("The token has expired.", "token_expired")


@jwt.revoked_token_loader
def revoked_token(_header, _payload):
    return jwt_error("The token has been revoked.", "token_revoked")


@jwt.needs_fresh_token_loader
def needs_fresh_token(_header, _payload):
    return jwt_error("A fresh login is required.", "fresh_token_required")


@jwt.token_verification_failed_loader
def verification_failed(_header, _payload):
    return jwt_error("The token was refused.")
