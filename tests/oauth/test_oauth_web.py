"""The browser redirect flow against the fake provider: redirects, callback checks, tokens."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.auth.models import OAuthIdentity, User
from tests.oauth.conftest import callback_query, consent, start_web_login
from tests.oauth.fake_provider import CLIENT_ID


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def user_count(db):
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(
    ("path", "callback"),
    [
        ("/login/google", "http://127.0.0.1:5000/auth/google/callback"),
        ("/login", "http://127.0.0.1:5000/callback"),
    ],
)
def test_google_redirect_carries_state_nonce_and_pkce(client, fake, path, callback):
    response = start_web_login(client, path)
    assert response.location.startswith(f"{fake.issuer}/authorize?")
    params = query_of(response.location)
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == callback
    assert params["response_type"] == "code"
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20


def test_github_redirect_carries_state_and_pkce_without_nonce(client, fake):
    response = start_web_login(client, "/login/github")
    assert response.location.startswith(f"{fake.base_url}/github/login/oauth/authorize?")
    params = query_of(response.location)
    assert params["redirect_uri"] == "http://127.0.0.1:5000/auth/github/callback"
    assert params["code_challenge_method"] == "S256" and params["state"]
    assert "nonce" not in params


def test_the_session_cookie_is_httponly_and_lax(client, fake):
    response = start_web_login(client, "/login/google")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("start", ["google", "/login"])
def test_google_login_creates_a_verified_organizer(db, web_login, fake, start):
    response = web_login(start)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["access_token"] and body["refresh_token"]
    user = body["user"]
    assert user["email"] == "amira@gmail.example"
    assert user["name"] == "Amira Trabelsi"
    assert user["role"] == "organizer" and user["email_verified"] is True
    identity = db.session.scalar(select(OAuthIdentity))
    assert (identity.provider, identity.subject, identity.user_id) == (
        "google",
        "google-1001",
        user["id"],
    )


def test_github_login_uses_the_primary_verified_email(db, web_login, fake):
    response = web_login("github")
    assert response.status_code == 200, response.get_json()
    user = response.get_json()["user"]
    assert user["email"] == "karim@github.example"
    identity = db.session.scalar(select(OAuthIdentity))
    assert (identity.provider, identity.subject) == ("github", "5001")


def test_the_tokens_work_on_the_api_and_say_how_the_user_signed_in(client, web_login, fake):
    body = web_login("google").get_json()
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/me", headers=bearer).get_json()["id"] == body["user"]["id"]
    compat = {"access-token": body["access_token"]}
    assert client.get("/me", headers={**compat, "access-type": "google"}).status_code == 200
    assert client.get("/me", headers={**compat, "access-type": "email"}).status_code == 401
    refreshed = client.post(
        "/refresh", headers={"Authorization": f"Bearer {body['refresh_token']}"}
    )
    assert refreshed.status_code == 200


def test_a_second_login_finds_the_same_account_by_subject(db, web_login, fake):
    first = web_login("google").get_json()["user"]
    fake.google_user["email"] = "amira.new@gmail.example"  # changed at Google
    second = web_login("google").get_json()["user"]
    assert second["id"] == first["id"]
    assert user_count(db) == 1
    assert db.session.scalar(select(OAuthIdentity.email)) == "amira.new@gmail.example"


def test_the_browser_session_is_flask_login_only_and_the_api_ignores_it(client, web_login, fake):
    assert web_login("google").status_code == 200
    with client.session_transaction() as session:
        assert session["_user_id"]
    # Only the cookie: the JSON API wants a token (CSRF).
    assert client.get("/me").status_code == 401
    assert client.get("/logout").status_code == 200
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_post_login_still_takes_passwords_next_to_get_login(client, make_user, fake):
    user = make_user(email="pw@example.tn", password="correct-horse-battery")
    response = client.post(
        "/login", json={"email": user.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 200


# --- state, code, and refusals at the callback ------------------------------------------------


def test_a_forged_state_is_refused(db, client, fake):
    callback = consent(start_web_login(client, "/login/google").location)
    params = callback_query(f"?{callback.query}")
    response = client.get(callback.path, query_string={**params, "state": "forged"})
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_state"
    assert user_count(db) == 0


def test_a_missing_state_is_refused(client, fake):
    callback = consent(start_web_login(client, "/login/github").location)
    params = callback_query(f"?{callback.query}")
    response = client.get(callback.path, query_string={"code": params["code"]})
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_state"


def test_a_callback_in_another_browser_is_refused(app, client, fake):
    callback = consent(start_web_login(client, "/login/google").location)
    other_browser = app.test_client()
    response = other_browser.get(callback.path, query_string=callback.query)
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_state"


def test_a_replayed_callback_is_refused(client, fake):
    callback = consent(start_web_login(client, "/login/google").location)
    assert client.get(callback.path, query_string=callback.query).status_code == 200
    replay = client.get(callback.path, query_string=callback.query)
    assert replay.status_code == 400
    assert replay.get_json()["code"] == "invalid_state"


def test_a_missing_code_is_refused(client, fake):
    callback = consent(start_web_login(client, "/login/google").location)
    state = callback_query(f"?{callback.query}")["state"]
    response = client.get(callback.path, query_string={"state": state})
    assert response.status_code == 400
    assert response.get_json()["code"] == "missing_code"


def test_a_code_the_provider_does_not_know_is_a_400(client, fake):
    callback = consent(start_web_login(client, "/login/github").location)
    state = callback_query(f"?{callback.query}")["state"]
    response = client.get(callback.path, query_string={"state": state, "code": "made-up"})
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_grant"


def test_the_person_refusing_at_the_provider_is_a_400(client, fake):
    start_web_login(client, "/login/google")
    response = client.get("/auth/google/callback", query_string={"error": "access_denied"})
    assert response.status_code == 400
    assert response.get_json()["code"] == "access_denied"


# --- the id_token is verified ------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"aud": "someone-else"}, id="audience"),
        pytest.param({"iss": "https://evil.example"}, id="issuer"),
        pytest.param({"exp": 1_000_000_000, "iat": 999_990_000}, id="expired"),
        pytest.param({"nonce": "not-the-one-sent"}, id="nonce"),
        pytest.param({"nonce": None}, id="no-nonce"),
    ],
)
def test_an_id_token_with_a_wrong_claim_is_refused(db, web_login, fake, changes):
    fake.id_token_changes = changes
    response = web_login("google")
    assert response.status_code == 502
    assert response.get_json()["code"] == "invalid_id_token"
    assert user_count(db) == 0


def test_an_id_token_signed_by_another_key_is_refused(db, web_login, fake):
    fake.sign_with_stranger_key = True
    response = web_login("google")
    assert response.status_code == 502
    assert response.get_json()["code"] == "invalid_id_token"
    assert user_count(db) == 0


@pytest.mark.parametrize(
    "headers",
    [{"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}],
)
def test_the_redirect_uri_comes_from_app_url_never_from_the_request(
    client, fake, app, monkeypatch, headers
):
    # A Host (or, behind a proxy, X-Forwarded-Host) chosen by the client would send the
    # provider's code to the client's server.
    monkeypatch.setitem(app.config, "APP_URL", "https://tapestry.example/api")
    response = client.get("/login/github", headers=headers)
    assert response.status_code == 302, response.get_json()
    params = query_of(response.location)
    assert params["redirect_uri"] == "https://tapestry.example/api/auth/github/callback"
