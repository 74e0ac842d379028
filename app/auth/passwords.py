"""Argon2id password hashing with parameters from config (cheap in tests, strong elsewhere)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# Verified against unknown users, so that a miss costs as much time as a wrong password.
_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105  (a decoy, never an account password)


def hasher():
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password):
    return hasher().hash(password)


def verify_password(password_hash, password):
    """True when `password` matches; a missing hash still costs one verification."""
    ph = hasher()
    try:
        return ph.verify(password_hash or dummy_hash(ph), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    return hasher().check_needs_rehash(password_hash)


def dummy_hash(ph):
    cache = current_app.extensions.setdefault("argon2_dummy", {})
    key = (ph.time_cost, ph.memory_cost, ph.parallelism)
    if key not in cache:
        cache[key] = ph.hash(_DUMMY_PASSWORD)
    return cache[key]
