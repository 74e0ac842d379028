"""Credentials bound to one account instance: ids never reused, security stamps, sessions.

Each test replays an attack of the trust issue through the API and ends in a refusal.
"""

import re
from datetime import datetime, timedelta, timezone

import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import select, update

from app.auth.models import User, UserSession
from app.email import OutboxEmail

PASSWORD = "correct-horse-battery"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def login(client, email, password=PASSWORD):
    return client.post("/login", json={"email": email, "password": password})


def tokens_of(client, email, password=PASSWORD):
    body = login(client, email, password).get_json()
    return body["access_token"], body["refresh_token"]


def still_works(client, access, refresh):
    """(access accepted, refresh accepted); the refresh is tried last (it rotates)."""
    me = client.get("/me", headers=bearer(access)).status_code == 200
    again = client.post("/refresh", headers=bearer(refresh)).status_code == 200
    return me, again


def last_link(db, recipient, path):
    mails = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.recipient == recipient).order_by(OutboxEmail.id)
    ).all()
    links = [m for mail in mails for m in re.findall(rf"{path}/(\S+)", mail.body_text)]
    assert links, f"no {path} link mailed to {recipient}"
    return links[-1]


@pytest.fixture()
def admin_headers(make_user, auth_headers):
    return auth_headers(make_user("admin", email="chief@tapestry.tn"))


def test_a_deleted_accounts_tokens_never_work_for_the_next_account(
    client, db, make_user, admin_headers
):
    """SQLite reused the deleted id: an old organizer token became a working admin token."""
    organizer = make_user("organizer", email="gone@example.tn")
    access, refresh = tokens_of(client, "gone@example.tn")
    assert client.delete(f"/admin/users/{organizer.id}", headers=admin_headers).status_code == 204
    body = {"email": "new-admin@example.tn", "password": "another-long-password", "role": "admin"}
    created = client.post("/admin/users", json=body, headers=admin_headers).get_json()
    assert created["id"] != organizer.id  # ids are never handed out twice
    assert still_works(client, access, refresh) == (False, False)


def test_a_set_password_link_dies_with_its_account(client, db, admin_headers):
    body = {"email": "invited@example.tn", "role": "organizer"}
    first = client.post("/admin/users", json=body, headers=admin_headers).get_json()
    token = last_link(db, "invited@example.tn", "/set-password")
    client.delete(f"/admin/users/{first['id']}", headers=admin_headers)
    client.post("/admin/users", json=body, headers=admin_headers)  # same email, new account
    answer = client.post(f"/set-password/{token}", json={"password": "my-own-passphrase"})
    assert (answer.status_code, answer.get_json()["code"]) == (400, "invalid_token")


@pytest.mark.parametrize(
    "change",
    [{"role": "reseller"}, {"email": "moved@example.tn"}, {"is_active": False}],
    ids=["role", "email", "deactivated"],
)
def test_an_admin_change_voids_the_accounts_tokens(client, make_user, admin_headers, change):
    user = make_user("organizer", email="holder@example.tn")
    access, refresh = tokens_of(client, "holder@example.tn")
    patched = client.patch(f"/admin/users/{user.id}", json=change, headers=admin_headers)
    assert patched.status_code == 200
    assert still_works(client, access, refresh) == (False, False)


def test_an_admin_change_of_the_name_keeps_the_tokens(client, make_user, admin_headers):
    user = make_user("organizer", email="named@example.tn")
    access, refresh = tokens_of(client, "named@example.tn")
    client.patch(f"/admin/users/{user.id}", json={"name": "New Name"}, headers=admin_headers)
    assert still_works(client, access, refresh) == (True, True)


def test_old_tokens_stay_dead_after_reactivation_and_unblock(client, make_user, admin_headers):
    user = make_user("organizer", email="back@example.tn")
    access, refresh = tokens_of(client, "back@example.tn")
    client.patch(f"/admin/users/{user.id}", json={"is_active": False}, headers=admin_headers)
    client.patch(f"/admin/users/{user.id}", json={"is_active": True}, headers=admin_headers)
    assert still_works(client, access, refresh) == (False, False)

    access, refresh = tokens_of(client, "back@example.tn")
    for n in range(3):
        login(client, "back@example.tn", f"wrong-{n}")
    assert client.post(f"/admin/users/{user.id}/unblock", headers=admin_headers).status_code == 200
    assert still_works(client, access, refresh) == (False, False)
    assert login(client, "back@example.tn").status_code == 200


def test_one_accounts_change_leaves_another_accounts_tokens_alone(client, make_user, admin_headers):
    target = make_user("organizer", email="target@example.tn")
    make_user("organizer", email="bystander@example.tn")
    access, refresh = tokens_of(client, "bystander@example.tn")
    client.patch(f"/admin/users/{target.id}", json={"role": "reseller"}, headers=admin_headers)
    for n in range(3):
        login(client, "target@example.tn", f"wrong-{n}")
    assert still_works(client, access, refresh) == (True, True)


def test_a_token_without_exp_is_refused(client, app, make_user, db):
    user = make_user("admin", email="forever@example.tn")
    access, _refresh = tokens_of(client, "forever@example.tn")
    session = db.session.scalars(select(UserSession)).one()
    with app.test_request_context():
        claims = {"sid": session.id, "stamp": user.security_stamp, "role": "admin", "via": "email"}
        eternal = create_access_token(str(user.id), additional_claims=claims, expires_delta=False)
    assert client.get("/me", headers=bearer(access)).status_code == 200
    assert client.get("/me", headers=bearer(eternal)).status_code == 401


# --- sessions -----------------------------------------------------------------------------------


def test_logout_without_a_body_also_ends_the_refresh_token(client, make_user):
    make_user("organizer", email="leaving@example.tn")
    access, refresh = tokens_of(client, "leaving@example.tn")
    assert client.post("/logout", headers=bearer(access)).status_code == 200
    assert still_works(client, access, refresh) == (False, False)


def test_a_session_ends_session_max_days_after_login(client, app, db, make_user, monkeypatch):
    make_user("organizer", email="long@example.tn")
    access, refresh = tokens_of(client, "long@example.tn")
    # SESSION_MAX_DAYS after the login: its end has come (whatever the refresh token's exp says).
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.execute(update(UserSession).values(expires_at=past))
    db.session.commit()
    assert still_works(client, access, refresh) == (False, False)
    monkeypatch.setitem(app.config, "SESSION_MAX_DAYS", 2)
    login(client, "long@example.tn")
    newest = db.session.scalars(select(UserSession).order_by(UserSession.id.desc())).first()
    assert newest.expires_at - newest.created_at == timedelta(days=2)


def test_my_sessions_are_listed_and_one_can_be_ended(client, make_user, db):
    make_user("organizer", email="two-devices@example.tn")
    phone_access, phone_refresh = tokens_of(client, "two-devices@example.tn")
    laptop = client.post(
        "/login",
        json={"email": "two-devices@example.tn", "password": PASSWORD},
        headers={"User-Agent": "Laptop/1.0"},
    ).get_json()
    listed = client.get("/me/sessions", headers=bearer(laptop["access_token"]))
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "no-store"
    sessions = listed.get_json()["sessions"]
    assert len(sessions) == 2
    current = [s for s in sessions if s["current"]]
    assert [s["user_agent"] for s in current] == ["Laptop/1.0"]
    phone = next(s for s in sessions if not s["current"])
    ended = client.delete(f"/me/sessions/{phone['id']}", headers=bearer(laptop["access_token"]))
    assert ended.status_code == 204
    assert still_works(client, phone_access, phone_refresh) == (False, False)
    assert client.get("/me", headers=bearer(laptop["access_token"])).status_code == 200


def test_another_accounts_session_cannot_be_ended(client, make_user, db):
    make_user("organizer", email="owner@example.tn")
    make_user("organizer", email="other@example.tn")
    owner_access, owner_refresh = tokens_of(client, "owner@example.tn")
    other_access, _ = tokens_of(client, "other@example.tn")
    owner_session = client.get("/me/sessions", headers=bearer(owner_access)).get_json()
    session_id = owner_session["sessions"][0]["id"]
    answer = client.delete(f"/me/sessions/{session_id}", headers=bearer(other_access))
    assert (answer.status_code, answer.get_json()["code"]) == (404, "session_not_found")
    assert still_works(client, owner_access, owner_refresh) == (True, True)


def test_token_responses_are_never_cached(client, make_user):
    make_user("organizer", email="cache@example.tn")
    answer = login(client, "cache@example.tn")
    assert answer.headers["Cache-Control"] == "no-store"
    refreshed = client.post("/refresh", headers=bearer(answer.get_json()["refresh_token"]))
    assert refreshed.headers["Cache-Control"] == "no-store"


# --- blocking -----------------------------------------------------------------------------------


def test_a_block_emails_the_owner_and_every_admin_with_the_unblock_route(client, db, make_user):
    make_user("admin", email="chief@tapestry.tn")
    make_user("admin", email="deputy@tapestry.tn")
    user = make_user("organizer", email="guessed@example.tn")
    for n in range(3):
        login(client, "guessed@example.tn", f"wrong-{n}")
    mails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert sorted(m.recipient for m in mails) == [
        "chief@tapestry.tn",
        "deputy@tapestry.tn",
        "guessed@example.tn",
    ]
    to_admin = next(m for m in mails if m.recipient == "chief@tapestry.tn")
    assert f"/admin/users/{user.id}/unblock" in to_admin.body_text
    assert str(user.id) in to_admin.subject


def test_a_verification_link_is_refused_once_the_stamp_changed(client, db, admin_headers):
    client.post("/register", json={"email": "late@example.tn", "password": "a-long-passphrase"})
    token = last_link(db, "late@example.tn", "/verify-email")
    user = db.session.scalar(select(User).where(User.email == "late@example.tn"))
    client.patch(f"/admin/users/{user.id}", json={"role": "reseller"}, headers=admin_headers)
    answer = client.get(f"/verify-email/{token}")
    assert (answer.status_code, answer.get_json()["code"]) == (400, "invalid_token")
