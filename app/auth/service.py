"""Account use cases. Each owns its transaction: one commit, AppError on failure."""

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit import record_audit
from app.auth.models import User
from app.auth.passwords import hash_password
from app.errors import Conflict
from app.extensions import db


def normalise_email(email):
    return email.strip().lower()


def username_from_email(email):
    """A username derived from the email's local part, made unique with a counter."""
    base = re.sub(r"[^a-z0-9_.-]", "", email.split("@", 1)[0].lower())[:48] or "user"
    candidate, counter = base, 1
    while db.session.scalar(select(func.count()).where(User.username == candidate)):
        counter += 1
        candidate = f"{base}{counter}"
    return candidate


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_admin(email, password, name=None):
    """Creates a verified admin; 409 when the email is taken."""
    email = normalise_email(email)
    if find_user_by_email(email):
        raise Conflict(f"An account with the email {email} already exists.", code="duplicate_email")
    user = User(
        email=email,
        username=username_from_email(email),
        name=name or "Administrator",
        password_hash=hash_password(password),
        role="admin",
        email_verified=True,
    )
    db.session.add(user)
    db.session.flush()
    record_audit("admin_created", target_type="user", target_id=user.id, via="cli")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            f"An account with the email {email} already exists.", code="duplicate_email"
        ) from None
    return user
