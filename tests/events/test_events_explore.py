"""Listing events: filters, sorts, pagination, categories and the compat title search."""

from datetime import datetime, timedelta, timezone

import pytest


def at(days, hour=12):
    base = datetime(2099, 1, 1, tzinfo=timezone.utc) + timedelta(days=days)
    return base.replace(hour=hour)


def titles(response):
    assert response.status_code == 200, response.get_json()
    return [event["title"] for event in response.get_json()["events"]]


@pytest.fixture()
def catalogue(make_event, make_user):
    """Four events of two organizers in two currencies."""
    leila, sami = make_user("organizer"), make_user("organizer")
    make_event(
        leila,
        title="Jazz Night",
        starts_at=at(10),
        category="Music",
        location="Tunis",
        price_minor=20000,
        currency_code="TND",
    )
    make_event(
        leila,
        title="Sold Out Show",
        starts_at=at(5),
        category="music",
        location="Sfax",
        price_minor=50000,
        currency_code="TND",
        number_of_tickets=10,
        direct_sold=10,
        tickets_sold=10,
    )
    make_event(
        sami,
        title="Art Expo",
        starts_at=at(20, hour=23),
        category="Art",
        location="Sousse",
        price_minor=2050,
        currency_code="GBP",
    )
    make_event(
        sami,
        title="Anime Film",
        starts_at=at(1),
        category=None,
        location="Tunis",
        price_minor=2000,
        currency_code="JPY",
    )
    return leila, sami  # fmt: skip


def test_the_default_order_is_by_date(client, catalogue):
    assert titles(client.get("/events")) == [
        "Anime Film",
        "Sold Out Show",
        "Jazz Night",
        "Art Expo",
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-date", ["Art Expo", "Jazz Night", "Sold Out Show", "Anime Film"]),
        ("title", ["Anime Film", "Art Expo", "Jazz Night", "Sold Out Show"]),
        ("price", ["Anime Film", "Art Expo", "Jazz Night", "Sold Out Show"]),
        ("-price", ["Sold Out Show", "Jazz Night", "Art Expo", "Anime Film"]),
        ("-created", ["Anime Film", "Art Expo", "Sold Out Show", "Jazz Night"]),
    ],
)
def test_sorts(client, catalogue, sort, expected):
    assert titles(client.get(f"/events?sort={sort}")) == expected


def test_filters(client, catalogue):
    leila, _sami = catalogue
    assert titles(client.get("/events?title=NIGHT")) == ["Jazz Night"]
    assert titles(client.get("/events?category=MUSIC")) == ["Sold Out Show", "Jazz Night"]
    assert titles(client.get("/events?location=tun")) == ["Anime Film", "Jazz Night"]
    assert titles(client.get(f"/events?organizer_id={leila.id}")) == ["Sold Out Show", "Jazz Night"]
    assert "Sold Out Show" not in titles(client.get("/events?available=true"))
    assert titles(client.get("/events?title=%25")) == []  # % is a character, not a wildcard


def test_filters_combine_with_a_sort(client, catalogue):
    url = "/events?location=tunis&available=true&sort=-date&date_from=2099-01-03"
    assert titles(client.get(url)) == ["Jazz Night"]


def test_a_bare_date_to_includes_its_whole_day(client, catalogue):
    assert titles(client.get("/events?date_from=2099-01-21&date_to=2099-01-21")) == ["Art Expo"]
    assert titles(client.get("/events?date_to=2099-01-21T22:00:00Z")) == [
        "Anime Film", "Sold Out Show", "Jazz Night"
    ]  # fmt: skip
    assert titles(client.get("/events?date_from=2099-01-21T23:00:00%2B00:00")) == ["Art Expo"]


def test_price_bounds_are_exact_in_each_events_currency(client, catalogue):
    # 20.5 is 20.500 TND, 20.50 GBP, and 21 JPY at least / 20 JPY at most.
    assert titles(client.get("/events?min_price=20.5&sort=title")) == [
        "Anime Film", "Art Expo", "Sold Out Show"
    ]  # fmt: skip
    assert titles(client.get("/events?max_price=20.5&sort=title")) == [
        "Art Expo", "Jazz Night"
    ]  # fmt: skip
    assert titles(client.get("/events?min_price=1999.5&max_price=2000.9")) == ["Anime Film"]
    assert titles(client.get("/events?min_price=20.501&max_price=20.509")) == []
    assert titles(client.get("/events?min_price=20.000&max_price=20")) == ["Jazz Night"]


@pytest.mark.parametrize(
    "query",
    ["min_price=abc", "max_price=-1", "min_price=1e3", "date_from=yesterday", "date_to=2099-13-01",
     "sort=random", "organizer_id=x", "organizer_id=0", "available=maybe", "page=0", "per_page=-5",
     "page=abc"],
)  # fmt: skip
def test_bad_filter_values_are_a_400_naming_the_parameter(client, catalogue, query):
    response = client.get(f"/events?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert query.split("=")[0] in body["fields"]


def test_pagination_caps_per_page_and_ends_with_an_empty_page(client, make_event, organizer):
    for n in range(3):
        make_event(organizer, title=f"E{n}")
    page = client.get("/events?per_page=2&page=2").get_json()
    assert (len(page["events"]), page["page"], page["per_page"], page["total"], page["pages"]) == (
        1, 2, 2, 3, 2
    )  # fmt: skip
    past_the_end = client.get("/events?per_page=2&page=3").get_json()
    assert (past_the_end["events"], past_the_end["total"]) == ([], 3)
    capped = client.get("/events?per_page=1000").get_json()
    assert (capped["per_page"], len(capped["events"])) == (100, 3)


def test_tickets_available_counts_every_seller(client, make_event):
    event = make_event(number_of_tickets=100, direct_sold=10, allocated=40, tickets_sold=25)
    assert client.get(f"/events/{event.id}").get_json()["tickets_available"] == 75


def test_categories_come_with_their_counts(client, catalogue):
    body = client.get("/categories").get_json()
    assert body == {"categories": [{"name": "Music", "count": 2}, {"name": "Art", "count": 1}]}


def test_search_event_prefers_the_exact_title_then_a_partial_one(client, make_event):
    make_event(title="Jazz Festival Extended")
    make_event(title="Jazz Festival")
    make_event(title="Summer Jazz")
    assert client.get("/search_event?title=jazz festival").get_json()["title"] == "Jazz Festival"
    assert client.get("/search_event?title=summer").get_json()["title"] == "Summer Jazz"
    missing = client.get("/search_event?title=opera")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "event_not_found")
    assert client.get("/search_event").status_code == 400
    assert client.get("/search_event?title=").status_code == 400


@pytest.mark.parametrize(
    "query",
    ["min_price=²", "min_price=٥", "date_to=9999-12-31", "date_from=9999-12-31T23:00:00-05:00",
     "date_from=0001-01-01T00:00:00%2B05:00"],
)  # fmt: skip
def test_edge_values_are_a_400_never_a_500(client, query):
    assert client.get(f"/events?{query}").status_code == 400
