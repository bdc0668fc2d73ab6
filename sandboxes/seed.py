"""The deterministic demo population that every sandbox loads.

About 200 people, spread over the providers; about a third exist in two or more
providers with the same email (case may differ) and the same phone written in each
provider's own style, which is what `sameAs` has to see through. A fixed random
seed makes every run, test and benchmark see the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.model import ProviderName

GIVEN_NAMES = (
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Donald",
    "Sophie",
    "Tim",
    "Hedy",
    "John",
    "Joan",
    "Niklaus",
    "Shafi",
    "Guido",
    "Anita",
    "Bjarne",
    "Lynn",
)
FAMILY_NAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Knuth",
    "Wilson",
    "Berners",
    "Lamarr",
    "McCarthy",
    "Clarke",
    "Wirth",
    "Goldwasser",
    "Rossum",
    "Borg",
    "Stroustrup",
    "Conway",
    "Okafor",
    "Nakamura",
    "Silva",
    "Novak",
)
COMPANIES = ("Analytical Engines", "Compiler Works", "Bletchley Goods", "Apollo Supply")
STREETS = ("Main St", "Oak Ave", "Market St", "High St", "Elm Rd", "Harbour Way")
CITIES = (
    ("Springfield", "IL", "62701", "US"),
    ("Portland", "OR", "97201", "US"),
    ("Austin", "TX", "73301", "US"),
    ("Boston", "MA", "02108", "US"),
    ("London", "Greater London", "EC1A 1BB", "GB"),
    ("Dublin", "Dublin", "D02 X285", "IE"),
)
CARD_BRANDS = ("VISA", "MASTERCARD", "AMERICAN_EXPRESS", "DISCOVER")
ORDER_STATES = ("COMPLETED", "OPEN", "CANCELED")
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SeedAddress:
    label: str
    line1: str
    city: str
    region: str
    postal_code: str
    country: str
    line2: str | None = None


@dataclass(frozen=True, slots=True)
class SeedCard:
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True, slots=True)
class SeedOrder:
    key: str
    amount: int
    currency: str
    state: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Person:
    key: str
    given_name: str
    family_name: str
    email: str
    phone_country: str
    phone_national: str
    """Digits without the country code, e.g. 4155550123 (US) or 2079460123 (GB)."""
    company_name: str | None
    birthday: str | None
    created_at: datetime
    addresses: tuple[SeedAddress, ...]
    cards: tuple[SeedCard, ...]
    orders: tuple[SeedOrder, ...]
    providers: tuple[ProviderName, ...]

    def email_in(self, provider: ProviderName) -> str:
        """The email as this provider holds it: the case differs between providers."""
        local, _, domain = self.email.partition("@")
        styles = (
            self.email,
            self.email.lower(),
            f"{local.capitalize()}@{domain}",
            self.email.upper(),
        )
        return styles[_style(provider, len(styles))]

    def phone_in(self, provider: ProviderName) -> str:
        """The phone as this provider's users tend to type it."""
        n = self.phone_national
        if self.phone_country == "US":
            styles = (
                f"+1-{n[:3]}-{n[3:6]}-{n[6:]}",
                f"({n[:3]}) {n[3:6]}-{n[6:]}",
                f"+1{n}",
                f"{n[:3]}.{n[3:6]}.{n[6:]}",
            )
        else:
            styles = (
                f"+44 {n[:2]} {n[2:6]} {n[6:]}",
                f"+44 ({n[:2]}) {n[2:6]} {n[6:]}",
                f"+44{n}",
                f"+44-{n[:2]}-{n[2:6]}-{n[6:]}",
            )
        return styles[_style(provider, len(styles))]

    def created_in(self, provider: ProviderName) -> datetime:
        """Each provider got the person at a slightly different time."""
        return self.created_at + timedelta(minutes=7 * list(ProviderName).index(provider))


def people(seed: int, count: int) -> tuple[Person, ...]:
    """The demo population: the same `seed` and `count` always give the same people."""
    rng = random.Random(seed)
    providers = list(ProviderName)
    out: list[Person] = []
    for index in range(count):
        given = rng.choice(GIVEN_NAMES)
        family = rng.choice(FAMILY_NAMES)
        key = f"p{index:03d}"
        country = "US" if rng.random() < 0.8 else "GB"
        national = (
            f"{rng.randint(201, 989)}555{index:04d}" if country == "US" else f"20794{index:05d}"
        )
        home = providers[index % len(providers)]
        owned = [home]
        if rng.random() < 0.36:
            extra = [p for p in providers if p is not home]
            owned += rng.sample(extra, rng.randint(1, len(extra)))
        created = EPOCH + timedelta(days=rng.randint(0, 1000), seconds=index * 97)
        out.append(
            Person(
                key=key,
                given_name=given,
                family_name=family,
                email=f"{given}.{family}.{key}@example.com",
                phone_country=country,
                phone_national=national,
                company_name=rng.choice(COMPANIES) if rng.random() < 0.25 else None,
                birthday=_birthday(rng) if rng.random() < 0.5 else None,
                created_at=created,
                addresses=_addresses(rng),
                cards=_cards(rng),
                orders=_orders(rng, key, created),
                providers=tuple(sorted(owned, key=providers.index)),
            )
        )
    return tuple(out)


def _style(provider: ProviderName, styles: int) -> int:
    """Which of the writing styles a provider's copy takes: they rotate, so a provider
    added later needs no entry here and still differs from its neighbours."""
    return list(ProviderName).index(provider) % styles


def for_provider(population: tuple[Person, ...], provider: ProviderName) -> tuple[Person, ...]:
    return tuple(p for p in population if provider in p.providers)


def _birthday(rng: random.Random) -> str:
    return f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _addresses(rng: random.Random) -> tuple[SeedAddress, ...]:
    labels = ("home", "office", "holiday")
    count = rng.choice((1, 1, 1, 2, 3))
    out = []
    for label in labels[:count]:
        city, region, postal, country = rng.choice(CITIES)
        out.append(
            SeedAddress(
                label=label,
                line1=f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
                line2=f"Apt {rng.randint(1, 40)}" if rng.random() < 0.3 else None,
                city=city,
                region=region,
                postal_code=postal,
                country=country,
            )
        )
    return tuple(out)


def _cards(rng: random.Random) -> tuple[SeedCard, ...]:
    return tuple(
        SeedCard(
            brand=rng.choice(CARD_BRANDS),
            last4=f"{rng.randint(0, 9999):04d}",
            exp_month=rng.randint(1, 12),
            exp_year=rng.randint(2027, 2031),
        )
        for _ in range(rng.choice((0, 1, 1, 2)))
    )


def _orders(rng: random.Random, key: str, created: datetime) -> tuple[SeedOrder, ...]:
    return tuple(
        SeedOrder(
            key=f"{key}o{n}",
            amount=rng.randint(500, 25000),
            currency="USD",
            state=rng.choice(ORDER_STATES),
            created_at=created + timedelta(days=rng.randint(1, 300), minutes=n),
        )
        for n in range(rng.randint(1, 3))
    )
