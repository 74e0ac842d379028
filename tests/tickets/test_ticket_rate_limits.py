"""Rate limits of the public booking routes, per client address, on real gunicorn servers.

The suite's own config turns rate limits off; these servers run the development config
(live_app), so the limits come from environment variables as an operator sets them.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import redis_url_or_skip
from tests.tickets.conftest import booking_body


def book(url, event_id, n):
    """Books one ticket for buyer n (a new email each, so the per-buyer cap stays out of it)."""
    body = booking_body(email=f"buyer{n}@example.tn")
    return requests.post(f"{url}/events/{event_id}/bookings", json=body, timeout=30)


def assert_rate_limited(response):
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited" and response.json()["error"]
    assert int(response.headers["Retry-After"]) > 0


def test_the_21st_booking_of_a_minute_from_one_address_is_429(db, live_app, make_event):
    event_id = make_event(number_of_tickets=100).id
    db.session.commit()
    url = live_app()  # the default BOOKING_RATE_LIMIT: 20/minute

    answers = [book(url, event_id, n) for n in range(21)]

    assert [r.status_code for r in answers[:20]] == [201] * 20
    assert_rate_limited(answers[20])
    # Nothing was booked by the refused request.
    assert requests.get(f"{url}/events/{event_id}", timeout=30).json()["tickets_available"] == 80


def test_purchase_ticket_shares_the_booking_limit(db, live_app, make_event, make_user):
    event_id = make_event(number_of_tickets=100).id
    make_user("organizer", email="logged.in@example.tn", password="a-long-password")
    db.session.commit()
    url = live_app(BOOKING_RATE_LIMIT="3 per minute")
    login = {"email": "logged.in@example.tn", "password": "a-long-password"}
    token = requests.post(f"{url}/login", json=login, timeout=30).json()["access_token"]
    purchase = f"{url}/purchase_ticket/{event_id}"
    headers = {"Authorization": f"Bearer {token}"}

    assert [book(url, event_id, n).status_code for n in range(2)] == [201, 201]
    assert requests.post(purchase, headers=headers, timeout=30).status_code == 201
    assert_rate_limited(requests.post(purchase, headers=headers, timeout=30))
    assert_rate_limited(book(url, event_id, 99))


def test_lookups_and_cancels_share_their_own_limit(db, live_app, make_event):
    event_id = make_event(number_of_tickets=100).id
    db.session.commit()
    url = live_app(LOOKUP_RATE_LIMIT="3 per minute")
    reference = book(url, event_id, 1).json()["reference"]
    booking = f"{url}/bookings/{reference}"
    email = {"email": "buyer1@example.tn"}

    assert requests.get(booking, params=email, timeout=30).status_code == 200
    assert requests.get(f"{url}/bookings/NOSUCHREF", params=email, timeout=30).status_code == 404
    assert requests.post(f"{booking}/cancel", json=email, timeout=30).status_code == 200
    assert_rate_limited(requests.get(booking, params=email, timeout=30))
    assert_rate_limited(requests.post(f"{booking}/cancel", json=email, timeout=30))
    # Bookings count apart from lookups.
    assert book(url, event_id, 2).status_code == 201


def test_a_redis_booking_limit_holds_across_processes(db, live_app, make_event):
    event_id = make_event(number_of_tickets=100).id
    db.session.commit()
    settings = {
        "BOOKING_RATE_LIMIT": "4 per minute",
        "RATELIMIT_STORAGE_URI": redis_url_or_skip(),
        "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,  # counters of earlier runs stay out of the way
    }
    # Two servers of 2 workers each, requests alternating: whichever workers have booted, at
    # least two processes serve (one per server), so counters kept per process would let
    # at least 8 through.
    servers = [live_app(workers=2, **settings) for _ in range(2)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda n: book(servers[n % 2], event_id, n), range(12)))

    assert sorted(r.status_code for r in answers) == [201] * 4 + [429] * 8
    for limited in (r for r in answers if r.status_code == 429):
        assert_rate_limited(limited)
