"""Elastic Path's error envelope: `{"errors": [{status, title, detail?, source?}]}`.

elasticpath.md §5: validation, bad JSON and bad filters are 400, a missing or
expired token 401, a token that may not reach a record 403; FastAPI's 422 never
leaks, and unknown routes and methods answer in the same envelope.

`status` is written the way each service's reference writes it: a string (`"404"`)
where Elastic Path publishes an OpenAPI spec (OAuth, customer addresses, orders: their
`Error` schemas type it `string`), an integer elsewhere (the errors guide, the
customer samples). The app sets `TEXT_STATUS` per request from its path.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from fastapi import Request

from sandboxes.kit import BodyProblem, EmulatorError

TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
TEXT_STATUS: ContextVar[bool] = ContextVar("elasticpath_text_status", default=False)


class ApiError(EmulatorError):
    """An answer in Elastic Path's error envelope."""

    def __init__(
        self, status: int, title: str, detail: str | None = None, source: str | None = None
    ) -> None:
        super().__init__(status, title)
        self.title = title
        self.detail = detail
        self.source = source

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "status": str(self.status) if TEXT_STATUS.get() else self.status,
            "title": self.title,
        }
        if self.detail is not None:
            error["detail"] = self.detail
        if self.source is not None:
            error["source"] = self.source
        return {"errors": [error]}


def envelope(_: Request, status: int, __: str | None) -> ApiError:
    return ApiError(status, TITLES.get(status, "Bad Request"))


def unauthorized() -> ApiError:
    return ApiError(401, "Unable to validate access token")


def forbidden() -> ApiError:
    return ApiError(403, "Forbidden")


def data_required() -> ApiError:
    return ApiError(400, "required", "data is required", "data")


def bad_body(problem: BodyProblem) -> ApiError:
    if problem == "not_json":
        return ApiError(400, "Bad Request", "The request body is not valid JSON")
    return data_required()
