"""Bookmarks: any logged-in user saves events; adding twice or removing twice is harmless."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests


@pytest.fixture()
def reseller_headers(make_user, auth_headers):
    return auth_headers(make_user("reseller"))


def bookmarked_titles(client, headers, **params):
    response = client.get("/bookmarked_events", headers=headers, query_string=params)
    assert response.status_code == 200
    return [event["title"] for event in response.get_json()["events"]]


def test_bookmarking_is_idempotent(client, make_event, reseller_headers):
    event = make_event(title="Jazz")
    first = client.post(f"/bookmark/{event.id}", headers=reseller_headers)
    assert (first.status_code, first.get_json()["event_id"]) == (201, event.id)
    assert client.post(f"/bookmark/{event.id}", headers=reseller_headers).status_code == 200
    assert bookmarked_titles(client, reseller_headers) == ["Jazz"]


def test_removing_a_bookmark_twice_is_harmless(client, make_event, reseller_headers):
    event = make_event()
    client.post(f"/bookmark/{event.id}", headers=reseller_headers)
    assert client.delete(f"/bookmark/{event.id}", headers=reseller_headers).status_code == 204
    assert client.delete(f"/bookmark/{event.id}", headers=reseller_headers).status_code == 204
    assert bookmarked_titles(client, reseller_headers) == []


def test_each_user_sees_only_their_bookmarks_latest_first(
    client, make_event, make_user, auth_headers
):
    alice, bob = auth_headers(make_user("organizer")), auth_headers(make_user("admin"))
    first, second = make_event(title="First"), make_event(title="Second")
    client.post(f"/bookmark/{first.id}", headers=alice)
    client.post(f"/bookmark/{second.id}", headers=alice)
    client.post(f"/bookmark/{second.id}", headers=bob)
    assert bookmarked_titles(client, alice) == ["Second", "First"]
    assert bookmarked_titles(client, bob) == ["Second"]


def test_bookmarked_events_are_paginated_with_the_event_shape(client, make_event, reseller_headers):
    for n in range(3):
        client.post(f"/bookmark/{make_event(title=f'E{n}').id}", headers=reseller_headers)
    body = client.get("/bookmarked_events?per_page=2&page=2", headers=reseller_headers).get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 3, 2)
    assert [event["title"] for event in body["events"]] == ["E0"]
    assert body["events"][0]["price"] == "20.000"
    assert bookmarked_titles(client, reseller_headers, page=9) == []


def test_unknown_events_and_anonymous_users_are_refused(client, make_event, reseller_headers):
    assert client.post("/bookmark/999999", headers=reseller_headers).status_code == 404
    assert client.delete("/bookmark/999999", headers=reseller_headers).status_code == 404
    event = make_event()
    assert client.post(f"/bookmark/{event.id}").status_code == 401
    assert client.get("/bookmarked_events").status_code == 401


def test_a_deleted_event_leaves_the_bookmarks(client, make_event, make_user, auth_headers):
    owner = make_user("organizer")
    event = make_event(owner)
    headers = auth_headers(owner)
    client.post(f"/bookmark/{event.id}", headers=headers)
    assert client.delete(f"/events/{event.id}", headers=headers).status_code == 204
    assert bookmarked_titles(client, headers) == []


def test_simultaneous_bookmarks_of_one_event_make_one(
    gunicorn_server, make_event, make_user, auth_headers
):
    event_id = make_event(title="Popular").id
    headers = auth_headers(make_user("reseller"))
    url = gunicorn_server(workers=2)

    def bookmark(_):
        return requests.post(f"{url}/bookmark/{event_id}", headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(bookmark, range(8)))
    assert statuses.count(201) == 1
    assert statuses.count(200) == 7
    listed = requests.get(f"{url}/bookmarked_events", headers=headers, timeout=30).json()
    assert listed["total"] == 1
