"""A shopper's ownership on the request context, and the shopper branch of the permissions.

Kept apart from `schema.shoppers` (the resolvers), which needs `schema.types`, so that
`schema.permissions`, which `schema.types` needs, can import this without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.auth import shoppers
from gateway.auth.principal import PrincipalKind
from gateway.auth.shoppers import Ownership
from schema.context import GatewayContext, Info


def ownership(context: GatewayContext) -> Ownership:
    """The request's shopper ownership, made on first use (only for a shopper principal)."""
    principal = context.principal
    if principal.kind is not PrincipalKind.SHOPPER or principal.email is None:
        raise ValueError("ownership is only defined for a shopper")
    if context.ownership is None:
        context.ownership = Ownership(context.registry, principal.email)
    return context.ownership


async def shopper_permits(info: Info, arguments: Mapping[str, Any]) -> bool:
    """The shopper branch of `schema.permissions`, for root fields: own records only."""
    context = info.context
    return await shoppers.permits(ownership(context), context.loaders, info.field_name, arguments)
