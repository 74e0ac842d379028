"""The device flow (RFC 8628): one upstream poll per call, every waiting state as a 400."""

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from tests.oauth.fake_provider import DEVICE_CLIENT_ID, DEVICE_CLIENT_SECRET

PROVIDERS = ["google", "github"]


def error_code(response):
    return response.get_json()["code"]


@pytest.mark.parametrize(
    ("provider", "verification_url", "user_code"),
    [
        ("google", "https://www.google.com/device", "GQVQ-JKEC"),
        ("github", "https://github.com/login/device", "WDJB-MJHT"),
    ],
)
def test_step_1_answers_one_shape_for_both_providers(
    client, fake, provider, verification_url, user_code
):
    response = client.get(f"/{provider}-device-auth-step-1")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"device_code", "user_code", "verification_url", "expires_in", "interval"}
    assert body["verification_url"] == verification_url  # GitHub's verification_uri, renamed
    assert body["user_code"] == user_code
    assert body["interval"] == 5 and body["expires_in"] > 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_pending_then_slow_down_then_tokens(db, device_login, fake, provider):
    fake.device_script = ["authorization_pending", "slow_down", "token"]
    codes, poll = device_login(provider)

    pending = poll()
    assert pending.status_code == 400 and error_code(pending) == "authorization_pending"
    assert fake.polls_of(codes["device_code"]) == 1

    slow = poll()
    assert slow.status_code == 400 and error_code(slow) == "slow_down"
    assert fake.polls_of(codes["device_code"]) == 2

    done = poll()
    assert done.status_code == 200, done.get_json()
    assert fake.polls_of(codes["device_code"]) == 3
    body = done.get_json()
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["email_verified"] is True and body["user"]["role"] == "organizer"


def test_github_slow_down_passes_on_the_new_interval(device_login, fake):
    fake.device_script = ["slow_down", "token"]
    _codes, poll = device_login("github")
    slow = poll()
    assert slow.get_json()["interval"] == 10


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("outcome", ["access_denied", "expired_token"])
def test_denied_and_expired_are_400_with_their_code(db, device_login, fake, provider, outcome):
    fake.device_script = [outcome]
    _codes, poll = device_login(provider)
    response = poll()
    assert response.status_code == 400
    assert error_code(response) == outcome
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_unknown_device_code_is_a_400(client, fake, provider):
    response = client.post(f"/{provider}-device-auth-step-2", json={"device_code": "made-up"})
    assert response.status_code == 400
    assert error_code(response) == "invalid_device_code"


@pytest.mark.parametrize("body", [{}, {"device_code": ""}, {"device_code": "x", "extra": 1}])
def test_step_2_validates_its_body(client, fake, body):
    response = client.post("/google-device-auth-step-2", json=body)
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert fake.device_polls == []


def test_the_device_tokens_say_how_the_user_signed_in(client, device_login, fake):
    _codes, poll = device_login("github")
    token = poll().get_json()["access_token"]
    headers = {"access-token": token, "access-type": "github"}
    assert client.get("/me", headers=headers).status_code == 200


def test_the_device_flow_opens_no_browser_session(client, device_login, fake):
    _codes, poll = device_login("google")
    assert poll().status_code == 200
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_google_device_flow_uses_its_own_client_when_configured(
    app, device_login, fake, monkeypatch
):
    # The browser flow's client stays as it is; the device flow must use the other one.
    monkeypatch.setitem(app.config, "GOOGLE_DEVICE_CLIENT_ID", DEVICE_CLIENT_ID)
    monkeypatch.setitem(app.config, "GOOGLE_DEVICE_CLIENT_SECRET", DEVICE_CLIENT_SECRET)
    monkeypatch.setitem(app.config, "GOOGLE_CLIENT_SECRET", "only-for-the-web-client")
    _codes, poll = device_login("google")
    assert poll().status_code == 200


def test_github_device_flow_disabled_says_how_to_enable_it(client, fake):
    fake.device_code_error = "device_flow_disabled"
    response = client.get("/github-device-auth-step-1")
    assert response.status_code == 502
    body = response.get_json()
    assert body["upstream"] == "device_flow_disabled" and "enable it" in body["error"]
