"""Administration requests that spec-driven fuzzing (make fuzz) once turned into a 500."""

import pytest


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/1", "/admin/audit"])
def test_options_on_an_admin_route_needs_no_token_and_is_no_500(client, path):
    response = client.options(path)
    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]


def test_other_methods_on_admin_routes_still_need_an_admin(client):
    assert client.get("/admin/users").status_code == 401
