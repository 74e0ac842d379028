"""Tokens: who am I, the compat header, refresh rotation, logout, and tokens that stop working."""

from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token

PASSWORD = "correct-horse-battery"


@pytest.fixture()
def session(client, make_user):
    """A logged-in organizer: (user, login body)."""
    user = make_user("organizer", email="me@example.tn")
    body = client.post("/login", json={"email": "me@example.tn", "password": PASSWORD}).get_json()
    return user, body


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", ["/me", "/myself"])
def test_me_returns_the_current_user(client, session, path):
    user, body = session
    response = client.get(path, headers=bearer(body["access_token"]))
    assert response.status_code == 200
    assert response.get_json()["email"] == "me@example.tn"


def test_the_compat_access_token_header_works_and_access_type_is_checked(client, session):
    _user, body = session
    token = body["access_token"]
    assert client.get("/me", headers={"access-token": token}).status_code == 200
    ok = client.get("/me", headers={"access-token": token, "access-type": "email"})
    assert ok.status_code == 200
    wrong = client.get("/me", headers={"access-token": token, "access-type": "google"})
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": "Basic abc"}],
)
def test_missing_or_malformed_tokens_are_401_json(client, headers):
    response = client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.is_json and response.get_json()["code"]


def test_an_expired_token_is_401(client, app, session):
    user, _body = session
    with app.test_request_context():
        token = create_access_token(str(user.id), expires_delta=timedelta(seconds=-1))
    response = client.get("/me", headers=bearer(token))
    assert (response.status_code, response.get_json()["code"]) == (401, "token_expired")


def test_a_refresh_token_is_not_an_access_token_and_vice_versa(client, session):
    _user, body = session
    assert client.get("/me", headers=bearer(body["refresh_token"])).status_code == 401
    assert client.post("/refresh", headers=bearer(body["access_token"])).status_code == 401


def test_refresh_rotates_and_the_new_refresh_token_refreshes_again(client, session):
    _user, body = session
    first = client.post("/refresh", headers=bearer(body["refresh_token"]))
    assert first.status_code == 200
    pair = first.get_json()
    assert client.get("/me", headers=bearer(pair["access_token"])).status_code == 200
    second = client.post("/refresh", headers=bearer(pair["refresh_token"]))
    assert second.status_code == 200


def test_replaying_a_rotated_refresh_token_ends_its_whole_session(client, session):
    """Reuse detection: whoever holds the newest token (thief or owner) is logged out too."""
    _user, body = session
    pair = client.post("/refresh", headers=bearer(body["refresh_token"])).get_json()
    replay = client.post("/refresh", headers=bearer(body["refresh_token"]))
    assert (replay.status_code, replay.get_json()["code"]) == (401, "token_revoked")
    assert client.post("/refresh", headers=bearer(pair["refresh_token"])).status_code == 401
    assert client.get("/me", headers=bearer(pair["access_token"])).status_code == 401


def test_logout_revokes_the_access_token_and_the_given_refresh_token(client, session):
    _user, body = session
    response = client.post(
        "/logout",
        headers=bearer(body["access_token"]),
        json={"refresh_token": body["refresh_token"]},
    )
    assert response.status_code == 200
    assert client.get("/me", headers=bearer(body["access_token"])).get_json()["code"] == (
        "token_revoked"
    )
    assert client.post("/refresh", headers=bearer(body["refresh_token"])).status_code == 401


def test_logout_refuses_someone_elses_refresh_token(client, session, make_user, auth_headers):
    _user, body = session
    other = make_user("reseller")
    response = client.post(
        "/logout", headers=auth_headers(other), json={"refresh_token": body["refresh_token"]}
    )
    assert response.status_code == 400
    assert client.post("/refresh", headers=bearer(body["refresh_token"])).status_code == 200


def test_compat_get_logout_answers_json(client):
    response = client.get("/logout")
    assert response.status_code == 200 and response.is_json


@pytest.mark.parametrize("change", [{"is_blocked": True}, {"is_active": False}, "delete"], ids=str)
def test_tokens_stop_working_at_once_when_the_account_changes(client, db, session, change):
    user, body = session
    if change == "delete":
        db.session.delete(user)
    else:
        for name, value in change.items():
            setattr(user, name, value)
    db.session.commit()
    for path, token in (("/me", "access_token"), ("/refresh", "refresh_token")):
        method = client.get if path == "/me" else client.post
        assert method(path, headers=bearer(body[token])).status_code == 401
