"""Providers not configured (503), down, slow or failing (502): never a 500."""

import pytest

from tests.oauth.conftest import consent, start_web_login

ALL_ROUTES = [
    ("get", "/login/google", "google"),
    ("get", "/login", "google"),
    ("get", "/login/github", "github"),
    ("get", "/auth/google/callback", "google"),
    ("get", "/callback", "google"),
    ("get", "/auth/github/callback", "github"),
    ("get", "/google-device-auth-step-1", "google"),
    ("get", "/github-device-auth-step-1", "github"),
    ("post", "/google-device-auth-step-2", "google"),
    ("post", "/github-device-auth-step-2", "github"),
]


@pytest.mark.parametrize(("method", "path", "provider"), ALL_ROUTES)
@pytest.mark.parametrize("missing", ["CLIENT_ID", "CLIENT_SECRET"])
def test_an_unconfigured_provider_is_a_503_naming_the_variables(
    app, client, fake, monkeypatch, method, path, provider, missing
):
    prefix = provider.upper()
    monkeypatch.setitem(app.config, f"{prefix}_{missing}", None)
    response = getattr(client, method)(path, json={"device_code": "x"})
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "provider_not_configured"
    assert f"{prefix}_CLIENT_ID" in body["error"] and f"{prefix}_CLIENT_SECRET" in body["error"]


def test_google_discovery_down_is_a_502(app, client, fake, monkeypatch, closed_port_url):
    monkeypatch.setitem(app.config, "GOOGLE_DISCOVERY_URL", f"{closed_port_url}/.well-known")
    response = client.get("/login/google")
    assert response.status_code == 502
    assert response.get_json()["code"] == "provider_unreachable"


def test_github_token_endpoint_down_at_the_callback_is_a_502(
    app, client, fake, monkeypatch, closed_port_url
):
    callback = consent(start_web_login(client, "/login/github").location)
    monkeypatch.setitem(app.config, "GITHUB_TOKEN_URL", f"{closed_port_url}/token")
    response = client.get(callback.path, query_string=callback.query)
    assert response.status_code == 502
    assert response.get_json()["code"] == "provider_unreachable"


def test_github_api_down_at_the_callback_is_a_502(app, client, fake, monkeypatch, closed_port_url):
    callback = consent(start_web_login(client, "/login/github").location)
    monkeypatch.setitem(app.config, "GITHUB_API_URL", closed_port_url)
    response = client.get(callback.path, query_string=callback.query)
    assert response.status_code == 502


@pytest.mark.parametrize(
    ("setting", "path", "method"),
    [
        ("GOOGLE_DEVICE_CODE_URL", "/google-device-auth-step-1", "get"),
        ("GITHUB_DEVICE_CODE_URL", "/github-device-auth-step-1", "get"),
        ("GOOGLE_TOKEN_URL", "/google-device-auth-step-2", "post"),
        ("GITHUB_TOKEN_URL", "/github-device-auth-step-2", "post"),
    ],
)
def test_device_endpoints_down_are_a_502(
    app, client, fake, monkeypatch, closed_port_url, setting, path, method
):
    monkeypatch.setitem(app.config, setting, closed_port_url)
    response = getattr(client, method)(path, json={"device_code": "x"})
    assert response.status_code == 502
    assert response.get_json()["code"] == "provider_unreachable"


def test_google_userinfo_down_after_the_device_grant_is_a_502(
    app, fake, device_login, monkeypatch, closed_port_url
):
    _codes, poll = device_login("google")
    monkeypatch.setitem(app.config, "GOOGLE_USERINFO_URL", f"{closed_port_url}/userinfo")
    assert poll().status_code == 502


@pytest.mark.parametrize("provider", ["google", "github"])
def test_a_token_endpoint_answering_500_html_is_a_502(fake, web_login, provider):
    fake.token_status = 500
    response = web_login(provider)
    assert response.status_code == 502
    assert response.get_json()["code"] == "provider_error"


def test_a_device_poll_answering_503_html_is_a_502(fake, device_login):
    _codes, poll = device_login("github")
    fake.token_status = 503
    response = poll()
    assert response.status_code == 502
    assert response.get_json()["code"] == "provider_error"


def test_wrong_client_credentials_are_a_502_naming_the_upstream_error(
    app, client, fake, monkeypatch
):
    monkeypatch.setitem(app.config, "GITHUB_CLIENT_ID", "not-registered")
    response = client.get("/github-device-auth-step-1")
    assert response.status_code == 502
    assert response.get_json()["upstream"] == "incorrect_client_credentials"


def test_a_slow_provider_times_out_as_a_502(app, client, fake, monkeypatch):
    monkeypatch.setitem(app.config, "OAUTH_TIMEOUT", 0.5)
    fake.delay_seconds = 2
    response = client.get("/google-device-auth-step-1")
    assert response.status_code == 502
    assert response.get_json()["code"] == "provider_unreachable"
