"""No oversell under real parallel requests to real gunicorn servers (2 workers each).

Each test ends the test's own transaction before the requests start: on SQLite an open write
transaction of the test would hold the lock the servers need.
"""

import random
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.tickets.conftest import assert_stock_consistent, booking_body, post_in_parallel


def statuses(responses):
    return sorted(response.status_code for response in responses)


def assert_exactly_sold(responses, sold):
    codes = statuses(responses)
    assert codes.count(201) == sold, codes
    refused = [r.json() for r in responses if r.status_code != 201]
    assert all(r["code"] == "not_enough_tickets" for r in refused), refused
    assert all(status < 500 for status in codes)


def test_sixty_buyers_for_the_last_twenty_tickets_on_two_servers(db, make_event, gunicorn_server):
    event_id = make_event(number_of_tickets=20).id
    db.session.commit()
    servers = [gunicorn_server(), gunicorn_server()]

    def buy(n):
        url = f"{servers[n % 2]}/events/{event_id}/bookings"
        return requests.post(url, json=booking_body(email=f"buyer{n}@example.tn"), timeout=60)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(buy, range(60)))

    assert_exactly_sold(responses, 20)
    event = assert_stock_consistent(db, event_id)
    assert (event.tickets_sold, event.direct_sold) == (20, 20)
    assert max(r.json().get("available", 0) for r in responses) == 0


def test_sixty_buyers_for_a_resellers_twenty_tickets(
    db, make_event, make_allocation, gunicorn_server
):
    event = make_event(number_of_tickets=100)
    offer_id = make_allocation(event, quantity=20).id
    event_id = event.id
    db.session.commit()
    url = f"{gunicorn_server()}/events/{event_id}/bookings"
    bodies = [booking_body(email=f"b{n}@example.tn", offer_id=offer_id) for n in range(60)]

    assert_exactly_sold(post_in_parallel(url, bodies), 20)
    event = assert_stock_consistent(db, event_id)
    assert (event.tickets_sold, event.direct_sold, event.allocated) == (20, 0, 20)


def test_allocation_changes_racing_with_sales_keep_the_stock_whole(
    db, make_event, make_user, make_allocation, auth_headers, gunicorn_server
):
    owner = make_user("organizer")
    event = make_event(organizer=owner, number_of_tickets=40)
    allocation_id = make_allocation(event, quantity=10).id
    event_id, headers = event.id, auth_headers(owner)
    db.session.commit()
    base = gunicorn_server()
    resize_url = f"{base}/events/{event_id}/allocations/{allocation_id}"
    rng = random.Random(6)

    def sell(n):
        body = booking_body(email=f"s{n}@example.tn", offer_id=allocation_id if n % 3 else None)
        return requests.post(f"{base}/events/{event_id}/bookings", json=body, timeout=60)

    def resize(_n):
        body = {"quantity": rng.randint(0, 30)}
        return requests.patch(resize_url, json=body, headers=headers, timeout=60)

    jobs = [sell] * 40 + [resize] * 20
    rng.shuffle(jobs)
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda pair: pair[1](pair[0]), enumerate(jobs)))

    assert all(r.status_code in (200, 201, 409) for r in responses), statuses(responses)
    refused = {r.json()["code"] for r in responses if r.status_code == 409}
    assert refused <= {"not_enough_tickets", "allocation_below_sold", "allocation_exceeds_stock"}
    event = assert_stock_consistent(db, event_id)
    assert event.direct_sold + event.allocated <= event.number_of_tickets == 40


def test_twenty_concurrent_retries_with_one_key_make_one_booking(db, make_event, gunicorn_server):
    event_id = make_event().id
    db.session.commit()
    url = f"{gunicorn_server()}/events/{event_id}/bookings"
    headers = {"Idempotency-Key": "one-click"}

    responses = post_in_parallel(url, [booking_body(quantity=2)] * 20, headers=headers)

    assert statuses(responses) == [201] * 20
    assert len({r.json()["reference"] for r in responses}) == 1
    assert assert_stock_consistent(db, event_id).tickets_sold == 2
