"""Full-text search `q`: word prefixes, case and accents ignored, ranked, on both databases."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from app.events import routes, service


def titles(response):
    assert response.status_code == 200, response.get_json()
    return [event["title"] for event in response.get_json()["events"]]


@pytest.fixture()
def festivals(make_event):
    make_event(title="Festival de la Médina", description="Musique soufie", location="Tunis")
    make_event(title="Nuit du Jazz", description="Un festival en plein air", location="Hammamet")
    make_event(title="Théâtre", description="Une pièce", location="Sfax")
    make_event(title="Expo 100% Art_Brut", description=None, location=None)


def test_a_word_prefix_finds_events_ignoring_case_and_accents(client, festivals):
    assert titles(client.get("/events?q=medina")) == ["Festival de la Médina"]
    assert titles(client.get("/events?q=MÉDINA")) == ["Festival de la Médina"]
    assert titles(client.get("/events?q=theatre")) == ["Théâtre"]
    assert titles(client.get("/events?q=pie")) == ["Théâtre"]  # "pièce", from the description
    assert titles(client.get("/events?q=hamma")) == ["Nuit du Jazz"]  # from the location


def test_prefixes_of_every_length_match_long_words_too(client, db, make_event):
    """SQLite keeps a prefix index for lengths 2 to 12 (migration 0004); a longer prefix is
    answered without one, and must find the same events."""
    if db.engine.dialect.name == "sqlite":
        definition = db.session.scalar(
            text("SELECT sql FROM sqlite_master WHERE name = 'events_fts'")
        )
        assert "prefix='2 3 4 5 6 7 8 9 10 11 12'" in definition
    make_event(title="Rencontres chorégraphiques internationales", location="Carthage")
    word = "internationales"  # 15 letters
    for length in range(2, len(word) + 1):
        found = titles(client.get(f"/events?q={word[:length]}"))
        assert found == ["Rencontres chorégraphiques internationales"], word[:length]
    assert titles(client.get("/events?q=choregraphiqu")) == [  # 13 letters, accent ignored
        "Rencontres chorégraphiques internationales"
    ]
    assert titles(client.get("/events?q=internationalesx")) == []


def test_every_word_must_match_and_title_hits_rank_first(client, festivals):
    assert titles(client.get("/events?q=fest")) == ["Festival de la Médina", "Nuit du Jazz"]
    assert titles(client.get("/events?q=fest jazz")) == ["Nuit du Jazz"]
    assert titles(client.get("/events?q=fest opera")) == []


def test_search_combines_with_filters_and_sorts(client, festivals):
    assert titles(client.get("/events?q=fest&location=hammamet")) == ["Nuit du Jazz"]
    assert titles(client.get("/events?q=fest&sort=-created")) == [
        "Nuit du Jazz", "Festival de la Médina"
    ]  # fmt: skip
    assert titles(client.get("/events?q=fest&sort=title")) == [
        "Festival de la Médina", "Nuit du Jazz"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "q", ["%", "_", "'", '"', "*", "' OR 1=1 --", "\\", "NEAR(", "x:*|y", "   ", "()", "%%%"]
)
def test_punctuation_and_operators_are_never_syntax(client, festivals, q):
    response = client.get("/events", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json()["events"] == []


def test_operators_inside_words_are_separators(client, festivals):
    assert titles(client.get("/events", query_string={"q": '"medina" OR'})) == []
    assert titles(client.get("/events", query_string={"q": "art_brut"})) == ["Expo 100% Art_Brut"]
    assert titles(client.get("/events", query_string={"q": "100%"})) == ["Expo 100% Art_Brut"]
    assert titles(client.get("/events", query_string={"q": "'medina'"})) == [
        "Festival de la Médina"
    ]  # fmt: skip


def test_the_index_follows_updates_and_deletes(client, make_event, make_user, auth_headers):
    owner = make_user("organizer")
    headers = auth_headers(owner)
    event = make_event(owner, title="Concert de Malouf")
    assert titles(client.get("/events?q=malouf")) == ["Concert de Malouf"]
    client.patch(f"/events/{event.id}", json={"title": "Concert de Stambeli"}, headers=headers)
    assert titles(client.get("/events?q=malouf")) == []
    assert titles(client.get("/events?q=stambe")) == ["Concert de Stambeli"]
    client.delete(f"/events/{event.id}", headers=headers)
    assert titles(client.get("/events?q=stambe")) == []


def test_search_pages_and_its_total_is_capped(client, make_event, organizer, monkeypatch):
    for n in range(5):
        make_event(organizer, title=f"Festival {n}")
    page = client.get("/events?q=festival&per_page=2&page=2").get_json()
    assert (len(page["events"]), page["total"], page["pages"]) == (2, 5, 3)
    assert client.get("/events?q=festival&per_page=2&page=4").get_json()["events"] == []
    monkeypatch.setattr(service, "SEARCH_RESULT_CAP", 3)
    # Pages and results cached under the old cap (the database did not change).
    routes.LIST_PAGES.clear()
    service.SEARCH_RESULTS.clear()
    capped = client.get("/events?q=festival&per_page=2&page=2").get_json()
    assert (len(capped["events"]), capped["total"], capped["pages"]) == (1, 3, 2)
    assert client.get("/events?q=festival&per_page=2&page=3").get_json()["events"] == []
    # The most recently created matches are the ones kept: a new event is always found.
    shown = titles(client.get("/events?q=festival&per_page=3"))
    assert sorted(shown) == ["Festival 2", "Festival 3", "Festival 4"]


def test_a_sorted_search_keeps_the_first_matches_in_its_order(
    client, make_event, organizer, monkeypatch
):
    soon = datetime.now(timezone.utc) + timedelta(days=1)
    for days in (5, 1, 4, 2, 3):  # created in this order, dated in another
        make_event(organizer, title=f"Festival in {days}", starts_at=soon + timedelta(days=days))
    make_event(organizer, title="Concert in 0", starts_at=soon)
    monkeypatch.setattr(service, "SEARCH_RESULT_CAP", 3)
    earliest = client.get("/events?q=festival&sort=date").get_json()
    assert [e["title"] for e in earliest["events"]] == [
        "Festival in 1", "Festival in 2", "Festival in 3"
    ]  # fmt: skip
    assert earliest["total"] == 3
    latest = titles(client.get("/events?q=festival&sort=-date"))
    assert latest == ["Festival in 5", "Festival in 4", "Festival in 3"]
