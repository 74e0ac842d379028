"""Route guards: a valid token, and optionally one of some roles."""

from functools import wraps

from flask_jwt_extended import current_user, verify_jwt_in_request

from app.errors import Forbidden


def login_required(view):
    """A valid access token of an active, unblocked user (401 otherwise)."""
    return roles_required()(view)


def roles_required(*roles):
    """A valid access token whose user has one of `roles` (403 otherwise)."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            verify_jwt_in_request()
            if roles and current_user.role not in roles:
                raise Forbidden(f"This needs the role {' or '.join(roles)}.", code="forbidden_role")
            return view(*args, **kwargs)

        guarded.required_roles = roles
        return guarded

    return decorate
