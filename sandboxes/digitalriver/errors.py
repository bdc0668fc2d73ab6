"""Digital River's error envelope: `{"type", "errors": [{code?, parameter?, message}]}`.

The `type` names the status (digitalriver.md, "Errors"); malformed requests,
unknown routes and wrong methods answer in it too, never in FastAPI's shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from sandboxes.kit import BodyProblem, EmulatorError

ERROR_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
ROUTING_MESSAGES = {404: "Not found.", 405: "Method Not Allowed"}


class ApiError(EmulatorError):
    """One Digital River error, answered in its `{"type", "errors": [...]}` envelope."""

    def __init__(
        self, status: int, code: str | None, message: str, parameter: str | None = None
    ) -> None:
        super().__init__(status, message)
        self.error: dict[str, str] = {}
        if code is not None:
            self.error["code"] = code
        if parameter is not None:
            self.error["parameter"] = parameter
        self.error["message"] = message

    def body(self) -> dict[str, Any]:
        return {"type": ERROR_TYPES.get(self.status, "bad_request"), "errors": [self.error]}


def envelope(_: Request, status: int, __: str | None) -> ApiError:
    if status == 400:
        return invalid_request("The request is malformed.")
    return ApiError(status, None, ROUTING_MESSAGES.get(status, "Bad request."))


def invalid(parameter: str, message: str, code: str = "invalid_parameter") -> ApiError:
    return ApiError(400, code, message, parameter)


def invalid_request(message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message)


def bad_body(problem: BodyProblem) -> ApiError:
    if problem == "not_json":
        return invalid_request("The request body is not JSON.")
    return invalid_request("The request body must be a JSON object.")
