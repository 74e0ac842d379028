"""Parallel password guesses against a real gunicorn (2 workers) cannot slip past three."""

from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.auth.models import User
from app.email import OutboxEmail

PASSWORD = "correct-horse-battery"


def test_ten_simultaneous_wrong_passwords_block_the_account_once(gunicorn_server, make_user, db):
    user = make_user(email="victim@example.tn")
    url = gunicorn_server(workers=2)

    def guess(n):
        body = {"email": "victim@example.tn", "password": f"guess-{n}"}
        return requests.post(f"{url}/login", json=body, timeout=30)

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(guess, range(10)))

    statuses = [r.status_code for r in answers]
    # Guesses that arrive after the block get account_blocked, whatever the password.
    assert set(statuses) <= {401, 403} and statuses.count(401) >= 3
    assert {r.json()["code"] for r in answers if r.status_code == 403} <= {"account_blocked"}
    db.session.rollback()  # a fresh snapshot: see what the server committed
    user = db.session.get(User, user.id)
    # Every wrong-password answer was counted, none twice, by one atomic update each.
    assert user.is_blocked and user.failed_login_count == statuses.count(401)

    right = requests.post(
        f"{url}/login", json={"email": "victim@example.tn", "password": PASSWORD}, timeout=30
    )
    assert (right.status_code, right.json()["code"]) == (403, "account_blocked")
    audits = select(func.count()).where(AuditEntry.action == "user_blocked")
    assert db.session.scalar(audits) == 1
    mails = select(func.count()).where(OutboxEmail.recipient == "victim@example.tn")
    assert db.session.scalar(mails) == 1


def test_a_token_issued_before_a_block_is_refused_after_it(gunicorn_server, make_user, db):
    make_user(email="holder@example.tn")
    url = gunicorn_server(workers=2)
    body = {"email": "holder@example.tn", "password": PASSWORD}
    token = requests.post(f"{url}/login", json=body, timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{url}/me", headers=headers, timeout=30).status_code == 200

    for n in range(3):
        requests.post(f"{url}/login", json={**body, "password": f"bad-{n}"}, timeout=30)
    # Both workers answer: every request of the token is refused from now on.
    answers = [requests.get(f"{url}/me", headers=headers, timeout=30) for _ in range(4)]
    assert {r.status_code for r in answers} == {401}
