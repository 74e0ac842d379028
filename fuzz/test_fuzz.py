"""Spec-driven fuzzing: schemathesis runs every operation of swagger.yml against the app.

In-process (WSGI; only the OAuth routes reach out, to the suite's fake Google/GitHub server on
127.0.0.1), on a fresh SQLite file in a temporary folder, with seed data so
that small path ids usually exist. Each request carries a freshly minted token for the role the
route needs (admin for /admin/*, reseller for /allocations, organizer otherwise), and before
each request the three accounts are put back as they were, since the fuzzer itself blocks,
deletes, demotes and logs them out. Checks: not_a_server_error, status_code_conformance,
content_type_conformance, response_schema_conformance.

`make fuzz` runs it; FUZZ_MAX_EXAMPLES bounds the generated examples per operation (default 25).
"""

import os
import secrets
import shutil
import tempfile
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from app import create_app
from config import BASE_DIR, TestingConfig
from tests.conftest import reset_schema
from tests.oauth.fake_provider import FakeProviderServer

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_path(BASE_DIR / "swagger.yml")

ACTORS = {
    "admin": "fuzz-admin@example.tn",
    "organizer": "fuzz-organizer@example.tn",
    "reseller": "fuzz-reseller@example.tn",
}


def role_for(path):
    """The account whose token goes with a request to this route."""
    if path.startswith("/admin/"):
        return "admin"
    if path == "/allocations" or path.startswith("/allocations/"):
        return "reseller"
    # Event writes, the owner's allocation, booking and check-in routes, and everything else.
    return "organizer"


@pytest.fixture(scope="session")
def fuzz_app():
    folder = tempfile.mkdtemp(prefix="fuzz-")

    class FuzzConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/fuzz.db"

    # The OAuth routes talk to a fake Google/GitHub: a real HTTP server on 127.0.0.1.
    provider_server = FakeProviderServer()
    provider = provider_server.__enter__()
    app = create_app(FuzzConfig)
    app.config.update(provider.config())
    reset_schema(app)
    with app.app_context():
        ensure_actors()
    seed(app)
    yield app
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    provider_server.__exit__(None, None, None)
    shutil.rmtree(folder, ignore_errors=True)


def ensure_actors():
    """Creates the three accounts, or puts them back as they were; returns them by role."""
    from app.auth.models import User
    from app.auth.passwords import hash_password
    from app.extensions import db

    users = {}
    for role, email in ACTORS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            username = email.split("@")[0]
            clash = db.session.scalar(select(User).where(User.username == username))
            if clash is not None:
                clash.username = f"{username}-{clash.id}"
            user = User(email=email, username=username, name=f"Fuzz {role}")
            user.password_hash = hash_password(secrets.token_urlsafe())
            db.session.add(user)
        user.role = role
        user.email_verified = True
        user.is_active = True
        user.is_blocked = False
        user.blocked_at = None
        user.failed_login_count = 0
        user.totp_enabled = False  # the fuzzer may have turned two-factor login on
        users[role] = user
    db.session.commit()
    return users


def tokens_for(app):
    """A fresh access/refresh pair per role (the fuzzer may have revoked the previous ones)."""
    from app.auth.tokens import start_session
    from app.extensions import db

    with app.test_request_context():
        users = ensure_actors()
        pairs = {role: start_session(user) for role, user in users.items()}
        db.session.commit()
        return pairs


def seed(app):
    """A few upcoming events, an allocation on sale, and bookings: path ids 1, 2, 3 exist."""
    client = app.test_client()
    tokens = tokens_for(app)
    organizer = {"Authorization": f"Bearer {tokens['organizer'][0]}"}
    reseller = {"Authorization": f"Bearer {tokens['reseller'][0]}"}
    day = datetime.now(timezone.utc) + timedelta(days=60)
    event_ids = []
    events = [("Festival de Carthage", "music"), ("Médina Nights", "theatre"), ("Jazz", "music")]
    for n, (title, category) in enumerate(events):
        body = {
            "title": title,
            "description": f"{title}, an evening in Tunisia.",
            "date": (day + timedelta(days=n)).isoformat(),
            "location": "Tunis",
            "category": category,
            "number_of_tickets": 500,
            "price": "25.500",
        }
        response = client.post("/events", json=body, headers=organizer)
        assert response.status_code == 201, response.get_json()
        event_ids.append(response.get_json()["id"])
    for event_id in event_ids:
        response = client.post(
            f"/events/{event_id}/allocations",
            json={"reseller_email": ACTORS["reseller"], "quantity": 50},
            headers=organizer,
        )
        assert response.status_code == 201, response.get_json()
        allocation_id = response.get_json()["id"]
        response = client.patch(
            f"/allocations/{allocation_id}", json={"on_sale": True}, headers=reseller
        )
        assert response.status_code == 200, response.get_json()
        for buyer in ("Amira", "Youssef"):
            response = client.post(
                f"/events/{event_id}/bookings",
                json={"quantity": 2, "buyer": {"name": buyer, "email": f"{buyer}@example.tn"}},
            )
            assert response.status_code == 201, response.get_json()
        response = client.post(f"/purchase_ticket/{event_id}", json={}, headers=organizer)
        assert response.status_code == 201, response.get_json()
        response = client.post(f"/bookmark/{event_id}", headers=organizer)
        assert response.status_code == 201, response.get_json()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_swagger_yml(case, fuzz_app):
    tokens = tokens_for(fuzz_app)
    access, refresh = tokens[role_for(case.path)]
    token = refresh if case.path == "/refresh" else access
    case.call_and_validate(
        app=fuzz_app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )
