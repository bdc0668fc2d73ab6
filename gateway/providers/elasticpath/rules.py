"""What Elastic Path accepts: the form of its ids, and the longest strings it stores.

Customers, addresses and orders have server-generated UUIDs (elasticpath.md §3, §4,
§6); there is no way to choose one. The only documented string limit on a customer
is `external_ref`, 2048 characters.
"""

from __future__ import annotations

from gateway.ids import OPAQUE, UUID, IdRules, chars

IDS = IdRules(
    customer=UUID,
    address=UUID,
    payment_source=OPAQUE,
    order=UUID,
    token=OPAQUE,
    cursor=chars(r"[0-9]", 9),
)
"""Elastic Path keeps no payment sources (those operations are unsupported before any id
is read); the cursor is its `page[offset]`."""

MAX_LENGTHS: dict[str, int] = {"reference_id": 2048}
ADDRESS_MAX_LENGTHS: dict[str, int] = {}
