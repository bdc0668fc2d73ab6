"""The Apollo Federation v2 subgraph schema."""

from __future__ import annotations

from datetime import datetime

from gateway.metrics import OperationLabels
from gateway.tracing import TracedOperation
from schema.documents import DocumentCache
from schema.errors import GatewayErrors
from schema.execution import CompiledExecutor
from schema.federation import GatewaySchema
from schema.inputs import AwareDateTime
from schema.limits import OperationLimits
from schema.mutations import Mutation
from schema.partial import PartialAnswers
from schema.permissions import SchemaReading
from schema.queries import Query
from schema.types import Customer, Order


def _build(executor: type[CompiledExecutor] | None) -> GatewaySchema:
    """One schema per execution path: Strawberry fixes the executor when it is built."""
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        types=[Customer, Order],
        extensions=[
            TracedOperation,
            OperationLabels,
            GatewayErrors,
            PartialAnswers,
            OperationLimits,
            SchemaReading,
            DocumentCache,
        ],
        scalar_overrides={datetime: AwareDateTime},
        execution_context_class=executor,
    )


schema = _build(None)
"""The schema on graphql-core's standard execution path (`EXECUTION__MODE=standard`)."""

compiled_schema = _build(CompiledExecutor)
"""The same schema on the compiled path (`schema.execution`); answers alike, faster."""


def sdl() -> str:
    """The SDL that `customer-gateway export-schema` prints and `schema.graphql` holds."""
    return schema.as_str() + "\n"
