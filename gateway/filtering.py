"""The gateway-side meaning of each `CustomerFilter` field.

Adapters push down what their API can filter and run the rest through `matches`,
so no filter is ever silently ignored, and every provider agrees on what a filter
means (e.g. phones compare on digits whatever their formatting).
"""

from __future__ import annotations

import re

from gateway.model import Customer, CustomerQuery


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def phone_matches(stored: str | None, wanted: str) -> bool:
    """Equal digits, or one a suffix of the other (a missing country code) of 7+ digits."""
    if not stored:
        return False
    a, b = digits(stored), digits(wanted)
    if not a or not b:
        return False
    shorter, longer = sorted((a, b), key=len)
    return a == b or (len(shorter) >= 7 and longer.endswith(shorter))


def display_name(customer: Customer) -> str | None:
    if customer.display_name:
        return customer.display_name
    joined = " ".join(p for p in (customer.given_name, customer.family_name) if p)
    return joined or None


def matches(customer: Customer, query: CustomerQuery) -> bool:
    if query.email is not None and (customer.email or "").strip().lower() != (
        query.email.strip().lower()
    ):
        return False
    if query.phone is not None and not phone_matches(customer.phone, query.phone):
        return False
    if query.name is not None and query.name.lower() not in (display_name(customer) or "").lower():
        return False
    if query.reference_id is not None and customer.reference_id != query.reference_id:
        return False
    if query.created_after is not None and (
        customer.created_at is None or customer.created_at <= query.created_after
    ):
        return False
    return not (
        query.created_before is not None
        and (customer.created_at is None or customer.created_at >= query.created_before)
    )
