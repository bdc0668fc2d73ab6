"""Mutations in unified terms: validate, check capabilities, then call the one provider.

Everything that can be refused without asking the provider is refused here, before
any upstream call, so that bad input changes nothing and every provider refuses it
the same way.
"""

from __future__ import annotations

from gateway.contract import CustomerProvider, Operation
from gateway.errors import FieldPath, UserErrorCode, UserInputError, UserInputErrors
from gateway.model import (
    AddressFields,
    Customer,
    CustomerFields,
    CustomerRef,
    ForgetOutcome,
    NewCustomer,
    ProviderName,
)
from gateway.registry import Registry
from gateway.validation import camel, check_address, check_customer

INPUT: FieldPath = ("input",)


class CustomerService:
    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def _provider(self, name: ProviderName, operation: Operation) -> CustomerProvider:
        provider = self._registry.get(name)
        if operation not in provider.capabilities.operations:
            raise UserInputError(
                UserErrorCode.UNSUPPORTED_OPERATION,
                f"{name.name} does not support {operation.value}.",
            )
        return provider

    async def create(
        self, name: ProviderName, new: NewCustomer, idempotency_key: str | None
    ) -> Customer:
        provider = self._provider(name, Operation.CREATE)
        caps = provider.capabilities
        errors = check_customer(new.fields) + _unsupported(new.fields, caps.writable_fields, INPUT)
        if new.address is not None:
            path = (*INPUT, "address")
            errors += check_address(new.address, path)
            errors += _unsupported(new.address, caps.address_fields, path)
        if new.provider_id is not None and not caps.caller_chosen_id:
            errors.append(_unsupported_field(name, "provider_id", INPUT))
        if (
            new.payment_source_token is not None
            and Operation.ATTACH_PAYMENT_SOURCE not in caps.operations
        ):
            errors.append(_unsupported_field(name, "payment_source_token", INPUT))
        _raise(errors)
        return await provider.create_customer(new, idempotency_key)

    async def update(
        self, ref: CustomerRef, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        provider = self._provider(ref.provider, Operation.UPDATE)
        _raise(
            check_customer(fields)
            + _unsupported(fields, provider.capabilities.writable_fields, INPUT)
        )
        return await provider.update_customer(ref.provider_id, fields, expected_version)

    async def delete(self, ref: CustomerRef, expected_version: str | None) -> None:
        provider = self._provider(ref.provider, Operation.DELETE)
        await provider.delete_customer(ref.provider_id, expected_version)

    async def add_address(self, ref: CustomerRef, address: AddressFields) -> Customer:
        provider = self._provider(ref.provider, Operation.ADD_ADDRESS)
        _raise(self._address_errors(provider, address))
        await _check_room(provider, ref.provider_id)
        return await provider.add_address(ref.provider_id, address)

    async def update_address(
        self, ref: CustomerRef, address_id: str, address: AddressFields
    ) -> Customer:
        provider = self._provider(ref.provider, Operation.UPDATE_ADDRESS)
        _raise(self._address_errors(provider, address))
        return await provider.update_address(ref.provider_id, address_id, address)

    async def remove_address(self, ref: CustomerRef, address_id: str) -> Customer:
        provider = self._provider(ref.provider, Operation.REMOVE_ADDRESS)
        return await provider.remove_address(ref.provider_id, address_id)

    async def attach_payment_source(
        self, ref: CustomerRef, token: str, make_default: bool
    ) -> Customer:
        provider = self._provider(ref.provider, Operation.ATTACH_PAYMENT_SOURCE)
        if make_default and not provider.capabilities.make_default_on_attach:
            raise _unsupported_field(ref.provider, "make_default", INPUT)
        if not token.strip():
            raise UserInputError(UserErrorCode.INVALID, "The token is empty.", (*INPUT, "token"))
        return await provider.attach_payment_source(ref.provider_id, token, make_default)

    async def detach_payment_source(self, ref: CustomerRef, source_id: str) -> Customer:
        provider = self._provider(ref.provider, Operation.DETACH_PAYMENT_SOURCE)
        return await provider.detach_payment_source(ref.provider_id, source_id)

    async def set_default_payment_source(self, ref: CustomerRef, source_id: str) -> Customer:
        provider = self._provider(ref.provider, Operation.SET_DEFAULT_PAYMENT_SOURCE)
        return await provider.set_default_payment_source(ref.provider_id, source_id)

    async def forget(self, ref: CustomerRef) -> ForgetOutcome:
        provider = self._provider(ref.provider, Operation.FORGET)
        return await provider.forget_customer(ref.provider_id)

    @staticmethod
    def _address_errors(provider: CustomerProvider, address: AddressFields) -> list[UserInputError]:
        path = (*INPUT, "address")
        return check_address(address, path) + _unsupported(
            address, provider.capabilities.address_fields, path
        )


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


def _unsupported(
    values: CustomerFields | AddressFields, supported: frozenset[str], path: FieldPath
) -> list[UserInputError]:
    return [
        UserInputError(
            UserErrorCode.UNSUPPORTED_FIELD,
            f"The provider cannot store `{camel(name)}`.",
            (*path, camel(name)),
        )
        for name in values
        if name not in supported
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
