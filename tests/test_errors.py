"""Every failure answers in the API's JSON shape, with the right status and no internals."""

import logging

import pytest
from flask import Blueprint, jsonify
from pydantic import Field

from app import create_app
from app.common.validation import InputModel, parse_body
from app.errors import Conflict, NotFound, SoldOut
from tests.conftest import SuiteConfig

probe = Blueprint("probe", __name__)


class ProbeInput(InputModel):
    name: str = Field(min_length=1)
    quantity: int = Field(ge=1)


@probe.post("/probe/echo")
def echo():
    return jsonify(parse_body(ProbeInput).model_dump())


@probe.get("/probe/missing")
def missing():
    raise NotFound("No such probe.")


@probe.get("/probe/conflict")
def conflict():
    raise SoldOut(available=3)


@probe.get("/probe/crash")
def crash():
    raise RuntimeError("secret internals: password=hunter2")


@pytest.fixture(scope="module")
def probe_client():
    app = create_app(SuiteConfig)
    app.register_blueprint(probe)
    return app.test_client()


def assert_error_shape(response, status, code):
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    return body


def test_unknown_route_is_json_404(probe_client):
    assert_error_shape(probe_client.get("/no/such/route"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(probe_client):
    response = probe_client.delete("/probe/missing")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_app_errors_keep_their_status_code_and_extra_fields(probe_client):
    assert_error_shape(probe_client.get("/probe/missing"), 404, "not_found")
    body = assert_error_shape(probe_client.get("/probe/conflict"), 409, "not_enough_tickets")
    assert body["available"] == 3
    assert Conflict.status == 409


def test_malformed_json_is_400(probe_client):
    response = probe_client.post("/probe/echo", data="{not json", content_type="application/json")
    assert_error_shape(response, 400, "invalid_json")


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42"])
def test_a_body_that_is_not_an_object_is_400(probe_client, body):
    response = probe_client.post("/probe/echo", data=body, content_type="application/json")
    assert_error_shape(response, 400, "invalid_json")


def test_validation_errors_name_each_field(probe_client):
    response = probe_client.post("/probe/echo", json={"name": "", "quantity": "many", "x": 1})
    body = assert_error_shape(response, 400, "validation_error")
    assert set(body["fields"]) == {"name", "quantity", "x"}
    assert all(isinstance(msgs, list) and msgs for msgs in body["fields"].values())


def test_valid_input_passes(probe_client):
    response = probe_client.post("/probe/echo", json={"name": " Dougga ", "quantity": 2})
    assert response.status_code == 200
    assert response.get_json() == {"name": "Dougga", "quantity": 2}


def test_a_body_over_one_mebibyte_is_413(probe_client):
    huge = '{"name": "' + "x" * (1024 * 1024 + 10) + '", "quantity": 1}'
    response = probe_client.post("/probe/echo", data=huge, content_type="application/json")
    assert_error_shape(response, 413, "payload_too_large")


def test_a_crash_is_500_logged_with_its_traceback_and_hides_internals(probe_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = probe_client.get("/probe/crash")
    body = assert_error_shape(response, 500, "internal_error")
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert set(body) == {"error", "code", "request_id"}
    logged = [record for record in caplog.records if record.exc_info]
    assert logged, "the traceback must be logged"
    assert body["request_id"] in logged[0].getMessage()
    assert response.headers["X-Request-ID"] == body["request_id"]
