"""Square merges an address one field at a time, so the adapter sends every field.

UpdateCustomer keeps any address field a request leaves out (the spec: "Only new or
changed fields are required"), so a line cleared through `updateCustomerAddress`
must reach Square as `null`, not as an absent field.
"""

from __future__ import annotations

from tests.conftest import Gateway
from tests.contract.test_customers import ADDRESS_MUTATION, create, read
from tests.providers.square.case import CASE as SQUARE


async def test_clearing_an_address_line_reaches_square(gateway: Gateway) -> None:
    created = await create(gateway, SQUARE, address=SQUARE.address)
    stored = await read(gateway, created["id"])
    assert stored is not None
    [address] = stored["addresses"]
    assert address["line2"] == SQUARE.address["line2"]
    payload = await gateway.data(
        ADDRESS_MUTATION.format(input="UpdateCustomerAddressInput", name="updateCustomerAddress"),
        input={"customerId": created["id"], "addressId": address["id"], "address": {"line2": None}},
    )
    assert payload["updateCustomerAddress"]["userErrors"] == []
    after = await read(gateway, created["id"])
    assert after is not None
    [cleared] = after["addresses"]
    assert cleared["line2"] is None
    assert {k: cleared[k] for k in ("line1", "city", "country")} == {
        k: SQUARE.address[k] for k in ("line1", "city", "country")
    }
