"""Square's error envelope: `{"errors": [{category, code, detail, field?}]}`.

The category follows from the status (square.md): 401 `AUTHENTICATION_ERROR`, 429
`RATE_LIMIT_ERROR`, 5xx `API_ERROR`, anything else `INVALID_REQUEST_ERROR`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from sandboxes.kit import BodyProblem, EmulatorError

ROUTING = {404: ("NOT_FOUND", "Not found."), 405: ("METHOD_NOT_ALLOWED", "Method not allowed.")}


class SquareApiError(EmulatorError):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, detail, headers)
        category = {
            401: "AUTHENTICATION_ERROR",
            429: "RATE_LIMIT_ERROR",
        }.get(status, "API_ERROR" if status >= 500 else "INVALID_REQUEST_ERROR")
        self.error: dict[str, str] = {"category": category, "code": code, "detail": detail}
        if field:
            self.error["field"] = field

    def body(self) -> dict[str, Any]:
        return {"errors": [self.error]}


def envelope(_: Request, status: int, field: str | None) -> SquareApiError:
    """FastAPI's own refusals: a malformed parameter, an unknown route, a wrong method."""
    if status == 400:
        return SquareApiError(400, "INVALID_VALUE", f"Invalid value for `{field}`.", field)
    code, detail = ROUTING.get(status, ("BAD_REQUEST", "Bad request."))
    return SquareApiError(status, code, detail)


def unauthorized() -> SquareApiError:
    return SquareApiError(401, "UNAUTHORIZED", "This request could not be authorized.")


def bad_body(problem: BodyProblem) -> SquareApiError:
    if problem == "not_json":
        return SquareApiError(400, "INVALID_CONTENT_TYPE", "The body is not JSON.")
    return SquareApiError(400, "EXPECTED_OBJECT", "The body must be a JSON object.")


def invalid_cursor() -> SquareApiError:
    return SquareApiError(400, "INVALID_CURSOR", "The cursor is invalid.", "cursor")
