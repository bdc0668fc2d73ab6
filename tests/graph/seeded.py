"""What the sandboxes were seeded with, to compare the graph's answers against."""

from __future__ import annotations

from datetime import datetime

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.seed import Person, people
from tests.conftest import Gateway


def population() -> tuple[Person, ...]:
    settings = SandboxSettings()
    return people(settings.seed, settings.people)


async def enabled_providers(gw: Gateway) -> list[ProviderName]:
    statuses = (await gw.data("{ providers { provider enabled } }"))["providers"]
    return [ProviderName[s["provider"]] for s in statuses if s["enabled"]]


def records(enabled: list[ProviderName]) -> list[tuple[Person, ProviderName]]:
    """Every seeded customer record of the enabled providers."""
    return [(p, provider) for p in population() for provider in p.providers if provider in enabled]


def person_key(email: str) -> str:
    """Seeded emails carry the person's key (…p042@example.com), whatever their case."""
    return email.lower().split("@")[0].split(".")[-1]


def created(person: Person, provider: ProviderName) -> datetime:
    return person.created_in(provider)
