"""Passwords: the rules for new ones, and the self-service reset of a forgotten one."""

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.email import OutboxEmail

PASSWORD = "correct-horse-battery"


def register(client, password, email="new@example.tn", username=None):
    body = {"email": email, "password": password}
    if username:
        body["username"] = username
    return client.post("/register", json=body)


def reset_token(db, recipient):
    mails = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.recipient == recipient).order_by(OutboxEmail.id)
    ).all()
    links = [t for m in mails for t in re.findall(r"/reset-password/(\S+)", m.body_text)]
    assert links, f"no reset link mailed to {recipient}"
    return links[-1]


# --- rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["password1", "Password123", "qwertyuiop", "iloveyou1"])
def test_a_common_password_is_refused(client, db, password):
    answer = register(client, password)
    assert (answer.status_code, answer.get_json()["code"]) == (400, "weak_password")
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("password", "email", "username"),
    [
        ("Someone@Example.tn", "someone@example.tn", None),
        ("karim-ben-ali", "k@example.tn", "karim-ben-ali"),
    ],
)
def test_the_email_or_username_as_password_is_refused(client, password, email, username):
    answer = register(client, password, email=email, username=username)
    assert (answer.status_code, answer.get_json()["code"]) == (400, "weak_password")


@pytest.mark.parametrize("length", [7, 129])
def test_length_must_be_8_to_128(client, length):
    answer = register(client, "x" * (length - 1) + "9")
    assert answer.status_code == 400 and "password" in answer.get_json()["fields"]


def test_128_characters_are_accepted(client):
    assert register(client, "a1" * 64).status_code == 201


def test_a_password_is_kept_exactly_as_typed(client, db):
    typed = "  two spaces each side  "
    assert register(client, typed).status_code == 201
    user = db.session.scalar(select(User))
    user.email_verified = True
    db.session.commit()
    exact = client.post("/login", json={"email": "new@example.tn", "password": typed})
    stripped = client.post("/login", json={"email": "new@example.tn", "password": typed.strip()})
    assert (exact.status_code, stripped.status_code) == (200, 401)


def test_the_list_holds_ten_thousand_passwords():
    from app.auth.password_policy import common_passwords

    assert len(common_passwords()) == 10000
    assert "123456" in common_passwords() and "password" in common_passwords()


# --- forgotten password ---------------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(client, db, make_user):
    make_user(email="known@example.tn")
    known = client.post("/forgot-password", json={"email": "known@example.tn"})
    unknown = client.post("/forgot-password", json={"email": "ghost@example.tn"})
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.get_data() == unknown.get_data()
    recipients = db.session.scalars(select(OutboxEmail.recipient)).all()
    assert recipients == ["known@example.tn"]


def test_a_reset_sets_the_password_once_and_ends_every_session(client, db, make_user):
    make_user(email="forgetful@example.tn")
    old = client.post("/login", json={"email": "forgetful@example.tn", "password": PASSWORD})
    old_tokens = old.get_json()
    client.post("/forgot-password", json={"email": "forgetful@example.tn"})
    token = reset_token(db, "forgetful@example.tn")

    answer = client.post(f"/reset-password/{token}", json={"password": "a-brand-new-secret"})
    assert answer.status_code == 200
    again = client.post(f"/reset-password/{token}", json={"password": "yet-another-secret"})
    assert (again.status_code, again.get_json()["code"]) == (400, "invalid_token")

    headers = {"Authorization": f"Bearer {old_tokens['access_token']}"}
    assert client.get("/me", headers=headers).status_code == 401
    refresh = {"Authorization": f"Bearer {old_tokens['refresh_token']}"}
    assert client.post("/refresh", headers=refresh).status_code == 401
    new = client.post(
        "/login", json={"email": "forgetful@example.tn", "password": "a-brand-new-secret"}
    )
    assert new.status_code == 200


def test_a_reset_link_lasts_one_hour(client, db, app, make_user, monkeypatch):
    make_user(email="slow@example.tn")
    client.post("/forgot-password", json={"email": "slow@example.tn"})
    token = reset_token(db, "slow@example.tn")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    answer = client.post(f"/reset-password/{token}", json={"password": "a-brand-new-secret"})
    assert (answer.status_code, answer.get_json()["code"]) == (400, "token_expired")


def test_a_reset_does_not_unblock_and_says_so(client, db, make_user):
    user = make_user(email="blocked@example.tn", is_blocked=True, failed_login_count=3)
    client.post("/forgot-password", json={"email": "blocked@example.tn"})
    mail = db.session.scalars(select(OutboxEmail)).one()
    assert "only an administrator" in mail.body_text
    token = reset_token(db, "blocked@example.tn")
    assert (
        client.post(f"/reset-password/{token}", json={"password": "new-secret-123"}).status_code
        == 200
    )
    db.session.refresh(user)
    assert user.is_blocked
    login = client.post(
        "/login", json={"email": "blocked@example.tn", "password": "new-secret-123"}
    )
    assert login.get_json()["code"] == "account_blocked"


def test_a_reset_verifies_an_unverified_email(client, db, make_user):
    user = make_user(email="unverified@example.tn", email_verified=False)
    client.post("/forgot-password", json={"email": "unverified@example.tn"})
    token = reset_token(db, "unverified@example.tn")
    client.post(f"/reset-password/{token}", json={"password": "new-secret-123"})
    db.session.refresh(user)
    assert user.email_verified


def test_a_reset_refuses_a_weak_password_and_keeps_the_link_usable(client, db, make_user):
    make_user(email="weak@example.tn")
    client.post("/forgot-password", json={"email": "weak@example.tn"})
    token = reset_token(db, "weak@example.tn")
    weak = client.post(f"/reset-password/{token}", json={"password": "password123"})
    assert weak.get_json()["code"] == "weak_password"
    assert (
        client.post(f"/reset-password/{token}", json={"password": "new-secret-123"}).status_code
        == 200
    )


def test_one_accounts_reset_leaves_another_account_alone(client, db, make_user):
    make_user(email="resetting@example.tn")
    bystander = make_user(email="bystander@example.tn")
    before = bystander.password_hash, bystander.security_stamp
    client.post("/forgot-password", json={"email": "resetting@example.tn"})
    token = reset_token(db, "resetting@example.tn")
    client.post(f"/reset-password/{token}", json={"password": "new-secret-123"})
    db.session.refresh(bystander)
    assert (bystander.password_hash, bystander.security_stamp) == before
