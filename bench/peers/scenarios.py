"""The three scenarios, as each side spells them, and the check that both answer alike.

Both sides ask for the same Square data: twelve scalar fields and the address, under
each side's own names (ours the unified graph's, Mesh's Square's, from its spec).
Square's spec links no customer to its cards, so Mesh's scenario (c) asks RetrieveCustomer
and ListCards side by side in one operation, as a Mesh user would without writing links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

OURS_FIELDS = """providerId givenName familyName email phone companyName nickname note
  birthday referenceId createdAt updatedAt
  addresses { line1 line2 city region postalCode country }"""
MESH_FIELDS = """id given_name family_name email_address phone_number company_name nickname
  note birthday reference_id created_at updated_at
  address { address_line_1 address_line_2 locality administrative_district_level_1
    postal_code country }"""

OURS_TO_SQUARE = {
    "providerId": "id",
    "givenName": "given_name",
    "familyName": "family_name",
    "email": "email_address",
    "phone": "phone_number",
    "companyName": "company_name",
    "nickname": "nickname",
    "note": "note",
    "birthday": "birthday",
    "referenceId": "reference_id",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
ADDRESS_TO_SQUARE = {
    "line1": "address_line_1",
    "line2": "address_line_2",
    "city": "locality",
    "region": "administrative_district_level_1",
    "postalCode": "postal_code",
    "country": "country",
}
TIMESTAMPS = ("created_at", "updated_at")

OURS_LIST = f"""query {{
  customers(first: 50, filter: {{providers: [SQUARE]}}) {{ nodes {{ {OURS_FIELDS} }} }}
}}"""
MESH_LIST = f"""query {{
  SearchCustomers(input: {{limit: 50, query: {{sort: {{field: CREATED_AT, order: DESC}}}}}}) {{
    customers {{ {MESH_FIELDS} }}
  }}
}}"""
CARD_FIELDS_OURS = "paymentSources { id brand last4 expMonth expYear }"
CARD_FIELDS_MESH = "cards { id card_brand last_4 exp_month exp_year }"


@dataclass(frozen=True)
class Customers:
    """The Square customers the scenarios ask for, by our global id and by Square's id."""

    global_ids: list[str]
    square_ids: list[str]
    with_cards: frozenset[str]
    """Square ids of the customers holding at least one card."""


@dataclass(frozen=True)
class Scenario:
    """One scenario's GraphQL on each side and the variables it cycles through."""

    name: str
    title: str
    ours_query: str
    mesh_query: str
    by_id: bool
    cards_only: bool = False

    def payloads(self, customers: Customers) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Our request bodies and Mesh's, the same customers in the same order."""
        if not self.by_id:
            return [{"query": self.ours_query}], [{"query": self.mesh_query}]
        pairs = [
            (global_id, square_id)
            for global_id, square_id in zip(customers.global_ids, customers.square_ids, strict=True)
            if not self.cards_only or square_id in customers.with_cards
        ]
        ours = [{"query": self.ours_query, "variables": {"id": g}} for g, _ in pairs]
        mesh = [{"query": self.mesh_query, "variables": {"id": s}} for _, s in pairs]
        return ours, mesh


SCENARIOS = (
    Scenario("list50", "(a) 50 Square customers with the address", OURS_LIST, MESH_LIST, False),
    Scenario(
        "by_id",
        "(b) one customer by id, over every Square customer",
        f"query($id: ID!) {{ customer(id: $id) {{ {OURS_FIELDS} }} }}",
        f"""query($id: String!) {{
  RetrieveCustomer(customer_id: $id) {{ customer {{ {MESH_FIELDS} }} }}
}}""",
        True,
    ),
    Scenario(
        "cards",
        "(c) a customer with its cards, over every Square card holder",
        f"query($id: ID!) {{ customer(id: $id) {{ {OURS_FIELDS} {CARD_FIELDS_OURS} }} }}",
        f"""query($id: String!) {{
  RetrieveCustomer(customer_id: $id) {{ customer {{ {MESH_FIELDS} }} }}
  ListCards(customer_id: $id) {{ {CARD_FIELDS_MESH} }}
}}""",
        True,
        cards_only=True,
    ),
)


def _same_instant(record: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as instants: ours are ISO with an offset, Square's end in `.000Z`."""
    return {
        key: datetime.fromisoformat(value) if key in TIMESTAMPS and value else value
        for key, value in record.items()
    }


def ours_as_square(node: dict[str, Any]) -> dict[str, Any]:
    """One of our customers under Square's field names, the address as Square nests it."""
    record = {square: node[ours] for ours, square in OURS_TO_SQUARE.items()}
    addresses = node["addresses"]
    record["address"] = (
        {square: addresses[0][ours] for ours, square in ADDRESS_TO_SQUARE.items()}
        if addresses
        else None
    )
    return _same_instant(record)


def differences(ours: dict[str, Any], mesh: dict[str, Any]) -> list[str]:
    """Where scenario (a)'s answers differ (empty: the same data), at most a few."""
    our_nodes = [ours_as_square(n) for n in ours["data"]["customers"]["nodes"]]
    mesh_nodes = [_same_instant(c) for c in mesh["data"]["SearchCustomers"]["customers"]]
    if len(our_nodes) != len(mesh_nodes):
        return [f"{len(our_nodes)} customers here, {len(mesh_nodes)} from Mesh"]
    found: list[str] = []
    for index, (a, b) in enumerate(zip(our_nodes, mesh_nodes, strict=True)):
        found.extend(
            f"customer {index} {key}: {a.get(key)!r} here, {b.get(key)!r} from Mesh"
            for key in a
            if a.get(key) != b.get(key)
        )
    return found[:5]
