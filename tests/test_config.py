"""Configuration: every variable config.py reads is documented in .env.example, and production
refuses rate limits that each process would count apart."""

import os
import re
import subprocess
import sys

import pytest

from config import BASE_DIR, unsafe_settings


def test_every_environment_variable_is_documented_in_env_example():
    source = (BASE_DIR / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env(?:_bool|_int)?\("([A-Z0-9_]+)"', source))
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert read, "config.py should read the environment through env()"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_env_example_holds_no_secret_values():
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "SECURITY_PASSWORD_SALT", "SMTP_PASSWORD"):
        assert re.search(rf"^{name}=$", example, flags=re.MULTILINE), name


STRONG = "s" * 40
PRODUCTION = {
    "REFUSE_UNSAFE_SETTINGS": True,
    "SECRET_KEY": STRONG,
    "JWT_SECRET_KEY": STRONG,
    "SECURITY_PASSWORD_SALT": STRONG,
    "DEBUG": False,
    "RATELIMIT_ENABLED": True,
}


@pytest.mark.parametrize(
    ("settings", "refused"),
    [
        ({"RATELIMIT_STORAGE_URI": "memory://"}, True),
        ({}, True),  # memory:// is the default storage
        ({"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_SINGLE_PROCESS": True}, False),
        ({"RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0"}, False),
        ({"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": False}, False),
    ],
    ids=["memory", "default", "memory-single-process", "redis", "limits-off"],
)
def test_production_refuses_rate_limits_counted_per_process(settings, refused):
    problems = unsafe_settings({**PRODUCTION, **settings})
    assert any("RATELIMIT_STORAGE_URI" in problem for problem in problems) == refused
    assert len(problems) == int(refused)


def start_production_app(tmp_path, **variables):
    """Imports main.py (as `gunicorn main:app` does) with APP_ENV=production and `variables`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "APP_"))}
    env.update(
        APP_ENV="production",
        SECRET_KEY=STRONG,
        JWT_SECRET_KEY=STRONG,
        SECURITY_PASSWORD_SALT=STRONG,
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.db'}",
        MAIL_BACKGROUND_SENDER="false",
        ADMIN_EMAIL="",
        **variables,
    )
    command = [sys.executable, "-c", "import main"]
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_production_start_with_in_memory_rate_limits_fails(tmp_path):
    started = start_production_app(tmp_path)
    assert started.returncode != 0
    assert "UnsafeConfigError" in started.stderr and "RATELIMIT_SINGLE_PROCESS" in started.stderr


def test_a_production_start_says_one_process_serves_with_rate_limit_single_process(tmp_path):
    started = start_production_app(tmp_path, RATELIMIT_SINGLE_PROCESS="true")
    assert started.returncode == 0, started.stderr
