"""Deny by default: every /admin rule and method refuses anyone who is not an admin."""

import re

import pytest


def admin_operations(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def test_there_are_admin_routes_to_check(app):
    assert len(list(admin_operations(app))) >= 10


@pytest.mark.parametrize("role", [None, "organizer", "reseller"])
def test_every_admin_route_refuses_non_admins(app, client, make_user, auth_headers, role):
    headers = auth_headers(make_user(role)) if role else {}
    expected = 403 if role else 401
    for method, path in admin_operations(app):
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == expected, f"{method} {path} answered {response.status_code}"
        assert response.get_json()["code"]


def test_an_admin_gets_through(client, make_user, auth_headers):
    response = client.get("/admin/users", headers=auth_headers(make_user("admin")))
    assert response.status_code == 200
