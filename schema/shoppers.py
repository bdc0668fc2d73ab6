"""The shopper's own root fields: `viewer` (their records) and `loginShopper`.

Which fields a shopper may call at all, and on which records, is decided in
`schema.permissions` with `gateway.auth.shoppers`; the resolvers here only answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import strawberry

from gateway import ids
from gateway.auth import shopper_tokens
from gateway.contract import ShopperLogin
from gateway.errors import GatewayError, UserErrorCode, UserInputError, as_user_errors
from gateway.model import CustomerRef, ProviderName
from schema.context import Info
from schema.partial import ProviderFailure, complete, missing_providers, owner
from schema.parts import read_parts
from schema.shopper_access import ownership
from schema.types import Customer, UserError, described

NO_SIGNING_KEY = "Shopper login needs AUTH__SIGNING_KEY on this gateway."
EMPTY_CREDENTIALS = "The email or password is wrong."


@strawberry.type(description="The shopper this request acts for, and their own records.")
class Viewer:
    email: str = strawberry.field(description="The shopper's verified email, normalized.")
    missing_providers: list[ProviderFailure] = strawberry.field(
        resolver=missing_providers,
        description="Every provider whose part of `customers` is missing; empty when complete.",
    )
    complete: bool | None = strawberry.field(
        resolver=complete,
        description="True when every provider answered `customers` in full; null when one "
        "is missing, with each missing provider's error (extensions.code, "
        "extensions.provider) at this path.",
    )

    @described("The shopper's customer profile in every provider (same normalized email).")
    async def customers(self, info: Info) -> list[Customer]:
        context = info.context
        found, failures = await ownership(context).everywhere()
        for provider, error in failures.items():
            if isinstance(error, GatewayError):
                context.defer(owner(info), provider, error)
        for customer in found:
            context.loaders.customer_by_ref.prime(customer.ref, customer)
        customers = [Customer.from_model(c) for c in found]
        await read_parts(info, customers)
        return customers


async def viewer(info: Info) -> Viewer | None:
    return Viewer(email=ownership(info.context).email)


@strawberry.input
class LoginShopperInput:
    provider: ProviderName
    email: str
    password: str


@strawberry.type
class LoginShopperPayload:
    token: str | None = strawberry.field(
        description="A gateway shopper token: send it as `Authorization: Bearer <token>`."
    )
    expires_at: datetime | None
    user_errors: list[UserError]


async def login_shopper(info: Info, input: LoginShopperInput) -> LoginShopperPayload:
    """Check the credentials with the provider, then sign a short-lived shopper token."""
    auth = info.context.settings.auth
    try:
        if auth.signing_key is None:
            raise UserInputError(UserErrorCode.UNSUPPORTED_OPERATION, NO_SIGNING_KEY)
        provider = info.context.registry.get(input.provider)
        if not provider.capabilities.shopper_login:
            raise UserInputError(
                UserErrorCode.UNSUPPORTED_OPERATION,
                f"{input.provider.name} has no shopper login.",
                ("input", "provider"),
            )
        email = input.email.strip()
        if not email or not input.password:
            raise UserInputError(UserErrorCode.INVALID_CREDENTIALS, EMPTY_CREDENTIALS)
        session = await cast(ShopperLogin, provider).login_shopper(email, input.password)
    except GatewayError as exc:
        errors = as_user_errors(exc, ("input", "email"))
        if errors is None:
            raise
        return LoginShopperPayload(
            token=None, expires_at=None, user_errors=[UserError.from_error(e) for e in errors]
        )
    issued = shopper_tokens.issue(
        auth.signing_key.get_secret_value(),
        ids.customer_id(CustomerRef(input.provider, session.customer_id)),
        email,
        auth.shopper_token_ttl_s,
    )
    return LoginShopperPayload(
        token=issued.token,
        expires_at=datetime.fromtimestamp(issued.expires_at, UTC),
        user_errors=[],
    )
