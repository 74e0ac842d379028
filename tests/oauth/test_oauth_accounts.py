"""Accounts from providers: linking by verified email, roles, refusals on every path."""

import pytest
from sqlalchemy import func, select

from app.auth.models import OAuthIdentity, User


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def sign_in(flow, web_login, device_login, provider, role=None):
    """Signs in through the web or the device flow; the app's final answer."""
    query = {"role": role} if role else {}
    if flow == "web":
        return web_login(provider, **query)
    _codes, poll = device_login(provider, role=role)
    return poll()


FLOWS = [
    pytest.param("web", "google", id="web-google"),
    pytest.param("web", "github", id="web-github"),
    pytest.param("device", "google", id="device-google"),
    pytest.param("device", "github", id="device-github"),
]


@pytest.mark.parametrize(("flow", "provider"), FLOWS)
def test_linking_an_unverified_account_takes_it_from_whoever_registered_it(
    db, client, make_user, web_login, device_login, fake, flow, provider
):
    """Pre-account takeover: a squatter registers the owner's email and never verifies it."""
    email = fake.google_user["email"] if provider == "google" else "karim@github.example"
    existing = make_user(email=email, email_verified=False, password="squatter-password-1")
    squatter = client.post("/login", json={"email": email, "password": "squatter-password-1"})
    assert squatter.get_json()["code"] == "email_not_verified"
    response = sign_in(flow, web_login, device_login, provider)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["id"] == existing.id
    assert count(db, User) == 1
    db.session.expire_all()
    assert db.session.get(User, existing.id).email_verified is True
    identity = db.session.scalar(select(OAuthIdentity))
    assert (identity.provider, identity.user_id) == (provider, existing.id)
    # The squatter's password no longer opens the account, now verified for its owner.
    login = client.post("/login", json={"email": email, "password": "squatter-password-1"})
    assert (login.status_code, login.get_json()["code"]) == (401, "invalid_credentials")


def test_linking_a_verified_account_keeps_its_password(client, make_user, web_login, fake):
    email = fake.google_user["email"]
    existing = make_user(email=email, password="owner-password-123")
    assert web_login("google").get_json()["user"]["id"] == existing.id
    login = client.post("/login", json={"email": email, "password": "owner-password-123"})
    assert login.status_code == 200


def test_links_whatever_the_case_of_the_provider_email(db, make_user, web_login, fake):
    existing = make_user(email="amira@gmail.example")
    fake.google_user["email"] = "Amira@Gmail.Example"
    response = web_login("google")
    assert response.get_json()["user"]["id"] == existing.id


@pytest.mark.parametrize(("flow", "provider"), FLOWS)
def test_a_blocked_account_is_refused(db, make_user, web_login, device_login, fake, flow, provider):
    email = fake.google_user["email"] if provider == "google" else "karim@github.example"
    make_user(email=email, is_blocked=True)
    response = sign_in(flow, web_login, device_login, provider)
    assert response.status_code == 403
    assert response.get_json()["code"] == "account_blocked"
    assert count(db, OAuthIdentity) == 0  # the refused link was not kept


def test_a_blocked_account_already_linked_is_refused(db, web_login, fake):
    user_id = web_login("google").get_json()["user"]["id"]
    db.session.get(User, user_id).is_blocked = True
    db.session.commit()
    response = web_login("google")
    assert response.status_code == 403
    assert response.get_json()["code"] == "account_blocked"


def test_a_deactivated_account_is_refused(db, make_user, web_login, fake):
    make_user(email=fake.google_user["email"], is_active=False)
    response = web_login("google")
    assert response.status_code == 403
    assert response.get_json()["code"] == "account_inactive"


@pytest.mark.parametrize(("flow", "provider"), FLOWS)
def test_an_unverified_provider_email_is_refused(
    db, make_user, web_login, device_login, fake, flow, provider
):
    fake.google_user["email_verified"] = False
    fake.github_emails[0]["verified"] = False
    make_user(email=fake.google_user["email"] if provider == "google" else "karim@github.example")
    response = sign_in(flow, web_login, device_login, provider)
    assert response.status_code == 403
    assert response.get_json()["code"] == "provider_email_not_verified"
    # Neither linked to the account with that address, nor a new account.
    assert count(db, OAuthIdentity) == 0 and count(db, User) == 1


def test_github_without_a_primary_email_is_refused(db, web_login, fake):
    fake.github_emails = [{"email": "x@github.example", "primary": False, "verified": True}]
    response = web_login("github")
    assert response.status_code == 403
    assert response.get_json()["code"] == "provider_email_not_verified"


@pytest.mark.parametrize(("flow", "provider"), FLOWS)
def test_role_reseller_on_first_login(db, web_login, device_login, fake, flow, provider):
    response = sign_in(flow, web_login, device_login, provider, role="reseller")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["role"] == "reseller"


def test_role_does_not_change_an_existing_account(db, make_user, web_login, fake):
    make_user("organizer", email=fake.google_user["email"])
    response = web_login("google", role="reseller")
    assert response.get_json()["user"]["role"] == "organizer"


@pytest.mark.parametrize("role", ["admin", "buyer"])
@pytest.mark.parametrize("path", ["/login/google", "/login", "/login/github"])
def test_role_admin_or_unknown_is_refused_before_the_redirect(client, fake, role, path):
    response = client.get(path, query_string={"role": role})
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"role": ["must be organizer or reseller"]}
    assert fake.authorize_requests == []


@pytest.mark.parametrize("provider", ["google", "github"])
def test_role_admin_is_refused_in_the_device_flow_before_polling(db, device_login, fake, provider):
    codes, poll = device_login(provider, role="admin")
    response = poll()
    assert response.status_code == 400
    assert fake.polls_of(codes["device_code"]) == 0
    assert count(db, User) == 0


@pytest.mark.parametrize(("flow", "provider"), FLOWS)
def test_a_two_factor_account_is_asked_for_its_code_on_every_path(
    db, client, make_user, web_login, device_login, fake, flow, provider
):
    import pyotp

    email = fake.google_user["email"] if provider == "google" else "karim@github.example"
    user = make_user(email=email, totp_enabled=True, totp_secret=pyotp.random_base32())
    response = sign_in(flow, web_login, device_login, provider)
    body = response.get_json()
    assert response.status_code == 200 and body["mfa_required"] is True
    assert "access_token" not in body
    code = pyotp.TOTP(user.totp_secret).now()
    done = client.post("/login/2fa", json={"mfa_token": body["mfa_token"], "code": code})
    assert done.status_code == 200, done.get_json()
    me = client.get("/me", headers={"Authorization": f"Bearer {done.get_json()['access_token']}"})
    assert me.get_json()["id"] == user.id
