"""The one place GraphQL errors are shaped and logged: code, provider, safe message.

Every error gets an `extensions.code`. Resolver exceptions arrive as `original_error`
and take theirs from `gateway.errors.graphql_code`, plus `extensions.provider` when
one provider is at fault (and `extensions.retryAfter`, in seconds, when it said how
long to back off) and `extensions.field` for an input at fault. Errors of the
request itself follow Apollo's codes: `GRAPHQL_PARSE_FAILED`,
`GRAPHQL_VALIDATION_FAILED`, and `BAD_USER_INPUT` for variables that do not fit their
types. An error that already carries a code (a cost rejection) keeps it.

Each error is logged once, as one line of code, path, operation name and provider
(the formatter adds the request id). Never a message: graphql-core's quote the
query's literals and the variables' values, and exceptions' may quote input. An
INTERNAL error adds its exception's type and traceback frames, without their values.
"""

from __future__ import annotations

import enum
import logging
import re
import traceback
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from gateway.errors import (
    CircuitOpen,
    ErrorCode,
    GatewayError,
    MalformedId,
    ProviderError,
    ProviderRateLimited,
    UserInputError,
    graphql_code,
    safe_message,
)

log = logging.getLogger("gateway.graphql")

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
MAX_CAUSES = 5


class Stage(enum.Enum):
    """Where in a request an error arose: it decides the code of errors without one."""

    PARSE = "parse"
    VALIDATION = "validation"
    EXECUTION = "execution"


def coded(error: GraphQLError) -> bool:
    """Whether the error has its code already (shaped here, or made with one)."""
    return "code" in (error.extensions or {})


def shape(error: GraphQLError, stage: Stage = Stage.EXECUTION) -> GraphQLError:
    """The error as clients read it: a code always, a safe message for exceptions."""
    if coded(error):
        return error
    if isinstance(error, GraphQLSyntaxError):  # however it got here (an extension parses too)
        stage = Stage.PARSE
    exc = _cause(error)
    message = error.message
    extensions: dict[str, Any]
    if isinstance(exc, GatewayError):
        extensions = exception_extensions(exc)
        if error.path or not isinstance(exc, UserInputError):
            message = safe_message(exc)
        # else a value refused while coercing: graphql-core's words say where, quoting input
    elif stage is Stage.PARSE:
        extensions = {"code": ErrorCode.GRAPHQL_PARSE_FAILED.value}
        if exc is not None:  # the parser gave up (too deep, say): its words are internals
            message = "The query could not be parsed."
    elif stage is Stage.VALIDATION:
        extensions = {"code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value}
    elif exc is None and not error.path:  # variables that do not fit, no such operation
        extensions = {"code": ErrorCode.BAD_USER_INPUT.value}
    else:
        message = safe_message(exc) if exc is not None else "Internal error."
        extensions = {"code": ErrorCode.INTERNAL.value}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def _cause(error: GraphQLError) -> Exception | None:
    """The exception behind an error, through graphql-core's wrappings (variables)."""
    exc = error.original_error
    while isinstance(exc, GraphQLError):
        exc = exc.original_error
    return exc


def exception_extensions(exc: GatewayError) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": graphql_code(exc).value}
    if isinstance(exc, ProviderError):
        extensions["provider"] = exc.provider.name
    if isinstance(exc, (ProviderRateLimited, CircuitOpen)) and exc.retry_after is not None:
        extensions["retryAfter"] = round(exc.retry_after, 3)
    if isinstance(exc, (UserInputError, MalformedId)) and exc.field:
        extensions["field"] = list(exc.field)
    return extensions


def report(error: GraphQLError, stage: Stage, operation: str | None) -> GraphQLError:
    """`shape` the error and write its one log line."""
    shaped = shape(error, stage)
    extensions = shaped.extensions or {}
    code = str(extensions.get("code"))
    fields = (
        code,
        ".".join(str(p) for p in shaped.path or ()) or "-",
        operation if operation is not None and _NAME.fullmatch(operation) else "-",
        str(extensions.get("provider", "-")),
    )
    line = "graphql error code=%s path=%s operation=%s provider=%s"
    exc = _cause(error)
    if code == ErrorCode.INTERNAL.value:
        log.error(line + " %s", *fields, _frames(exc) if exc is not None else "type=-")
    elif isinstance(exc, ProviderError):
        upstream = (exc.status, _token(exc.code), type(exc).__name__)
        log.warning(line + " status=%s upstream_code=%s error=%s", *fields, *upstream)
    else:
        log.info(line, *fields)
    return shaped


def _token(value: str | None) -> str:
    return value if value is not None and _TOKEN.fullmatch(value) else "-"


def _frames(exc: BaseException) -> str:
    """The exception's type and frames, and its causes': no message, no local values."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < MAX_CAUSES:
        kind = f"{type(current).__module__}.{type(current).__qualname__}"
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        parts.append(f"type={kind}\n{frames}".rstrip())
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\ncaused by ".join(parts)


class GatewayErrors(SchemaExtension):
    """Shapes and logs every error of an operation (schema.partial's added before)."""

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        super().__init__(execution_context=execution_context)
        self._invalid: list[GraphQLError] = []

    def on_validate(self) -> Iterator[None]:
        yield
        self._invalid = list(self.execution_context.pre_execution_errors or ())

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None:
            return
        errors = list(getattr(result, "errors", None) or [])
        if errors:
            operation = self.execution_context.operation_name
            result.errors = [report(e, self._stage(e), operation) for e in errors]

    def _stage(self, error: GraphQLError) -> Stage:
        if self.execution_context.graphql_document is None:
            return Stage.PARSE
        if any(error is invalid for invalid in self._invalid):
            return Stage.VALIDATION
        return Stage.EXECUTION
