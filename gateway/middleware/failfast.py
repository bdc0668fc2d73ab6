"""Per-request fail-fast: once a provider is down for a request, stop waiting on it.

A GraphQL request reaches a provider at several depths (the listing, then sameAs,
orders, ...). Without this, a hanging provider would cost its timeout once per
depth; with it, the first timeout or outage marks the provider down for the rest of
the request, so the answer arrives within about one timeout, with the other
providers' data and one error for the failed one.
"""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from gateway.contract import CustomerProvider
from gateway.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
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
    ProviderName,
)

T = TypeVar("T")
OUTAGES = (ProviderUnavailable, ProviderTimeout, ProviderRateLimited, ProviderAuthError)


class Outages:
    """The providers found down during one request, with the error that said so."""

    def __init__(self) -> None:
        self.down: dict[ProviderName, ProviderError] = {}


class FailFastProvider:
    def __init__(self, inner: CustomerProvider, outages: Outages) -> None:
        self._inner = inner
        self._outages = outages
        self.name = inner.name
        self.capabilities = inner.capabilities

    async def _guard(self, call: Coroutine[Any, Any, T]) -> T:
        known = self._outages.down.get(self.name)
        if known is not None:
            call.close()
            raise known
        try:
            return await call
        except OUTAGES as exc:
            self._outages.down.setdefault(self.name, exc)
            raise

    async def get_customers(self, ids: Sequence[str]) -> Sequence[Customer | None]:
        return await self._guard(self._inner.get_customers(ids))

    async def search_customers(
        self, query: CustomerQuery, limit: int, cursor: str | None
    ) -> CustomerPage:
        return await self._guard(self._inner.search_customers(query, limit, cursor))

    async def get_addresses(self, customers: Sequence[Customer]) -> Sequence[Sequence[Address]]:
        return await self._guard(self._inner.get_addresses(customers))

    async def get_payment_sources(
        self, customers: Sequence[Customer]
    ) -> Sequence[Sequence[PaymentSource]]:
        return await self._guard(self._inner.get_payment_sources(customers))

    async def get_orders(self, customers: Sequence[Customer]) -> Sequence[Sequence[Order]]:
        return await self._guard(self._inner.get_orders(customers))

    async def create_customer(self, new: NewCustomer, idempotency_key: str | None) -> Customer:
        return await self._guard(self._inner.create_customer(new, idempotency_key))

    async def update_customer(
        self, customer_id: str, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        return await self._guard(self._inner.update_customer(customer_id, fields, expected_version))

    async def delete_customer(self, customer_id: str, expected_version: str | None) -> None:
        await self._guard(self._inner.delete_customer(customer_id, expected_version))

    async def add_address(self, customer_id: str, address: AddressFields) -> Customer:
        return await self._guard(self._inner.add_address(customer_id, address))

    async def update_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> Customer:
        return await self._guard(self._inner.update_address(customer_id, address_id, address))

    async def remove_address(self, customer_id: str, address_id: str) -> Customer:
        return await self._guard(self._inner.remove_address(customer_id, address_id))

    async def attach_payment_source(
        self, customer_id: str, token: str, make_default: bool
    ) -> Customer:
        return await self._guard(
            self._inner.attach_payment_source(customer_id, token, make_default)
        )

    async def detach_payment_source(self, customer_id: str, source_id: str) -> Customer:
        return await self._guard(self._inner.detach_payment_source(customer_id, source_id))

    async def set_default_payment_source(self, customer_id: str, source_id: str) -> Customer:
        return await self._guard(self._inner.set_default_payment_source(customer_id, source_id))

    async def forget_customer(self, customer_id: str) -> ForgetOutcome:
        return await self._guard(self._inner.forget_customer(customer_id))

    async def aclose(self) -> None:
        """The app owns the inner provider's lifetime, not the request."""
