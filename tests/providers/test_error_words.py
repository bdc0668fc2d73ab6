"""A provider's free text never becomes what a client reads.

Every error mapper is fed each of its envelope's branches with a marker in every
free-text field (Square's `detail`, Clover's `message`, Elastic Path's `title` and
`detail`, Digital River's `message`): the marker may reach `str(error)`, which goes
to logs, and never `safe_message`, the only text in a response. Upstream text can
quote the input back (an email, a name), so this is what keeps PII out of answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gateway.errors import GatewayError
from gateway.providers.clover import mapping as clover
from gateway.providers.digitalriver import mapping as digitalriver
from gateway.providers.elasticpath import mapping as elasticpath
from gateway.providers.square import mapping as square

MARK = "ada@example.com said UPSTREAM-WORDS"
STATUSES = (400, 401, 402, 403, 404, 405, 409, 422, 429, 500)

SQUARE = [
    {"errors": [{"category": "INVALID_REQUEST_ERROR", "code": code, "detail": MARK}]}
    for code in (
        "NOT_FOUND",
        "VERSION_MISMATCH",
        "IDEMPOTENCY_KEY_REUSED",
        "INVALID_CARD_DATA",
        "INVALID_EMAIL_ADDRESS",
        "VALUE_TOO_LONG",
        "BAD_REQUEST",
        "UNAUTHORIZED",
    )
]
CLOVER: list[dict[str, Any]] = [
    {"message": MARK},
    *(
        {"error": {"type": "invalid_request_error", "code": code, "param": param, "message": MARK}}
        for code, param in (
            ("card_declined", None),
            ("invalid_request", "source"),
            ("email_invalid", None),
            ("invalid_request", "email"),
            ("resource_missing", "customer"),
            ("parameter_unknown", "nickname"),
        )
    ),
]
ELASTICPATH = [
    {"errors": [{"title": MARK, "detail": MARK, "source": source}]}
    for source in (None, "data.email", "email", "data.first_name", "password", "line_1")
]
DIGITALRIVER = [
    {"type": "bad_request", "errors": [{"code": code, "parameter": parameter, "message": MARK}]}
    for code, parameter in (
        ("already_exists", "id"),
        ("not_found", "id"),
        ("not_found", "sourceId"),
        ("invalid_parameter", "email"),
        ("invalid_parameter", "metadata"),
        ("missing_parameter", None),
        ("conflict", None),
    )
]

MAPPERS: dict[str, tuple[Callable[[int, Any], GatewayError], list[dict[str, Any]]]] = {
    "square": (square.error_from, SQUARE),
    "clover": (clover.error_from, CLOVER),
    "elasticpath": (elasticpath.error_from, ELASTICPATH),
    "digitalriver": (digitalriver.error_from, DIGITALRIVER),
}


@pytest.mark.parametrize("provider", sorted(MAPPERS))
@pytest.mark.parametrize("status", STATUSES)
def test_upstream_text_stays_out_of_the_clients_words(provider: str, status: int) -> None:
    error_from, bodies = MAPPERS[provider]
    for body in bodies:
        error = error_from(status, body)
        assert isinstance(error, GatewayError)
        assert error.safe_message
        assert "UPSTREAM-WORDS" not in error.safe_message, (provider, status, body)
        assert "ada@example.com" not in error.safe_message


def test_the_marker_does_reach_the_log_text() -> None:
    """The test above would pass vacuously if the mappers never read the free text."""
    seen = {
        name: any(
            "UPSTREAM-WORDS" in str(error_from(status, body))
            for body in bodies
            for status in STATUSES
        )
        for name, (error_from, bodies) in MAPPERS.items()
    }
    assert seen == dict.fromkeys(MAPPERS, True)
