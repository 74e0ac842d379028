"""Application settings. The only module that reads os.environ; `.env` is loaded first."""

import os
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
load_dotenv(BASE_DIR / ".env")

DEV_SECRET = "dev-secret-change-me"  # noqa: S105  (ProductionConfig refuses it)
DEV_SALT = "dev-salt-change-me"


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name, default):
    return int(env(name, default))


def default_database_url():
    return f"sqlite:///{INSTANCE_DIR / 'tapestry.db'}"


class Config:
    ENV_NAME = "base"
    REFUSE_UNSAFE_SETTINGS = False
    SECRET_KEY = env("SECRET_KEY", DEV_SECRET)
    JWT_SECRET_KEY = env("JWT_SECRET_KEY", SECRET_KEY)
    SECURITY_PASSWORD_SALT = env("SECURITY_PASSWORD_SALT", DEV_SALT)
    DEBUG = env_bool("DEBUG", False)

    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", default_database_url())
    # No pool_pre_ping: connections idle for a second are pinged instead (app/common/dbpool.py).
    SQLALCHEMY_ENGINE_OPTIONS = {}
    SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 30000)

    # A request body larger than this is refused with 413 before anything parses it.
    MAX_CONTENT_LENGTH = 1024 * 1024
    APP_URL = env("APP_URL", "http://127.0.0.1:5000")

    ADMIN_EMAIL = env("ADMIN_EMAIL")
    ADMIN_PASSWORD = env("ADMIN_PASSWORD")

    # Argon2id cost; the defaults follow argon2-cffi's RFC 9106 low-memory profile.
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 4)

    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=env_int("JWT_REFRESH_DAYS", 30))
    JWT_TOKEN_LOCATION = ["headers"]
    # A session (one login and the refresh tokens that rotate from it) ends this long after login.
    SESSION_MAX_DAYS = env_int("SESSION_MAX_DAYS", 30)
    EMAIL_TOKEN_MAX_AGE = 24 * 3600
    PASSWORD_RESET_MAX_AGE = 3600
    # Admins without two-factor login may use no admin route (403 mfa_setup_required).
    REQUIRE_ADMIN_2FA = env_bool("REQUIRE_ADMIN_2FA", False)

    SMTP_SERVER = env("SMTP_SERVER")
    SMTP_PORT = env_int("SMTP_PORT", 587)
    SMTP_USERNAME = env("SMTP_USERNAME")
    SMTP_PASSWORD = env("SMTP_PASSWORD")
    SMTP_USE_TLS = env_bool("SMTP_USE_TLS", True)
    SMTP_TIMEOUT = env_int("SMTP_TIMEOUT", 10)
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Tunisian Tapestry <no-reply@tapestry.tn>")

    GOOGLE_CLIENT_ID = env("GOOGLE_CLIENT_ID")
    GOOGLE_CLIENT_SECRET = env("GOOGLE_CLIENT_SECRET")
    GOOGLE_DISCOVERY_URL = env(
        "GOOGLE_DISCOVERY_URL", "https://accounts.google.com/.well-known/openid-configuration"
    )
    GOOGLE_DEVICE_CODE_URL = env(
        "GOOGLE_DEVICE_CODE_URL", "https://oauth2.googleapis.com/device/code"
    )
    GOOGLE_TOKEN_URL = env("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token")
    GOOGLE_USERINFO_URL = env(
        "GOOGLE_USERINFO_URL", "https://openidconnect.googleapis.com/v1/userinfo"
    )
    # Google allows the device flow only for "TVs and Limited Input devices" clients, which
    # cannot do the browser flow: a second client, falling back to the web one when unset.
    GOOGLE_DEVICE_CLIENT_ID = env("GOOGLE_DEVICE_CLIENT_ID")
    GOOGLE_DEVICE_CLIENT_SECRET = env("GOOGLE_DEVICE_CLIENT_SECRET")
    GITHUB_CLIENT_ID = env("GITHUB_CLIENT_ID")
    GITHUB_CLIENT_SECRET = env("GITHUB_CLIENT_SECRET")
    GITHUB_AUTHORIZE_URL = env("GITHUB_AUTHORIZE_URL", "https://github.com/login/oauth/authorize")
    GITHUB_DEVICE_CODE_URL = env("GITHUB_DEVICE_CODE_URL", "https://github.com/login/device/code")
    GITHUB_TOKEN_URL = env("GITHUB_TOKEN_URL", "https://github.com/login/oauth/access_token")
    GITHUB_API_URL = env("GITHUB_API_URL", "https://api.github.com")
    OAUTH_TIMEOUT = env_int("OAUTH_TIMEOUT", 10)

    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = env("RATELIMIT_KEY_PREFIX", "tapestry")
    # If Redis goes away, count in memory rather than fail requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_LOGIN = env("RATELIMIT_LOGIN", "10 per minute")
    RATELIMIT_REGISTER = env("RATELIMIT_REGISTER", "5 per minute")
    RATELIMIT_RESEND = env("RATELIMIT_RESEND", "3 per 10 minutes")
    RATELIMIT_VERIFY = env("RATELIMIT_VERIFY", "20 per minute")
    RATELIMIT_REFRESH = env("RATELIMIT_REFRESH", "30 per minute")
    RATELIMIT_OAUTH = env("RATELIMIT_OAUTH", "30 per minute")
    # Public booking routes, per client address: POST /events/<id>/bookings and /purchase_ticket
    # share one counter, GET /bookings/<reference> and its cancel route another.
    BOOKING_RATE_LIMIT = env("BOOKING_RATE_LIMIT", "20/minute")
    LOOKUP_RATE_LIMIT = env("LOOKUP_RATE_LIMIT", "60/minute")
    # memory:// counts in each process apart: production refuses it unless this says that a
    # single process serves (see unsafe_settings).
    RATELIMIT_SINGLE_PROCESS = env_bool("RATELIMIT_SINGLE_PROCESS", False)

    MAX_TICKETS_PER_BOOKING = env_int("MAX_TICKETS_PER_BOOKING", 10)
    # Tickets one buyer email may hold for one event, in confirmed or pending bookings of every
    # seller (admin bookings are exempt).
    MAX_TICKETS_PER_BUYER = env_int("MAX_TICKETS_PER_BUYER", 20)
    CORS_ORIGINS = env("CORS_ORIGINS", "")
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
    # `python -m app.ops.serve` (nginx in front of gunicorn): nginx's address, and the directory
    # of its rendered config, gunicorn's unix socket, pid files, temporary files and logs.
    SERVE_BIND = env("SERVE_BIND", "127.0.0.1:8080")
    SERVE_RUNTIME_DIR = env("SERVE_RUNTIME_DIR", str(INSTANCE_DIR / "serve"))
    TLS_CERT_FILE = env("TLS_CERT_FILE")
    TLS_KEY_FILE = env("TLS_KEY_FILE")

    SWAGGER_FILE = str(BASE_DIR / "swagger.yml")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # Send queued emails from a background thread of the API process (`flask send-mail` otherwise).
    MAIL_BACKGROUND_SENDER = env_bool("MAIL_BACKGROUND_SENDER", True)
    # Seconds between passes over the outbox; a commit that queues mail wakes the sender at once.
    MAIL_SENDER_INTERVAL = float(env("MAIL_SENDER_INTERVAL", 5))
    # Tries of a message the server refuses (5xx) or that cannot be built, before it is failed.
    MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
    # How long temporary failures (4xx, no connection, timeout) are retried before it is failed.
    MAIL_RETRY_HOURS = env_int("MAIL_RETRY_HOURS", 72)
    # A sender's claim on a message, renewed while it works: a dead sender's comes back after it.
    MAIL_LEASE_SECONDS = env_int("MAIL_LEASE_SECONDS", 30)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = env_bool("DEBUG", False)
    SESSION_COOKIE_SECURE = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-with-enough-bytes-for-hs256"  # noqa: S105  (tests only)
    JWT_SECRET_KEY = SECRET_KEY
    SECURITY_PASSWORD_SALT = "test-salt"  # noqa: S105  (tests only)
    SQLALCHEMY_DATABASE_URI = env("TEST_DATABASE_URL", "sqlite:///" + str(INSTANCE_DIR / "test.db"))
    SESSION_COOKIE_SECURE = False
    # Cheap hashes keep the suite fast; production parameters are tested by config only.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKGROUND_SENDER = False
    SMTP_SERVER = None
    ADMIN_EMAIL = None
    ADMIN_PASSWORD = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    REFUSE_UNSAFE_SETTINGS = True


class UnsafeConfigError(RuntimeError):
    """The configuration must not serve production traffic."""


def unsafe_settings(config):
    """What makes `config` (a mapping) unfit for production; empty when it is fine."""
    problems = []
    defaults = {"SECRET_KEY": DEV_SECRET, "JWT_SECRET_KEY": DEV_SECRET}
    defaults["SECURITY_PASSWORD_SALT"] = DEV_SALT
    for name, default in defaults.items():
        value = config.get(name) or ""
        if value == default or len(value) < 32:
            problems.append(f"{name} must be set to a random value of at least 32 characters")
    if config.get("DEBUG"):
        problems.append("DEBUG must be off")
    if counts_limits_per_process(config):
        problems.append(
            "RATELIMIT_STORAGE_URI must name a storage all processes share (redis://...): "
            "memory:// counts each worker's limits apart; set RATELIMIT_SINGLE_PROCESS=true "
            "only when a single process serves"
        )
    return problems


def counts_limits_per_process(config):
    """True when rate limits are on and each process would keep its own counters, so N workers
    would let N times each limit through."""
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    return (
        bool(config.get("RATELIMIT_ENABLED", True))
        and storage.startswith("memory://")
        and not config.get("RATELIMIT_SINGLE_PROCESS")
    )


def check_production_settings(config):
    """Refuses to start a production app with development secrets, debug mode, or rate limits
    counted per process."""
    if not config.get("REFUSE_UNSAFE_SETTINGS"):
        return
    problems = unsafe_settings(config)
    if problems:
        raise UnsafeConfigError("Refusing to start: " + "; ".join(problems) + ".")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    """The config class named by APP_ENV (development by default)."""
    return CONFIGS[env("APP_ENV", "development")]
