"""Google and GitHub as identity providers: the browser redirect flow and the device flow.

Providers are declared as config data (PROVIDERS). Their clients are built from app.config at
request time and cached per configuration, so a test or a deployment can point a provider
anywhere without re-registering anything. The redirect flow goes through Authlib (state, PKCE
S256, and for Google the nonce and the id_token checks); the device flow (RFC 8628) through plain
requests, since Authlib has no client for it. Every outgoing call has OAUTH_TIMEOUT, and every
provider failure becomes a 400 or 502 AppError, never a 500.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app, redirect, request, session
from joserfc.errors import JoseError

from app.errors import AppError, BadGateway, BadRequest, ServiceUnavailable

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_POLL_INTERVAL = 5


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    scope: str
    # OpenID Connect (discovery, a verified id_token) or plain OAuth2 with an API for the profile.
    openid_connect: bool
    # Authlib registration arguments whose values are config keys, read at request time.
    registration: tuple
    client_authentication: str
    device_code_url_key: str
    exchange_url_key: str
    # Google names the field verification_url, GitHub (and RFC 8628) verification_uri.
    verification_field: str
    # Google's device grant needs the client secret; GitHub's takes the client id alone.
    device_poll_sends_secret: bool

    @property
    def id_key(self):
        return f"{self.name.upper()}_CLIENT_ID"

    @property
    def secret_key(self):
        return f"{self.name.upper()}_CLIENT_SECRET"


PROVIDERS = {
    "google": Provider(
        name="google",
        label="Google",
        scope="openid email profile",
        openid_connect=True,
        registration=(("server_metadata_url", "GOOGLE_DISCOVERY_URL"),),
        client_authentication="client_secret_basic",
        device_code_url_key="GOOGLE_DEVICE_CODE_URL",
        exchange_url_key="GOOGLE_TOKEN_URL",
        verification_field="verification_url",
        device_poll_sends_secret=True,
    ),
    "github": Provider(
        name="github",
        label="GitHub",
        scope="read:user user:email",
        openid_connect=False,
        registration=(
            ("authorize_url", "GITHUB_AUTHORIZE_URL"),
            ("access_token_url", "GITHUB_TOKEN_URL"),
        ),
        client_authentication="client_secret_post",
        device_code_url_key="GITHUB_DEVICE_CODE_URL",
        exchange_url_key="GITHUB_TOKEN_URL",
        verification_field="verification_uri",
        device_poll_sends_secret=False,
    ),
}


@dataclass(frozen=True)
class ProviderProfile:
    """Who the provider says the person is."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None


# --- configuration --------------------------------------------------------------------------


def configured_provider(name):
    """The provider, once its client id and secret are set (503 naming the variables if not)."""
    provider = PROVIDERS[name]
    config = current_app.config
    if not (config.get(provider.id_key) and config.get(provider.secret_key)):
        raise not_configured(provider)
    return provider


def not_configured(provider):
    return ServiceUnavailable(
        f"{provider.label} login is not configured: set {provider.id_key} and "
        f"{provider.secret_key} (see the README, section 'Google and GitHub login').",
        code="provider_not_configured",
    )


def device_credentials(name):
    """(provider, client id, secret) of the device flow.

    Google runs the device flow only for clients of the type "TVs and Limited Input devices",
    which cannot do the browser flow: {NAME}_DEVICE_CLIENT_ID/_SECRET name that second client
    when set; otherwise the browser flow's client is used (enough for GitHub).
    """
    provider = PROVIDERS[name]
    config = current_app.config
    device_id_key = f"{name.upper()}_DEVICE_CLIENT_ID"
    if config.get(device_id_key):
        return provider, config[device_id_key], config.get(f"{name.upper()}_DEVICE_CLIENT_SECRET")
    provider = configured_provider(name)
    return provider, config[provider.id_key], config[provider.secret_key]


def timeout():
    return current_app.config["OAUTH_TIMEOUT"]


def web_client(provider):
    """The Authlib client of `provider` for the current configuration."""
    config = current_app.config
    registration = tuple((arg, config[key]) for arg, key in provider.registration)
    return cached_web_client(
        provider,
        config[provider.id_key],
        config[provider.secret_key],
        registration,
        timeout(),
    )


@lru_cache(maxsize=32)
def cached_web_client(provider, client_id, client_secret, registration, seconds):
    # Cached so the discovery document and the JWKS are fetched once per configuration, not
    # once per login; Authlib fetches the JWKS again when an unknown key id shows up.
    return FlaskOAuth2App(
        FlaskIntegration(provider.name),
        provider.name,
        client_id=client_id,
        client_secret=client_secret,
        client_kwargs={
            "scope": provider.scope,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": provider.client_authentication,
            "default_timeout": seconds,
        },
        **dict(registration),
    )


# --- provider failures ----------------------------------------------------------------------


@contextmanager
def provider_errors(provider):
    """Turns what can go wrong on the provider's side into a 400 or 502 AppError."""
    try:
        yield
    except AppError:
        raise
    except MismatchingStateError:
        raise invalid_state() from None
    except OAuthError as exc:
        raise token_endpoint_error(provider, exc.error, exc.description) from None
    except JoseError as exc:
        log.warning("%s id_token refused: %s", provider.label, exc)
        raise BadGateway(
            f"{provider.label}'s ID token failed verification ({exc.description}).",
            code="invalid_id_token",
        ) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        log.warning("%s unreachable: %s", provider.label, exc)
        raise BadGateway(
            f"{provider.label} could not be reached in time: try again later.",
            code="provider_unreachable",
        ) from None
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        log.warning("%s answered unexpectedly: %r", provider.label, exc)
        raise BadGateway(
            f"{provider.label} answered something unexpected: try again later.",
            code="provider_error",
        ) from None


def invalid_state():
    return BadRequest(
        "The login's state is missing or does not match this browser session: start again.",
        code="invalid_state",
    )


def token_endpoint_error(provider, error, description=None):
    # A bad or reused code is the client's problem; anything else means our registration with
    # the provider is wrong (bad secret, redirect URI), which the client cannot fix.
    if error in ("invalid_grant", "bad_verification_code"):
        return BadRequest(
            "The authorization code is invalid or has expired: start the login again.",
            code="invalid_grant",
        )
    log.warning("%s token endpoint refused: %s %s", provider.label, error, description)
    return BadGateway(
        f"{provider.label} refused the request ({error}).",
        code="provider_error",
        upstream=str(error)[:64],
    )


# --- browser redirect flow ------------------------------------------------------------------


def start_web_login(name, redirect_uri, role):
    """A 302 to the provider; state, PKCE verifier, nonce and role wait in the session."""
    provider = configured_provider(name)
    client = web_client(provider)
    with provider_errors(provider):
        authorization = client.create_authorization_url(redirect_uri)
    client.save_authorize_data(redirect_uri=redirect_uri, role=role, **authorization)
    return redirect(authorization["url"])


def finish_web_login(name):
    """(profile, role) from the provider's redirect back, every check done."""
    provider = configured_provider(name)
    client = web_client(provider)
    refuse_provider_error_parameter(provider)
    # Read before Authlib clears it: the role chosen when the login started.
    state_data = client.framework.get_state_data(session, request.args.get("state"))
    if state_data is None:
        raise invalid_state()
    if not request.args.get("code"):
        raise BadRequest("The provider sent no authorization code.", code="missing_code")
    with provider_errors(provider):
        token = client.authorize_access_token(claims_options=id_token_checks(provider, client))
        profile = WEB_PROFILE_READERS[name](provider, token)
    return profile, state_data.get("role")


def refuse_provider_error_parameter(provider):
    error = request.args.get("error")
    if not error:
        return
    if error == "access_denied":
        raise BadRequest(f"The login was refused at {provider.label}.", code="access_denied")
    raise BadRequest(
        f"{provider.label} could not complete the login ({error}).",
        code="provider_refused",
        upstream=error[:64],
    )


def id_token_checks(provider, client):
    """iss and aud checked explicitly: by default Authlib accepts any aud when azp matches."""
    if not provider.openid_connect:
        return None
    issuer = client.load_server_metadata()["issuer"]
    return {
        "iss": {"essential": True, "values": [issuer]},
        "aud": {"essential": True, "values": [client.client_id]},
    }


def google_profile_from_id_token(provider, token):
    # Authlib put the verified id_token claims (signature, iss, aud, exp, nonce) in "userinfo".
    claims = token.get("userinfo")
    if not claims:
        raise BadGateway(f"{provider.label} sent no ID token.", code="invalid_id_token")
    return google_profile(claims)


def github_profile_from_token(provider, token):
    return github_profile(token["access_token"])


WEB_PROFILE_READERS = {
    "google": google_profile_from_id_token,
    "github": github_profile_from_token,
}


# --- who the person is ------------------------------------------------------------------------


def google_profile(claims):
    return ProviderProfile(
        provider="google",
        subject=str(claims["sub"]),
        email=claims.get("email"),
        # The userinfo endpoint has been seen to answer the string "true".
        email_verified=claims.get("email_verified") in (True, "true"),
        name=claims.get("name"),
    )


def google_userinfo(access_token):
    response = requests.get(
        current_app.config["GOOGLE_USERINFO_URL"],
        headers=bearer(access_token),
        timeout=timeout(),
    )
    response.raise_for_status()
    return google_profile(response.json())


def github_profile(access_token):
    """GitHub's numeric id and its primary email, verified only if GitHub says so."""
    api = current_app.config["GITHUB_API_URL"].rstrip("/")
    headers = {**bearer(access_token), "Accept": "application/vnd.github+json"}
    user = github_get(f"{api}/user", headers)
    emails = github_get(f"{api}/user/emails", headers)
    if not isinstance(emails, list):
        raise ValueError("GitHub's /user/emails is not a list")
    primary = next((entry for entry in emails if entry.get("primary")), None)
    return ProviderProfile(
        provider="github",
        subject=str(user["id"]),
        email=primary["email"] if primary else None,
        email_verified=bool(primary and primary.get("verified")),
        name=user.get("name") or user.get("login"),
    )


def github_get(url, headers):
    response = requests.get(url, headers=headers, timeout=timeout())
    response.raise_for_status()
    return response.json()


def bearer(access_token):
    return {"Authorization": f"Bearer {access_token}"}


# --- device flow (RFC 8628) -------------------------------------------------------------------

DEVICE_WAITING = {
    "authorization_pending": "The person has not approved the login yet: poll again after "
    "`interval` seconds.",
    "slow_down": "Polling too fast: add 5 seconds to the interval between polls.",
    "expired_token": "The device code has expired: start again with step 1.",
    "access_denied": "The person refused the login.",
}
UNKNOWN_DEVICE_CODE = ("invalid_grant", "incorrect_device_code", "bad_verification_code")


def start_device_login(name):
    """Device and user codes from the provider, in one shape for both providers."""
    provider, client_id, _secret = device_credentials(name)
    data = {"client_id": client_id, "scope": provider.scope}
    with provider_errors(provider):
        body = post_form(current_app.config[provider.device_code_url_key], data)
        if "error" in body or "device_code" not in body:
            raise device_setup_error(provider, body.get("error", "no_device_code"))
        return {
            "device_code": body["device_code"],
            "user_code": body["user_code"],
            "verification_url": body[provider.verification_field],
            "expires_in": int(body["expires_in"]),
            "interval": int(body.get("interval") or DEFAULT_POLL_INTERVAL),
        }


def poll_device_login(name, device_code):
    """One poll of the provider's token endpoint: the profile, or a 400 saying what to do."""
    provider, client_id, client_secret = device_credentials(name)
    data = {"client_id": client_id, "device_code": device_code, "grant_type": DEVICE_GRANT}
    if provider.device_poll_sends_secret:
        data["client_secret"] = client_secret
    with provider_errors(provider):
        body = post_form(current_app.config[provider.exchange_url_key], data)
        # Google answers "pending" with HTTP 428, GitHub with 200: only the error field counts.
        if "error" in body:
            raise device_poll_error(provider, body)
        if "access_token" not in body:
            raise KeyError("access_token")
        return device_profile(name, body["access_token"])


def device_poll_error(provider, body):
    error = body["error"]
    if error in DEVICE_WAITING:
        extra = {"interval": int(body["interval"])} if body.get("interval") else {}
        return BadRequest(DEVICE_WAITING[error], code=error, **extra)
    if error in UNKNOWN_DEVICE_CODE:
        return BadRequest(
            "This device code is unknown or already used: start again with step 1.",
            code="invalid_device_code",
        )
    return device_setup_error(provider, error, body.get("error_description"))


def device_setup_error(provider, error, description=None):
    """A refusal that only whoever registered the OAuth app can fix."""
    if error == "device_flow_disabled":
        return BadGateway(
            "Device flow is disabled for this GitHub OAuth app: enable it in the app's settings.",
            code="provider_error",
            upstream=error,
        )
    return token_endpoint_error(provider, error, description)


def device_profile(name, access_token):
    return google_userinfo(access_token) if name == "google" else github_profile(access_token)


def post_form(url, data):
    """POST a form and return the JSON object answered, whatever the status (errors included)."""
    response = requests.post(
        url, data=data, headers={"Accept": "application/json"}, timeout=timeout()
    )
    if response.status_code >= 500:
        response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("the provider's answer is not a JSON object")
    return body
