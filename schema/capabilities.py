"""`providers { capabilities }` and the "stored by" field descriptions, from `Capabilities`.

Both are read from the same `Capabilities` the service enforces (the running adapter's
for the query, each adapter's declaration for the descriptions), so neither can say a
provider stores or does something the service would refuse.
"""

from __future__ import annotations

import functools

import strawberry

from gateway.contract import Capabilities, Operation, declared_capabilities
from gateway.model import ProviderName
from gateway.providers import SPECS
from gateway.validation import camel


@strawberry.type(description="A value a provider always shows for a field it does not store.")
class FixedValue:
    field: str
    value: str


@strawberry.type
class PaymentSourceSupport:
    readable: bool = strawberry.field(description="Whether paymentSources lists anything.")
    attach: bool
    detach: bool
    set_default: bool = strawberry.field(description="setDefaultPaymentSource is supported.")
    default_on_attach: bool = strawberry.field(
        description="attachPaymentSource(makeDefault: true) is honoured."
    )


@strawberry.type(description="The form of an id the caller may choose at create (providerId).")
class CallerChosenId:
    max_length: int
    pattern: str = strawberry.field(description="A regular expression the whole id matches.")


@strawberry.type(description="The provider's documented request limit; the gateway paces to it.")
class RateLimit:
    requests_per_second: float
    concurrent: int | None = strawberry.field(description="Requests in flight at once, if capped.")
    scope: str = strawberry.field(description="What the limit counts, e.g. per access token.")


@strawberry.type(
    description="What one provider stores and does, exactly as the gateway enforces it."
)
class ProviderCapabilities:
    writable_fields: list[str] = strawberry.field(
        description="Customer fields it stores (create and update)."
    )
    derived_fields: list[str] = strawberry.field(
        description="Customer fields it shows but computes from others: writing back the "
        "value read is a no-op, another value is UNSUPPORTED_FIELD."
    )
    address_fields: list[str] = strawberry.field(description="Address fields it stores.")
    fixed_address_values: list[FixedValue] = strawberry.field(
        description="Address fields shown with one value always; only that value is accepted."
    )
    max_addresses: int | None = strawberry.field(
        description="Addresses per customer; null: no limit."
    )
    operations: list[str] = strawberry.field(description="The mutations it supports.")
    payment_sources: PaymentSourceSupport
    caller_chosen_id: CallerChosenId | None = strawberry.field(
        description="Set when createCustomer takes providerId."
    )
    forget_outcome: str | None = strawberry.field(
        description="What forgetCustomer answers: DELETED, or FORGET_REQUESTED where the "
        "provider erases later; null when forgetCustomer is unsupported."
    )
    list_page_size: int = strawberry.field(
        description="The most customers one upstream listing call returns."
    )
    max_page_size: int = strawberry.field(description="The largest `first` customers accepts.")
    rate_limit: RateLimit | None = strawberry.field(
        description="Null where the provider publishes none."
    )

    @classmethod
    def of(cls, caps: Capabilities, max_page_size: int) -> ProviderCapabilities:
        ops = caps.operations
        chosen = caps.ids.customer
        limit = caps.rate_limit
        return cls(
            writable_fields=names(caps.writable_fields),
            derived_fields=names(caps.derived_fields),
            address_fields=names(caps.address_fields),
            fixed_address_values=[
                FixedValue(field=camel(k), value=v)
                for k, v in sorted(caps.fixed_address_values.items())
            ],
            max_addresses=caps.max_addresses,
            operations=[op.value for op in Operation if op in ops],
            payment_sources=PaymentSourceSupport(
                readable=caps.payment_sources,
                attach=Operation.ATTACH_PAYMENT_SOURCE in ops,
                detach=Operation.DETACH_PAYMENT_SOURCE in ops,
                set_default=Operation.SET_DEFAULT_PAYMENT_SOURCE in ops,
                default_on_attach=caps.make_default_on_attach,
            ),
            caller_chosen_id=CallerChosenId(max_length=chosen.max_length, pattern=chosen.pattern)
            if caps.caller_chosen_id
            else None,
            forget_outcome=caps.forget_outcome.value if Operation.FORGET in ops else None,
            list_page_size=caps.list_page_size,
            max_page_size=max_page_size,
            rate_limit=RateLimit(
                requests_per_second=limit.requests_per_second,
                concurrent=limit.concurrent,
                scope=limit.scope,
            )
            if limit
            else None,
        )


def names(fields: frozenset[str]) -> list[str]:
    return sorted(camel(n) for n in fields)


@functools.cache
def _declared() -> tuple[tuple[ProviderName, Capabilities], ...]:
    return tuple((spec.name, declared_capabilities(spec)) for spec in SPECS)


def _listed(providers: list[ProviderName]) -> str:
    return ", ".join(p.name for p in providers) if providers else "none"


def customer_field(name: str, about: str = "") -> str:
    """`about`, then which providers store unified customer field `name` (and derive it)."""
    stored = [p for p, caps in _declared() if name in caps.writable_fields]
    derived = [p for p, caps in _declared() if name in caps.derived_fields]
    text = f"{about} Stored by: {_listed(stored)}.".strip()
    return f"{text} Derived by: {_listed(derived)}." if derived else text


def address_field(name: str, about: str = "") -> str:
    """The same for an address field; a fixed value is named with its provider."""
    stored = [p for p, caps in _declared() if name in caps.address_fields]
    fixed = [
        f"{caps.fixed_address_values[name]} on {p.name}"
        for p, caps in _declared()
        if name in caps.fixed_address_values
    ]
    text = f"{about} Stored by: {_listed(stored)}.".strip()
    return f"{text} Always {', '.join(fixed)}." if fixed else text
