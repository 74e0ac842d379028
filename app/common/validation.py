"""Reading and validating request input at the edge of the API."""

from flask import request
from pydantic import BaseModel, ConfigDict

from app.errors import BadRequest


class InputModel(BaseModel):
    """Base of input schemas: unknown fields are refused, so nothing is mass-assigned."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def json_body():
    """The request's JSON object; 400 when the body is not JSON or not an object."""
    data = request.get_json(silent=True, force=True)
    if data is None and request.get_data(cache=True):
        raise BadRequest("The request body is not valid JSON.", code="invalid_json")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    return data


def parse_body(schema):
    """The request body validated by a pydantic `schema` (a ValidationError becomes a 400)."""
    return schema.model_validate(json_body())
