"""The cache's JSON codec: every model value round-trips, nothing needs pickle."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from gateway import model
from gateway.codec import CONVERTERS, CodecError, decode, decode_many, decode_optional, encode
from gateway.model import (
    Address,
    Customer,
    CustomerPage,
    CustomerType,
    Money,
    Order,
    PaymentSource,
    PaymentSourceKind,
    ProviderName,
)

FULL_CUSTOMER = Customer(
    provider=ProviderName.SQUARE,
    provider_id="C1",
    version="7",
    native={"id": "C1", "nested": {"empty": None, "list": [1, "two", None]}},
    email="ada@example.com",
    given_name="Ada",
    family_name="Lovelace",
    display_name="Ada Lovelace",
    company_name="Engines",
    phone="+14155550100",
    nickname="Countess",
    note="note",
    birthday="1815-12-10",
    reference_id="ref",
    locale="en_GB",
    customer_type=CustomerType.BUSINESS,
    enabled=False,
    has_password=True,
    metadata={"tier": "gold", "n": 1},
    created_at=datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    updated_at=datetime(2024, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5))),
)
SPARSE_CUSTOMER = Customer(ProviderName.CLOVER, "K9", "v", {})
ADDRESS = Address(
    "a1", "home", "Ada", "L", "Co", "+1", "1 Main", "Fl 2", "Town", "IL", "62701", "US", "gate"
)
CARD = PaymentSource("ccof:1", PaymentSourceKind.CARD, True, "VISA", "4242", 12, 2030)
ORDER = Order(
    ProviderName.DIGITAL_RIVER,
    "o1",
    "C1",
    "COMPLETED",
    Money(1999, "EUR"),
    datetime(2024, 3, 1, tzinfo=UTC),
)


@pytest.mark.parametrize(
    "value",
    [
        FULL_CUSTOMER,
        SPARSE_CUSTOMER,
        ADDRESS,
        Address("only-id"),
        CARD,
        PaymentSource("p", PaymentSourceKind.OTHER),
        ORDER,
        Order(ProviderName.ELASTIC_PATH, "o2", "C2"),
        CustomerPage((FULL_CUSTOMER, SPARSE_CUSTOMER), "cursor-2"),
        CustomerPage((), None),
    ],
    ids=lambda v: type(v).__name__,
)
def test_every_model_value_round_trips_through_json_text(value: Any) -> None:
    text = json.dumps(encode(value))
    assert decode(type(value), json.loads(text)) == value


def test_lists_and_absent_values() -> None:
    assert decode_many(Address, json.loads(json.dumps(encode([ADDRESS, Address("x")])))) == [
        ADDRESS,
        Address("x"),
    ]
    assert decode_optional(Customer, encode(None)) is None


def test_none_fields_are_left_out() -> None:
    assert encode(SPARSE_CUSTOMER) == {
        "provider": "clover",
        "provider_id": "K9",
        "version": "v",
        "native": {},
    }


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (Customer, ["not", "an", "object"]),
        (Customer, {"provider": "square", "provider_id": "1", "version": "1"}),
        (Customer, {"provider": "nowhere", "provider_id": "1", "version": "1", "native": {}}),
        (Address, {"id": "a", "field_this_model_dropped": 1}),
        (Order, {"provider": "square", "provider_id": "o", "customer_id": "c", "total": 5}),
        (PaymentSource, {"id": "p", "kind": "CHEQUE"}),
        (Customer, {"provider": "square", "provider_id": "1", "version": "1", "native": {},
                    "created_at": "yesterday"}),
    ],
    ids=["not-object", "missing-field", "unknown-enum", "unknown-field", "bad-money",
         "bad-kind", "bad-datetime"],
)  # fmt: skip
def test_what_no_longer_fits_the_model_is_a_codec_error(cls: type, data: Any) -> None:
    with pytest.raises(CodecError):
        decode(cls, data)


def _needs_conversion(hint: Any) -> bool:
    """True when JSON cannot carry values of this annotation as they are."""
    if hint in (str, int, bool, float, type(None), Any):
        return False
    origin = typing.get_origin(hint)
    if origin is dict:
        return False
    if origin in (typing.Union, types.UnionType):
        return any(_needs_conversion(arg) for arg in typing.get_args(hint))
    return True


@pytest.mark.parametrize("cls", list(CONVERTERS), ids=lambda c: c.__name__)
def test_every_field_json_cannot_carry_has_a_converter(cls: type) -> None:
    """A field added to the model with an enum, datetime or dataclass type needs one."""
    hints = typing.get_type_hints(cls, vars(model))
    for field in dataclasses.fields(cls):
        assert _needs_conversion(hints[field.name]) == (field.name in CONVERTERS[cls]), field.name
