"""Every operation is measured before it runs; one over a limit never reaches a resolver.

The limits are `settings.limits`, read from the request's context, so the schema
itself stays free of settings (`customer-gateway export-schema` needs none). A
rejection is one GraphQL error with `extensions.code = QUERY_TOO_COMPLEX`, what was
measured and the limit, e.g. `{"code": "QUERY_TOO_COMPLEX", "cost": 28200, "limit":
5000}`; nothing was sent upstream.

- `tokens`: graphql-core's parser stops at the first token over `max_tokens` (the
  option Strawberry's MaxTokensLimiter sets, comments counted), so a 5 MB document
  is refused after 2,000 tokens, without building its AST. The value reported is
  that first token's count, `max_tokens + 1`.
- `depth`, `aliases`, `entities` (`_entities` representations) and `cost`: one walk
  of the operation that runs (schema.cost), after validation and variable coercion,
  before execution. Strawberry's QueryDepthLimiter and MaxAliasesLimiter are not
  used: they walk a fragment again at every spread, so 16 fragments each spreading
  the next twice take them 0.1 s and 0.3 s, and each one more doubles that; the
  depth limiter reports one error per over-deep branch; neither names the value
  it measured.

An accepted operation's estimate stays on the context (`GatewayContext.cost`) and is
charged to the client's budget of cost units (`gateway.auth.rate_limits`) when
per-client limits apply: over it, the answer is one `RATE_LIMITED` error instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from graphql import (
    ExecutionResult,
    GraphQLError,
    get_operation_ast,
    get_variable_values,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from gateway.auth.rate_limits import refusal_error
from gateway.config import LimitSettings
from gateway.errors import ClientRateLimited, QueryTooComplex, graphql_code
from schema.context import GatewayContext
from schema.cost import Estimate, Pricing, estimate

TOKENS_ABORTED = "tokens. Parsing aborted."
"""How graphql-core's parser ends its message when `max_tokens` stops it."""


def rejection(refused: QueryTooComplex) -> GraphQLError:
    """The one error a refused operation answers, already shaped (its code is kept)."""
    return GraphQLError(
        refused.safe_message,
        extensions={
            "code": graphql_code(refused).value,
            refused.measure: refused.value,
            "limit": refused.limit,
        },
    )


def over_limit(found: Estimate, limits: LimitSettings) -> QueryTooComplex | None:
    """The first bound `found` exceeds, cheapest to explain first."""
    for measure, value, limit in (
        ("depth", found.depth, limits.max_query_depth),
        ("aliases", found.aliases, limits.max_aliases),
        ("entities", found.entities, limits.max_entities),
        ("cost", found.cost, limits.max_cost),
    ):
        if value > limit:
            return QueryTooComplex(measure, value, limit)
    return None


class OperationLimits(SchemaExtension):
    """Refuses a document over `max_tokens` while parsing it, and an operation over any
    other static limit before it executes.

    Listed after the extension that shapes errors, so that its `on_operation` ends
    first: the parser's token error is the rejection by the time errors are shaped.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        limit = _limits(context).max_tokens
        context.parse_options["max_tokens"] = limit  # what MaxTokensLimiter sets
        yield
        result = context.result
        if result is None or not result.errors or context.graphql_document is not None:
            return
        result.errors = [
            rejection(QueryTooComplex("tokens", limit + 1, limit))
            if error.message.endswith(TOKENS_ABORTED)
            else error
            for error in result.errors
        ]

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        refused = _check(context)
        error = rejection(refused) if refused is not None else await _charge(context)
        if error is not None:  # a result set here is what Strawberry answers instead
            context.result = ExecutionResult(data=None, errors=[error])
        yield


def _limits(context: ExecutionContext) -> LimitSettings:
    request = context.context
    return request.settings.limits if isinstance(request, GatewayContext) else LimitSettings()


def _pricing(context: ExecutionContext) -> Pricing:
    request = context.context
    if not isinstance(request, GatewayContext):
        return Pricing(max_depth=LimitSettings().max_query_depth)
    return Pricing(
        providers=len(list(request.registry)),
        max_page_size=request.settings.max_page_size,
        max_depth=request.settings.limits.max_query_depth,
    )


async def _charge(context: ExecutionContext) -> GraphQLError | None:
    """The accepted estimate drawn from the client's budget (`gateway.auth.rate_limits`)."""
    request = context.context
    if not isinstance(request, GatewayContext) or request.meter is None or request.cost is None:
        return None
    try:
        await request.meter.charge(request.cost.cost)
    except QueryTooComplex as refused:
        return rejection(refused)
    except ClientRateLimited as refused:
        return refusal_error(refused)
    return None


def _check(context: ExecutionContext) -> QueryTooComplex | None:
    document = context.graphql_document
    operation = get_operation_ast(document, context.operation_name) if document else None
    if document is None or operation is None:
        return None  # execution answers that there is no such operation
    schema = context.schema._schema
    variables = get_variable_values(
        schema, operation.variable_definitions or (), context.variables or {}, max_errors=1
    )
    if isinstance(variables, list):
        return None  # execution answers the variables' errors before any resolver runs
    found = estimate(schema, document, operation, variables, _pricing(context))
    refused = over_limit(found, _limits(context))
    if refused is None and isinstance(context.context, GatewayContext):
        context.context.cost = found
    return refused
