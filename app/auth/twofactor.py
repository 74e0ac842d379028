"""Two-factor login with TOTP (RFC 6238, pyotp) and single-use recovery codes.

A code is accepted once: the time step it belongs to is stored with one conditional UPDATE, so
the same code (or an older one) cannot be replayed, even by two requests at once.
"""

import hashlib
import hmac
import secrets
from base64 import b32encode
from datetime import datetime, timezone

import pyotp
import segno
from sqlalchemy import delete, or_, update

from app.audit import record_audit
from app.auth.models import RecoveryCode, User
from app.errors import Conflict, Unauthorized
from app.extensions import db

ISSUER = "Tunisian Tapestry"
RECOVERY_CODE_COUNT = 10
# Steps either side of now that still count: clocks of phones drift by a few seconds.
ALLOWED_DRIFT_STEPS = 1


class InvalidCode(Unauthorized):
    code = "invalid_code"
    message = "The code is wrong or has expired."


def begin_setup(user):
    """A new secret for the account (not yet in force): {secret, otpauth_uri, qr_svg}."""
    if user.totp_enabled:
        raise Conflict("Two-factor login is already on.", code="mfa_already_enabled")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4)
    return {"secret": user.totp_secret, "otpauth_uri": uri, "qr_svg": qr_svg}


def confirm_setup(user, code):
    """Turns two-factor login on with a first right code; returns the new recovery codes."""
    if user.totp_enabled:
        raise Conflict("Two-factor login is already on.", code="mfa_already_enabled")
    if not user.totp_secret:
        raise Conflict("Start with POST /me/2fa.", code="mfa_setup_not_started")
    if not accept_totp(user, code):
        raise InvalidCode()
    user.totp_enabled = True
    codes = replace_recovery_codes(user)
    record_audit("two_factor_enabled", actor_id=user.id, target_type="user", target_id=user.id)
    db.session.commit()
    return codes


def disable(user, code):
    """Turns two-factor login off, given a TOTP or recovery code."""
    if not user.totp_enabled:
        raise Conflict("Two-factor login is not on.", code="mfa_not_enabled")
    if not accept_code(user, code):
        raise InvalidCode()
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_audit("two_factor_disabled", actor_id=user.id, target_type="user", target_id=user.id)
    db.session.commit()


def accept_code(user, code):
    """True for a fresh TOTP code or an unused recovery code (which is used up)."""
    code = code.strip()
    if code.isdigit() and len(code) == 6:
        return accept_totp(user, code)
    return accept_recovery_code(user, code)


def accept_totp(user, code):
    step = matching_step(user.totp_secret, code.strip())
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def matching_step(secret, code):
    """The time step whose code is `code`, within the allowed drift; None when none is."""
    if not secret or not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(datetime.now(timezone.utc))
    for step in range(now_step - ALLOWED_DRIFT_STEPS, now_step + ALLOWED_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def normalised_recovery_code(code):
    return code.replace("-", "").replace(" ", "").lower()


def recovery_code_hash(code):
    return hashlib.sha256(normalised_recovery_code(code).encode()).hexdigest()


def accept_recovery_code(user, code):
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == recovery_code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=datetime.now(timezone.utc))
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def new_recovery_code():
    raw = b32encode(secrets.token_bytes(8)).decode().lower()[:12]  # 60 random bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def replace_recovery_codes(user):
    """Ten new recovery codes in place of the old ones; only their hashes are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=recovery_code_hash(c)) for c in codes
    )
    return codes
