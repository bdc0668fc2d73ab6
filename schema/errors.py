"""The one place GraphQL errors are shaped: code, provider, safe message, one log line.

Resolver exceptions arrive here as `original_error`; each becomes a GraphQLError with
`extensions.code` from `gateway.errors.graphql_code` and, when one provider is at
fault, `extensions.provider` (plus `extensions.retryAfter`, in seconds, when the
provider said how long to back off). Messages are the errors' safe messages: no upstream
body, secret or traceback reaches a client or a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.errors import ProviderError, ProviderRateLimited, graphql_code, safe_message
from schema.context import GatewayContext

log = logging.getLogger("gateway.graphql")


def shape(error: GraphQLError) -> GraphQLError:
    exc = error.original_error
    if exc is None:
        return error
    extensions: dict[str, Any] = {"code": graphql_code(exc).value}
    if isinstance(exc, ProviderError):
        extensions["provider"] = exc.provider.name
    if isinstance(exc, ProviderRateLimited) and exc.retry_after is not None:
        extensions["retryAfter"] = exc.retry_after
    path = ".".join(str(p) for p in error.path or ())
    if isinstance(exc, ProviderError) or extensions["code"] != "INTERNAL":
        log.warning("graphql error code=%s path=%s: %s", extensions["code"], path, exc)
    else:
        log.error("graphql error code=INTERNAL path=%s: %s", path, type(exc).__name__)
    return GraphQLError(
        safe_message(exc),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class GatewayErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None:
            return
        context = self.execution_context.context
        deferred = context.deferred_errors if isinstance(context, GatewayContext) else []
        errors = list(getattr(result, "errors", None) or [])
        errors += [
            GraphQLError(d.error.safe_message, path=list(d.path), original_error=d.error)
            for d in deferred
        ]
        if errors:
            result.errors = [shape(e) for e in errors]
