"""Rate limits of the account routes, per client IP and per submitted email."""

from flask import current_app, request

from app.extensions import limiter


def limit(config_name, key_func=None):
    """A Flask-Limiter limit whose rate is read from config at request time."""
    return limiter.limit(lambda: current_app.config[config_name], key_func=key_func)


def email_key():
    """Counts per account named in the body, so rotating IPs does not help a guesser."""
    body = request.get_json(silent=True)
    identifier = ""
    if isinstance(body, dict):
        identifier = body.get("email") or body.get("username") or ""
    return f"account:{str(identifier).strip().lower()[:254]}"
