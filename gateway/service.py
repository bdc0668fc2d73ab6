"""Mutations in unified terms: validate, check capabilities, then call the one provider.

Everything that can be refused without asking the provider is refused here, before
any upstream call, so that bad input changes nothing and every provider refuses it
the same way. That includes every id the call will put in a provider URL: each is
checked against the provider's `IdRules` (a malformed one is `MalformedId`, answered
BAD_USER_INPUT at its input path), so ids stay values and never become paths.
"""

from __future__ import annotations

from gateway.contract import Capabilities, CustomerProvider, Operation
from gateway.errors import FieldPath, UserErrorCode, UserInputError, UserInputErrors
from gateway.ids import IdRule
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
from gateway.validation import camel, check_address_input, check_customer_input

INPUT: FieldPath = ("input",)
ID = "input.id"
CUSTOMER_ID = "input.customerId"


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
        errors = _customer_errors(caps, name, new.fields)
        if new.address is not None:
            errors += _address_errors(caps, name, new.address)
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
        return await provider.create_customer(new, idempotency_key)

    async def update(
        self, ref: CustomerRef, fields: CustomerFields, expected_version: str | None
    ) -> Customer:
        provider = self._customer(ref, Operation.UPDATE, ID)
        _raise(_customer_errors(provider.capabilities, ref.provider, fields))
        return await provider.update_customer(ref.provider_id, fields, expected_version)

    async def delete(self, ref: CustomerRef, expected_version: str | None) -> None:
        provider = self._customer(ref, Operation.DELETE, ID)
        await provider.delete_customer(ref.provider_id, expected_version)

    async def add_address(self, ref: CustomerRef, address: AddressFields) -> Customer:
        provider = self._customer(ref, Operation.ADD_ADDRESS, CUSTOMER_ID)
        _raise(_address_errors(provider.capabilities, ref.provider, address))
        await _check_room(provider, ref.provider_id)
        return await provider.add_address(ref.provider_id, address)

    async def update_address(
        self, ref: CustomerRef, address_id: str, address: AddressFields
    ) -> Customer:
        provider = self._customer(ref, Operation.UPDATE_ADDRESS, CUSTOMER_ID)
        provider.capabilities.ids.address.check(address_id, "input.addressId")
        _raise(_address_errors(provider.capabilities, ref.provider, address))
        return await provider.update_address(ref.provider_id, address_id, address)

    async def remove_address(self, ref: CustomerRef, address_id: str) -> Customer:
        provider = self._customer(ref, Operation.REMOVE_ADDRESS, CUSTOMER_ID)
        provider.capabilities.ids.address.check(address_id, "input.addressId")
        return await provider.remove_address(ref.provider_id, address_id)

    async def attach_payment_source(
        self, ref: CustomerRef, token: str, make_default: bool
    ) -> Customer:
        provider = self._customer(ref, Operation.ATTACH_PAYMENT_SOURCE, CUSTOMER_ID)
        if make_default and not provider.capabilities.make_default_on_attach:
            raise _unsupported_field(ref.provider, "make_default", INPUT)
        if not token.strip():
            raise UserInputError(UserErrorCode.INVALID, "The token is empty.", (*INPUT, "token"))
        provider.capabilities.ids.token.check(token, "input.token")
        return await provider.attach_payment_source(ref.provider_id, token, make_default)

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


def _customer_errors(
    caps: Capabilities, name: ProviderName, fields: CustomerFields
) -> list[UserInputError]:
    return check_customer_input(fields, caps.max_lengths, name.name, INPUT) + _unsupported(
        fields, caps.writable_fields, INPUT
    )


def _address_errors(
    caps: Capabilities, name: ProviderName, address: AddressFields
) -> list[UserInputError]:
    path = (*INPUT, "address")
    return check_address_input(address, caps.address_max_lengths, name.name, path) + (
        _unsupported(address, caps.address_fields, path)
    )


def _bad_chosen_id(name: ProviderName, rule: IdRule) -> UserInputError:
    """A caller-chosen id the provider's rule refuses: a field value, so INVALID."""
    return UserInputError(
        UserErrorCode.INVALID,
        f"Not an id {name.name} accepts: 1 to {rule.max_length} characters, "
        "no spaces, slashes, `?`, `#` or `%`.",
        (*INPUT, "providerId"),
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
