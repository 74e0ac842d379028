"""Reading and validating request input at the edge of the API.

Hostile input is refused here, once for every route, before anything reaches a service or the
database (API.md: a 400, never a 500):

- JSON nested deeper than MAX_JSON_DEPTH: the stdlib parser recurses once per level and raises
  RecursionError near 1000, so the depth is measured on the text, without recursing, before
  the parser sees it;
- NUL characters in any string the client sends (JSON strings and keys at any depth, query
  parameters, the path, header values): PostgreSQL cannot store them and raises;
- integer query parameters that are not plain decimal integers in the column's 64-bit range.
"""

import json
import re

from flask import Request, request
from pydantic import BaseModel, ConfigDict

from app.common.ids import MAX_ID
from app.errors import BadRequest, InvalidCharacters, ValidationFailed

# Far deeper than any body of the API (the deepest is 3 levels), far below the parser's limit.
MAX_JSON_DEPTH = 32
NON_BRACKET_BYTES = bytes(byte for byte in range(256) if byte not in b"[]{}")
OBJECTS_AS_ARRAYS = bytes.maketrans(b"{}", b"[]")


def nesting_pattern(levels):
    r"""A regex of balanced brackets nested at most `levels` deep (`(?:\[(?:\[\])*+\])*+` for 2).

    Its quantifiers are possessive: it never backtracks, so it matches in one linear pass.
    """
    pattern = ""
    for _ in range(levels):
        pattern = r"(?:\[" + pattern + r"\])*+"
    return re.compile(pattern.encode())


SHALLOW_ENOUGH = nesting_pattern(MAX_JSON_DEPTH)

NUL = "\x00"
NUL_MESSAGE = "must not contain NUL characters"
# The largest value of a 64-bit signed column (PostgreSQL BIGINT, SQLite INTEGER).
MAX_INT64 = 2**63 - 1
DECIMAL_DIGITS = re.compile(r"[0-9]{1,32}")


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


# ------------------------------------------------------------------------------ JSON bodies


class ScreenedJSON:
    """The json module request bodies are parsed with (ScreenedRequest.json_module).

    Every reader of the body goes through it, `silent=True` ones included (the rate limiter's
    key, the idempotency hash), so no route can forget the checks. A refusal is an AppError,
    not a ValueError, so that even a silent get_json answers 400 instead of returning None.
    """

    @staticmethod
    def loads(data, **kwargs):
        text = decoded(data)
        refuse_deep_nesting(text)
        value = json.loads(text, **kwargs)
        # Only a raw NUL or the \u0000 escape can put a NUL into a parsed string.
        if NUL in text or "\\u0000" in text:
            refuse_nul_in_json(value)
        return value


def decoded(data):
    """The body as text, decoded as json.loads decodes bytes (UTF-8, -16 or -32)."""
    if isinstance(data, bytes | bytearray):
        return data.decode(json.detect_encoding(data), "surrogatepass")
    return data


def refuse_deep_nesting(text):
    """400 when arrays and objects nest more than MAX_JSON_DEPTH deep (brackets in strings
    aside), measured without recursing and in linear time, before the parser recurses."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return  # most bodies: too few brackets to be too deep
    brackets = structural_brackets(text)
    if SHALLOW_ENOUGH.fullmatch(brackets):
        return
    if brackets.count(b"[") != brackets.count(b"]"):
        raise BadRequest("The request body is not valid JSON.", code="invalid_json")
    raise BadRequest(
        f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.", code="json_too_deep"
    )


def structural_brackets(text):
    """The brackets of `text` outside its strings, objects written as arrays: b"[[][]]".

    Escaped backslashes, then escaped quotes, are removed first (str.replace pairs a run of
    backslashes from its left, as JSON does), so every quote left opens or closes a string.
    Up to the first syntax error (where the parser stops) this reads the text as the parser
    does; beyond it, a misreading can only refuse the body, which the parser would refuse too.
    """
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    outside_strings = "".join(unescaped.split('"')[::2])
    # Outside strings valid JSON is ASCII: anything else is a syntax error, left to the parser.
    ascii_only = outside_strings.encode("ascii", "ignore")
    return ascii_only.translate(OBJECTS_AS_ARRAYS, NON_BRACKET_BYTES)


def refuse_nul_in_json(value):
    """400 naming every string (or key) of a parsed body that holds a NUL."""
    fields = {}
    pending = [((), value)]  # an explicit stack: the depth is bounded, the width is not
    while pending:
        path, item = pending.pop()
        if isinstance(item, str) and NUL in item:
            fields[field_name(path)] = [NUL_MESSAGE]
        elif isinstance(item, dict):
            for key, child in item.items():
                if NUL in key:
                    fields[field_name((*path, key))] = [NUL_MESSAGE]
                pending.append(((*path, key), child))
        elif isinstance(item, list):
            pending.extend(((*path, index), child) for index, child in enumerate(item))
    if fields:
        raise InvalidCharacters(fields=fields)


def field_name(path):
    """`buyer.name` for ("buyer", "name"); a NUL in a key is shown as a backslash and 0."""
    return ".".join(str(part) for part in path).replace(NUL, "\\0") or "body"


class ScreenedRequest(Request):
    """Flask's Request, parsing its body with ScreenedJSON.

    Flask sets `request.json_module = app.json` on every request; that provider parses with
    the stdlib json too, so the setter keeps ScreenedJSON, which adds the checks to it.
    """

    json_module = property(lambda _request: ScreenedJSON, lambda _request, _provider: None)


# ------------------------------------------------------------- query string, path, headers


def refuse_nul_outside_the_body():
    """before_request: 400 when the path, a query parameter or a header value holds a NUL."""
    fields = {}
    if NUL in request.path:
        fields["path"] = [NUL_MESSAGE]
    query = request.query_string
    if b"%00" in query or b"\x00" in query:
        for name, value in request.args.items(multi=True):
            if NUL in name or NUL in value:
                fields[field_name((name,))] = [NUL_MESSAGE]
    # The WSGI environ directly (cheap): header values arrive there as HTTP_* strings.
    for key, value in request.environ.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            fields[key[5:].replace("_", "-").title()] = [NUL_MESSAGE]
    if fields:
        raise InvalidCharacters(fields=fields)


def parse_json_body_now():
    """before_request: a JSON body is parsed (and cached) before any other hook or decorator
    reads it, so a hostile one is refused here. The rate limiter's key function reads it too,
    and an exception raised inside Flask-Limiter is taken for a storage failure."""
    if request.is_json:
        request.get_json(silent=True)


def register_input_screening(app):
    """Bodies parsed through ScreenedJSON; the checks before every other request hook but the
    request id's (so a refused request still has one)."""
    app.request_class = ScreenedRequest
    hooks = app.before_request_funcs.setdefault(None, [])
    at = min(1, len(hooks))
    hooks[at:at] = [refuse_nul_outside_the_body, parse_json_body_now]


# ----------------------------------------------------------------- integer query parameters


def int_query_arg(name, default=None, minimum=0, maximum=MAX_INT64):
    """An integer query parameter: plain decimal digits, from minimum to maximum, else a 400.

    The default bounds are the database's 64-bit range: a larger value cannot be compared with
    a column (SQLite raises OverflowError), and no row can match it.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # ASCII digits only: str.isdigit() accepts "²", which int() refuses.
    if DECIMAL_DIGITS.fullmatch(raw) and minimum <= int(raw) <= maximum:
        return int(raw)
    message = f"must be an integer from {minimum} to {maximum}"
    raise ValidationFailed(f"{name} {message}.", fields={name: [message]})


def id_query_arg(name):
    """A row id as a query filter: 1 to MAX_ID, the id columns' range. PostgreSQL refuses to
    compare an `integer` column with a larger value (500), so a larger one is a 400 here."""
    return int_query_arg(name, minimum=1, maximum=MAX_ID)
