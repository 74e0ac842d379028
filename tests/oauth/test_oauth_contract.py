"""What the OAuth routes answer matches swagger.yml, and so do the spec's own examples."""

import pytest
import yaml

from config import BASE_DIR
from tests.oauth.conftest import consent, start_web_login


@pytest.mark.parametrize("provider", ["google", "github"])
def test_web_login_result_matches_the_spec(web_login, fake, spec_schema, provider):
    spec_schema(web_login(provider).get_json(), "OAuthLoginResult")


def test_device_answers_match_the_spec(client, device_login, fake, spec_schema):
    fake.device_script = ["slow_down", "token"]
    codes, poll = device_login("github")
    spec_schema(codes, "DeviceAuthStart")
    spec_schema(poll().get_json(), "DevicePollError")
    spec_schema(poll().get_json(), "OAuthLoginResult")


def test_error_answers_match_the_spec(app, client, fake, monkeypatch, spec_schema):
    monkeypatch.setitem(app.config, "GITHUB_CLIENT_ID", "not-registered")
    spec_schema(client.get("/github-device-auth-step-1").get_json(), "ProviderError")
    callback = consent(start_web_login(client, "/login/google").location)
    forged = client.get(callback.path, query_string={"state": "forged", "code": "x"})
    spec_schema(forged.get_json(), "Error")


@pytest.mark.parametrize("name", ["OAuthLoginResult", "DeviceAuthStart", "DeviceAuthPoll"])
def test_the_spec_examples_match_their_schemas(spec_schema, name):
    with open(BASE_DIR / "swagger.yml", encoding="utf-8") as handle:
        example = yaml.safe_load(handle)["components"]["schemas"][name]["example"]
    spec_schema(example, name)
