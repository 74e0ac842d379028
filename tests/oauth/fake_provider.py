"""A fake Google and GitHub: a real HTTP server (werkzeug) that speaks their OAuth dialects.

Google (under /google): OpenID Connect discovery, authorize (auto-consent), token (authorization
code with PKCE, and the device grant), JWKS with a real RSA key, id_tokens signed RS256, userinfo,
device codes. GitHub (under /github): authorize, token, device codes, /api/user and
/api/user/emails. Tests script who signs in, what goes wrong, and the device-poll sequence.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request
from werkzeug.serving import WSGIRequestHandler, make_server

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"
# Google's device flow wants a client of its own type ("TVs and Limited Input devices").
DEVICE_CLIENT_ID = "fake-device-client-id"
DEVICE_CLIENT_SECRET = "fake-device-client-secret"
DEVICE_CLIENTS = {CLIENT_ID: CLIENT_SECRET, DEVICE_CLIENT_ID: DEVICE_CLIENT_SECRET}
KEY_ID = "fake-key-1"
POLL_STATUS = {
    # Google answers the waiting states with 428/403/400, GitHub with 200 for everything.
    "google": {
        "authorization_pending": 428,
        "slow_down": 403,
        "access_denied": 403,
        "expired_token": 400,
    },
    "github": {},
}


class FakeProvider:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.lock = threading.Lock()
        self.base_url = None
        self.reset()

    def reset(self):
        """Everyone signs in verified, the device is approved at once, nothing goes wrong."""
        self.google_user = {
            "sub": "google-1001",
            "email": "amira@gmail.example",
            "email_verified": True,
            "name": "Amira Trabelsi",
        }
        self.github_user = {"id": 5001, "login": "karimdev", "name": "Karim Haddad"}
        self.github_emails = [
            {"email": "karim@github.example", "primary": True, "verified": True},
            {"email": "karim@old.example", "primary": False, "verified": True},
        ]
        self.id_token_changes = {}
        self.sign_with_stranger_key = False
        self.device_script = ["token"]
        self.token_status = None
        self.device_code_error = None
        self.delay_seconds = 0
        self.codes = {}
        self.access_tokens = {}
        self.device_codes = {}
        self.authorize_requests = []
        self.device_polls = []

    @property
    def issuer(self):
        return f"{self.base_url}/google"

    # --- what the app is told -------------------------------------------------------------

    def config(self):
        """The app settings that point both providers at this server."""
        base = self.base_url
        return {
            "GOOGLE_CLIENT_ID": CLIENT_ID,
            "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "GOOGLE_DISCOVERY_URL": f"{base}/google/.well-known/openid-configuration",
            "GOOGLE_DEVICE_CODE_URL": f"{base}/google/device/code",
            "GOOGLE_TOKEN_URL": f"{base}/google/token",
            "GOOGLE_USERINFO_URL": f"{base}/google/userinfo",
            "GITHUB_CLIENT_ID": CLIENT_ID,
            "GITHUB_CLIENT_SECRET": CLIENT_SECRET,
            "GITHUB_AUTHORIZE_URL": f"{base}/github/login/oauth/authorize",
            "GITHUB_DEVICE_CODE_URL": f"{base}/github/login/device/code",
            "GITHUB_TOKEN_URL": f"{base}/github/login/oauth/access_token",
            "GITHUB_API_URL": f"{base}/github/api",
            "OAUTH_TIMEOUT": 5,
        }

    def discovery(self):
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "device_authorization_endpoint": f"{base}/device/code",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self):
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update(kid=KEY_ID, use="sig", alg="RS256")
        return {"keys": [public]}

    # --- tokens -----------------------------------------------------------------------------

    def id_token(self, nonce):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "iat": now,
            "exp": now + 3600,
            "nonce": nonce,
            **self.google_user,
            **self.id_token_changes,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        key = self.stranger_key if self.sign_with_stranger_key else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})

    def new_access_token(self, provider):
        token = secrets.token_urlsafe(16)
        self.access_tokens[token] = provider
        return token

    def issue_code(self, provider, params):
        code = secrets.token_urlsafe(12)
        self.codes[code] = {"provider": provider, **params}
        return code

    def start_device(self, provider):
        device_code = secrets.token_urlsafe(16)
        self.device_codes[device_code] = {"provider": provider, "script": list(self.device_script)}
        return device_code

    def next_device_step(self, device_code):
        """Pops the next scripted answer; the last one repeats."""
        with self.lock:
            script = self.device_codes[device_code]["script"]
            self.device_polls.append(device_code)
            return script.pop(0) if len(script) > 1 else script[0]

    def polls_of(self, device_code):
        return self.device_polls.count(device_code)


def pkce_matches(verifier, challenge):
    digest = hashlib.sha256((verifier or "").encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge


def client_credentials():
    """client id and secret from HTTP Basic or the form, as real providers accept both."""
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username, request.authorization.password
    return request.form.get("client_id"), request.form.get("client_secret")


def create_fake_app(fake):
    app = Flask("fake_provider")

    @app.before_request
    def scripted_delay():
        if fake.delay_seconds:
            time.sleep(fake.delay_seconds)

    register_google(app, fake)
    register_github(app, fake)
    return app


def authorize(fake, provider):
    """Auto-consent: remembers the request and sends the browser back with code and state."""
    params = request.args.to_dict()
    fake.authorize_requests.append({"provider": provider, **params})
    if params.get("client_id") != CLIENT_ID or "state" not in params:
        return jsonify(error="invalid_request"), 400
    code = fake.issue_code(provider, params)
    query = urlencode({"code": code, "state": params["state"]})
    return redirect(f"{params['redirect_uri']}?{query}")


def redeem_code(fake, provider):
    """The code's authorize parameters, or None when the code, client, URI or PKCE is wrong."""
    client_id, client_secret = client_credentials()
    grant = fake.codes.pop(request.form.get("code", ""), None)
    if grant is None or grant["provider"] != provider:
        return None
    if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
        return None
    if grant.get("redirect_uri") != request.form.get("redirect_uri"):
        return None
    if grant.get("code_challenge_method") != "S256":
        return None
    if not pkce_matches(request.form.get("code_verifier"), grant.get("code_challenge")):
        return None
    return grant


def poll_device(fake, provider):
    device_code = request.form.get("device_code", "")
    if device_code not in fake.device_codes or not device_client_known(provider):
        error = "invalid_grant" if provider == "google" else "incorrect_device_code"
        return jsonify(error=error), 400 if provider == "google" else 200
    step = fake.next_device_step(device_code)
    if step == "token":
        token = fake.new_access_token(provider)
        return jsonify(access_token=token, token_type="bearer", scope="email")
    body = {"error": step, "error_description": f"scripted {step}"}
    if step == "slow_down" and provider == "github":
        body["interval"] = 10
    return jsonify(body), POLL_STATUS[provider].get(step, 200)


def device_client_known(provider):
    client_id = request.form.get("client_id")
    if provider == "github":  # GitHub's device grant takes the client id alone
        return client_id == CLIENT_ID
    return client_id in DEVICE_CLIENTS and DEVICE_CLIENTS[client_id] == request.form.get(
        "client_secret"
    )


def bearer_token_of(fake, provider):
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip()
    return fake.access_tokens.get(token) == provider


def register_google(app, fake):
    @app.get("/google/.well-known/openid-configuration")
    def google_discovery():
        return jsonify(fake.discovery())

    @app.get("/google/jwks")
    def google_jwks():
        return jsonify(fake.jwks())

    @app.get("/google/authorize")
    def google_authorize():
        return authorize(fake, "google")

    @app.post("/google/token")
    def google_token():
        if fake.token_status:
            return "<html>upstream trouble</html>", fake.token_status
        if request.form.get("grant_type", "").endswith("device_code"):
            return poll_device(fake, "google")
        grant = redeem_code(fake, "google")
        if grant is None:
            return jsonify(error="invalid_grant"), 400
        token = fake.new_access_token("google")
        id_token = fake.id_token(grant.get("nonce"))
        return jsonify(access_token=token, token_type="Bearer", expires_in=3599, id_token=id_token)

    @app.get("/google/userinfo")
    def google_userinfo():
        if not bearer_token_of(fake, "google"):
            return jsonify(error="invalid_token"), 401
        return jsonify(fake.google_user)

    @app.post("/google/device/code")
    def google_device_code():
        if request.form.get("client_id") not in DEVICE_CLIENTS:
            return jsonify(error="invalid_client"), 401
        return jsonify(
            device_code=fake.start_device("google"),
            user_code="GQVQ-JKEC",
            verification_url="https://www.google.com/device",
            expires_in=1800,
            interval=5,
        )


def register_github(app, fake):
    @app.get("/github/login/oauth/authorize")
    def github_authorize():
        return authorize(fake, "github")

    @app.post("/github/login/oauth/access_token")
    def github_token():
        if fake.token_status:
            return "<html>upstream trouble</html>", fake.token_status
        if request.form.get("grant_type", "").endswith("device_code"):
            return poll_device(fake, "github")
        grant = redeem_code(fake, "github")
        if grant is None:
            return jsonify(error="bad_verification_code")  # GitHub: errors with HTTP 200
        token = fake.new_access_token("github")
        return jsonify(access_token=token, token_type="bearer", scope="read:user,user:email")

    @app.post("/github/login/device/code")
    def github_device_code():
        if request.form.get("client_id") != CLIENT_ID:
            return jsonify(error="incorrect_client_credentials")
        if fake.device_code_error:
            return jsonify(error=fake.device_code_error)
        return jsonify(
            device_code=fake.start_device("github"),
            user_code="WDJB-MJHT",
            verification_uri="https://github.com/login/device",
            expires_in=900,
            interval=5,
        )

    @app.get("/github/api/user")
    def github_user():
        if not bearer_token_of(fake, "github"):
            return jsonify(message="Bad credentials"), 401
        return jsonify(fake.github_user)

    @app.get("/github/api/user/emails")
    def github_emails():
        if not bearer_token_of(fake, "github"):
            return jsonify(message="Bad credentials"), 401
        return jsonify(fake.github_emails)


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, *_args):
        pass  # one line per request would drown the output of a failing test


class FakeProviderServer:
    """Serves a FakeProvider on 127.0.0.1 from a thread."""

    def __init__(self):
        self.fake = FakeProvider()
        self.server = make_server(
            "127.0.0.1",
            0,
            create_fake_app(self.fake),
            threaded=True,
            request_handler=QuietRequestHandler,
        )
        self.fake.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.fake

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.thread.join(timeout=10)
