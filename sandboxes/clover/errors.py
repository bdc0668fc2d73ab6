"""Clover's two error envelopes, one per API the emulator serves.

Platform v3 answers a small `{"message", "details"?}`; Ecommerce v1 (`/v1/...`)
answers `{"error": {type, code, message, param?}}` (clover.md, "Errors"). Errors
that are not a route's own (auth, rate limit, malformed parameters, unknown routes)
take the envelope of the API the request's path belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from sandboxes.kit import BodyProblem, EmulatorError, local_path

ECOMMERCE_TYPES = {401: "authentication_error", 429: "rate_limit_error"}
ECOMMERCE_CODES = {401: "unauthorized", 404: "resource_missing", 429: "rate_limit"}
MESSAGES = {
    400: "Invalid request",
    401: "401 Unauthorized",
    402: "Payment Required",
    404: "Not Found",
    405: "405 Method Not Allowed",
    429: "Too Many Requests",
}
BODY_MESSAGES = {
    "not_json": "The body is not valid JSON.",
    "not_object": "The body must be a JSON object.",
}


class PlatformError(EmulatorError):
    """A v3 error: a status and Clover's small `{"message", "details"}` body."""

    def __init__(
        self,
        status: int,
        message: str,
        details: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.error: dict[str, str] = {"message": message}
        if details:
            self.error["details"] = details

    def body(self) -> dict[str, Any]:
        return dict(self.error)


class EcommerceError(EmulatorError):
    """An Ecommerce v1 error: `{"error": {type, code, message, param}}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        charge: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.error: dict[str, str] = {"type": error_type, "code": code, "message": message}
        if param:
            self.error["param"] = param
        if charge:
            self.error["charge"] = charge  # a declined charge's id (docs "response codes")

    def body(self) -> dict[str, Any]:
        return {"error": self.error}


def is_ecommerce(request: Request) -> bool:
    path = local_path(request)
    return path == "/v1" or path.startswith("/v1/")


def api_error(
    request: Request, status: int, headers: Mapping[str, str] | None = None
) -> EmulatorError:
    """A status with Clover's message for it, in the envelope of the API asked."""
    message = MESSAGES.get(status, "Invalid request")
    if is_ecommerce(request):
        return EcommerceError(
            status,
            ECOMMERCE_CODES.get(status, "invalid_request_error"),
            message,
            error_type=ECOMMERCE_TYPES.get(status, "invalid_request_error"),
            headers=headers,
        )
    return PlatformError(status, message, headers=headers)


def envelope(request: Request, status: int, _: str | None) -> EmulatorError:
    return api_error(request, status)


def customer_not_found() -> PlatformError:
    return PlatformError(404, "Not Found", "Customer not found")


def platform_bad_body(problem: BodyProblem) -> PlatformError:
    return PlatformError(400, BODY_MESSAGES[problem])


def ecommerce_bad_body(problem: BodyProblem) -> EcommerceError:
    return EcommerceError(400, "invalid_request_error", BODY_MESSAGES[problem])
