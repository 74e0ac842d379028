"""POST /login: credentials, the lockout rules of API.md, and what each answer reveals."""

import pytest
from sqlalchemy import select

from app.audit import AuditEntry
from app.auth.models import User
from app.email import OutboxEmail

PASSWORD = "correct-horse-battery"


def login(client, password=PASSWORD, **identity):
    return client.post("/login", json={**identity, "password": password})


def test_login_by_email_returns_both_tokens_and_the_user(client, make_user):
    user = make_user("organizer", email="amel@example.tn")
    response = login(client, email="AMEL@example.tn")
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["auth_token"] == body["access_token"]
    assert body["refresh_token"] and body["expires_in"] > 0
    assert body["user"]["id"] == user.id


def test_login_by_username_and_the_compat_route(client, make_user):
    make_user("reseller", username="karim")
    assert login(client, username="karim").status_code == 200
    compat = client.post("/login/JWT", json={"username": "karim", "password": PASSWORD})
    assert compat.status_code == 200 and compat.get_json()["user"]["role"] == "reseller"


def test_login_needs_an_identifier_and_a_password(client):
    assert client.post("/login", json={"password": PASSWORD}).status_code == 400
    assert client.post("/login", json={"email": "x@example.tn"}).status_code == 400


def test_unknown_user_wrong_password_and_hidden_states_look_the_same(client, make_user):
    make_user(email="real@example.tn")
    make_user(email="unverified@example.tn", email_verified=False)
    make_user(email="inactive@example.tn", is_active=False)
    answers = [
        login(client, email="ghost@example.tn"),
        login(client, "wrong-password", email="real@example.tn"),
        login(client, "wrong-password", email="unverified@example.tn"),
        login(client, "wrong-password", email="inactive@example.tn"),
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.get_data() for r in answers}) == 1
    assert answers[0].get_json()["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"email_verified": False}, "email_not_verified"),
        ({"is_blocked": True}, "account_blocked"),
        ({"is_active": False}, "account_inactive"),
    ],
)
def test_the_right_password_learns_why_the_account_is_refused(client, make_user, fields, code):
    make_user(email="someone@example.tn", **fields)
    response = login(client, email="someone@example.tn")
    assert response.status_code == 403
    assert response.get_json()["code"] == code


def test_three_failures_in_a_row_block_audit_and_email_the_owner(client, make_user, db):
    user = make_user(email="target@example.tn")
    for _ in range(3):
        assert login(client, "guess", email="target@example.tn").status_code == 401
    assert login(client, email="target@example.tn").get_json()["code"] == "account_blocked"
    db.session.refresh(user)
    assert user.is_blocked and user.failed_login_count == 3
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user_blocked")).all()
    assert [a.target_id for a in audit] == [user.id]
    mails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.subject.contains("blocked")))
    assert [m.recipient for m in mails] == ["target@example.tn"]


def test_a_success_resets_the_count(client, make_user, db):
    user = make_user(email="forgetful@example.tn")
    for _ in range(2):
        login(client, "guess", email="forgetful@example.tn")
    assert login(client, email="forgetful@example.tn").status_code == 200
    for _ in range(2):
        login(client, "guess", email="forgetful@example.tn")
    db.session.refresh(user)
    assert not user.is_blocked and user.failed_login_count == 2


def test_the_cli_unblocks_and_login_works_again(client, runner, make_user, db):
    make_user(email="locked@example.tn", is_blocked=True, failed_login_count=3)
    result = runner.invoke(args=["unblock-user", "LOCKED@example.tn"])
    assert result.exit_code == 0, result.output
    assert login(client, email="locked@example.tn").status_code == 200
    assert runner.invoke(args=["unblock-user", "ghost@example.tn"]).exit_code != 0


def test_login_rehashes_a_password_hashed_with_old_parameters(client, app, make_user, db):
    user = make_user(email="old@example.tn")
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    try:
        assert login(client, email="old@example.tn").status_code == 200
    finally:
        app.config["ARGON2_TIME_COST"] = 1
    db.session.refresh(user)
    assert user.password_hash != old_hash and "t=2" in user.password_hash


def test_a_user_created_by_oauth_has_no_password_to_guess(client, make_user, db):
    user = make_user(email="oauth@example.tn")
    user.password_hash = None
    db.session.commit()
    assert login(client, "", email="oauth@example.tn").status_code == 400
    assert login(client, "anything", email="oauth@example.tn").status_code == 401
    assert db.session.get(User, user.id).password_hash is None


def test_a_blocked_account_answers_account_blocked_to_any_password(client, make_user, db):
    """No password oracle: once blocked, a right and a wrong guess look the same."""
    user = make_user(email="blocked@example.tn", is_blocked=True, failed_login_count=3)
    answers = [
        login(client, email="blocked@example.tn"),
        login(client, "wrong-password", email="blocked@example.tn"),
        login(client, "wrong-password", username=user.username),
    ]
    assert {r.status_code for r in answers} == {403}
    assert len({r.get_data() for r in answers}) == 1
    assert answers[0].get_json()["code"] == "account_blocked"
    db.session.refresh(user)
    assert user.failed_login_count == 3  # guesses past the block are not even counted
