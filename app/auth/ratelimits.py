"""Rate limits of the account routes, per client IP and per account."""

from flask import current_app, request

from app.extensions import limiter


def limit(config_name, key_func=None):
    """A Flask-Limiter limit whose rate is read from config at request time."""
    return limiter.limit(lambda: current_app.config[config_name], key_func=key_func)


def account_key():
    """One counter per account, whichever field (email or username) named it.

    Rotating IPs does not help a guesser, and neither does naming the same account once by
    email, once by username and once with a blank email: each resolves to the account's id.
    Names that match no account are counted by name (what a guesser would type next).
    """
    from app.auth.schemas import login_identifier
    from app.auth.service import find_user_by_login

    # force: the login route reads any content type as JSON, so the key must too.
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        return "account:"
    identifier = login_identifier(body.get("email"), body.get("username"))[:254]
    if not identifier or "\x00" in identifier:  # no account has it (and PostgreSQL refuses NUL)
        return f"account:{identifier}"
    user = find_user_by_login(identifier)
    return f"account-id:{user.id}" if user is not None else f"account:{identifier}"


def user_key():
    """The logged-in account's counter (routes behind login_required)."""
    from flask_jwt_extended import get_jwt

    return f"account-id:{get_jwt().get('sub', '')}"
