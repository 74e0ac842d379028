"""First sign-ins of one person arriving at once, on a real gunicorn: one account, no 500."""

from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from app.auth.models import OAuthIdentity, User

PARALLEL = 8
ROUNDS = 4  # a new person each round: more chances for the race to show


def test_simultaneous_first_device_logins_make_one_account(gunicorn_server, db, fake):
    url = gunicorn_server(workers=4, **fake.config())
    for person in range(ROUNDS):
        fake.google_user.update(sub=f"google-race-{person}", email=f"race{person}@gmail.example")
        answers = first_logins_at_once(url)
        assert [answer.status_code for answer in answers] == [200] * PARALLEL, [
            answer.json() for answer in answers
        ]
        assert len({answer.json()["user"]["id"] for answer in answers}) == 1
    db.session.rollback()  # a fresh snapshot: see what the server committed
    assert db.session.scalar(select(func.count()).select_from(User)) == ROUNDS
    assert db.session.scalar(select(func.count()).select_from(OAuthIdentity)) == ROUNDS


def first_logins_at_once(url):
    device_codes = [
        requests.get(f"{url}/google-device-auth-step-1", timeout=30).json()["device_code"]
        for _ in range(PARALLEL)
    ]

    def finish(device_code):
        body = {"device_code": device_code}
        return requests.post(f"{url}/google-device-auth-step-2", json=body, timeout=30)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(finish, device_codes))
