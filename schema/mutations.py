"""Mutation resolvers: convert the input, call the service, answer a payload.

Expected input problems become `userErrors`; infrastructure failures stay GraphQL
errors (shaped in `schema.errors`). `_attempt` is the one place that split is made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from gateway import committed, ids
from gateway.errors import FieldPath, GatewayError, as_user_errors
from gateway.model import Customer as CustomerModel
from gateway.model import CustomerRef, ProviderName
from schema.context import Info
from schema.inputs import (
    AddCustomerAddressInput,
    AttachPaymentSourceInput,
    CreateCustomerInput,
    DeleteCustomerInput,
    DetachPaymentSourceInput,
    ForgetCustomerInput,
    RemoveCustomerAddressInput,
    SetDefaultPaymentSourceInput,
    UpdateCustomerAddressInput,
    UpdateCustomerInput,
)
from schema.permissions import audited_mutation
from schema.shoppers import LoginShopperPayload, login_shopper
from schema.types import Customer, PaymentSource, UserError

T = TypeVar("T")


@strawberry.type(
    description="Something to know about a write that went through; never a failure of it."
)
class MutationWarning:
    code: str = strawberry.field(
        description="READ_BACK_FAILED: the write committed, reading the record back failed: "
        "read it again, do not write it again."
    )
    message: str
    provider: ProviderName | None

    @classmethod
    def from_model(cls, warning: committed.MutationWarning) -> MutationWarning:
        return cls(code=warning.code.value, message=warning.message, provider=warning.provider)


@strawberry.type
class CustomerPayload:
    customer: Customer | None = strawberry.field(
        description="The record after the write; null when it failed, or when the write "
        "committed and reading it back did not (`warnings` says so)."
    )
    user_errors: list[UserError]
    payment_source: PaymentSource | None = strawberry.field(
        default=None,
        description="attachPaymentSource: the source attached, also when the customer "
        "could not be read back; null for the other mutations.",
    )
    warnings: list[MutationWarning] = strawberry.field(
        default_factory=list, description="Empty unless a write that worked needs a note."
    )


@strawberry.type
class DeleteCustomerPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class ForgetCustomerPayload:
    outcome: str | None = strawberry.field(
        description="What the provider did: DELETED, or FORGET_REQUESTED where it erases later."
    )
    user_errors: list[UserError]


async def _attempt(
    action: Callable[[], Awaitable[T]], id_field: FieldPath
) -> tuple[T | None, list[UserError]]:
    try:
        return await action(), []
    except GatewayError as exc:
        errors = as_user_errors(exc, id_field)
        if errors is None:
            raise
        return None, [UserError.from_error(e) for e in errors]


async def _customer_payload(
    info: Info,
    ref: CustomerRef | None,
    action: Callable[[], Awaitable[CustomerModel]],
    id_field: FieldPath,
) -> CustomerPayload:
    result, errors = await _attempt(action, id_field)
    if result is not None:
        info.context.loaders.written(result.ref, result)
    elif ref is not None and not errors:
        info.context.loaders.written(ref, None)
    return CustomerPayload(
        customer=Customer.from_model(result) if result else None, user_errors=errors
    )


@strawberry.type
class Mutation:
    @audited_mutation("createCustomer")
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CustomerPayload:
        service = info.context.service
        return await _customer_payload(
            info,
            None,
            lambda: service.create(input.provider, input.to_new(), input.idempotency_key),
            ("input", "provider"),
        )

    @audited_mutation("updateCustomer")
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> CustomerPayload:
        ref = ids.decode_customer(str(input.id), "input.id")
        service = info.context.service
        return await _customer_payload(
            info,
            ref,
            lambda: service.update(ref, input.to_fields(), input.expected_version),
            ("input", "id"),
        )

    @audited_mutation("deleteCustomer")
    async def delete_customer(
        self, info: Info, input: DeleteCustomerInput
    ) -> DeleteCustomerPayload:
        ref = ids.decode_customer(str(input.id), "input.id")
        service = info.context.service
        _, errors = await _attempt(
            lambda: service.delete(ref, input.expected_version), ("input", "id")
        )
        if not errors:
            info.context.loaders.written(ref, None)
        return DeleteCustomerPayload(deleted_id=None if errors else input.id, user_errors=errors)

    @audited_mutation("addCustomerAddress")
    async def add_customer_address(
        self, info: Info, input: AddCustomerAddressInput
    ) -> CustomerPayload:
        ref = ids.decode_customer(str(input.customer_id), "input.customerId")
        service = info.context.service
        return await _customer_payload(
            info,
            ref,
            lambda: service.add_address(ref, input.address.to_fields()),
            ("input", "customerId"),
        )

    @audited_mutation("updateCustomerAddress")
    async def update_customer_address(
        self, info: Info, input: UpdateCustomerAddressInput
    ) -> CustomerPayload:
        ref = ids.decode_customer(str(input.customer_id), "input.customerId")
        service = info.context.service
        return await _customer_payload(
            info,
            ref,
            lambda: service.update_address(ref, str(input.address_id), input.address.to_fields()),
            ("input", "customerId"),
        )

    @audited_mutation("removeCustomerAddress")
    async def remove_customer_address(
        self, info: Info, input: RemoveCustomerAddressInput
    ) -> CustomerPayload:
        ref = ids.decode_customer(str(input.customer_id), "input.customerId")
        service = info.context.service
        return await _customer_payload(
            info,
            ref,
            lambda: service.remove_address(ref, str(input.address_id)),
            ("input", "customerId"),
        )

    @audited_mutation("attachPaymentSource")
    async def attach_payment_source(
        self, info: Info, input: AttachPaymentSourceInput
    ) -> CustomerPayload:
        ref = ids.decode_customer(str(input.customer_id), "input.customerId")
        service = info.context.service
        attached, errors = await _attempt(
            lambda: service.attach_payment_source(
                ref, input.token, bool(input.make_default), input.idempotency_key
            ),
            ("input", "customerId"),
        )
        if attached is None:
            return CustomerPayload(customer=None, user_errors=errors)
        return CustomerPayload(
            customer=Customer.from_model(attached.customer) if attached.customer else None,
            user_errors=[],
            payment_source=PaymentSource.from_model(attached.source),
            warnings=[MutationWarning.from_model(w) for w in attached.warnings],
        )

    @audited_mutation("detachPaymentSource")
    async def detach_payment_source(
        self, info: Info, input: DetachPaymentSourceInput
    ) -> CustomerPayload:
        ref = ids.decode_customer(str(input.customer_id), "input.customerId")
        service = info.context.service
        return await _customer_payload(
            info,
            ref,
            lambda: service.detach_payment_source(ref, str(input.payment_source_id)),
            ("input", "customerId"),
        )

    @audited_mutation("setDefaultPaymentSource")
    async def set_default_payment_source(
        self, info: Info, input: SetDefaultPaymentSourceInput
    ) -> CustomerPayload:
        ref = ids.decode_customer(str(input.customer_id), "input.customerId")
        service = info.context.service
        return await _customer_payload(
            info,
            ref,
            lambda: service.set_default_payment_source(ref, str(input.payment_source_id)),
            ("input", "customerId"),
        )

    login_shopper: LoginShopperPayload = strawberry.mutation(
        resolver=login_shopper,
        description="A short-lived shopper token for a provider's shopper credentials.",
    )

    @audited_mutation("forgetCustomer")
    async def forget_customer(
        self, info: Info, input: ForgetCustomerInput
    ) -> ForgetCustomerPayload:
        ref = ids.decode_customer(str(input.id), "input.id")
        service = info.context.service
        outcome, errors = await _attempt(lambda: service.forget(ref), ("input", "id"))
        if not errors:
            info.context.loaders.written(ref, None)
        return ForgetCustomerPayload(outcome=outcome.value if outcome else None, user_errors=errors)
