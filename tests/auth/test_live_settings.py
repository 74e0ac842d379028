"""Settings that only a real server shows: rate limits, the start-up admin, the mail thread.

These start gunicorn with the development config pointed at the suite's database, so the
settings come from environment variables exactly as an operator would set them.
"""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from app.auth.models import User
from tests.conftest import redis_url_or_skip


def attempt_logins(url, count):
    body = {"email": "someone@example.tn", "password": "not-the-password"}
    return [requests.post(f"{url}/login", json=body, timeout=30) for _ in range(count)]


def test_login_is_rate_limited_with_a_json_429_and_retry_after(live_app):
    url = live_app(RATELIMIT_LOGIN="3 per minute")
    answers = attempt_logins(url, 4)
    assert [r.status_code for r in answers] == [401, 401, 401, 429]
    limited = answers[-1]
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


def test_a_redis_limit_holds_across_worker_processes(live_app):
    url = live_app(
        workers=2,
        RATELIMIT_LOGIN="4 per minute",
        RATELIMIT_STORAGE_URI=redis_url_or_skip(),
        RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,  # counters of earlier runs stay out of the way
    )
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _n: attempt_logins(url, 1)[0], range(6)))
    assert sorted(r.status_code for r in answers) == [401] * 4 + [429] * 2


def test_the_configured_admin_is_made_once_by_workers_starting_together(live_app, db):
    # Two first starts of four workers each: every one boots (live_app waits for /health,
    # and fails if gunicorn exits because a worker failed to boot) and makes its admin once.
    emails = [f"root{n}@tapestry.tn" for n in range(2)]
    for email in emails:
        live_app(workers=4, ADMIN_EMAIL=email.title(), ADMIN_PASSWORD="root-password-123")
    db.session.rollback()
    admins = db.session.scalars(select(User).where(User.role == "admin").order_by(User.id)).all()
    assert [(a.email, a.email_verified) for a in admins] == [(e, True) for e in emails]


def test_one_account_counts_once_whichever_field_names_it(live_app, make_user):
    """Email, username and a blank email beside the username: one counter, the account's."""
    make_user(email="karim@example.tn", username="karim")
    url = live_app(RATELIMIT_LOGIN="3 per minute", TRUSTED_PROXIES=1)
    bodies = [
        {"email": "karim@example.tn"},
        {"username": "karim"},
        {"email": " ", "username": "KARIM"},
        {"email": "Karim@Example.tn"},
    ]
    answers = [
        requests.post(
            f"{url}/login",
            json={**body, "password": "not-the-password"},
            # A new address each time: only the per-account counter can stop the fourth.
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            timeout=30,
        )
        for n, body in enumerate(bodies, start=1)
    ]
    assert [r.status_code for r in answers][-1] == 429
    assert [r.status_code for r in answers][:3] in ([401, 401, 403], [401, 401, 401])


def test_concurrent_registrations_of_one_email_answer_409_never_500(live_app, db):
    url = live_app(workers=2, RATELIMIT_ENABLED="false")

    def register(body):
        return requests.post(f"{url}/register", json=body, timeout=30)

    for round_number in range(3):
        body = {"email": f"race{round_number}@example.tn", "password": "a-long-passphrase"}
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(register, [body] * 6))
        assert sorted(r.status_code for r in answers) == [201] + [409] * 5


def test_the_api_process_sends_queued_mail_in_the_background(live_app, smtp_server, db):
    url = live_app(
        SMTP_SERVER="127.0.0.1",
        SMTP_PORT=smtp_server.port,
        SMTP_USE_TLS="false",
        # No timed pass within the test: only the wake-up after the commit can deliver it.
        MAIL_SENDER_INTERVAL=3600,
    )
    body = {"email": "fresh@example.tn", "password": "a-long-password"}
    assert requests.post(f"{url}/register", json=body, timeout=30).status_code == 201
    deadline = time.monotonic() + 20
    while not smtp_server.to("fresh@example.tn") and time.monotonic() < deadline:
        time.sleep(0.1)
    [message] = smtp_server.to("fresh@example.tn")
    assert "/verify-email/" in message.get_content()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
