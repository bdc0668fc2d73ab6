"""Square's OpenAPI spec as the Square tests read it: vendored, trimmed, objects closed.

`spec/api.json` is Square's `api.json` (square/connect-api-specification at the commit
its `x-source` names, Apache-2.0, LICENSE.txt beside it) trimmed to the operations the
emulator implements. Square refuses a field a request does not define
(`UNKNOWN_BODY_PARAMETER`, one of its generic error codes), so the loaded copy closes
every object schema that lists properties (`additionalProperties: false`): generated
valid bodies then carry no stray fields, and answers may carry nothing undefined.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import schemathesis

SPEC_FILE = Path(__file__).parent / "spec" / "api.json"
CATEGORY_BY_STATUS = {401: "AUTHENTICATION_ERROR", 429: "RATE_LIMIT_ERROR"}


def _closed(node: Any) -> Any:
    """The same schema with every object that lists properties closed to others."""
    if isinstance(node, list):
        return [_closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    closed = {key: _closed(value) for key, value in node.items()}
    if "properties" in closed and "additionalProperties" not in closed:
        closed["additionalProperties"] = False
    return closed


RAW = _closed(json.loads(SPEC_FILE.read_text()))
SCHEMA = schemathesis.openapi.from_dict(RAW)


def _error_envelope() -> jsonschema_rs.Validator:
    schemas = RAW["components"]["schemas"]
    defs = json.loads(
        json.dumps({n: schemas[n] for n in ("Error", "ErrorCategory", "ErrorCode")}).replace(
            "#/components/schemas/", "#/$defs/"
        )
    )
    return jsonschema_rs.validator_for(
        {
            "type": "object",
            "required": ["errors"],
            "additionalProperties": False,
            "properties": {
                "errors": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Error"}}
            },
            "$defs": defs,
        }
    )


ERROR_ENVELOPE = _error_envelope()


def envelope_problem(status: int, body: Any) -> str | None:
    """Why `body` is not the error Square answers with `status`, or None if it is.

    Square documents only 200s; its error `category` follows from the status
    (authentication for 401, rate limit for 429, an invalid request otherwise) and
    every `code` is one of its `ErrorCode` enum.
    """
    if status >= 500:
        return f"a server error ({status})"
    errors = list(ERROR_ENVELOPE.iter_errors(body))
    if errors:
        return f"not Square's error envelope: {errors[0]}"
    expected = CATEGORY_BY_STATUS.get(status, "INVALID_REQUEST_ERROR")
    if body["errors"][0]["category"] != expected:
        return f"category {body['errors'][0]['category']} for {status}, not {expected}"
    return None


def error_of(response: httpx.Response) -> tuple[int, str, str | None]:
    """(status, code, field) of a Square refusal, checked against the spec's envelope."""
    problem = envelope_problem(response.status_code, response.json())
    assert problem is None, f"{problem}: {response.text}"
    [error] = response.json()["errors"]
    return response.status_code, error["code"], error.get("field")


def ok(response: httpx.Response, operation: str) -> Any:
    """The body of a 200 that matches `operation`'s response schema, e.g. `GET /v2/cards`."""
    assert response.status_code == 200, response.text
    method, template = operation.split(" ")
    SCHEMA[template][method].validate_response(response)
    return response.json()
