"""What Clover accepts: the form of its ids, and the longest strings it stores.

Every Clover id (customers, addresses, cards, orders) is 13 characters, meant to be
upper-case base 32 with base 36 tolerated (`GenericClient.validateCloverId`,
`ID_LENGTH = 13`; clover.md §3.1). Lengths are the SDK models' `validate()` limits,
in unified names.
"""

from __future__ import annotations

from gateway.ids import IdRule, IdRules, chars

CLOVER_ID = chars(r"[0-9A-Z]", 13, 13)
IDS = IdRules(
    customer=CLOVER_ID,
    address=CLOVER_ID,
    payment_source=CLOVER_ID,
    order=CLOVER_ID,
    token=IdRule(r"clv_[A-Za-z0-9]+", 255),
    cursor=chars(r"[A-Za-z0-9_=-]", 256),
)
"""A token is an Ecommerce single-use `clv_` card token; the cursor is the gateway's own
base64url position (`search.Position`)."""

MAX_LENGTHS: dict[str, int] = {
    "given_name": 64,
    "family_name": 64,
    "company_name": 127,
    "note": 2000,
}
ADDRESS_MAX_LENGTHS: dict[str, int] = {
    "line1": 127,
    "line2": 127,
    "city": 127,
    "region": 127,
    "postal_code": 10,
}
