"""GraphQL inputs, and their conversion to unified writes.

An omitted input field is absent from the unified write (it stays as it is); an
explicit null is present as None (it clears). That distinction is made here, once.

A `DateTime` input must carry its UTC offset (RFC 3339 asks for one): a time without
it names no instant, and compared with the providers' timestamps it crashed the whole
query. It is refused as BAD_USER_INPUT rather than guessed to be UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.schema.types.base_scalars import DateTimeDefinition

from gateway import model
from gateway.errors import UserErrorCode, UserInputError

NAIVE_DATETIME = "A DateTime needs a UTC offset, as in 2024-05-01T12:00:00Z or +02:00."
_parse_datetime = cast(Callable[[object], datetime], DateTimeDefinition.parse_value)


def _aware_datetime(value: object) -> datetime:
    parsed = _parse_datetime(value)
    if parsed.utcoffset() is None:
        raise UserInputError(UserErrorCode.INVALID, NAIVE_DATETIME)
    return parsed


AwareDateTime = strawberry.scalar(
    name="DateTime",
    description="Date with time (isoformat) and its UTC offset, e.g. 2024-05-01T12:00:00Z",
    serialize=datetime.isoformat,
    parse_value=_aware_datetime,
)
"""Strawberry's DateTime, refusing times without offset: `Schema(scalar_overrides=...)`."""


def _present(source: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(source, n) for n in names if getattr(source, n) is not strawberry.UNSET}


@strawberry.input
class AddressInput:
    label: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    company_name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    line1: str | None = strawberry.UNSET
    line2: str | None = strawberry.UNSET
    city: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    postal_code: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    instructions: str | None = strawberry.UNSET

    def to_fields(self) -> model.AddressFields:
        return cast(model.AddressFields, _present(self, ADDRESS_NAMES))


ADDRESS_NAMES = tuple(model.AddressFields.__annotations__)
CUSTOMER_NAMES = tuple(model.CustomerFields.__annotations__)


@strawberry.input
class CustomerFilter:
    providers: list[model.ProviderName] | None = strawberry.field(
        default=None, description="Only these providers; all enabled ones when absent."
    )
    email: str | None = strawberry.field(default=None, description="Exact match, case-insensitive.")
    phone: str | None = strawberry.field(
        default=None, description="Matched on digits, so +1 555-0125 finds 15550125."
    )
    name: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the display name."
    )
    reference_id: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    def to_query(self) -> model.CustomerQuery:
        return model.CustomerQuery(
            email=self.email,
            phone=self.phone,
            name=self.name,
            reference_id=self.reference_id,
            created_after=self.created_after,
            created_before=self.created_before,
        )


@strawberry.input
class CustomerFieldsInput:
    """The writable customer fields shared by create and update."""

    email: str | None = strawberry.UNSET
    given_name: str | None = strawberry.UNSET
    family_name: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    company_name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    nickname: str | None = strawberry.UNSET
    note: str | None = strawberry.UNSET
    birthday: str | None = strawberry.UNSET
    reference_id: str | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    customer_type: model.CustomerType | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    password: str | None = strawberry.UNSET

    def to_fields(self) -> model.CustomerFields:
        return cast(model.CustomerFields, _present(self, CUSTOMER_NAMES))


@strawberry.input
class CreateCustomerInput(CustomerFieldsInput):
    provider: model.ProviderName
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Makes retries safe: the same key never creates a second customer.",
    )
    provider_id: str | None = strawberry.field(
        default=None, description="For providers that let the caller choose the id (Digital River)."
    )
    address: AddressInput | None = None
    payment_source_token: str | None = strawberry.field(
        default=None,
        description="A payment token from the provider's tokenizer, attached at creation.",
    )

    def to_new(self) -> model.NewCustomer:
        """On create an explicit null means the same as omitting the field."""
        fields = {k: v for k, v in self.to_fields().items() if v is not None}
        address = (
            {k: v for k, v in self.address.to_fields().items() if v is not None}
            if self.address
            else None
        )
        return model.NewCustomer(
            fields=cast(model.CustomerFields, fields),
            provider_id=self.provider_id,
            address=cast(model.AddressFields, address) if address is not None else None,
            payment_source_token=self.payment_source_token,
        )


@strawberry.input(description="Omitted fields stay as they are; an explicit null clears the field.")
class UpdateCustomerInput(CustomerFieldsInput):
    id: strawberry.ID
    expected_version: str | None = strawberry.field(
        default=None,
        description="When given, the update fails with CONFLICT if the record changed since.",
    )


@strawberry.input
class DeleteCustomerInput:
    id: strawberry.ID
    expected_version: str | None = None


@strawberry.input
class AddCustomerAddressInput:
    customer_id: strawberry.ID
    address: AddressInput


@strawberry.input(
    description="Omitted address fields stay as they are, whatever the provider requires."
)
class UpdateCustomerAddressInput:
    customer_id: strawberry.ID
    address_id: strawberry.ID
    address: AddressInput


@strawberry.input
class RemoveCustomerAddressInput:
    customer_id: strawberry.ID
    address_id: strawberry.ID


@strawberry.input
class AttachPaymentSourceInput:
    customer_id: strawberry.ID
    token: str
    make_default: bool | None = False


@strawberry.input
class DetachPaymentSourceInput:
    customer_id: strawberry.ID
    payment_source_id: strawberry.ID


@strawberry.input
class SetDefaultPaymentSourceInput:
    customer_id: strawberry.ID
    payment_source_id: strawberry.ID


@strawberry.input
class ForgetCustomerInput:
    id: strawberry.ID
