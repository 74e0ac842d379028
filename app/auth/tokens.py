"""The API's own JWTs, the sessions they belong to, and the Flask-JWT-Extended callbacks.

Every access and refresh token carries the account's security stamp (`stamp`) and its session
(`sid`). A token passes only while the account is usable, its stamp is the account's current one,
and its session has neither ended nor passed SESSION_MAX_DAYS: one query per request, the user
joined with the session, so a block, a deactivation, a password change or a logout bites at once
in every worker. Every JWT failure answers 401 in the API's error shape.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, jsonify, request
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import RevokedToken, User, UserSession
from app.extensions import db, jwt


@dataclass(frozen=True)
class Client:
    """Who is logging in, as the sessions list shows it (routes fill it from the request)."""

    ip: str | None = None
    user_agent: str | None = None


def now_utc():
    return datetime.now(timezone.utc)


def new_jti():
    return uuid.uuid4().hex


def start_session(user, via="email", client=None):
    """Opens a session for `user` (the caller commits); its first (access, refresh) pair."""
    client = client or Client()
    now = now_utc()
    session = UserSession(
        user_id=user.id,
        via=via,
        refresh_jti=new_jti(),
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=current_app.config["SESSION_MAX_DAYS"]),
        user_agent=printable(client.user_agent)[:255] or None,
        ip=client.ip,
    )
    db.session.add(session)
    db.session.flush()
    return token_pair(user, session)


def printable(text):
    """A header value as the sessions list shows it: no control characters (PostgreSQL refuses
    NUL, and a terminal or page showing it should not get escape sequences)."""
    return "".join(ch for ch in (text or "") if ch.isprintable())


def token_pair(user, session):
    """Access and refresh tokens of `session`; the refresh token's jti is the session's current."""
    claims = {"role": user.role, "via": session.via, "sid": session.id}
    claims["stamp"] = user.security_stamp
    access = create_access_token(identity=str(user.id), additional_claims=claims)
    # The refresh token never outlives its session (SESSION_MAX_DAYS caps JWT_REFRESH_DAYS).
    lifetime = min(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"], session.expires_at - now_utc())
    refresh = create_refresh_token(
        identity=str(user.id),
        additional_claims={**claims, "jti": session.refresh_jti},
        expires_delta=max(lifetime, timedelta(seconds=1)),
    )
    return access, refresh


def rotate_session(user, payload):
    """The next pair for a refresh token; None when the token is not its session's newest.

    One conditional UPDATE moves the session to a new refresh jti, so of two refreshes racing
    with the same token exactly one wins. The loser, like any replay of a rotated token, gets
    None, and the caller ends the whole session (the OAuth 2.0 Security BCP's reuse detection).
    """
    new = new_jti()
    rotated = db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == payload["sid"],
            UserSession.refresh_jti == payload["jti"],
            UserSession.ended_at.is_(None),
        )
        .values(refresh_jti=new, last_used_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if rotated.rowcount != 1:
        return None
    session = db.session.get(UserSession, payload["sid"])
    db.session.refresh(session)
    return token_pair(user, session)


def end_session(session_id, reason):
    """Ends one session (all its tokens); False when it had ended already."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=now_utc(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def end_all_sessions(user_id, reason):
    """Ends every open session of the account (the caller commits)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now_utc(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )


def use_once(payload):
    """Records a one-time token's jti as used; False when it was used already (a replay)."""
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
        return False
    return True


def decode_refresh_token(token):
    """The payload of a refresh token, or None when it is not a valid one."""
    try:
        payload = decode_token(token)
    except Exception:  # noqa: BLE001  (any decoding failure means "not a valid token")
        return None
    return payload if payload.get("type") == "refresh" else None


def copy_access_token_header():
    """Accepts the compat `access-token: <jwt>` header as if it were `Authorization: Bearer`."""
    # The WSGI environ directly: werkzeug's Headers.get builds an exception for a missing name.
    environ = request.environ
    token = environ.get("HTTP_ACCESS_TOKEN")
    if token and "HTTP_AUTHORIZATION" not in environ:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token.strip()}"


def jwt_error(message, code="invalid_token"):
    return jsonify(error=message, code=code), 401


def session_user(payload):
    """The user of a token whose account and session are both still valid, or None."""
    if not isinstance(payload.get("sid"), int) or not str(payload.get("sub", "")).isdigit():
        return None
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == int(payload["sub"]), UserSession.id == payload["sid"])
    ).first()
    if row is None:
        return None
    user, session = row
    if session.ended_at is not None or session.expires_at <= now_utc():
        return None
    if user.security_stamp != payload.get("stamp") or user.is_blocked or not user.is_active:
        return None
    return user


@jwt.user_lookup_loader
def load_token_user(_header, payload):
    user = session_user(payload)
    access_type = request.headers.get("access-type")
    if user is not None and access_type and access_type != payload.get("via"):
        return None
    return user


@jwt.token_verification_loader
def has_expiry_and_session(_header, payload):
    # A token without `exp` would never expire: none of ours lacks it, so it is forged or foreign.
    typed = payload.get("type") in ("access", "refresh")
    return typed and "exp" in payload and "sid" in payload and "stamp" in payload


@jwt.user_lookup_error_loader
def user_unavailable(_header, _payload):
    return jwt_error("This account or session can no longer use this token.", "token_revoked")


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
