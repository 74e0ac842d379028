"""Accounts from Google and GitHub: find, link or create the user of a provider identity.

The provider's verified email is the key: an identity (provider, subject) already linked wins;
otherwise the account with the same email is linked (its email now counts as verified);
otherwise a new account is made. One commit per sign-in; nothing is kept when it is refused.

Linking an account whose email was never verified discards its password and voids its tokens
first: whoever registered the address without owning it loses the account to its owner.
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import record_audit
from app.auth.models import OAuthIdentity, User
from app.auth.service import (
    LoginResult,
    find_user_by_email,
    finish_login,
    mfa_token,
    normalise_email,
    refuse_unusable_account,
    renew_security_stamp,
    username_from_email,
)
from app.errors import AppError, BadRequest, Conflict, Forbidden
from app.extensions import db

# An admin is made by an admin or the CLI, never by signing in with a provider.
SELF_SERVICE_ROLES = ("organizer", "reseller")
DEFAULT_ROLE = "organizer"
PROVIDER_LABELS = {"google": "Google", "github": "GitHub"}


def checked_role(role):
    """The role a new account would get: organizer by default, reseller on request; 400 else."""
    if role in (None, ""):
        return DEFAULT_ROLE
    if role not in SELF_SERVICE_ROLES:
        raise BadRequest(
            "role must be organizer or reseller.",
            code="validation_error",
            fields={"role": ["must be organizer or reseller"]},
        )
    return role


def sign_in_with_provider(profile, role=None, client=None):
    """A LoginResult for a provider's person; 403 when unverified or unusable.

    A two-factor account gets the mfa_token challenge here too, as with a password.
    """
    role = checked_role(role)
    refuse_unverified_email(profile)
    try:
        return sign_in_once(profile, role, client)
    except IntegrityError:
        # Two first sign-ins of the same person raced and the other one created the account:
        # the second attempt finds it.
        db.session.rollback()
        return sign_in_once_or_conflict(profile, role, client)


def refuse_unverified_email(profile):
    if profile.email and profile.email_verified:
        return
    label = PROVIDER_LABELS[profile.provider]
    raise Forbidden(
        f"Your {label} account has no verified email address: verify it with {label} first.",
        code="provider_email_not_verified",
    )


def sign_in_once_or_conflict(profile, role, client):
    try:
        return sign_in_once(profile, role, client)
    except IntegrityError:
        db.session.rollback()
        raise Conflict("This account is being created by another request: try again.") from None


def sign_in_once(profile, role, client):
    """Finds, links or creates the user, refuses an unusable account, and commits with either
    a new session or, for a two-factor account, the challenge."""
    try:
        user = linked_user(profile) or link_or_create_user(profile, role)
        refuse_unusable_account(user)
        if user.totp_enabled:
            # The failure count resets only once every factor is through (login_second_factor).
            result = LoginResult(user, mfa_token=mfa_token(user, profile.provider))
            db.session.commit()
            return result
        # The same reset, session and commit as a password login (refused if blocked meanwhile).
        return finish_login(user, profile.provider, client)
    except AppError:
        db.session.rollback()  # neither the link nor the new account outlive a refusal
        raise


def linked_user(profile):
    identity = db.session.scalar(
        select(OAuthIdentity).where(
            OAuthIdentity.provider == profile.provider,
            OAuthIdentity.subject == profile.subject,
        )
    )
    if identity is None:
        return None
    identity.email = normalise_email(profile.email)
    return identity.user


def link_or_create_user(profile, role):
    email = normalise_email(profile.email)
    user = find_user_by_email(email)
    if user is None:
        user = create_user(profile, email, role)
    else:
        claim_for_email_owner(user, profile.provider)
    db.session.add(
        OAuthIdentity(provider=profile.provider, subject=profile.subject, user=user, email=email)
    )
    db.session.flush()
    record_audit(
        "oauth_identity_linked",
        actor_id=user.id,
        target_type="user",
        target_id=user.id,
        provider=profile.provider,
    )
    return user


def claim_for_email_owner(user, provider):
    """The provider has verified this address, so the account's owner is this person.

    If the account never proved it owned the address, someone else may have registered it:
    their password is discarded and every token of theirs voided before the owner gets in.
    """
    if not user.email_verified:
        db.session.flush()  # the account row is final before its stamp changes
        user.password_hash = None
        renew_security_stamp(user, "claimed_by_email_owner")
        record_audit(
            "unverified_account_claimed",
            target_type="user",
            target_id=user.id,
            provider=provider,
        )
    user.email_verified = True


def create_user(profile, email, role):
    username = username_from_email(email)
    user = User(
        email=email,
        username=username,
        name=(profile.name or username)[:120],
        password_hash=None,
        role=role,
        email_verified=True,
    )
    db.session.add(user)
    return user
