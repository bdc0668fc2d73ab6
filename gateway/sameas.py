"""`sameAs`: the same person's profiles in the other providers.

A person matches on the normalized email (trimmed, case-insensitive) or the phone
in E.164 (parsed with `phonenumbers`, numbers without a country code read in the
configured default region). Providers cannot search many emails or phones in one
call, so each provider's listing is read, a page at a time, into a contact index,
and every customer of the page is matched against it: one batch per provider, never
one search per customer. With the read cache on, requests share each provider's
index for as long as the cache keeps the listing's pages (`CachedProvider.contact_index`:
one per list generation); without it, each request builds its own.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

import phonenumbers

from gateway.contract import CustomerProvider
from gateway.model import Customer, CustomerQuery, ProviderName

INDEX_PAGE_SIZE = 100


def normalize_email(email: str | None) -> str | None:
    if not email or not email.strip():
        return None
    return email.strip().lower()


@functools.lru_cache(maxsize=65536)
def normalize_phone(phone: str | None, default_region: str) -> str | None:
    """The phone in E.164, or None when it is not a plausible number.

    Memoized: every request matches its page against whole listings, and parsing is
    the costly part of that.
    """
    if not phone or not phone.strip():
        return None
    try:
        parsed = phonenumbers.parse(phone, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def contact_keys(customer: Customer, default_region: str) -> set[str]:
    keys = set()
    if (email := normalize_email(customer.email)) is not None:
        keys.add(f"email:{email}")
    if (phone := normalize_phone(customer.phone, default_region)) is not None:
        keys.add(f"phone:{phone}")
    return keys


@dataclass(slots=True)
class ContactIndex:
    """One provider's customers by contact key; read-only once built, since requests share it."""

    by_key: dict[str, list[Customer]] = field(default_factory=lambda: defaultdict(list))

    def add(self, customer: Customer, default_region: str) -> None:
        for key in contact_keys(customer, default_region):
            self.by_key[key].append(customer)

    def matches(self, customer: Customer, default_region: str) -> list[Customer]:
        seen: dict[str, Customer] = {}
        for key in sorted(contact_keys(customer, default_region)):
            for match in self.by_key.get(key, []):
                seen.setdefault(match.provider_id, match)
        return list(seen.values())


async def build_index(provider: CustomerProvider, default_region: str) -> ContactIndex:
    index = ContactIndex()
    cursor: str | None = None
    while True:
        page = await provider.search_customers(CustomerQuery(), INDEX_PAGE_SIZE, cursor)
        for customer in page.customers:
            index.add(customer, default_region)
        if page.next_cursor is None:
            return index
        cursor = page.next_cursor


@dataclass(frozen=True, slots=True)
class SameAs:
    customers: tuple[Customer, ...]
    failures: dict[ProviderName, BaseException]
