"""Two instances on one PostgreSQL and one Redis behave as one service.

A rate limit counted on one instance holds on the other (Redis), and a logout or a block made
through one instance is refused by the other at once (the shared database).
"""

import uuid

import pytest
import requests

from tests.conftest import redis_url_or_skip, suite_database_url

PASSWORD = "correct-horse-battery"


@pytest.fixture()
def two_instances(live_app):
    """two_instances(login_rate) -> URLs of two gunicorns sharing the database and Redis."""
    if not suite_database_url().startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL), as several machines would use")
    shared = {
        "RATELIMIT_STORAGE_URI": redis_url_or_skip(),
        "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
    }

    def start(login_rate="100 per minute"):
        settings = {**shared, "RATELIMIT_LOGIN": login_rate}
        return live_app(workers=1, **settings), live_app(workers=1, **settings)

    return start


def post_login(url, email, password):
    return requests.post(f"{url}/login", json={"email": email, "password": password}, timeout=30)


def test_a_rate_limit_counts_requests_made_to_either_instance(two_instances):
    a, b = two_instances("3 per minute")
    answers = [post_login(url, "nobody@example.tn", "x") for url in (a, b, a, b)]
    assert [r.status_code for r in answers] == [401, 401, 401, 429]


def test_a_logout_on_one_instance_holds_on_the_other(two_instances, make_user):
    a, b = two_instances()
    make_user(email="traveller@example.tn")
    tokens = post_login(a, "traveller@example.tn", PASSWORD).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(f"{b}/me", headers=headers, timeout=30).status_code == 200
    assert requests.post(f"{a}/logout", headers=headers, json={}, timeout=30).status_code == 200
    assert requests.get(f"{b}/me", headers=headers, timeout=30).status_code == 401


def test_a_block_on_one_instance_holds_on_the_other(two_instances, make_user):
    a, b = two_instances()
    make_user(email="guessed@example.tn")
    tokens = post_login(b, "guessed@example.tn", PASSWORD).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    for url in (a, b, a):
        assert post_login(url, "guessed@example.tn", "wrong").status_code == 401
    assert requests.get(f"{b}/me", headers=headers, timeout=30).status_code == 401
    refused = post_login(b, "guessed@example.tn", PASSWORD)
    assert (refused.status_code, refused.json()["code"]) == (403, "account_blocked")
