from __future__ import annotations

import pytest

from gateway import ids
from gateway.errors import MalformedId
from gateway.model import CustomerRef, ProviderName


@pytest.mark.parametrize("provider", list(ProviderName))
def test_customer_ids_round_trip(provider: ProviderName) -> None:
    ref = CustomerRef(provider, "abc:DEF/123")
    assert ids.decode_customer(ids.customer_id(ref)) == ref


def test_order_ids_carry_their_customer() -> None:
    gid = ids.decode(ids.order_id(ProviderName.SQUARE, "CUST", "ORD"))
    assert (gid.kind, gid.provider_id, gid.customer) == (
        ids.Kind.ORDER,
        "ORD",
        CustomerRef(ProviderName.SQUARE, "CUST"),
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-base64!!",
        "Zm9v",
        ids.order_id(ProviderName.SQUARE, "C", "O"),
        "Q3VzdG9tZXIfbm9wZR94",
    ],
)
def test_malformed_customer_ids_are_refused(value: str) -> None:
    with pytest.raises(MalformedId):
        ids.decode_customer(value)
