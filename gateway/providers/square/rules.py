"""What Square accepts: the form of each kind of its ids, and the longest strings it stores.

Square documents no id format. Customer ids in its examples are 26 characters of
upper-case base 32 (`JDKYHBWT1D4F8MFH63DBMEN8Y4`), older ones mix case and `_`, and
order ids look alike; card ids have at most 64 characters, `ccof:` and letters
(`ccof:uIbfJXhXETSP197M3GB`). The rules admit letters, digits, `_` and `-` (and `:`
in card ids), with a length well above every example. Lengths are the `maxLength`s
of the OpenAPI spec's create and update request schemas (square.md §3.1).
"""

from __future__ import annotations

from gateway.ids import OPAQUE, IdRules, chars

SQUARE_ID = chars(r"[A-Za-z0-9_-]", 128)
IDS = IdRules(
    customer=SQUARE_ID,
    address=OPAQUE,
    payment_source=chars(r"[A-Za-z0-9:_-]", 64),
    order=SQUARE_ID,
    token=chars(r"[A-Za-z0-9:_-]", 16384),
    cursor=chars(r"[A-Za-z0-9+/=_-]", 2048),
)
"""`address` is the gateway's own `primary`; a token is a `cnon:` nonce or a payment id
(`source_id`, at most 16384 characters); the cursor is Square's opaque one (base64 in
every example), sent in a JSON body."""

MAX_LENGTHS: dict[str, int] = {
    "given_name": 300,
    "family_name": 300,
    "nickname": 100,
    "company_name": 500,
    "email": 254,
    "reference_id": 100,
}
ADDRESS_MAX_LENGTHS: dict[str, int] = {}
"""The spec points to a docs page for address limits that no stored copy shows."""
