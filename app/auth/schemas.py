"""Input models and output shapes of the accounts API."""

from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints, model_validator

from app.auth.password_policy import MAX_LENGTH, MIN_LENGTH
from app.common.validation import InputModel

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"
# A password is kept exactly as typed: spaces are characters like any other.
NewPassword = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=MIN_LENGTH, max_length=MAX_LENGTH)
]
# At login any length is compared (an old account may predate the rules); 256 bounds the work.
GivenPassword = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=1, max_length=256)
]
TotpCode = Annotated[str, StringConstraints(min_length=6, max_length=32)]


class RegisterIn(InputModel):
    email: EmailStr = Field(max_length=254)
    password: NewPassword
    name: str | None = Field(default=None, min_length=1, max_length=120)
    username: str | None = Field(default=None, pattern=USERNAME_PATTERN)
    # Only these two: an admin is made by an admin or the CLI, never by registering.
    role: Literal["organizer", "reseller"] = "organizer"


class LoginIn(InputModel):
    email: str | None = Field(default=None, max_length=254)
    username: str | None = Field(default=None, max_length=254)
    password: GivenPassword

    @model_validator(mode="after")
    def needs_an_identifier(self):
        if not (self.email or self.username):
            raise ValueError("give an email or a username")
        return self

    @property
    def identifier(self):
        return login_identifier(self.email, self.username)


def login_identifier(email, username):
    """What names the account at login: the email, else the username (blank counts as absent)."""
    return (str(email or "").strip() or str(username or "").strip()).lower()


class EmailIn(InputModel):
    email: EmailStr = Field(max_length=254)


class LogoutIn(InputModel):
    refresh_token: str | None = Field(default=None, max_length=4096)


def user_out(user):
    return {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "email_verified": user.email_verified,
        "is_blocked": user.is_blocked,
        "is_active": user.is_active,
        "two_factor_enabled": user.totp_enabled,
        "created_at": user.created_at.isoformat(),
    }


class SetPasswordIn(InputModel):
    password: NewPassword


class LoginTwoFactorIn(InputModel):
    mfa_token: str = Field(min_length=1, max_length=4096)
    code: TotpCode


class CodeIn(InputModel):
    code: TotpCode


def session_out(session, current_session_id=None):
    return {
        "id": session.id,
        "created_at": session.created_at.isoformat(),
        "last_used_at": session.last_used_at.isoformat(),
        "expires_at": session.expires_at.isoformat(),
        "via": session.via,
        "user_agent": session.user_agent,
        "ip": session.ip,
        "current": session.id == current_session_id,
    }
