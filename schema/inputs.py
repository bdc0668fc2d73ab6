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
from schema.capabilities import address_field, customer_field

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
    label: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("label")
    )
    first_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("first_name")
    )
    last_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("last_name")
    )
    company_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("company_name")
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("phone")
    )
    line1: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("line1")
    )
    line2: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("line2")
    )
    city: str | None = strawberry.field(default=strawberry.UNSET, description=address_field("city"))
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("region")
    )
    postal_code: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("postal_code")
    )
    country: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("country")
    )
    instructions: str | None = strawberry.field(
        default=strawberry.UNSET, description=address_field("instructions")
    )

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

    email: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("email")
    )
    given_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("given_name")
    )
    family_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("family_name")
    )
    display_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("display_name")
    )
    company_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("company_name")
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("phone")
    )
    nickname: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("nickname")
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("note")
    )
    birthday: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("birthday")
    )
    reference_id: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("reference_id")
    )
    locale: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("locale")
    )
    customer_type: model.CustomerType | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("customer_type")
    )
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("enabled")
    )
    metadata: JSON | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("metadata")
    )
    password: str | None = strawberry.field(
        default=strawberry.UNSET, description=customer_field("password")
    )

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
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Makes retries safe: the same key never attaches a second source; "
        "it is CONFLICT with another customer or token. Square dedupes it natively, "
        "the gateway for the others (24 hours).",
    )


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
