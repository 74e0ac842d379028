"""Sign-in with Google and GitHub: the browser redirect flow and the device flow (RFC 8628).

Only the browser flow opens a Flask-Login session (for the browser's sake); the JSON API goes on
accepting nothing but this API's own tokens, which every flow answers with.
"""

from urllib.parse import urlsplit

from flask import current_app, jsonify, request
from flask_login import login_user
from pydantic import Field

from app.auth import bp, oauth, oauth_service
from app.auth.routes import login_response, request_client
from app.common.sqlite import writes_database
from app.common.validation import InputModel, parse_body
from app.extensions import limiter


class DeviceCodeIn(InputModel):
    device_code: str = Field(min_length=1, max_length=2048)


def oauth_rate_limit():
    # Several polls a minute are normal in the device flow; RATELIMIT_OAUTH can tune it.
    return current_app.config["RATELIMIT_OAUTH"]


def limit_oauth(view):
    return limiter.limit(oauth_rate_limit)(view)


def requested_role():
    return oauth_service.checked_role(request.args.get("role"))


# --- browser redirect flow ------------------------------------------------------------------


def start_browser_login(provider, callback_endpoint):
    role = requested_role()
    return oauth.start_web_login(provider, app_url_for(callback_endpoint), role)


def app_url_for(endpoint):
    """The endpoint's absolute URL under APP_URL, never under the request's Host.

    The provider sends the person (and the code) back to this address: built from a Host or
    X-Forwarded-Host header, it would be whatever the client chose.
    """
    base = urlsplit(current_app.config["APP_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, force_external=True)


def finish_browser_login(provider):
    profile, role = oauth.finish_web_login(provider)
    result = oauth_service.sign_in_with_provider(profile, role, request_client())
    if result.tokens is not None:
        login_user(result.user)  # a two-factor account gets no browser session before its code
    return jsonify(login_response(result))


@bp.get("/login/google")
@limit_oauth
def login_google():
    return start_browser_login("google", "auth.google_callback")


@bp.get("/login")
@limit_oauth
def login_google_compat():
    # Older clients registered /callback with Google; they keep coming back there.
    return start_browser_login("google", "auth.google_callback_compat")


@bp.get("/login/github")
@limit_oauth
def login_github():
    return start_browser_login("github", "auth.github_callback")


@bp.get("/auth/google/callback")
@limit_oauth
@writes_database
def google_callback():
    return finish_browser_login("google")


@bp.get("/callback")
@limit_oauth
@writes_database
def google_callback_compat():
    return finish_browser_login("google")


@bp.get("/auth/github/callback")
@limit_oauth
@writes_database
def github_callback():
    return finish_browser_login("github")


# --- device flow ----------------------------------------------------------------------------


def finish_device_login(provider):
    role = requested_role()  # checked before the poll, which may consume the device code
    device_code = parse_body(DeviceCodeIn).device_code
    profile = oauth.poll_device_login(provider, device_code)
    result = oauth_service.sign_in_with_provider(profile, role, request_client())
    return jsonify(login_response(result))


@bp.get("/google-device-auth-step-1")
@limit_oauth
def google_device_step_1():
    return jsonify(oauth.start_device_login("google"))


@bp.get("/github-device-auth-step-1")
@limit_oauth
def github_device_step_1():
    return jsonify(oauth.start_device_login("github"))


@bp.post("/google-device-auth-step-2")
@limit_oauth
def google_device_step_2():
    return finish_device_login("google")


@bp.post("/github-device-auth-step-2")
@limit_oauth
def github_device_step_2():
    return finish_device_login("github")
