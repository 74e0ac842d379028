"""Production settings, security headers, CORS, proxies and request ids."""

import json
import logging

import pytest

from app import create_app
from config import DEV_SECRET, ProductionConfig, UnsafeConfigError
from tests.conftest import SuiteConfig

STRONG = "x" * 40


def production_config(**overrides):
    values = {
        "SECRET_KEY": STRONG,
        "JWT_SECRET_KEY": STRONG,
        "SECURITY_PASSWORD_SALT": STRONG,
        "DEBUG": False,
        "SQLALCHEMY_DATABASE_URI": SuiteConfig.SQLALCHEMY_DATABASE_URI,
        "MAIL_BACKGROUND_SENDER": False,
        "ADMIN_EMAIL": None,
        # memory:// is refused in production otherwise (tests/test_config.py checks that).
        "RATELIMIT_SINGLE_PROCESS": True,
    }
    values.update(overrides)
    return type("Prod", (ProductionConfig,), values)


@pytest.mark.parametrize(
    "overrides",
    [
        {"SECRET_KEY": DEV_SECRET},
        {"JWT_SECRET_KEY": "short"},
        {"SECURITY_PASSWORD_SALT": "dev-salt-change-me"},
        {"DEBUG": True},
    ],
    ids=["default-secret", "short-jwt-secret", "default-salt", "debug"],
)
def test_production_refuses_unsafe_settings(overrides):
    with pytest.raises(UnsafeConfigError):
        create_app(production_config(**overrides))


def test_production_starts_with_real_secrets():
    app = create_app(production_config())
    assert app.config["SESSION_COOKIE_SECURE"] and not app.debug


def test_api_responses_carry_security_headers(client):
    headers = client.get("/health").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers


def test_hsts_only_over_https(client):
    headers = client.get("/health", base_url="https://localhost").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_docs_page_gets_a_csp_that_lets_swagger_ui_run(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp and "frame-ancestors 'none'" in csp


def test_errors_carry_the_headers_too(client):
    response = client.get("/no-such-route")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


def test_cors_is_off_unless_origins_are_configured(client):
    response = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_only_the_configured_origins():
    config = type("Cors", (SuiteConfig,), {"CORS_ORIGINS": "https://tapestry.tn"})
    client = create_app(config).test_client()
    allowed = client.get("/health", headers={"Origin": "https://tapestry.tn"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://tapestry.tn"
    refused = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_trusted_proxies_make_forwarded_headers_count():
    from flask import request

    config = type("Proxied", (SuiteConfig,), {"TRUSTED_PROXIES": 1})
    app = create_app(config)
    seen = {}

    @app.get("/probe/remote")
    def remote():
        seen.update(addr=request.remote_addr, secure=request.is_secure)
        return {}

    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    app.test_client().get("/probe/remote", headers=forwarded)
    assert seen == {"addr": "203.0.113.7", "secure": True}


def test_request_ids_are_kept_when_plain_and_made_otherwise(client):
    assert (
        client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    forged = client.get("/health", headers={"X-Request-ID": 'evil" injected {json}'})
    assert forged.headers["X-Request-ID"] != 'evil" injected {json}'
    assert len(client.get("/health").headers["X-Request-ID"]) == 32


def test_one_structured_log_line_per_request(client, make_user, auth_headers, caplog):
    user = make_user()
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get("/me", headers={**auth_headers(user), "X-Request-ID": "req-1"})
    [line] = [r.getMessage() for r in caplog.records if r.name == "app.access"]
    record = json.loads(line)
    assert record["request_id"] == "req-1" and record["status"] == 200
    assert (record["method"], record["path"], record["user_id"]) == ("GET", "/me", str(user.id))
    assert record["duration_ms"] >= 0
