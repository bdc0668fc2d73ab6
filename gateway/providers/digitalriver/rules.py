"""What Digital River accepts: the form of its ids, and the longest strings it stores.

The caller may choose a customer's id: at most 40 characters, the allowed characters
undocumented (digitalriver.md §3). The rule admits what a URL path segment holds
unescaped (RFC 3986 `pchar`: letters, digits, `-._~!$&'()*+,;=:@`) except `%`, so a
chosen id is readable back through the same rule, and Digital River's own numeric
ids pass. Sources are UUIDs and orders numeric; both get a lenient token rule.
Digital River documents no string lengths besides the id and metadata (checked in
`mapping.check_metadata`).
"""

from __future__ import annotations

from gateway.ids import OPAQUE, IdRules, chars

CUSTOMER_ID = chars(r"[A-Za-z0-9._~!$&'()*+,;=:@-]", 40)
IDS = IdRules(
    customer=CUSTOMER_ID,
    address=OPAQUE,
    payment_source=OPAQUE,
    order=OPAQUE,
    token=OPAQUE,
    cursor=CUSTOMER_ID,
)
"""`address` is the gateway's own `shipping`; a token is a source id (it becomes a URL
segment when attached); the cursor is `startingAfter`, the last customer id of a page."""

MAX_LENGTHS: dict[str, int] = {}
ADDRESS_MAX_LENGTHS: dict[str, int] = {}
