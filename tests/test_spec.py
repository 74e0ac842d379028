"""swagger.yml is a valid OpenAPI 3.0 document and matches the routes the app serves."""

import re

import pytest
import yaml
from openapi_spec_validator import validate

from config import BASE_DIR

# Operations the spec describes that a later issue implements. This list may only shrink: a new
# route must be documented, and a documented route, once built, leaves this list.
NOT_YET_IMPLEMENTED: set[str] = set()  # every operation of swagger.yml is served

# Routes that serve the documentation itself rather than the API.
DOC_ENDPOINTS = {"static", "ops.swagger_yaml", "ops.apidocs"}
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def spec():
    with open(BASE_DIR / "swagger.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def spec_operations(spec):
    return {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method.upper() in HTTP_METHODS
    }


def app_operations(app):
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in DOC_ENDPOINTS or rule.endpoint.startswith("flasgger."):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        operations |= {f"{method} {path}" for method in rule.methods & HTTP_METHODS}
    return operations


def test_spec_is_valid_openapi_3_0(spec):
    assert spec["openapi"].startswith("3.0.")
    validate(spec)


def test_every_route_of_the_app_is_in_the_spec(app, spec):
    undocumented = app_operations(app) - spec_operations(spec)
    assert not undocumented, f"routes missing from swagger.yml: {sorted(undocumented)}"


def test_every_documented_operation_is_served_or_known_pending(app, spec):
    missing = spec_operations(spec) - app_operations(app) - NOT_YET_IMPLEMENTED
    assert not missing, f"documented but not served: {sorted(missing)}"


def test_the_pending_list_only_names_documented_unbuilt_operations(app, spec):
    assert spec_operations(spec) >= NOT_YET_IMPLEMENTED
    built = NOT_YET_IMPLEMENTED & app_operations(app)
    assert not built, f"built now, remove from NOT_YET_IMPLEMENTED: {sorted(built)}"


def test_the_served_spec_is_swagger_yml_as_openapi_3(client, spec):
    served = client.get("/apispec.json").get_json()
    assert served["openapi"] == spec["openapi"]
    assert "swagger" not in served, "a spec with both swagger and openapi breaks Swagger UI"
    assert served["paths"].keys() == spec["paths"].keys()
    validate(served)
    raw = client.get("/swagger.yml")
    assert raw.status_code == 200
    assert yaml.safe_load(raw.get_data(as_text=True)) == spec


def test_swagger_ui_is_at_the_root_and_apidocs_reaches_it(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "swagger-ui" in page.get_data(as_text=True)
    assert "/apispec.json" in page.get_data(as_text=True)
    assert client.get("/apidocs/", follow_redirects=True).request.path == "/"
