"""Query resolvers: decode, delegate to loaders or the listing, wrap in types."""

from __future__ import annotations

import strawberry

from gateway import ids
from gateway.errors import GatewayError, UserErrorCode, UserInputError
from gateway.listing import list_customers
from gateway.model import ProviderName
from schema.capabilities import ProviderCapabilities
from schema.circuits import CircuitStatus
from schema.context import Info
from schema.inputs import CustomerFilter
from schema.partial import (
    COMPLETE,
    MISSING_PROVIDERS,
    ProviderFailure,
    complete,
    missing_providers,
)
from schema.parts import read_parts
from schema.permissions import guarded, guarded_field
from schema.shoppers import Viewer, viewer
from schema.types import (
    Customer,
    Node,
    PageInfo,
    ProviderStatus,
    described,
    load_customer,
    load_order,
)


@strawberry.type
class CustomerEdge:
    cursor: str
    node: Customer


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    nodes: list[Customer]
    page_info: PageInfo
    missing_providers: list[ProviderFailure] = strawberry.field(
        resolver=missing_providers, description=MISSING_PROVIDERS
    )
    complete: bool | None = strawberry.field(resolver=complete, description=COMPLETE)


@strawberry.type
class Query:
    @guarded_field("node")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        if ids.decode(str(id)).kind is ids.Kind.ORDER:
            return await load_order(info, str(id))
        return await load_customer(info, str(id))

    @guarded_field("customer")
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        return await load_customer(info, str(id))

    @described(
        "Fans out to every selected provider; newest first across all of them.",
        extensions=guarded("customers"),
    )
    async def customers(
        self,
        info: Info,
        filter: CustomerFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CustomerConnection:
        context = info.context
        if not 0 <= first <= context.settings.max_page_size:
            raise UserInputError(
                UserErrorCode.INVALID,
                f"`first` must be between 0 and {context.settings.max_page_size}.",
                ("first",),
            )
        wanted = filter.providers if filter and filter.providers else list(context.registry)
        providers = [p for p in ProviderName if p in wanted and p in context.registry]
        query = filter.to_query() if filter else CustomerFilter().to_query()
        listing = await list_customers(
            context.registry,
            providers,
            query,
            first=first,
            after=after,
            page_size=min(100, first + 1),
        )
        path = tuple(info.path.as_list())
        for provider, error in listing.failures.items():
            if isinstance(error, GatewayError):
                context.defer(path, provider, error)
        for edge in listing.edges:
            context.loaders.customer_by_ref.prime(edge.customer.ref, edge.customer)
        edges = [
            CustomerEdge(cursor=e.cursor, node=Customer.from_model(e.customer))
            for e in listing.edges
        ]
        await read_parts(info, [e.node for e in edges], "CustomerConnection")
        return CustomerConnection(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo(
                has_next_page=listing.has_next_page,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    viewer: Viewer | None = strawberry.field(
        resolver=viewer,
        description="The shopper's own records (shopper tokens only).",
        extensions=guarded("viewer"),
    )

    @guarded_field("providers")
    def providers(self, info: Info) -> list[ProviderStatus]:
        registry = info.context.registry
        statuses = []
        for name in filter(info.context.principal.reaches, ProviderName):
            connection = registry.connection(name)
            if connection is None:
                configured = info.context.settings.provider(name)
                statuses.append(
                    ProviderStatus(
                        provider=name,
                        enabled=False,
                        mode="disabled" if not configured.enabled else "unavailable",
                        writable_fields=[],
                        capabilities=None,
                    )
                )
                continue
            caps = registry.get(name).capabilities
            circuit = registry.circuit(name)
            statuses.append(
                ProviderStatus(
                    provider=name,
                    enabled=True,
                    mode=connection.mode,
                    writable_fields=ProviderStatus.writable(caps.writable_fields),
                    capabilities=ProviderCapabilities.of(caps, info.context.settings.max_page_size),
                    circuit=CircuitStatus.of(circuit) if circuit else None,
                )
            )
        return statuses
