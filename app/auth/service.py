"""Account use cases. Each owns its transaction: one commit, AppError on failure."""

import hashlib
import logging
import re

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.audit import record_audit
from app.auth import emails
from app.auth.models import User
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.tokens import decode_refresh_token, issue_token_pair, now_utc, revoke_token
from app.email import queue_email
from app.errors import AppError, BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from app.extensions import db

log = logging.getLogger(__name__)
MAX_FAILED_LOGINS = 3


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message = "Invalid credentials."


def normalise_email(email):
    return email.strip().lower()


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_user_by_login(identifier):
    """The user whose email or username is `identifier` (already lower-cased)."""
    return db.session.scalar(
        select(User).where(or_(User.email == identifier, User.username == identifier)).limit(1)
    )


def username_from_email(email):
    """A free username derived from the email's local part."""
    base = re.sub(r"[^a-z0-9_.-]", "", email.split("@", 1)[0].lower())[:48].ljust(3, "_")
    candidate, counter = base, 1
    while db.session.scalar(select(func.count()).where(User.username == candidate)):
        counter += 1
        candidate = f"{base}{counter}"
    return candidate


# --- registration and verification ------------------------------------------------------------


def register_user(data):
    """Creates an unverified organizer or reseller and queues the verification email."""
    user = add_user(data.email, data.password, data.role, name=data.name, username=data.username)
    queue_verification_email(user)
    commit_unique("An account with this email or username already exists.")
    return user


def add_user(email, password, role, name=None, username=None, verified=False):
    """Adds an account to the session (the caller commits); 409 when email or username is taken."""
    email = normalise_email(email)
    username = (username or "").lower() or username_from_email(email)
    ensure_email_and_username_free(email, username)
    user = User(
        email=email,
        username=username,
        name=name or username,
        password_hash=hash_password(password) if password else None,
        role=role,
        email_verified=verified,
    )
    db.session.add(user)
    db.session.flush()
    return user


def ensure_email_and_username_free(email, username):
    if find_user_by_email(email):
        raise Conflict("An account with this email already exists.", code="duplicate_email")
    if db.session.scalar(select(func.count()).where(User.username == username)):
        raise Conflict("This username is taken.", code="duplicate_username")


def commit_unique(message):
    """Commits; a unique-constraint race (two sign-ups at once) becomes a 409."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message, code="duplicate") from None


def email_serializer():
    config = current_app.config
    return URLSafeTimedSerializer(config["SECRET_KEY"], salt=config["SECURITY_PASSWORD_SALT"])


def verification_token(user):
    # Bound to the address: after a change of email the old link no longer verifies anything.
    return email_serializer().dumps({"uid": user.id, "email": user.email, "purpose": "verify"})


def queue_verification_email(user):
    link = f"{current_app.config['APP_URL'].rstrip('/')}/verify-email/{verification_token(user)}"
    queue_email(user.email, *emails.verification(user, link))


def verify_email(token):
    """Marks the email of the token's account verified; 400 for a bad or expired token."""
    max_age = current_app.config["EMAIL_TOKEN_MAX_AGE"]
    try:
        payload = email_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise BadRequest("This verification link has expired.", code="token_expired") from None
    except BadSignature:
        raise BadRequest("This verification link is invalid.", code="invalid_token") from None
    user = db.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or payload.get("purpose") != "verify" or payload.get("email") != user.email:
        raise BadRequest("This verification link is invalid.", code="invalid_token")
    if not user.email_verified:
        user.email_verified = True
        record_audit("email_verified", actor_id=user.id, target_type="user", target_id=user.id)
        db.session.commit()
    return user


def resend_verification(email):
    """Queues a new link for an unverified account; silent otherwise (no enumeration)."""
    user = find_user_by_email(email)
    if user is not None and not user.email_verified and user.is_active:
        queue_verification_email(user)
        db.session.commit()


# --- login, lockout, tokens -------------------------------------------------------------------


def login(identifier, password, ip=None):
    """Tokens for the right password of a usable account; counts and blocks failures."""
    user = find_user_by_login(identifier)
    # verify_password hashes a dummy when user is None, so every miss costs the same time.
    if not verify_password(user.password_hash if user else None, password):
        if user is not None:
            record_failed_login(user.id, ip)
        raise InvalidCredentials()
    refuse_unusable_account(user)
    start_session(user, password)
    return user, issue_token_pair(user, via="email")


def refuse_unusable_account(user):
    """403 with a reason; only reached by someone who knows the password."""
    if user.is_blocked:
        raise Forbidden(
            "This account is blocked after repeated failed logins: contact an administrator.",
            code="account_blocked",
        )
    if not user.email_verified:
        raise Forbidden(
            "Verify your email first: follow the link we sent you.", code="email_not_verified"
        )
    if not user.is_active:
        raise Forbidden("This account has been deactivated.", code="account_inactive")


def record_failed_login(user_id, ip):
    """Counts one failure in one atomic statement, blocking at the third (audited, emailed)."""
    count = db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_login_count=User.failed_login_count + 1)
        .returning(User.failed_login_count)
    ).scalar_one()
    blocked_now = count >= MAX_FAILED_LOGINS and block_user(user_id)
    if blocked_now:
        user = db.session.get(User, user_id)
        record_audit("user_blocked", target_type="user", target_id=user_id, ip=ip, failures=count)
        queue_email(user.email, *emails.account_blocked(user))
    db.session.commit()


def block_user(user_id):
    """Blocks the account; True only for the one request that actually blocked it."""
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, User.is_blocked.is_(False))
        .values(is_blocked=True, blocked_at=now_utc())
    )
    return result.rowcount == 1


def start_session(user, password):
    """Resets the failure count, unless a concurrent failure blocked the account meanwhile."""
    values = {"failed_login_count": 0, "last_login_at": now_utc()}
    if needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    result = db.session.execute(
        update(User).where(User.id == user.id, User.is_blocked.is_(False)).values(**values)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Forbidden(
            "This account is blocked: contact an administrator.", code="account_blocked"
        )
    db.session.commit()
    db.session.refresh(user)


def refresh_tokens(user, payload):
    """A new pair for a refresh token, which is revoked (rotation); a replay is refused."""
    if not revoke_token(payload):
        raise Unauthorized("The token has been revoked.", code="token_revoked")
    pair = issue_token_pair(user, via=payload.get("via", "email"))
    db.session.commit()
    return pair


def logout(user, access_payload, refresh_token=None):
    """Revokes the access token and, when given and the user's own, the refresh token."""
    revoke_token(access_payload)
    refresh_payload = decode_refresh_token(refresh_token) if refresh_token else None
    if refresh_token and (refresh_payload is None or refresh_payload["sub"] != str(user.id)):
        db.session.rollback()
        raise BadRequest("refresh_token is not a valid refresh token of this account.")
    if refresh_payload:
        revoke_token(refresh_payload)
    db.session.commit()


# --- administration from the CLI and start-up ---------------------------------------------------


def create_admin(email, password, name=None, via="cli"):
    """Creates a verified admin; 409 when the email is taken."""
    user = add_user(email, password, "admin", name=name or "Administrator", verified=True)
    record_audit("admin_created", target_type="user", target_id=user.id, via=via)
    commit_unique(f"An account with the email {user.email} already exists.")
    return user


def password_fingerprint(user):
    # Changes when the password does, so a set-password link works once.
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def set_password_token(user):
    payload = {"uid": user.id, "purpose": "set_password", "pw": password_fingerprint(user)}
    return email_serializer().dumps(payload)


def queue_set_password_email(user):
    link = f"{current_app.config['APP_URL'].rstrip('/')}/set-password/{set_password_token(user)}"
    queue_email(user.email, *emails.set_password(user, link))


def set_password(token, password):
    """Sets the password of the link's account, once; 400 for a bad, used or expired link."""
    max_age = current_app.config["EMAIL_TOKEN_MAX_AGE"]
    try:
        payload = email_serializer().loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature too
        raise BadRequest("This link is invalid or has expired.", code="invalid_token") from None
    user = db.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if (
        user is None
        or payload.get("purpose") != "set_password"
        or payload.get("pw") != password_fingerprint(user)
    ):
        raise BadRequest("This link is invalid or has already been used.", code="invalid_token")
    user.password_hash = hash_password(password)
    record_audit("password_set", actor_id=user.id, target_type="user", target_id=user.id)
    db.session.commit()
    return user


def ensure_configured_admin():
    """Makes the ADMIN_EMAIL account once; safe when several workers start together."""
    email, password = current_app.config["ADMIN_EMAIL"], current_app.config["ADMIN_PASSWORD"]
    if not (email and password):
        return None
    existing = find_user_by_email(email)
    if existing:
        return existing
    try:
        return create_admin(email, password, via="startup")
    except AppError:
        db.session.rollback()
        return find_user_by_email(email)  # another worker made it first


def unblock_user(user, actor_id=None, ip=None):
    """Unblocks the account, resets its failure count, audits and tells the owner."""
    user.is_blocked = False
    user.blocked_at = None
    user.failed_login_count = 0
    record_audit("user_unblocked", actor_id=actor_id, target_type="user", target_id=user.id, ip=ip)
    queue_email(user.email, *emails.account_unblocked(user))
    db.session.commit()
    return user


def unblock_user_by_email(email):
    user = find_user_by_email(email)
    if user is None:
        raise NotFound(f"No account has the email {email}.")
    return unblock_user(user)
