"""Which passwords are accepted: 8 to 128 characters as typed, not a common one, not the login.

The list (common-passwords.txt, next to this file) is the 10 000 most common passwords of the
list Django ships (django/contrib/auth/common-passwords.txt.gz, BSD licence), compiled by Royce
Williams from breach corpora, lower-cased; it is compared lower-cased.
"""

from functools import lru_cache
from pathlib import Path

from app.errors import BadRequest

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")


@lru_cache(maxsize=1)
def common_passwords():
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line)


class WeakPassword(BadRequest):
    code = "weak_password"
    message = "This password is too easy to guess: choose another one."


def check_password_strength(password, email=None, username=None):
    """Raises WeakPassword for a common password or one equal to the account's email or name."""
    lowered = password.lower()
    if lowered in common_passwords():
        raise WeakPassword(
            "This password is one of the most common passwords: choose another one.",
            fields={"password": ["is too common"]},
        )
    own = {(email or "").lower(), (email or "").lower().split("@")[0], (username or "").lower()}
    if lowered in own - {""}:
        raise WeakPassword(
            "The password must not be your email address or username.",
            fields={"password": ["must differ from the email and username"]},
        )
