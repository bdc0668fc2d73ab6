"""State of the Elastic Path sandbox: records, credentials, seeding and rendering.

Kept apart from the routes in `routes.py` so each stays readable. Records are held
in their stored form (a password only as a salted hash) and rendered to the wire
shape on the way out, omitting empty fields the way Elastic Path's examples do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.model import ProviderName
from sandboxes.elasticpath.errors import ApiError, unauthorized
from sandboxes.kit import decode_state, encode_state
from sandboxes.seed import Person, SeedAddress, SeedOrder

DEMO_CLIENT_ID = "sandbox-elasticpath-client-id"
DEMO_CLIENT_SECRET = "sandbox-elasticpath-client-secret"
SEEDED_PASSWORD = "sandbox-shopper-password"
TOKEN_LIFETIME_S = 3600
CUSTOMER_TOKEN_LIFETIME_S = 24 * 3600
PBKDF2_ROUNDS = 2000

ADDRESS_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "company_name",
    "phone_number",
    "line_1",
    "line_2",
    "city",
    "county",
    "region",
    "postcode",
    "country",
    "instructions",
)
# Seed order state -> (status, payment, shipping).
ORDER_STATES = {
    "COMPLETED": ("complete", "paid", "fulfilled"),
    "OPEN": ("processing", "paid", "unfulfilled"),
    "CANCELED": ("cancelled", "refunded", "unfulfilled"),
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> str:
    return iso(datetime.now(UTC))


@dataclass(slots=True)
class AccessToken:
    grant: str
    expires_at: float


class ElasticPathStore:
    """One Elastic Path store: customers, addresses, orders and issued tokens."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.customers: dict[str, dict[str, Any]] = {}
        self.addresses: dict[str, dict[str, dict[str, Any]]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.token_lifetime_s = TOKEN_LIFETIME_S
        self._jwt_key = self.rng.randbytes(32)
        self._seeded_hash: str | None = None

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # --- credentials -------------------------------------------------------------

    def issue(self, grant: str) -> dict[str, Any]:
        token = secrets.token_hex(20)
        lifetime = self.token_lifetime_s
        expires = time.time() + lifetime
        self.tokens[token] = AccessToken(grant, expires)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "expires": int(expires),
            "identifier": grant,
        }

    def grant_of(self, token: str | None) -> str:
        """The grant behind a bearer token; 401 when missing, unknown or expired."""
        issued = self.tokens.get(token) if token else None
        if issued is None or issued.expires_at <= time.time():
            raise unauthorized()
        return issued.grant

    def expire_tokens(self) -> None:
        for token in self.tokens.values():
            token.expires_at = 0.0

    def hash_password(self, password: str) -> str:
        salt = secrets.token_bytes(16)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ROUNDS)
        return f"pbkdf2${salt.hex()}${digest.hex()}"

    @staticmethod
    def password_matches(stored: str | None, password: str) -> bool:
        if stored is None:
            return False
        _, salt, digest = stored.split("$")
        again = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), PBKDF2_ROUNDS)
        return hmac.compare_digest(again.hex(), digest)

    def customer_token(self, customer: Mapping[str, Any]) -> dict[str, Any]:
        issued = int(time.time())
        jti = str(uuid.uuid4())
        claims = {
            "sub": customer["id"],
            "name": customer["name"],
            "exp": issued + CUSTOMER_TOKEN_LIFETIME_S,
            "iat": issued,
            "jti": jti,
        }
        head = encode_state({"alg": "HS256", "typ": "JWT"})
        body = encode_state(claims)
        signature = hmac.new(self._jwt_key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        token = f"{head}.{body}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"
        return {
            "type": "token",
            "id": jti,
            "customer_id": customer["id"],
            "token": token,
            "expires": claims["exp"],
        }

    def shopper_of(self, token: str) -> str:
        """The customer id a customer token was issued to; 401 when invalid or expired."""
        try:
            head, body, signature = token.strip().split(".")
            given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        except ValueError as exc:
            raise unauthorized() from exc
        expected = hmac.new(self._jwt_key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        claims = decode_state(body)
        if claims is None or not hmac.compare_digest(expected, given):
            raise unauthorized()
        if claims.get("exp", 0) <= time.time():
            raise unauthorized()
        return str(claims["sub"])

    # --- records -----------------------------------------------------------------

    def customer(self, customer_id: str) -> dict[str, Any]:
        found = self.customers.get(customer_id)
        if found is None:
            raise ApiError(404, "Not Found", "customer not found")
        return found

    def address(self, customer_id: str, address_id: str) -> dict[str, Any]:
        self.customer(customer_id)
        found = self.addresses.get(customer_id, {}).get(address_id)
        if found is None:
            raise ApiError(404, "Not Found", "address not found")
        return found

    def email_taken(self, email: str, other_than: str | None = None) -> bool:
        wanted = email.strip().lower()
        return any(
            c["email"].lower() == wanted and c["id"] != other_than for c in self.customers.values()
        )

    def load(self, people: Sequence[Person]) -> None:
        provider = ProviderName.ELASTIC_PATH
        for person in people:
            created = iso(person.created_in(provider))
            customer_id = self.new_id()
            with_password = int(person.key[1:]) % 2 == 0
            self.customers[customer_id] = {
                "id": customer_id,
                "name": f"{person.given_name} {person.family_name}",
                "email": person.email_in(provider),
                "external_ref": person.key,
                "password_hash": self._seeded_password() if with_password else None,
                "created_at": created,
                "updated_at": created,
            }
            self.addresses[customer_id] = {}
            for seeded in person.addresses:
                address_id = self.new_id()
                area = "region" if seeded.country == "US" else "county"
                self.addresses[customer_id][address_id] = _compact(
                    {
                        "id": address_id,
                        "name": seeded.label,
                        "first_name": person.given_name,
                        "last_name": person.family_name,
                        "company_name": person.company_name,
                        "phone_number": person.phone_in(provider),
                        "line_1": seeded.line1,
                        "line_2": seeded.line2,
                        "city": seeded.city,
                        area: seeded.region,
                        "postcode": seeded.postal_code,
                        "country": seeded.country,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
            for order in person.orders:
                self._seed_order(person, customer_id, order)

    def _seeded_password(self) -> str:
        if self._seeded_hash is None:
            self._seeded_hash = self.hash_password(SEEDED_PASSWORD)
        return self._seeded_hash

    def _seed_order(self, person: Person, customer_id: str, order: SeedOrder) -> None:
        amount, currency = order.amount, order.currency
        status, payment, shipping = ORDER_STATES[order.state]
        stamp = iso(order.created_at)
        billing = order_address(person, person.addresses[0])
        order_id = self.new_id()
        self.orders[order_id] = {
            "type": "order",
            "id": order_id,
            "status": status,
            "payment": payment,
            "shipping": shipping,
            "anonymized": False,
            "customer": {
                "name": f"{person.given_name} {person.family_name}",
                "email": person.email_in(ProviderName.ELASTIC_PATH),
            },
            "shipping_address": {
                **billing,
                "phone_number": person.phone_in(ProviderName.ELASTIC_PATH),
                "instructions": "",
            },
            "billing_address": billing,
            "links": {},
            "meta": {
                "display_price": {
                    "with_tax": _money(amount, currency),
                    "without_tax": _money(amount, currency),
                    "tax": _money(0, currency),
                },
                "timestamps": {"created_at": stamp, "updated_at": stamp},
            },
            "relationships": {
                "items": {"data": [{"type": "item", "id": self.new_id()}]},
                "customer": {"data": {"type": "customer", "id": customer_id}},
            },
        }


def order_address(person: Person, address: SeedAddress) -> dict[str, str]:
    """Every field the orders spec requires of a billing address; unknown ones are `""`,
    as Elastic Path answers them. The seed's region is a US state or a UK/Irish county."""
    state = address.region if address.country == "US" else ""
    return {
        "first_name": person.given_name,
        "last_name": person.family_name,
        "company_name": person.company_name or "",
        "line_1": address.line1,
        "line_2": address.line2 or "",
        "city": address.city,
        "postcode": address.postal_code,
        "county": "" if state else address.region,
        "country": address.country,
        "region": state,
    }


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": currency,
        "formatted": f"${amount // 100}.{amount % 100:02d}",
    }


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v not in (None, "")}


# --- rendering -------------------------------------------------------------------


def render_customer(customer: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "customer",
        "id": customer["id"],
        "name": customer["name"],
        "email": customer["email"],
    }
    if customer.get("external_ref") is not None:
        out["external_ref"] = customer["external_ref"]
    out["password"] = customer.get("password_hash") is not None
    out["meta"] = {
        "timestamps": {"created_at": customer["created_at"], "updated_at": customer["updated_at"]}
    }
    return out


def render_address(base_url: str, customer_id: str, address: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "address", "id": address["id"]}
    out.update({k: address[k] for k in ADDRESS_FIELDS if k in address})
    out["meta"] = {
        "timestamps": {"created_at": address["created_at"], "updated_at": address["updated_at"]}
    }
    out["links"] = {
        "self": f"{base_url.rstrip('/')}/v2/customers/{customer_id}/addresses/{address['id']}"
    }
    out["relationships"] = {"customer": {"id": customer_id, "type": "customer"}}
    return out


def customer_values(customer: Mapping[str, Any]) -> dict[str, str | None]:
    return {
        "email": customer["email"],
        "name": customer["name"],
        "id": customer["id"],
        "created_at": customer["created_at"],
        "updated_at": customer["updated_at"],
        "external_ref": customer.get("external_ref"),
    }


def order_values(order: Mapping[str, Any]) -> dict[str, str | None]:
    """What each documented order filter attribute reads (orders spec, `Filtering`)."""
    customer = order.get("customer") or {}
    contact = order.get("contact") or {}
    relationships = order.get("relationships") or {}
    related = (relationships.get("customer") or {}).get("data") or {}
    account = (relationships.get("account") or {}).get("data") or {}
    member = (relationships.get("account_member") or {}).get("data") or {}
    price = order["meta"]["display_price"]
    return {
        "status": order["status"],
        "payment": order["payment"],
        "shipping": order["shipping"],
        "name": customer.get("name"),
        "email": customer.get("email"),
        "customer_id": related.get("id"),
        "account_id": account.get("id"),
        "account_member_id": member.get("id"),
        "contact.name": contact.get("name"),
        "contact.email": contact.get("email"),
        "shipping_postcode": (order.get("shipping_address") or {}).get("postcode"),
        "billing_postcode": (order.get("billing_address") or {}).get("postcode"),
        "with_tax": str(price["with_tax"]["amount"]),
        "without_tax": str(price["without_tax"]["amount"]),
        "currency": price["with_tax"]["currency"],
        "external_ref": order.get("external_ref"),
        "order_number": order.get("order_number"),
        "created_at": order["meta"]["timestamps"]["created_at"],
        "updated_at": order["meta"]["timestamps"]["updated_at"],
    }
