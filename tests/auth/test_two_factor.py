"""Two-factor login (TOTP, RFC 6238) with recovery codes, as a phone app would use it."""

from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import select

from app.auth.models import User

PASSWORD = "correct-horse-battery"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def password_login(client, email):
    return client.post("/login", json={"email": email, "password": PASSWORD})


def code_at(secret, offset_steps=0):
    when = datetime.now(timezone.utc) + timedelta(seconds=30 * offset_steps)
    return pyotp.TOTP(secret).at(when)


@pytest.fixture()
def enrolled(client, make_user):
    """An organizer with two-factor login on: (user, secret, recovery codes)."""
    user = make_user("organizer", email="careful@example.tn")
    access = password_login(client, "careful@example.tn").get_json()["access_token"]
    setup = client.post("/me/2fa", headers=bearer(access))
    assert setup.status_code == 200 and setup.headers["Cache-Control"] == "no-store"
    secret = setup.get_json()["secret"]
    confirmed = client.post(
        "/me/2fa/confirm", json={"code": code_at(secret)}, headers=bearer(access)
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    return user, secret, confirmed.get_json()["recovery_codes"]


def test_setup_gives_a_secret_an_otpauth_uri_and_an_svg_qr_code(client, make_user):
    make_user("organizer", email="setup@example.tn")
    access = password_login(client, "setup@example.tn").get_json()["access_token"]
    body = client.post("/me/2fa", headers=bearer(access)).get_json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Tunisian%20Tapestry:setup%40example.tn")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert body["qr_svg"].startswith("<svg")
    # Not in force until confirmed: the password alone still logs in.
    assert "access_token" in password_login(client, "setup@example.tn").get_json()


def test_confirming_with_a_wrong_code_leaves_it_off(client, make_user, db):
    user = make_user("organizer", email="typo@example.tn")
    access = password_login(client, "typo@example.tn").get_json()["access_token"]
    client.post("/me/2fa", headers=bearer(access))
    wrong = client.post("/me/2fa/confirm", json={"code": "000000"}, headers=bearer(access))
    assert (wrong.status_code, wrong.get_json()["code"]) == (401, "invalid_code")
    db.session.refresh(user)
    assert not user.totp_enabled


def test_the_password_alone_then_gets_a_challenge_not_tokens(client, enrolled):
    answer = password_login(client, "careful@example.tn").get_json()
    assert answer["mfa_required"] is True and "access_token" not in answer
    assert client.get("/me", headers=bearer(answer["mfa_token"])).status_code == 401


def test_the_code_finishes_the_login_once(client, enrolled):
    _user, secret, _codes = enrolled
    mfa_token = password_login(client, "careful@example.tn").get_json()["mfa_token"]
    code = code_at(secret, offset_steps=1)  # the next step: the confirm used this one
    done = client.post("/login/2fa", json={"mfa_token": mfa_token, "code": code})
    assert done.status_code == 200, done.get_json()
    assert client.get("/me", headers=bearer(done.get_json()["access_token"])).status_code == 200
    replay = client.post("/login/2fa", json={"mfa_token": mfa_token, "code": code})
    assert replay.status_code == 401
    # The same code with a new challenge is refused too: a code counts once.
    fresh = password_login(client, "careful@example.tn").get_json()["mfa_token"]
    again = client.post("/login/2fa", json={"mfa_token": fresh, "code": code})
    assert (again.status_code, again.get_json()["code"]) == (401, "invalid_code")


def test_a_recovery_code_works_once(client, enrolled):
    _user, _secret, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    first = password_login(client, "careful@example.tn").get_json()["mfa_token"]
    assert client.post("/login/2fa", json={"mfa_token": first, "code": codes[0]}).status_code == 200
    second = password_login(client, "careful@example.tn").get_json()["mfa_token"]
    reused = client.post("/login/2fa", json={"mfa_token": second, "code": codes[0]})
    assert (reused.status_code, reused.get_json()["code"]) == (401, "invalid_code")


def test_three_wrong_codes_block_the_account(client, enrolled, db):
    user, secret, _codes = enrolled
    for _ in range(3):
        mfa_token = password_login(client, "careful@example.tn").get_json()["mfa_token"]
        wrong = client.post("/login/2fa", json={"mfa_token": mfa_token, "code": "123456"})
        assert wrong.get_json()["code"] in ("invalid_code", "account_blocked")
    db.session.refresh(user)
    assert user.is_blocked
    blocked = password_login(client, "careful@example.tn")
    assert blocked.get_json()["code"] == "account_blocked"


def test_the_failure_count_resets_only_after_the_second_factor(client, enrolled, db):
    user, secret, _codes = enrolled
    client.post("/login", json={"email": "careful@example.tn", "password": "wrong-one"})
    password_login(client, "careful@example.tn")  # right password, no code yet
    db.session.refresh(user)
    assert user.failed_login_count == 1


def test_turning_it_off_needs_a_code(client, enrolled, db):
    user, secret, codes = enrolled
    mfa_token = password_login(client, "careful@example.tn").get_json()["mfa_token"]
    tokens = client.post("/login/2fa", json={"mfa_token": mfa_token, "code": codes[1]}).get_json()
    headers = bearer(tokens["access_token"])
    refused = client.delete("/me/2fa", json={"code": "999999"}, headers=headers)
    assert (refused.status_code, refused.get_json()["code"]) == (401, "invalid_code")
    assert client.delete("/me/2fa", json={"code": codes[2]}, headers=headers).status_code == 200
    assert "access_token" in password_login(client, "careful@example.tn").get_json()


def test_setup_twice_is_a_conflict(client, enrolled):
    _user, _secret, codes = enrolled
    mfa_token = password_login(client, "careful@example.tn").get_json()["mfa_token"]
    tokens = client.post("/login/2fa", json={"mfa_token": mfa_token, "code": codes[3]}).get_json()
    again = client.post("/me/2fa", headers=bearer(tokens["access_token"]))
    assert (again.status_code, again.get_json()["code"]) == (409, "mfa_already_enabled")


def test_require_admin_2fa_keeps_admins_without_it_out(client, app, make_user, monkeypatch):
    make_user("admin", email="boss@example.tn")
    access = password_login(client, "boss@example.tn").get_json()["access_token"]
    monkeypatch.setitem(app.config, "REQUIRE_ADMIN_2FA", True)
    refused = client.get("/admin/users", headers=bearer(access))
    assert (refused.status_code, refused.get_json()["code"]) == (403, "mfa_setup_required")
    # ... but can still turn it on.
    secret = client.post("/me/2fa", headers=bearer(access)).get_json()["secret"]
    confirm = client.post("/me/2fa/confirm", json={"code": code_at(secret)}, headers=bearer(access))
    assert confirm.status_code == 200
    assert client.get("/admin/users", headers=bearer(access)).status_code == 200


def test_one_accounts_two_factor_leaves_another_account_alone(client, enrolled, make_user, db):
    other = make_user("organizer", email="plain@example.tn")
    assert "access_token" in password_login(client, "plain@example.tn").get_json()
    db.session.refresh(other)
    assert (other.totp_enabled, other.totp_secret, other.totp_last_step) == (False, None, None)
    owner = db.session.scalar(select(User).where(User.email == "careful@example.tn"))
    assert owner.totp_enabled


def test_wrong_codes_to_turn_it_off_count_as_failed_logins(client, enrolled, db):
    """A stolen access token buys three guesses at the second factor, then the block."""
    user, _secret, codes = enrolled
    mfa_token = password_login(client, "careful@example.tn").get_json()["mfa_token"]
    tokens = client.post("/login/2fa", json={"mfa_token": mfa_token, "code": codes[4]}).get_json()
    headers = bearer(tokens["access_token"])
    for _ in range(3):
        client.delete("/me/2fa", json={"code": "111111"}, headers=headers)
    db.session.refresh(user)
    assert user.is_blocked and user.totp_enabled
    assert client.get("/me", headers=headers).status_code == 401
