"""The Apollo Federation v2 subgraph schema."""

from __future__ import annotations

import strawberry

from schema.errors import GatewayErrors
from schema.mutations import Mutation
from schema.queries import Query
from schema.types import Customer, Order

schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Customer, Order],
    extensions=[GatewayErrors],
)


def sdl() -> str:
    """The SDL that `customer-gateway export-schema` prints and `schema.graphql` holds."""
    return schema.as_str() + "\n"
