"""The fake Google/GitHub server, the app pointed at it, and the two flows driven end to end."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import free_port
from tests.oauth.fake_provider import FakeProviderServer


@pytest.fixture(scope="session")
def fake_provider_server():
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture()
def fake(app, fake_provider_server, monkeypatch):
    """The fake provider, reset, with the app's provider settings pointing at it."""
    fake_provider_server.reset()
    for key, value in fake_provider_server.config().items():
        monkeypatch.setitem(app.config, key, value)
    return fake_provider_server


@pytest.fixture()
def closed_port_url():
    """A base URL where nothing listens: a provider that is down."""
    return f"http://127.0.0.1:{free_port()}"


def start_web_login(client, path, **query):
    """GET the app's login route; the response must be a redirect to the provider."""
    response = client.get(path, query_string=query)
    assert response.status_code == 302, response.get_json()
    return response


def consent(authorize_url):
    """The browser at the provider: auto-consent sends it back to the app's callback URL."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return urlsplit(answer.headers["Location"])


@pytest.fixture()
def web_login(client, fake):
    """web_login(provider_or_start_path, **query) -> the app's answer at the callback."""

    def login(start, **query):
        path = {"google": "/login/google", "github": "/login/github"}.get(start, start)
        started = start_web_login(client, path, **query)
        callback = consent(started.location)
        return client.get(callback.path, query_string=callback.query)

    return login


@pytest.fixture()
def device_login(client, fake):
    """device_login(provider, role=None) -> (step 1 body, a poll() callable for step 2)."""

    def start(provider, role=None):
        step_1 = client.get(f"/{provider}-device-auth-step-1")
        assert step_1.status_code == 200, step_1.get_json()
        codes = step_1.get_json()
        query = {"role": role} if role else {}

        def poll():
            return client.post(
                f"/{provider}-device-auth-step-2",
                json={"device_code": codes["device_code"]},
                query_string=query,
            )

        return codes, poll

    return start


def callback_query(location):
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
