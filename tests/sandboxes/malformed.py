"""A generated set of malformed requests for any emulator route, and how each provider refuses.

Nothing here is written against one emulator's code: the routes come from the app's own
router, real ids from the emulator's own list endpoints, and the bodies are mutations of
a record the emulator itself returned (every field in turn set to a wrong type, a null, a
huge value), plus bytes that are not JSON, JSON that is not an object, form bodies that
are not UTF-8, unknown fields, unknown routes and wrong methods. Each provider's error
envelope is written out from its docs (shared/providers/<p>.md, "Errors"), not imported
from the emulator it judges.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

HUGE = "x" * 20_000
NESTED_WRONG: dict[str, Any] = {"filter": None, "sort": 1, "type": [], "id": {}, "q": {"?": None}}
WRONG_VALUES: tuple[Any, ...] = (None, 1, True, "", HUGE, [], {}, -(10**30), NESTED_WRONG)
QUERY_VALUES = ("", "-1", "abc", "x" * 3000, "\x00", "id>=,")
QUERY_NAMES = (
    "limit",
    "offset",
    "cursor",
    "page[limit]",
    "page[offset]",
    "filter",
    "expand",
    "sort",
    "customer",
    "starting_after",
    "ending_before",
    "email",
    "ids",
    "include",
    "state",
    "createdTime",
)
EXTRA_FIELDS = (
    "id",
    "email",
    "name",
    "data",
    "source",
    "amount",
    "currency",
    "items",
    "customer",
    "query",
    "filter",
)
RAW_BODIES: tuple[bytes, ...] = (
    b"{",
    b"[1, 2",
    b"\xff\xfe\x00",
    b"null",
    b"[]",
    b'"text"',
    b"12",
    b"true",
    b'{"a": NaN}',
    b'{"a": -Infinity}',
    b'{"a": "\\ud800"}',
    b'{"a": ' + b"9" * 5000 + b"}",
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_001,
    b'{"unknown_field_zz": {"deep": [1, {"x": null}]}}',
)
FORM = "application/x-www-form-urlencoded"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Probe:
    """One request to send, and what the answer may be."""

    method: str
    path: str
    label: str
    params: tuple[tuple[str, str], ...] = ()
    content: bytes | None = None
    json: Any = None
    content_type: str | None = None
    statuses: frozenset[int] | None = None
    """The only statuses allowed (unknown routes, wrong methods); None: any non-5xx."""


def params_of(template: str) -> list[str]:
    return PARAM.findall(template)


def fill(template: str, values: Mapping[str, str]) -> str:
    return PARAM.sub(lambda m: values[m[1]], template)


def first_listed_id(body: Any) -> str | None:
    """The `id` of the first record of the first list of records in a response."""
    queue = [body]
    while queue:
        node = queue.pop(0)
        if isinstance(node, list) and node and isinstance(node[0], dict) and "id" in node[0]:
            return str(node[0]["id"])
        if isinstance(node, dict):
            queue.extend(node.values())
        elif isinstance(node, list):
            queue.extend(node)
    return None


def nested_listed_id(body: Any, segment: str) -> str | None:
    """The first id of the list a parent record keeps under this path segment's name."""
    wanted = re.sub(r"[_\-]", "", segment).lower()
    if not isinstance(body, dict):
        return None
    for key, value in body.items():
        if re.sub(r"[_\-]", "", key).lower() != wanted:
            continue
        rows = value.get("elements", value.get("data")) if isinstance(value, dict) else value
        if isinstance(rows, list) and rows and isinstance(rows[0], dict) and "id" in rows[0]:
            return str(rows[0]["id"])
    return None


def mutations(base: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field of `base`, and one level into its objects, set to each wrong value in turn."""
    keys = list(dict.fromkeys([*base, *EXTRA_FIELDS]))
    for key in keys:
        for value in WRONG_VALUES:
            yield f"{key}={_short(value)}", {**base, key: value}
        inner = base.get(key)
        if isinstance(inner, dict):
            for sub in list(inner)[:6]:
                for value in WRONG_VALUES:
                    yield f"{key}.{sub}={_short(value)}", {**base, key: {**inner, sub: value}}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}...({len(text)})"


def body_probes(method: str, path: str, base: Mapping[str, Any]) -> Iterator[Probe]:
    for raw in RAW_BODIES:
        label = f"raw {_short(raw)}"
        yield Probe(method, path, label, content=raw, content_type="application/json")
    yield Probe(method, path, "text/plain body", content=b"{}", content_type="text/plain")
    for raw in (b"\xff\xfe=\xff", b"a=&=b&&c=%zz&" + b"k=" + b"v" * 20_000):
        label = f"form {_short(raw)}"
        yield Probe(method, path, label, content=raw, content_type=FORM)
    for label, body in mutations(base):
        yield Probe(method, path, label, json=body)


def query_probes(method: str, path: str) -> Iterator[Probe]:
    for name in QUERY_NAMES:
        for value in QUERY_VALUES:
            yield Probe(method, path, f"?{name}={_short(value)}", params=((name, value),))
    yield Probe(method, path, "repeated limit", params=(("limit", "1"), ("limit", "2")))


def routing_probes(
    templates: Mapping[str, frozenset[str]], known: Mapping[str, str], fake: str
) -> Iterator[Probe]:
    """Wrong methods on every path, and paths no route has (`known` fills fixed parameters)."""
    for template, methods in templates.items():
        path = fill(template, {name: known.get(name, fake) for name in params_of(template)})
        for method in ALL_METHODS:
            if method not in methods:
                yield Probe(method, path, "wrong method", statuses=frozenset({404, 405}))
        yield Probe("GET", f"{path}/no-such-route", "unknown route", statuses=frozenset({404, 405}))
    for path in ("/", "/no-such-route", "/v9/customers", "/%00", "/" + "y" * 3000):
        yield Probe("GET", path, "unknown route", statuses=frozenset({404, 405}))


Envelope = Callable[[str, int, Any], str | None]
"""(path, status, body) -> what is wrong with the error body, or None."""


def square_envelope(_: str, __: int, body: Any) -> str | None:
    """square.md "Errors": `{"errors": [{category, code, detail?, field?}]}`."""
    categories = {
        "API_ERROR",
        "AUTHENTICATION_ERROR",
        "INVALID_REQUEST_ERROR",
        "RATE_LIMIT_ERROR",
        "PAYMENT_METHOD_ERROR",
        "REFUND_ERROR",
        "MERCHANT_SUBSCRIPTION_ERROR",
    }
    errors = body.get("errors") if isinstance(body, dict) else None
    if set(body or {}) != {"errors"} or not isinstance(errors, list) or not errors:
        return "not {'errors': [...]}"
    for error in errors:
        if not isinstance(error, dict) or error.get("category") not in categories:
            return "an error without a Square category"
        if not isinstance(error.get("code"), str):
            return "an error without a code"
        if not set(error) <= {"category", "code", "detail", "field"}:
            return f"foreign keys {sorted(set(error) - {'category', 'code', 'detail', 'field'})}"
    return None


def clover_envelope(path: str, _: int, body: Any) -> str | None:
    """clover.md §7: v3 `{"message", "details"?}`; Ecommerce `{"error": {type, code, message}}`."""
    if not isinstance(body, dict):
        return "not an object"
    if path == "/v1" or path.startswith("/v1/"):
        types = {
            "api_connection_error",
            "api_error",
            "authentication_error",
            "card_error",
            "idempotency_error",
            "invalid_request_error",
            "rate_limit_error",
        }
        error = body.get("error")
        if set(body) != {"error"} or not isinstance(error, dict):
            return "not {'error': {...}}"
        if error.get("type") not in types or not isinstance(error.get("message"), str):
            return "an Ecommerce error without a documented type or a message"
        allowed = {"type", "code", "message", "param", "charge", "decline_code", "doc_url"}
        return None if set(error) <= allowed else f"foreign keys {sorted(set(error) - allowed)}"
    if not isinstance(body.get("message"), str) or not set(body) <= {"message", "details"}:
        return "not {'message', 'details'?}"
    return None


def elasticpath_envelope(_: str, status: int, body: Any) -> str | None:
    """elasticpath.md §5: `{"errors": [{status, title, detail?, source?, meta?}]}`."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if set(body or {}) != {"errors"} or not isinstance(errors, list) or not errors:
        return "not {'errors': [...]}"
    for error in errors:
        if not isinstance(error, dict) or not isinstance(error.get("title"), str):
            return "an error without a title"
        if str(error.get("status")) != str(status):
            return f"an error whose status {error.get('status')!r} is not the response's"
        if not set(error) <= {"status", "title", "detail", "source", "meta"}:
            return "foreign keys in an error"
    return None


DIGITALRIVER_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    429: "too_many_requests",
}


def digitalriver_envelope(_: str, status: int, body: Any) -> str | None:
    """digitalriver.md §5: `{"type": <status name>, "errors": [{code?, parameter?, message}]}`."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if set(body or {}) != {"type", "errors"} or not isinstance(errors, list) or not errors:
        return "not {'type', 'errors': [...]}"
    if body["type"] != DIGITALRIVER_TYPES.get(status):
        return f"type {body['type']!r} does not name status {status}"
    for error in errors:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            return "an error without a message"
        if not set(error) <= {"code", "parameter", "message"}:
            return "foreign keys in an error"
    return None
