"""The seam every wrapper of the provider contract builds on.

`ProviderMiddleware` implements the whole `CustomerProvider` contract by handing
each call to `around(call, proceed)`, which by default just proceeds. A wrapper
(cache, fail-fast, limits, breakers, metrics, tracing) overrides `around` for what
applies to every call, and a contract method only where it needs the arguments:
the contract is restated here once, never in each wrapper (Starlette's
`BaseHTTPMiddleware`, Strawberry's `SchemaExtension`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from gateway.contract import CustomerProvider, ShopperLogin, ShopperSession
from gateway.model import (
    Address,
    AddressFields,
    Customer,
    CustomerFields,
    CustomerPage,
    CustomerQuery,
    ForgetOutcome,
    NewCustomer,
    Order,
    PaymentSource,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Call:
    """One contract call, as a wrapper's `around` sees it."""

    operation: str
    """The contract method's name, e.g. `get_customers`."""
    write: bool
    customer_id: str | None = None
    """The customer a write changes; None for reads and for a create without a chosen id."""


class ProviderMiddleware:
    """A `CustomerProvider` that forwards every call to `inner` through `around`."""

    def __init__(self, inner: CustomerProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.capabilities = inner.capabilities

    async def around(self, call: Call, proceed: Callable[[], Awaitable[T]]) -> T:
        """Run `proceed` (the inner call); override to act before, after or instead."""
        return await proceed()

    async def _read(self, operation: str, proceed: Callable[[], Awaitable[T]]) -> T:
        return await self.around(Call(operation, write=False), proceed)

    async def _write(
        self, operation: str, customer_id: str | None, proceed: Callable[[], Awaitable[T]]
    ) -> T:
        return await self.around(Call(operation, write=True, customer_id=customer_id), proceed)

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        return await self._read("get_customers", lambda: self.inner.get_customers(ids))

    async def search_customers(
        self, query: CustomerQuery, limit: int, cursor: str | None
    ) -> CustomerPage:
        return await self._read(
            "search_customers", lambda: self.inner.search_customers(query, limit, cursor)
        )

    async def get_addresses(self, customers: Sequence[Customer]) -> Sequence[Sequence[Address]]:
        return await self._read("get_addresses", lambda: self.inner.get_addresses(customers))

    async def get_payment_sources(
        self, customers: Sequence[Customer]
    ) -> Sequence[Sequence[PaymentSource]]:
        return await self._read(
            "get_payment_sources", lambda: self.inner.get_payment_sources(customers)
        )

    async def get_orders(self, customers: Sequence[Customer]) -> Sequence[Sequence[Order]]:
        return await self._read("get_orders", lambda: self.inner.get_orders(customers))

    async def create_customer(self, new: NewCustomer, idempotency_key: str | None) -> Customer:
        return await self._write(
            "create_customer",
            new.provider_id,
            lambda: self.inner.create_customer(new, idempotency_key),
        )

    async def update_customer(
        self, customer_id: str, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        return await self._write(
            "update_customer",
            customer_id,
            lambda: self.inner.update_customer(customer_id, fields, expected_version),
        )

    async def delete_customer(self, customer_id: str, expected_version: str | None) -> None:
        await self._write(
            "delete_customer",
            customer_id,
            lambda: self.inner.delete_customer(customer_id, expected_version),
        )

    async def add_address(self, customer_id: str, address: AddressFields) -> Customer:
        return await self._write(
            "add_address", customer_id, lambda: self.inner.add_address(customer_id, address)
        )

    async def update_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> Customer:
        return await self._write(
            "update_address",
            customer_id,
            lambda: self.inner.update_address(customer_id, address_id, address),
        )

    async def remove_address(self, customer_id: str, address_id: str) -> Customer:
        return await self._write(
            "remove_address",
            customer_id,
            lambda: self.inner.remove_address(customer_id, address_id),
        )

    async def attach_payment_source(
        self, customer_id: str, token: str, make_default: bool, idempotency_key: str | None
    ) -> PaymentSource:
        return await self._write(
            "attach_payment_source",
            customer_id,
            lambda: self.inner.attach_payment_source(
                customer_id, token, make_default, idempotency_key
            ),
        )

    async def detach_payment_source(self, customer_id: str, source_id: str) -> Customer:
        return await self._write(
            "detach_payment_source",
            customer_id,
            lambda: self.inner.detach_payment_source(customer_id, source_id),
        )

    async def set_default_payment_source(self, customer_id: str, source_id: str) -> Customer:
        return await self._write(
            "set_default_payment_source",
            customer_id,
            lambda: self.inner.set_default_payment_source(customer_id, source_id),
        )

    async def forget_customer(self, customer_id: str) -> ForgetOutcome:
        return await self._write(
            "forget_customer", customer_id, lambda: self.inner.forget_customer(customer_id)
        )

    async def login_shopper(self, email: str, password: str) -> ShopperSession:
        """Forwarded only where `capabilities.shopper_login` says the inner one has it."""
        inner = cast(ShopperLogin, self.inner)
        return await self._read("login_shopper", lambda: inner.login_shopper(email, password))

    async def check_credentials(self) -> None:
        """Forwarded outside `around`: a readiness check is no client's call (no cache,
        no breaker); an inner provider without the check has nothing to test."""
        check = getattr(self.inner, "check_credentials", None)
        if check is not None:
            await check()

    async def aclose(self) -> None:
        await self.inner.aclose()
