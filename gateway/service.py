"""Mutations in unified terms: validate, check capabilities, then call the one provider.

Everything that can be refused without asking the provider is refused here, before
any upstream call, so that bad input changes nothing and every provider refuses it
the same way. That includes every id the call will put in a provider URL: each is
checked against the provider's `IdRules` (a malformed one is `MalformedId`, answered
BAD_USER_INPUT at its input path), so ids stay values and never become paths.

A write may carry keys the provider does not store, as a form that sends back every
key it read does: `gateway.writeback` sorts out the ones that change nothing. Only a
value for a derived field needs the stored record, read once through the request's
loader; nothing else costs a call before the write.

An attach writes, then reads the customer back as a separate step: when only that
read fails, the payload carries what was attached and a warning (`gateway.committed`),
so a client does not retry a write that went through.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, cast

from gateway.committed import Attached, read_back
from gateway.contract import Capabilities, CustomerProvider, Operation
from gateway.errors import (
    FieldPath,
    ProviderNotFound,
    UserErrorCode,
    UserInputError,
    UserInputErrors,
)
from gateway.ids import IdRule
from gateway.loaders import Loaders
from gateway.model import (
    AddressFields,
    Customer,
    CustomerFields,
    CustomerRef,
    ForgetOutcome,
    NewCustomer,
    PaymentSource,
    ProviderName,
)
from gateway.registry import Registry
from gateway.validation import camel, check_address_input, check_customer_input
from gateway.writeback import shown, split

INPUT: FieldPath = ("input",)
ID = "input.id"
CUSTOMER_ID = "input.customerId"


class CustomerService:
    """The one path of every mutation: refuse what can be refused, then write once."""

    def __init__(self, registry: Registry, loaders: Loaders) -> None:
        self._registry = registry
        self._loaders = loaders

    def _provider(self, name: ProviderName, operation: Operation) -> CustomerProvider:
        provider = self._registry.get(name)
        if operation not in provider.capabilities.operations:
            raise UserInputError(
                UserErrorCode.UNSUPPORTED_OPERATION,
                f"{name.name} does not support {operation.value}.",
            )
        return provider

    def _customer(self, ref: CustomerRef, operation: Operation, field: str) -> CustomerProvider:
        """The provider of `ref`, once the operation is supported and `ref`'s id well-formed."""
        provider = self._provider(ref.provider, operation)
        provider.capabilities.ids.customer.check(ref.provider_id, field)
        return provider

    async def create(
        self, name: ProviderName, new: NewCustomer, idempotency_key: str | None
    ) -> Customer:
        provider = self._provider(name, Operation.CREATE)
        caps = provider.capabilities
        fields, errors = _customer_write(caps, name, new.fields, frozenset())
        address: AddressFields | None = None
        if new.address is not None:
            address, address_errors = _address_write(caps, name, new.address)
            errors += address_errors
        if new.provider_id is not None:
            if not caps.caller_chosen_id:
                errors.append(_unsupported_field(name, "provider_id", INPUT))
            elif not caps.ids.customer.accepts(new.provider_id):
                errors.append(_bad_chosen_id(name, caps.ids.customer))
        token = new.payment_source_token
        if token is not None and Operation.ATTACH_PAYMENT_SOURCE not in caps.operations:
            errors.append(_unsupported_field(name, "payment_source_token", INPUT))
        _raise(errors)
        if token is not None:
            caps.ids.token.check(token, "input.paymentSourceToken")
        sent = dataclasses.replace(new, fields=fields, address=address or None)
        return await provider.create_customer(sent, idempotency_key)

    async def update(
        self, ref: CustomerRef, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        provider = self._customer(ref, Operation.UPDATE, ID)
        caps = provider.capabilities
        sent, errors = _customer_write(caps, ref.provider, fields, caps.derived_fields)
        _raise(errors)
        derived = {k: v for k, v in fields.items() if k not in sent and v is not None}
        if derived:
            await self._check_derived(ref, derived)
        return await provider.update_customer(ref.provider_id, sent, expected_version)

    async def _check_derived(self, ref: CustomerRef, values: dict[str, Any]) -> None:
        """UNSUPPORTED_FIELD for each derived value that differs from the one shown."""
        stored = await self._loaders.customer_by_ref.load(ref)
        if stored is None:
            raise UserInputError(UserErrorCode.NOT_FOUND, "No such customer.", ("input", "id"))
        _raise(
            [
                UserInputError(
                    UserErrorCode.UNSUPPORTED_FIELD,
                    f"{ref.provider.name} derives `{camel(name)}` from other fields: "
                    "change those instead.",
                    (*INPUT, camel(name)),
                )
                for name, value in values.items()
                if shown(stored, name) != value
            ]
        )

    async def delete(self, ref: CustomerRef, expected_version: str | None) -> None:
        provider = self._customer(ref, Operation.DELETE, ID)
        await provider.delete_customer(ref.provider_id, expected_version)

    async def add_address(self, ref: CustomerRef, address: AddressFields) -> Customer:
        provider = self._customer(ref, Operation.ADD_ADDRESS, CUSTOMER_ID)
        sent, errors = _address_write(provider.capabilities, ref.provider, address)
        _raise(errors)
        await _check_room(provider, ref.provider_id)
        return await provider.add_address(ref.provider_id, sent)

    async def update_address(
        self, ref: CustomerRef, address_id: str, address: AddressFields
    ) -> Customer:
        provider = self._customer(ref, Operation.UPDATE_ADDRESS, CUSTOMER_ID)
        provider.capabilities.ids.address.check(address_id, "input.addressId")
        sent, errors = _address_write(provider.capabilities, ref.provider, address)
        _raise(errors)
        return await provider.update_address(ref.provider_id, address_id, sent)

    async def remove_address(self, ref: CustomerRef, address_id: str) -> Customer:
        provider = self._customer(ref, Operation.REMOVE_ADDRESS, CUSTOMER_ID)
        provider.capabilities.ids.address.check(address_id, "input.addressId")
        return await provider.remove_address(ref.provider_id, address_id)

    async def attach_payment_source(
        self, ref: CustomerRef, token: str, make_default: bool, idempotency_key: str | None
    ) -> Attached:
        """The write, then the read of the customer, so that a failed read after a
        committed write answers the source with a warning instead of a failure."""
        provider = self._customer(ref, Operation.ATTACH_PAYMENT_SOURCE, CUSTOMER_ID)
        if make_default and not provider.capabilities.make_default_on_attach:
            raise _unsupported_field(ref.provider, "make_default", INPUT)
        if not token.strip():
            raise UserInputError(UserErrorCode.INVALID, "The token is empty.", (*INPUT, "token"))
        if idempotency_key is not None and not idempotency_key.strip():
            raise UserInputError(
                UserErrorCode.INVALID, "The idempotency key is empty.", (*INPUT, "idempotencyKey")
            )
        provider.capabilities.ids.token.check(token, "input.token")
        written = await provider.attach_payment_source(
            ref.provider_id, token, make_default, idempotency_key
        )
        found, warnings = await read_back(
            ref.provider,
            Operation.ATTACH_PAYMENT_SOURCE.value,
            lambda: self._read_with_sources(provider, ref),
        )
        if found is None:
            self._loaders.written(ref, None)
            return Attached(written, None, warnings)
        customer, sources = found
        return Attached(next((s for s in sources if s.id == written.id), written), customer)

    async def _read_with_sources(
        self, provider: CustomerProvider, ref: CustomerRef
    ) -> tuple[Customer, Sequence[PaymentSource]]:
        """The customer and its payment sources as they are now, kept in the request's
        loaders, so the payload's `customer { paymentSources }` costs no second read."""
        [customer] = await provider.get_customers([ref.provider_id])
        if customer is None:
            raise ProviderNotFound(ref.provider, "customer gone after the write")
        self._loaders.written(ref, customer)
        return customer, await self._loaders.payment_sources_by_customer.load(customer)

    async def detach_payment_source(self, ref: CustomerRef, source_id: str) -> Customer:
        provider = self._customer(ref, Operation.DETACH_PAYMENT_SOURCE, CUSTOMER_ID)
        provider.capabilities.ids.payment_source.check(source_id, "input.paymentSourceId")
        return await provider.detach_payment_source(ref.provider_id, source_id)

    async def set_default_payment_source(self, ref: CustomerRef, source_id: str) -> Customer:
        provider = self._customer(ref, Operation.SET_DEFAULT_PAYMENT_SOURCE, CUSTOMER_ID)
        provider.capabilities.ids.payment_source.check(source_id, "input.paymentSourceId")
        return await provider.set_default_payment_source(ref.provider_id, source_id)

    async def forget(self, ref: CustomerRef) -> ForgetOutcome:
        provider = self._customer(ref, Operation.FORGET, ID)
        return await provider.forget_customer(ref.provider_id)


async def _check_room(provider: CustomerProvider, customer_id: str) -> None:
    """Refuse an address beyond `Capabilities.max_addresses` before writing anything.

    A customer that does not exist passes: the provider's write says NOT_FOUND.
    """
    limit = provider.capabilities.max_addresses
    if limit is None:
        return
    [customer] = await provider.get_customers([customer_id])
    if customer is None:
        return
    [addresses] = await provider.get_addresses([customer])
    if len(addresses) >= limit:
        noun = "address" if limit == 1 else "addresses"
        raise UserInputError(
            UserErrorCode.INVALID,
            f"{provider.name.name} keeps at most {limit} {noun} per customer: "
            "update or remove one first.",
            (*INPUT, "address"),
        )


def _customer_write(
    caps: Capabilities, name: ProviderName, fields: CustomerFields, derived: frozenset[str]
) -> tuple[CustomerFields, list[UserInputError]]:
    """The fields to send, and the errors: bad values, and values the provider never holds.

    Derived values are neither sent nor refused here: the caller compares them with
    the stored record.
    """
    parts = split(fields, caps.writable_fields, derived)
    errors = check_customer_input(fields, caps.max_lengths, name.name, INPUT)
    return cast(CustomerFields, parts.stored), errors + _unsupported(parts.refused, INPUT)


def _address_write(
    caps: Capabilities, name: ProviderName, address: AddressFields
) -> tuple[AddressFields, list[UserInputError]]:
    """The same for an address; a fixed value (the one address's label) is checked here."""
    path = (*INPUT, "address")
    fixed = caps.fixed_address_values
    parts = split(address, caps.address_fields, frozenset(fixed))
    changed = [k for k, v in parts.derived.items() if fixed[k] != v]
    errors = check_address_input(address, caps.address_max_lengths, name.name, path)
    return cast(AddressFields, parts.stored), errors + _unsupported(
        (*parts.refused, *changed), path
    )


def _bad_chosen_id(name: ProviderName, rule: IdRule) -> UserInputError:
    """A caller-chosen id the provider's rule refuses: a field value, so INVALID."""
    return UserInputError(
        UserErrorCode.INVALID,
        f"Not an id {name.name} accepts: 1 to {rule.max_length} characters, "
        "no spaces, slashes, `?`, `#` or `%`.",
        (*INPUT, "providerId"),
    )


def _unsupported(names: tuple[str, ...], path: FieldPath) -> list[UserInputError]:
    return [
        UserInputError(
            UserErrorCode.UNSUPPORTED_FIELD,
            f"The provider cannot store `{camel(name)}`.",
            (*path, camel(name)),
        )
        for name in names
    ]


def _unsupported_field(provider: ProviderName, name: str, path: FieldPath) -> UserInputError:
    return UserInputError(
        UserErrorCode.UNSUPPORTED_FIELD,
        f"{provider.name} does not support `{camel(name)}`.",
        (*path, camel(name)),
    )


def _raise(errors: list[UserInputError]) -> None:
    if errors:
        raise UserInputErrors(errors)
