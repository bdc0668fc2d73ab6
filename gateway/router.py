"""`/graphql`: Strawberry's router, with every request's work bounded and ended with it.

Each execution runs in a `RequestScope` (`gateway.scope`): upstream calls share the
request's deadline and its budget of calls, and when the answer is produced, the
deadline passes or the client disconnects, the scope closes and every upstream call
still running for the request is cut. graphql-core leaves sibling resolvers running
after a field fails, and DataLoader batches run as tasks of their own; the scope is
what stops them, since they run in its context.

The deadline bounds upstream calls exactly; a backstop `BACKSTOP_GRACE_S` later
bounds the rest (CPU-bound resolving, a stuck cache backend): the answer is then one
`DEADLINE_EXCEEDED` error; when a stopping server pulls the deadline in
(`gateway.scope.drain`), the backstop moves with it. An encoded answer over
`max_response_bytes` is replaced by one `RESPONSE_TOO_LARGE` error before anything is
sent.

A client over its budget (`gateway.auth.rate_limits`: one request admitted here, the
operation's cost charged once `schema.limits` has estimated it) gets one
`RATE_LIMITED` error, HTTP 429 and `Retry-After`, with nothing sent upstream.

A persisted query (`extensions.persistedQuery`, `gateway.persisted`) is resolved to
its document before Strawberry sees the request; from there it runs like any other,
through the same limits, cost estimate and permissions.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any, TypeVar

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive
from starlette.websockets import WebSocket
from strawberry.fastapi.context import CustomContext
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.unset import UNSET

from gateway import logs
from gateway.auth.rate_limits import ClientLimiter, refusal_error, too_many
from gateway.config import LimitSettings
from gateway.errors import (
    ClientDisconnected,
    ClientRateLimited,
    ErrorCode,
    GatewayError,
    PersistedQueryRefused,
    RequestDeadlineExceeded,
    ResponseTooLarge,
    graphql_code,
    safe_message,
)
from gateway.graphiql import LocalGraphiQLRouter
from gateway.metrics import GatewayMetrics, operation, recording, result_errors
from gateway.persisted import NO_STORE, PersistedQueries
from gateway.scope import RequestScope, activated
from gateway.tracing import continued
from schema.context import GatewayContext

log = logging.getLogger("gateway.router")

T = TypeVar("T")

BACKSTOP_GRACE_S = 1.0
"""How long past the deadline the answer may take before it is given up whole: time for
the resolvers to turn the calls cut at the deadline into field errors."""


def _error(exc: GatewayError, **extensions: Any) -> GraphQLError:
    return GraphQLError(
        safe_message(exc), extensions={"code": graphql_code(exc).value, **extensions}
    )


def _refusal(refused: HTTPException) -> JSONResponse:
    """A transport-level refusal as a GraphQL error: status kept, a code, a fixed message.

    An unknown operation name is not echoed back.
    """
    if refused.status_code == 400 and "operation named" in refused.reason:
        code, message = ErrorCode.OPERATION_RESOLUTION_FAILURE, "No operation has that name."
    else:
        code, message = ErrorCode.BAD_REQUEST, refused.reason
    log.info("request refused: code=%s status=%d", code.value, refused.status_code)
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code.value}}]}
    return JSONResponse(body, status_code=refused.status_code)


async def _disconnected(receive: Receive) -> None:
    """Returns when the client disconnects (the body has been read by then)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _within(scope: RequestScope, receive: Receive, work: Awaitable[T]) -> T | ExecutionResult:
    """`work`'s result, or one error if the backstop passes or the client goes first."""
    loop = asyncio.get_running_loop()
    backstop = asyncio.timeout_at(scope.deadline() + BACKSTOP_GRACE_S)
    watcher = asyncio.ensure_future(_disconnected(receive))
    running = True

    def client_gone(watch: asyncio.Future[None]) -> None:
        if watch.cancelled() or watch.exception() is not None or not running:
            return
        scope.close()
        backstop.reschedule(loop.time())

    watcher.add_done_callback(client_gone)
    try:
        async with backstop:
            with scope.bounding(backstop, BACKSTOP_GRACE_S):
                return await work
    except TimeoutError:
        if not backstop.expired():
            raise
        gone = watcher.done() and not watcher.cancelled() and watcher.exception() is None
        error: GatewayError = ClientDisconnected() if gone else RequestDeadlineExceeded()
        log.warning("request ended early: code=%s", graphql_code(error).value)
        return ExecutionResult(data=None, errors=[_error(error)])
    finally:
        running = False
        watcher.cancel()


class GatewayRouter(LocalGraphiQLRouter):
    """The GraphQL endpoint, each request in its own scope and within its limits."""

    def __init__(
        self,
        schema: BaseSchema,
        limits: LimitSettings,
        limiter: ClientLimiter | None = None,
        metrics: GatewayMetrics | None = None,
        *,
        persisted: PersistedQueries,
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, **kwargs)
        self._limits = limits
        self._limiter = limiter
        self._metrics = metrics or GatewayMetrics()
        self._persisted = persisted

    async def execute_operation(  # noqa: PLR0917 (Strawberry calls it so)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: CustomContext,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        limits = self._limits
        scope = RequestScope(
            limits.deadline_s, limits.max_upstream_calls, limits.max_upstream_retries
        )
        meter = None
        if self._limiter is not None and isinstance(context, GatewayContext):
            meter = context.meter = self._limiter.meter(context.principal, request)
        with (
            activated(scope),
            continued(request.headers),
            recording(self._metrics),
            operation() as labels,
            logs.operation(getattr(request_data, "operation_name", None)),
        ):
            result: ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult
            try:
                if meter is not None:
                    await meter.admit()
                work = super().execute_operation(
                    request, request_adapter, request_data, context, root_value, sub_response
                )
                result = await _within(scope, request.receive, work)
            except ClientRateLimited as refused:
                result = ExecutionResult(data=None, errors=[refusal_error(refused)])
            finally:
                scope.close()
                if meter is not None and meter.refusal is not None:
                    too_many(sub_response, meter.refusal)
                    self._metrics.rejected(ErrorCode.RATE_LIMITED)
            outcome = self._metrics.operation_done(labels, result_errors(result))
            log.info(
                "graphql %s %s answered: %s",
                labels.type,
                labels.name,
                outcome,
                extra={"duration_ms": labels.elapsed_ms(), "code": outcome},
            )
            return result

    async def execute_single(  # noqa: PLR0917 (Strawberry calls it so)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: CustomContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """One operation, its persisted query resolved first (`gateway.persisted`): a
        refusal is its one error, before anything is parsed."""
        try:
            named = await self._persisted.resolve(request_data.query, request_data.extensions)
        except PersistedQueryRefused as refused:
            log.info("persisted query refused: code=%s", refused.code.value)
            sub_response.headers["cache-control"] = NO_STORE
            sub_response.status_code = refused.status
            return ExecutionResult(data=None, errors=[_error(refused)])
        result = await super().execute_single(
            request,
            request_adapter,
            sub_response,
            context,
            root_value,
            replace(request_data, query=named.query),
        )
        await self._persisted.ran(named, result.errors or [])
        return result

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Not for a GET that names a persisted query (`extensions`, no `query`), whatever
        it accepts (`Accept: */*` would otherwise be answered the GraphiQL page)."""
        if "extensions" in request.query_params:
            return False
        return super().should_render_graphql_ide(request)

    async def run(  # type: ignore[override]  # HTTP only: subscriptions are off
        self,
        request: Request | WebSocket,
        context: CustomContext | None = UNSET,
        root_value: None = UNSET,
    ) -> Response | WebSocket:
        """Strawberry's run, with its plain-text HTTP refusals (a body that is not JSON, an
        unknown `operationName`, a wrong method) answered as coded GraphQL errors."""
        try:
            return await super().run(request, context, root_value)  # type: ignore[arg-type]
        except HTTPException as refused:
            return _refusal(refused)

    def encode_json(self, data: object) -> bytes:
        """With orjson, about ten times faster than the standard library (issue 16).

        Non-ASCII text is sent as UTF-8, not escaped. What orjson refuses and the
        standard library writes (an integer past 64 bits in a provider's `native`
        payload) is written by the standard library, as before.
        """
        try:
            return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:
            return json.dumps(data, separators=(",", ":")).encode()

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        size, limit = len(response.body), self._limits.max_response_bytes
        if size <= limit:
            return response
        log.warning("answer replaced: code=RESPONSE_TOO_LARGE size=%d limit=%d", size, limit)
        self._metrics.rejected(ErrorCode.RESPONSE_TOO_LARGE)
        error = _error(ResponseTooLarge(size, limit), size=size, limit=limit)
        return super().create_response({"data": None, "errors": [error.formatted]}, sub_response)
