"""The demo population: deterministic, a third shared across providers, styles differ."""

from __future__ import annotations

from gateway.model import ProviderName
from gateway.sameas import normalize_email, normalize_phone
from sandboxes.seed import people


def test_same_seed_same_people_other_seed_other_people() -> None:
    assert people(7, 50) == people(7, 50)
    assert people(7, 50) != people(8, 50)


def test_about_a_third_exist_in_several_providers() -> None:
    population = people(20261122, 200)
    shared = [p for p in population if len(p.providers) > 1]
    assert len(population) == 200
    assert 0.25 <= len(shared) / len(population) <= 0.45
    assert {len(p.providers) for p in shared} >= {2, 3}


def test_shared_people_differ_in_style_but_not_in_identity() -> None:
    for person in people(20261122, 200):
        emails = {person.email_in(p) for p in person.providers}
        phones = {person.phone_in(p) for p in person.providers}
        assert len({normalize_email(e) for e in emails}) == 1
        assert len({normalize_phone(n, "US") for n in phones}) == 1
        if len(person.providers) > 1:
            # Four writing styles rotate over the providers in `ProviderName` order.
            rotation = {list(ProviderName).index(p) % 4 for p in person.providers}
            assert len(phones) == len(rotation)


def test_every_person_has_an_address_and_an_order() -> None:
    for person in people(1, 100):
        assert person.addresses
        assert person.orders
        assert person.providers[0] in ProviderName
