"""Account use cases. Each owns its transaction: one commit, AppError on failure.

Every credential of an account (tokens, emailed links) carries its security stamp; renewing the
stamp (renew_security_stamp) voids them all at once. It is renewed on deactivation, block,
unblock, and every change of password, email or role.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_jwt_extended import create_access_token, decode_token
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.audit import record_audit
from app.auth import emails, twofactor
from app.auth.models import User, UserSession, new_security_stamp
from app.auth.password_policy import check_password_strength
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.tokens import (
    decode_refresh_token,
    end_all_sessions,
    end_session,
    now_utc,
    rotate_session,
    start_session,
    use_once,
)
from app.email import queue_email
from app.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from app.extensions import db

log = logging.getLogger(__name__)
MAX_FAILED_LOGINS = 3
MFA_TOKEN_MINUTES = 5


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message = "Invalid credentials."


class AccountBlocked(Forbidden):
    code = "account_blocked"
    message = "This account is blocked after repeated failed logins: contact an administrator."


@dataclass(frozen=True)
class LoginResult:
    """A finished login (tokens) or the first half of a two-factor one (mfa_token)."""

    user: User
    tokens: tuple | None = None
    mfa_token: str | None = None


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


def renew_security_stamp(user, reason):
    """Voids every token and emailed link of the account, and ends its sessions."""
    user.security_stamp = new_security_stamp()
    end_all_sessions(user.id, reason)


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
    if password is not None:
        check_password_strength(password, email, username)
    user = User(
        email=email,
        username=username,
        name=name or username,
        password_hash=hash_password(password) if password else None,
        role=role,
        email_verified=verified,
    )
    db.session.add(user)
    flush_unique(user, "An account with this email or username already exists.")
    return user


def flush_unique(user, message):
    """Flushes the new account; a concurrent sign-up of the same email or username is a 409."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message, code="duplicate") from None


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


def link_token(user, purpose):
    """A signed link token bound to the account, its email and its current security stamp."""
    payload = {"uid": user.id, "email": user.email, "stamp": user.security_stamp}
    return email_serializer().dumps({**payload, "purpose": purpose})


def user_of_link(token, purpose, max_age):
    """The account a link was made for, while its email and stamp are unchanged; 400 else."""
    try:
        payload = email_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise BadRequest("This link has expired.", code="token_expired") from None
    except BadSignature:
        raise BadRequest("This link is invalid.", code="invalid_token") from None
    user = None
    if isinstance(payload, dict) and isinstance(payload.get("uid"), int):
        user = db.session.get(User, payload["uid"])
    if (
        user is None
        or payload.get("purpose") != purpose
        or payload.get("email") != user.email
        or payload.get("stamp") != user.security_stamp
    ):
        raise BadRequest("This link is invalid or has already been used.", code="invalid_token")
    return user


def app_link(path):
    return f"{current_app.config['APP_URL'].rstrip('/')}{path}"


def queue_verification_email(user):
    link = app_link(f"/verify-email/{link_token(user, 'verify')}")
    queue_email(user.email, *emails.verification(user, link))


def verify_email(token):
    """Marks the email of the link's account verified; 400 for a bad or expired link."""
    user = user_of_link(token, "verify", current_app.config["EMAIL_TOKEN_MAX_AGE"])
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


# --- login, lockout, sessions -----------------------------------------------------------------


def login(identifier, password, client=None):
    """Tokens (or a two-factor challenge) for the right password of a usable account.

    A blocked account answers account_blocked whatever the password, so guessing cannot go on
    past the block; every other refusal before the password is known looks like a wrong one.
    """
    user = find_user_by_login(identifier)
    # verify_password hashes a dummy when user is None, so every miss costs the same time.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is not None and user.is_blocked:
        raise AccountBlocked()
    if not password_ok:
        if user is not None:
            record_failed_login(user.id, client)
        raise InvalidCredentials()
    refuse_unusable_account(user)
    if user.totp_enabled:
        return LoginResult(user, mfa_token=mfa_token(user, "email"))
    return finish_login(user, "email", client, password)


def refuse_unusable_account(user):
    """403 with a reason; only reached by someone who knows the password."""
    if user.is_blocked:
        raise AccountBlocked()
    if not user.email_verified:
        raise Forbidden(
            "Verify your email first: follow the link we sent you.", code="email_not_verified"
        )
    if not user.is_active:
        raise Forbidden("This account has been deactivated.", code="account_inactive")


def record_failed_login(user_id, client=None):
    """Counts one failure in one atomic statement, blocking at the third (audited, emailed)."""
    ip = client.ip if client else None
    count = db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_login_count=User.failed_login_count + 1)
        .returning(User.failed_login_count)
    ).scalar_one()
    blocked_now = count >= MAX_FAILED_LOGINS and block_user(user_id)
    if blocked_now:
        user = db.session.get(User, user_id)
        db.session.refresh(user)
        record_audit("user_blocked", target_type="user", target_id=user_id, ip=ip, failures=count)
        queue_block_emails(user)
    db.session.commit()


def block_user(user_id):
    """Blocks the account and voids its credentials; True only for the request that blocked it."""
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, User.is_blocked.is_(False))
        .values(is_blocked=True, blocked_at=now_utc(), security_stamp=new_security_stamp())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    end_all_sessions(user_id, "blocked")
    return True


def queue_block_emails(user):
    """Tells the owner, and every active admin (with the id and the route that unblocks)."""
    queue_email(user.email, *emails.account_blocked(user))
    unblock_route = app_link(f"/admin/users/{user.id}/unblock")
    admins = select(User.email).where(User.role == "admin", User.is_active.is_(True))
    for admin_email in db.session.scalars(admins):
        if admin_email != user.email:
            queue_email(admin_email, *emails.account_blocked_for_admins(user, unblock_route))


def finish_login(user, via, client, password=None):
    """Resets the failure count, opens a session and commits; refused if blocked meanwhile."""
    values = {"failed_login_count": 0, "last_login_at": now_utc()}
    if password is not None and needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.is_blocked.is_(False))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise AccountBlocked()
    tokens = start_session(user, via, client)
    db.session.commit()
    db.session.refresh(user)
    return LoginResult(user, tokens=tokens)


def mfa_token(user, via):
    """A 5-minute, single-use token that stands for "the first factor was right"."""
    claims = {"type": "mfa", "via": via, "stamp": user.security_stamp}
    return create_access_token(
        identity=str(user.id),
        additional_claims=claims,
        expires_delta=timedelta(minutes=MFA_TOKEN_MINUTES),
    )


def mfa_payload(token):
    try:
        payload = decode_token(token)
    except Exception:  # noqa: BLE001  (any decoding failure means "not a valid token")
        payload = None
    if not payload or payload.get("type") != "mfa" or not str(payload.get("sub")).isdigit():
        raise Unauthorized("The mfa_token is invalid or has expired.", code="invalid_token")
    return payload


def login_second_factor(token, code, client=None):
    """Finishes a two-factor login with a TOTP or recovery code; a wrong code is a failure."""
    payload = mfa_payload(token)
    user = db.session.get(User, int(payload["sub"]))
    if user is None or user.security_stamp != payload.get("stamp") or not user.totp_enabled:
        raise Unauthorized("The mfa_token is invalid or has expired.", code="invalid_token")
    refuse_unusable_account(user)
    if not twofactor.accept_code(user, code):
        record_failed_login(user.id, client)
        raise twofactor.InvalidCode()
    if not use_once(payload):
        db.session.rollback()
        raise Unauthorized("This mfa_token was used already.", code="invalid_token")
    return finish_login(user, payload.get("via", "email"), client)


def disable_two_factor(user, code, client=None):
    """Turns two-factor login off; a wrong code is a failed login (three block the account)."""
    try:
        twofactor.disable(user, code)
    except twofactor.InvalidCode:
        db.session.rollback()
        record_failed_login(user.id, client)
        raise


def refresh_tokens(user, payload):
    """A new pair for a refresh token; a rotated one presented again ends its whole session."""
    pair = rotate_session(user, payload)
    if pair is None:
        end_session(payload["sid"], "refresh_token_reused")
        record_audit(
            "refresh_token_reused", actor_id=user.id, target_type="user", target_id=user.id
        )
        db.session.commit()
        raise Unauthorized("The token has been revoked.", code="token_revoked")
    db.session.commit()
    return pair


def logout(user, access_payload, refresh_token=None):
    """Ends the access token's session and, when given and the user's own, the refresh's."""
    refresh_payload = decode_refresh_token(refresh_token) if refresh_token else None
    if refresh_token and (refresh_payload is None or refresh_payload["sub"] != str(user.id)):
        raise BadRequest("refresh_token is not a valid refresh token of this account.")
    end_session(access_payload["sid"], "logout")
    if refresh_payload and isinstance(refresh_payload.get("sid"), int):
        end_session(refresh_payload["sid"], "logout")
    db.session.commit()


def list_sessions(user):
    """The account's sessions that have not ended or expired, newest first."""
    query = (
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now_utc(),
        )
        .order_by(UserSession.id.desc())
    )
    return list(db.session.scalars(query))


def end_own_session(user, session_id):
    """Ends one of the account's sessions; 404 for another account's or an ended one."""
    session = db.session.get(UserSession, session_id)
    if session is None or session.user_id != user.id or not end_session(session.id, "ended"):
        raise NotFound("No open session of yours has this id.", code="session_not_found")
    db.session.commit()


# --- passwords ----------------------------------------------------------------------------------


def forgot_password(email):
    """Emails a reset link (1 h, single use) to an account with this email; silent otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    link = app_link(f"/reset-password/{link_token(user, 'reset_password')}")
    queue_email(user.email, *emails.password_reset(user, link))
    db.session.commit()


def reset_password(token, password):
    """Sets the password of the reset link's account and ends all its sessions.

    It does not unblock (only an admin does); following the link proves the email, so an
    unverified account becomes verified.
    """
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    user = change_password_by_link(token, password, "reset_password", max_age)
    user.email_verified = True
    db.session.commit()
    return user


def set_password(token, password):
    """Sets the password of an admin-created account, once; 400 for a bad, used or old link."""
    max_age = current_app.config["EMAIL_TOKEN_MAX_AGE"]
    user = change_password_by_link(token, password, "set_password", max_age)
    db.session.commit()
    return user


def change_password_by_link(token, password, purpose, max_age):
    """The new password for the link's account; the new stamp makes the link single-use."""
    user = user_of_link(token, purpose, max_age)
    check_password_strength(password, user.email, user.username)
    user.password_hash = hash_password(password)
    renew_security_stamp(user, "password_changed")
    record_audit(f"password_{purpose}", actor_id=user.id, target_type="user", target_id=user.id)
    return user


# --- administration from the CLI and start-up ---------------------------------------------------


def create_admin(email, password, name=None, via="cli"):
    """Creates a verified admin; 409 when the email is taken."""
    user = add_user(email, password, "admin", name=name or "Administrator", verified=True)
    record_audit("admin_created", target_type="user", target_id=user.id, via=via)
    commit_unique(f"An account with the email {user.email} already exists.")
    return user


def queue_set_password_email(user):
    link = app_link(f"/set-password/{link_token(user, 'set_password')}")
    queue_email(user.email, *emails.set_password(user, link))


def ensure_configured_admin():
    """Makes the ADMIN_EMAIL account if it is missing, in one INSERT that cannot fail on a race.

    Every worker of every instance runs this at start-up at once: INSERT ... ON CONFLICT DO
    NOTHING lets exactly one of them create the account and the others find it, with no
    exception in any of them (an exception here stops the worker from booting).
    """
    email, password = current_app.config["ADMIN_EMAIL"], current_app.config["ADMIN_PASSWORD"]
    if not (email and password):
        return None
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing:
        return existing
    created = db.session.execute(insert_admin_unless_present(email, password))
    if created.rowcount == 1:
        admin = find_user_by_email(email)
        record_audit("admin_created", target_type="user", target_id=admin.id, via="startup")
    db.session.commit()
    return find_user_by_email(email)


def insert_admin_unless_present(email, password):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        dialect_insert = insert
    now = now_utc()
    values = {
        "email": email,
        "username": username_from_email(email),
        "name": "Administrator",
        "password_hash": hash_password(password),
        "role": "admin",
        "email_verified": True,
        "is_blocked": False,
        "is_active": True,
        "failed_login_count": 0,
        "totp_enabled": False,
        "security_stamp": new_security_stamp(),
        "created_at": now,
        "updated_at": now,
    }
    statement = dialect_insert(User.__table__).values(**values)
    # Any unique conflict (email, or the username derived from it) means another worker won.
    return statement.on_conflict_do_nothing() if dialect_insert is not insert else statement


def unblock_user(user, actor_id=None, ip=None):
    """Unblocks the account, resets its failure count, audits and tells the owner."""
    user.is_blocked = False
    user.blocked_at = None
    user.failed_login_count = 0
    renew_security_stamp(user, "unblocked")
    record_audit("user_unblocked", actor_id=actor_id, target_type="user", target_id=user.id, ip=ip)
    queue_email(user.email, *emails.account_unblocked(user))
    db.session.commit()
    return user


def unblock_user_by_email(email):
    user = find_user_by_email(email)
    if user is None:
        raise NotFound(f"No account has the email {email}.")
    return unblock_user(user)
