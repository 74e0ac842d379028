"""What one account's failures, login, links, sessions or two-factor codes do to others: nothing.

The account use cases change rows by id: users in UPDATE statements (failures, the block, the
start of a login, a used TOTP step) and through the ORM (verification, passwords, stamps,
unblock), sessions by id or by user (logout, refresh, the end of every session of an account),
recovery codes by user. A test with one account, or one session, cannot tell `WHERE id = :id`
from no WHERE at all. Each test here has a bystander account, made FIRST (a lookup that lost
its WHERE and took the first row would take it) and logged in, and checks over HTTP that the
target changed while the bystander's account, password and live session did not.
"""

import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from argon2 import PasswordHasher

from app.auth.models import User

PASSWORD = "correct-horse-battery"  # make_user's default
BYSTANDER_PASSWORD = "bystanders-own-password"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def login(client, email, password=PASSWORD):
    return client.post("/login", json={"email": email, "password": password})


def tokens_of(client, email, password=PASSWORD):
    response = login(client, email, password)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"], response.get_json()["refresh_token"]


def assert_logs_in(client, user, password=PASSWORD):
    response = login(client, user.email, password)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["id"] == user.id


def assert_refused(client, email, code, password=PASSWORD):
    response = login(client, email, password)
    assert (response.status_code, response.get_json().get("code")) == (403, code)


def fail_logins(client, email, times):
    for _ in range(times):
        assert login(client, email, "a-wrong-guess").status_code == 401


def works(client, access):
    return client.get("/me", headers=bearer(access)).status_code == 200


@pytest.fixture()
def bystander(make_user):
    return make_user("organizer", password=BYSTANDER_PASSWORD, email="bystander@example.tn")


@pytest.fixture()
def bystanders_session(client, bystander):
    """The bystander's access token, from a login before the test acts."""
    access, _refresh = tokens_of(client, bystander.email, BYSTANDER_PASSWORD)
    return access


@pytest.fixture()
def target(bystander, make_user):
    return make_user("organizer", email="target@example.tn")


# --- failures, the block, the start of a login --------------------------------------------------


def test_a_third_failure_blocks_its_own_account_only(client, bystander, bystanders_session, target):
    fail_logins(client, target.email, 3)
    assert_refused(client, target.email, "account_blocked")
    assert works(client, bystanders_session)
    assert_logs_in(client, bystander, BYSTANDER_PASSWORD)


def test_failures_count_on_their_own_account_only(client, bystander, target):
    fail_logins(client, target.email, 2)
    # Two failures of the bystander would block it had the target's counted on it too.
    fail_logins(client, bystander.email, 2)
    assert_logs_in(client, bystander, BYSTANDER_PASSWORD)
    fail_logins(client, target.email, 1)  # the target's own third
    assert_refused(client, target.email, "account_blocked")


def test_a_login_resets_its_own_failure_count_only(client, bystander, target):
    fail_logins(client, target.email, 2)
    fail_logins(client, bystander.email, 2)
    assert_logs_in(client, target)
    fail_logins(client, bystander.email, 1)  # its third failure in a row
    assert_refused(client, bystander.email, "account_blocked", BYSTANDER_PASSWORD)
    fail_logins(client, target.email, 2)  # two since its reset
    assert_logs_in(client, target)


def test_a_login_rehashes_its_own_password_only(client, db, bystander, target):
    # Hashed with other parameters than the app's: the next login rehashes it.
    old_hash = PasswordHasher(time_cost=2, memory_cost=1024).hash(PASSWORD)
    target.password_hash = old_hash
    db.session.commit()
    assert_logs_in(client, target)
    assert db.session.get(User, target.id, populate_existing=True).password_hash != old_hash
    db.session.rollback()
    assert_logs_in(client, bystander, BYSTANDER_PASSWORD)
    assert_logs_in(client, target)


# --- emailed links ------------------------------------------------------------------------------


def mailed_link(smtp_server, deliver_mail, email, path):
    deliver_mail()
    links = [
        link
        for message in smtp_server.to(email)
        for link in re.findall(rf"{path}/(\S+)", message.get_content())
    ]
    assert links, f"no {path} link mailed to {email}"
    return links[-1]


def registered_link(client, smtp_server, deliver_mail, email):
    body = {"email": email, "password": PASSWORD, "name": email.split("@")[0]}
    assert client.post("/register", json=body).status_code == 201
    return mailed_link(smtp_server, deliver_mail, email, "/verify-email")


def test_verifying_one_email_leaves_other_accounts_unverified(client, smtp_server, deliver_mail):
    first = registered_link(client, smtp_server, deliver_mail, "first@example.tn")
    second = registered_link(client, smtp_server, deliver_mail, "second@example.tn")
    verified = client.get(f"/verify-email/{second}")
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json()["user"]["email"] == "second@example.tn"
    assert login(client, "second@example.tn").status_code == 200
    assert_refused(client, "first@example.tn", "email_not_verified")
    assert client.get(f"/verify-email/{first}").status_code == 200
    assert login(client, "first@example.tn").status_code == 200


def test_a_set_password_link_sets_its_own_accounts_password_only(
    client, make_user, auth_headers, bystander, bystanders_session, smtp_server, deliver_mail
):
    admin = auth_headers(make_user("admin"))
    created = client.post("/admin/users", json={"email": "invited@example.tn"}, headers=admin)
    assert created.status_code == 201, created.get_json()
    token = mailed_link(smtp_server, deliver_mail, "invited@example.tn", "/set-password")
    chosen = {"password": "the-invited-choice"}
    assert client.post(f"/set-password/{token}", json=chosen).status_code == 200
    assert login(client, "invited@example.tn", "the-invited-choice").status_code == 200
    assert works(client, bystanders_session)
    assert_logs_in(client, bystander, BYSTANDER_PASSWORD)
    assert login(client, bystander.email, "the-invited-choice").status_code == 401


def test_a_password_reset_changes_its_own_account_only(
    client, make_user, bystander, bystanders_session, target, smtp_server, deliver_mail
):
    unverified = make_user("organizer", email="unverified@example.tn", email_verified=False)
    targets_session, _refresh = tokens_of(client, target.email)
    assert client.post("/forgot-password", json={"email": target.email}).status_code == 202
    token = mailed_link(smtp_server, deliver_mail, target.email, "/reset-password")
    chosen = {"password": "the-targets-new-choice"}
    assert client.post(f"/reset-password/{token}", json=chosen).status_code == 200

    assert not works(client, targets_session)  # a reset ends the account's sessions
    assert_logs_in(client, target, "the-targets-new-choice")
    assert works(client, bystanders_session)
    assert_logs_in(client, bystander, BYSTANDER_PASSWORD)
    assert_refused(client, unverified.email, "email_not_verified")


def test_the_cli_unblocks_its_own_account_only(client, runner, bystanders_session, make_user):
    blocked = {"is_blocked": True, "failed_login_count": 3}
    first = make_user("organizer", email="first.blocked@example.tn", **blocked)
    second = make_user("organizer", email="second.blocked@example.tn", **blocked)
    result = runner.invoke(args=["unblock-user", second.email])
    assert result.exit_code == 0, result.output
    assert_logs_in(client, second)
    assert_refused(client, first.email, "account_blocked")
    assert works(client, bystanders_session)


# --- sessions -----------------------------------------------------------------------------------


@pytest.fixture()
def two_sessions(client, target):
    """Two logins of the target: [(access, refresh), (access, refresh)]."""
    return [tokens_of(client, target.email) for _ in range(2)]


def test_a_logout_ends_its_own_session_only(client, bystanders_session, two_sessions):
    (access, refresh), (other_access, _other_refresh) = two_sessions
    response = client.post("/logout", json={"refresh_token": refresh}, headers=bearer(access))
    assert response.status_code == 200, response.get_json()
    assert not works(client, access)
    assert client.post("/refresh", headers=bearer(refresh)).status_code == 401
    assert works(client, other_access)
    assert works(client, bystanders_session)


def test_ending_one_of_my_sessions_ends_that_one_only(client, bystanders_session, two_sessions):
    (access, _refresh), (other_access, _other_refresh) = two_sessions
    listed = client.get("/me/sessions", headers=bearer(access)).get_json()["sessions"]
    [other] = [session["id"] for session in listed if not session["current"]]
    response = client.delete(f"/me/sessions/{other}", headers=bearer(access))
    assert response.status_code == 204, response.get_json()
    assert not works(client, other_access)
    assert works(client, access)
    assert works(client, bystanders_session)


def test_a_refresh_rotates_its_own_session_only(client, bystander, two_sessions):
    bystanders_refresh = tokens_of(client, bystander.email, BYSTANDER_PASSWORD)[1]
    (_access, refresh), (_other_access, other_refresh) = two_sessions
    rotated = client.post("/refresh", headers=bearer(refresh))
    assert rotated.status_code == 200, rotated.get_json()
    again = client.post("/refresh", headers=bearer(rotated.get_json()["refresh_token"]))
    assert again.status_code == 200, again.get_json()
    assert client.post("/refresh", headers=bearer(refresh)).status_code == 401  # rotated away
    assert client.post("/refresh", headers=bearer(other_refresh)).status_code == 200
    assert client.post("/refresh", headers=bearer(bystanders_refresh)).status_code == 200


# --- two-factor login ---------------------------------------------------------------------------


def code_at(secret, offset_steps=0):
    when = datetime.now(timezone.utc) + timedelta(seconds=30 * offset_steps)
    return pyotp.TOTP(secret).at(when)


def enroll(client, email, password=PASSWORD):
    """Turns two-factor login on for the account: (secret, recovery codes)."""
    access, _refresh = tokens_of(client, email, password)
    secret = client.post("/me/2fa", headers=bearer(access)).get_json()["secret"]
    confirmed = client.post(
        "/me/2fa/confirm", json={"code": code_at(secret)}, headers=bearer(access)
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    return secret, confirmed.get_json()["recovery_codes"]


def second_factor(client, email, code, password=PASSWORD):
    challenge = login(client, email, password).get_json()
    assert challenge.get("mfa_required") is True, challenge
    return client.post("/login/2fa", json={"mfa_token": challenge["mfa_token"], "code": code})


def test_turning_two_factor_on_leaves_another_account_off(client, bystander, target):
    enroll(client, target.email)
    assert login(client, target.email).get_json().get("mfa_required") is True
    assert "access_token" in login(client, bystander.email, BYSTANDER_PASSWORD).get_json()


@pytest.fixture()
def both_enrolled(client, bystander, target):
    """The bystander enrolled first, then the target: {name: (secret, recovery codes)}."""
    return {
        "bystander": enroll(client, bystander.email, BYSTANDER_PASSWORD),
        "target": enroll(client, target.email),
    }


def test_a_totp_code_counts_once_for_its_own_account_only(client, bystander, target, both_enrolled):
    # The next step's code: each confirm above used this one.
    done = second_factor(client, target.email, code_at(both_enrolled["target"][0], 1))
    assert done.status_code == 200, done.get_json()
    bystanders_code = code_at(both_enrolled["bystander"][0], 1)
    done = second_factor(client, bystander.email, bystanders_code, BYSTANDER_PASSWORD)
    assert done.status_code == 200, done.get_json()


def test_a_recovery_code_is_used_up_on_its_own_account_only(
    client, bystander, target, both_enrolled
):
    bystanders_code = both_enrolled["bystander"][1][0]
    refused = second_factor(client, target.email, bystanders_code)
    assert (refused.status_code, refused.get_json()["code"]) == (401, "invalid_code")
    first, second = both_enrolled["target"][1][:2]
    assert second_factor(client, target.email, first).status_code == 200
    assert second_factor(client, target.email, second).status_code == 200
    done = second_factor(client, bystander.email, bystanders_code, BYSTANDER_PASSWORD)
    assert done.status_code == 200, done.get_json()


def test_turning_two_factor_off_leaves_another_accounts_on(
    client, bystander, target, both_enrolled
):
    codes = both_enrolled["target"][1]
    access = second_factor(client, target.email, codes[0]).get_json()["access_token"]
    response = client.delete("/me/2fa", json={"code": codes[1]}, headers=bearer(access))
    assert response.status_code == 200, response.get_json()
    assert "access_token" in login(client, target.email).get_json()
    bystanders_code = both_enrolled["bystander"][1][0]
    done = second_factor(client, bystander.email, bystanders_code, BYSTANDER_PASSWORD)
    assert done.status_code == 200, done.get_json()
