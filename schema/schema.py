"""The Apollo Federation v2 subgraph schema."""

from __future__ import annotations

from datetime import datetime

from gateway.metrics import OperationLabels
from gateway.tracing import TracedOperation
from schema.errors import GatewayErrors
from schema.federation import GatewaySchema
from schema.inputs import AwareDateTime
from schema.limits import OperationLimits
from schema.mutations import Mutation
from schema.partial import PartialAnswers
from schema.permissions import SchemaReading
from schema.queries import Query
from schema.types import Customer, Order

schema = GatewaySchema(
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
    ],
    scalar_overrides={datetime: AwareDateTime},
)


def sdl() -> str:
    """The SDL that `customer-gateway export-schema` prints and `schema.graphql` holds."""
    return schema.as_str() + "\n"
