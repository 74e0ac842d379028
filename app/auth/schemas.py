"""Input models and output shapes of the accounts API."""

from typing import Literal

from pydantic import EmailStr, Field, model_validator

from app.common.validation import InputModel

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"


class RegisterIn(InputModel):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=8, max_length=256)
    name: str | None = Field(default=None, min_length=1, max_length=120)
    username: str | None = Field(default=None, pattern=USERNAME_PATTERN)
    # Only these two: an admin is made by an admin or the CLI, never by registering.
    role: Literal["organizer", "reseller"] = "organizer"


class LoginIn(InputModel):
    email: str | None = Field(default=None, max_length=254)
    username: str | None = Field(default=None, max_length=254)
    password: str = Field(min_length=1, max_length=256)

    @model_validator(mode="after")
    def needs_an_identifier(self):
        if not (self.email or self.username):
            raise ValueError("give an email or a username")
        return self

    @property
    def identifier(self):
        return (self.email or self.username).strip().lower()


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
        "created_at": user.created_at.isoformat(),
    }


class SetPasswordIn(InputModel):
    password: str = Field(min_length=8, max_length=256)
