"""Elastic Path's error envelope: `{"errors": [{status, title, detail?, source?}]}`.

elasticpath.md §5: validation, bad JSON and bad filters are 400, a missing or
expired token 401, a token that may not reach a record 403; FastAPI's 422 never
leaks, and unknown routes and methods answer in the same envelope.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from sandboxes.kit import BodyProblem, EmulatorError

TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


class ApiError(EmulatorError):
    """An answer in Elastic Path's error envelope."""

    def __init__(
        self, status: int, title: str, detail: str | None = None, source: str | None = None
    ) -> None:
        super().__init__(status, title)
        self.error: dict[str, Any] = {"status": status, "title": title}
        if detail is not None:
            self.error["detail"] = detail
        if source is not None:
            self.error["source"] = source

    def body(self) -> dict[str, Any]:
        return {"errors": [self.error]}


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
