"""POST /register, email verification and resend, through the HTTP API and a real SMTP server."""

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.email import OutboxEmail

PASSWORD = "a-long-password"


def register(client, **body):
    body.setdefault("email", "Leila@Example.TN")
    body.setdefault("password", PASSWORD)
    return client.post("/register", json=body)


def link_from(message):
    return re.search(r"https?://\S+/verify-email/(\S+)", message.get_content()).group(1)


def test_register_creates_an_unverified_organizer_with_defaults(client):
    response = register(client)
    assert response.status_code == 201
    user = response.get_json()["user"]
    assert user["email"] == "leila@example.tn"
    assert (user["username"], user["name"], user["role"]) == ("leila", "leila", "organizer")
    assert user["email_verified"] is False and user["is_blocked"] is False
    assert "password" not in str(response.get_json())


def test_register_accepts_both_body_shapes_and_the_reseller_role(client):
    response = register(client, username="Sami_R", name="Sami Rekik", role="reseller")
    assert response.status_code == 201
    user = response.get_json()["user"]
    assert (user["username"], user["name"], user["role"]) == ("sami_r", "Sami Rekik", "reseller")


@pytest.mark.parametrize(
    "extra",
    [{"role": "admin"}, {"is_blocked": False}, {"email_verified": True}, {"role": "superuser"}],
)
def test_privileged_fields_are_refused_and_never_applied(client, db, extra):
    response = register(client, **extra)
    assert response.status_code == 400
    assert response.get_json()["code"] == "validation_error"
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"password": 12345678}, "password"),
        ({"username": "a b"}, "username"),
    ],
)
def test_invalid_input_names_the_field(client, body, field):
    response = register(client, **body)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]


def test_duplicate_email_is_409_whatever_its_case(client):
    assert register(client).status_code == 201
    response = register(client, email="LEILA@example.tn", username="other")
    assert response.status_code == 409
    assert response.get_json()["code"] == "duplicate_email"


def test_duplicate_username_is_409(client):
    assert register(client, username="nour").status_code == 201
    response = register(client, email="nour2@example.tn", username="NOUR")
    assert response.status_code == 409


def test_the_mailed_link_verifies_the_account_and_login_then_works(
    client, smtp_server, deliver_mail
):
    register(client)
    assert (
        client.post("/login", json={"email": "leila@example.tn", "password": PASSWORD}).json["code"]
        == "email_not_verified"
    )
    assert deliver_mail() == (1, 0)
    [message] = smtp_server.to("leila@example.tn")
    token = link_from(message)

    verified = client.get(f"/verify-email/{token}")
    assert verified.status_code == 200
    assert verified.get_json()["user"]["email_verified"] is True
    login = client.post("/login", json={"email": "leila@example.tn", "password": PASSWORD})
    assert login.status_code == 200


def test_browsers_get_an_html_page(client, db):
    from app.auth.service import link_token

    register(client)
    user = db.session.scalar(select(User))
    page = client.get(
        f"/verify-email/{link_token(user, 'verify')}", headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "verified" in page.get_data(as_text=True)


def test_a_forged_or_expired_token_is_400(client, app, db, monkeypatch):
    from app.auth.service import link_token

    register(client)
    user = db.session.scalar(select(User))
    assert client.get("/verify-email/not-a-token").get_json()["code"] == "invalid_token"
    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)
    expired = client.get(f"/verify-email/{link_token(user, 'verify')}")
    assert expired.status_code == 400
    assert expired.get_json()["code"] == "token_expired"


def test_a_link_cannot_verify_an_email_changed_since(client, db):
    from app.auth.service import link_token

    register(client)
    user = db.session.scalar(select(User))
    token = link_token(user, "verify")
    user.email = "new-address@example.tn"
    db.session.commit()
    assert client.get(f"/verify-email/{token}").status_code == 400
    db.session.refresh(user)
    assert user.email_verified is False


def test_resend_answers_202_always_and_mails_only_unverified_accounts(client, db):
    register(client)
    queued_before = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    for email in ("leila@example.tn", "nobody@example.tn"):
        response = client.post("/resend-verification", json={"email": email})
        assert response.status_code == 202
    queued = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    assert queued == queued_before + 1


def test_the_verification_get_writes_with_write_intent(client, db):
    """SQLite's writer setup: a GET that writes must take the write lock when it begins."""
    from sqlalchemy import event

    from app.auth.service import link_token
    from app.common.sqlite import write_intent

    register(client)
    user = db.session.scalar(select(User))
    token = link_token(user, "verify")
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT")):
            seen.append(write_intent.get())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/verify-email/{token}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen and all(seen)
