"""Administration of users: list, create, update, delete, unblock, the last-admin rule."""

import re

import pytest
from sqlalchemy import select

from app.audit import AuditEntry
from app.auth.models import User


@pytest.fixture()
def admin(make_user):
    return make_user("admin", email="chief@tapestry.tn")


@pytest.fixture()
def as_admin(admin, auth_headers):
    return auth_headers(admin)


def test_list_filters_by_role_blocked_and_text(client, as_admin, make_user):
    make_user("organizer", email="olfa@festival.tn", name="Olfa Ben Salem")
    make_user("reseller", email="rami@tickets.tn", is_blocked=True)
    assert client.get("/admin/users?role=reseller", headers=as_admin).get_json()["total"] == 1
    blocked = client.get("/admin/users?blocked=true", headers=as_admin).get_json()
    assert [u["email"] for u in blocked["users"]] == ["rami@tickets.tn"]
    found = client.get("/admin/users?q=ben%20sal", headers=as_admin).get_json()
    assert [u["email"] for u in found["users"]] == ["olfa@festival.tn"]
    page = client.get("/admin/users?per_page=2&page=1", headers=as_admin).get_json()
    assert (page["total"], page["pages"], len(page["users"])) == (3, 2, 2)
    assert client.get("/admin/users?role=king", headers=as_admin).status_code == 400


def test_create_a_verified_user_with_a_password(client, as_admin):
    body = {"email": "New@Org.tn", "password": "a-long-password", "role": "reseller"}
    response = client.post("/admin/users", json=body, headers=as_admin)
    assert response.status_code == 201
    user = response.get_json()
    assert (user["email"], user["role"], user["email_verified"]) == ("new@org.tn", "reseller", True)
    login = client.post("/login", json={"email": "new@org.tn", "password": "a-long-password"})
    assert login.status_code == 200


def test_create_without_password_emails_a_set_password_link_that_works_once(
    client, as_admin, smtp_server, deliver_mail
):
    response = client.post("/admin/users", json={"email": "link@org.tn"}, headers=as_admin)
    assert response.status_code == 201
    deliver_mail()
    [message] = smtp_server.to("link@org.tn")
    token = re.search(r"/set-password/(\S+)", message.get_content()).group(1)
    assert (
        client.post(f"/set-password/{token}", json={"password": "chosen-password"}).status_code
        == 200
    )
    login = client.post("/login", json={"email": "link@org.tn", "password": "chosen-password"})
    assert login.status_code == 200
    again = client.post(f"/set-password/{token}", json={"password": "another-password"})
    assert again.status_code == 400


def test_create_refuses_duplicates_and_bad_input(client, as_admin, admin):
    assert (
        client.post("/admin/users", json={"email": admin.email}, headers=as_admin).status_code
        == 409
    )
    bad = client.post("/admin/users", json={"email": "x@y.tn", "role": "king"}, headers=as_admin)
    assert bad.status_code == 400


def test_update_changes_fields_and_audits_a_role_change(client, as_admin, make_user, db):
    user = make_user("organizer")
    body = {"name": "Renamed", "role": "reseller", "email": "Moved@Example.tn"}
    response = client.patch(f"/admin/users/{user.id}", json=body, headers=as_admin)
    assert response.status_code == 200
    assert response.get_json()["role"] == "reseller"
    assert response.get_json()["email"] == "moved@example.tn"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user_updated"))
    assert entry.details["changes"]["role"] == ["organizer", "reseller"]


def test_deactivating_a_user_stops_their_tokens(client, as_admin, make_user, auth_headers):
    user = make_user("organizer")
    headers = auth_headers(user)
    client.patch(f"/admin/users/{user.id}", json={"is_active": False}, headers=as_admin)
    assert client.get("/me", headers=headers).status_code == 401


def test_the_last_active_admin_cannot_be_demoted_deactivated_or_deleted(client, admin, as_admin):
    for body in ({"role": "organizer"}, {"is_active": False}):
        response = client.patch(f"/admin/users/{admin.id}", json=body, headers=as_admin)
        assert (response.status_code, response.get_json()["code"]) == (409, "last_admin")
    assert client.delete(f"/admin/users/{admin.id}", headers=as_admin).status_code == 409


def test_with_two_admins_one_may_be_demoted(client, as_admin, make_user):
    other = make_user("admin")
    response = client.patch(
        f"/admin/users/{other.id}", json={"role": "organizer"}, headers=as_admin
    )
    assert response.status_code == 200


def test_delete_refuses_a_user_with_events_and_deletes_one_without(
    client, as_admin, make_user, make_event, db
):
    organizer = make_user("organizer")
    make_event(organizer)
    refused = client.delete(f"/admin/users/{organizer.id}", headers=as_admin)
    assert (refused.status_code, refused.get_json()["code"]) == (409, "user_has_records")
    idle = make_user("reseller")
    assert client.delete(f"/admin/users/{idle.id}", headers=as_admin).status_code == 204
    assert client.get(f"/admin/users/{idle.id}", headers=as_admin).status_code == 404
    assert db.session.get(User, organizer.id) is not None


def test_unblock_resets_the_count_audits_and_emails(client, as_admin, make_user, db):
    user = make_user("organizer", is_blocked=True, failed_login_count=3)
    response = client.post(f"/admin/users/{user.id}/unblock", headers=as_admin)
    assert response.status_code == 200 and response.get_json()["is_blocked"] is False
    login = client.post("/login", json={"email": user.email, "password": "correct-horse-battery"})
    assert login.status_code == 200
    audit = client.get("/admin/audit?action=user_unblocked", headers=as_admin).get_json()
    assert [e["target_id"] for e in audit["entries"]] == [user.id]


def test_unknown_ids_are_404(client, as_admin):
    for method in ("GET", "PATCH", "DELETE"):
        assert (
            client.open("/admin/users/999999", method=method, json={}, headers=as_admin).status_code
            == 404
        )
    assert client.post("/admin/users/999999/unblock", headers=as_admin).status_code == 404
