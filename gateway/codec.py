"""The unified model as JSON, for the cache: never pickle.

A cache shared through Redis must not run code on load, and must survive a deploy
that adds a field to the model. So values are plain JSON: dataclasses become
objects (without the None fields that default to None), enums their values,
datetimes ISO 8601. Decoding converts back only the fields JSON cannot carry; a
value written by an older model that no longer fits raises `CodecError`, which the
cache reads as a miss.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

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

T = TypeVar("T")
JSON = Any
"""What `json.dumps` accepts; `gateway.cache.JsonBytes` writes the text."""


class CodecError(ValueError):
    """A cached value that no longer decodes into the model."""


def encode(value: object) -> JSON:
    """Any model value (dataclass, sequence, enum, datetime, JSON) as plain JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: encode(v)
            for f in dataclasses.fields(value)
            if (v := getattr(value, f.name)) is not None or f.default is not None
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    return value


def _money(data: JSON) -> Money:
    return decode(Money, data)


def _customers(data: JSON) -> tuple[Customer, ...]:
    return tuple(decode(Customer, c) for c in data)


CONVERTERS: dict[type, dict[str, Callable[[JSON], object]]] = {
    Customer: {
        "provider": ProviderName,
        "customer_type": CustomerType,
        "created_at": datetime.fromisoformat,
        "updated_at": datetime.fromisoformat,
    },
    Address: {},
    PaymentSource: {"kind": PaymentSourceKind},
    Money: {},
    Order: {
        "provider": ProviderName,
        "total": _money,
        "created_at": datetime.fromisoformat,
    },
    CustomerPage: {"customers": _customers},
}
"""Per model type, how to rebuild each field that JSON does not carry as is."""


def decode(cls: type[T], data: JSON) -> T:
    """One model value back from `encode`'s JSON."""
    converters = CONVERTERS.get(cls)
    if converters is None or not isinstance(data, Mapping):
        raise CodecError(f"cannot decode {cls.__name__} from {type(data).__name__}")
    try:
        if not converters.keys() & data.keys():
            return cls(**data)
        fields = dict(data)
        for name, convert in converters.items():
            if name in fields:
                fields[name] = convert(fields[name])
        return cls(**fields)
    except (TypeError, ValueError, KeyError) as exc:
        raise CodecError(f"stale or foreign {cls.__name__} in the cache") from exc


def decode_many(cls: type[T], data: JSON) -> list[T]:
    if not isinstance(data, Sequence) or isinstance(data, str):
        raise CodecError(f"expected a list of {cls.__name__}")
    return [decode(cls, item) for item in data]


def decode_optional(cls: type[T], data: JSON) -> T | None:
    return None if data is None else decode(cls, data)
