"""State of the Elastic Path sandbox: records, credentials, validation and rendering.

Kept apart from the routes in `sandbox.py` so each stays readable. Records are held
in their stored form (a password only as a salted hash) and rendered to the wire
shape on the way out, omitting empty fields the way Elastic Path's examples do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.model import ProviderName
from gateway.providers.elasticpath.query import Field
from sandboxes.seed import Person, SeedOrder

DEMO_CLIENT_ID = "sandbox-elasticpath-client-id"
DEMO_CLIENT_SECRET = "sandbox-elasticpath-client-secret"
SEEDED_PASSWORD = "sandbox-shopper-password"
TOKEN_LIFETIME_S = 3600
CUSTOMER_TOKEN_LIFETIME_S = 24 * 3600
PBKDF2_ROUNDS = 2000

CUSTOMER_WRITABLE = ("name", "email", "password", "external_ref")
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
EXTERNAL_REF_MAX = 2048
EMAIL_RE = re.compile(r"^[^@\s.][^@\s]*@[^@\s]+\.[^@\s]+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
COMPARE_OPS = frozenset({"eq", "gt", "ge", "lt", "le"})
CUSTOMER_FILTERS: dict[str, Field] = {
    "email": Field(frozenset({"eq", "like"})),
    "name": Field(frozenset({"eq", "like"})),
    "id": Field(COMPARE_OPS),
    "created_at": Field(COMPARE_OPS, "time"),
    "updated_at": Field(COMPARE_OPS, "time"),
    "external_ref": Field(frozenset({"eq"})),
}
ORDER_FILTERS: dict[str, Field] = {
    "status": Field(frozenset({"eq"})),
    "payment": Field(frozenset({"eq"})),
    "shipping": Field(frozenset({"eq"})),
    "name": Field(frozenset({"eq", "like"})),
    "email": Field(frozenset({"eq", "like"})),
    "customer_id": Field(frozenset({"eq", "like"})),
    "external_ref": Field(frozenset({"eq", "like"})),
    "currency": Field(frozenset({"eq"})),
    "created_at": Field(COMPARE_OPS, "time"),
    "updated_at": Field(COMPARE_OPS, "time"),
}
CUSTOMER_SORTS = ("created_at", "email", "id", "name", "updated_at")
ORDER_SORTS = ("created_at", "payment", "shipping", "status", "updated_at")
# Seed order state -> (status, payment, shipping).
ORDER_STATES = {
    "COMPLETED": ("complete", "paid", "fulfilled"),
    "OPEN": ("processing", "paid", "unfulfilled"),
    "CANCELED": ("cancelled", "refunded", "unfulfilled"),
}


class ApiError(Exception):
    """An answer in Elastic Path's error envelope."""

    def __init__(
        self, status: int, title: str, detail: str | None = None, source: str | None = None
    ) -> None:
        super().__init__(title)
        self.status = status
        self.error: dict[str, Any] = {"status": status, "title": title}
        if detail is not None:
            self.error["detail"] = detail
        if source is not None:
            self.error["source"] = source

    def body(self) -> dict[str, Any]:
        return {"errors": [self.error]}


def unauthorized() -> ApiError:
    return ApiError(401, "Unable to validate access token")


def forbidden() -> ApiError:
    return ApiError(403, "Forbidden")


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

    def grant_of(self, authorization: str | None) -> str:
        """The grant behind a `Bearer` header; 401 when missing, unknown or expired."""
        scheme, _, token = (authorization or "").partition(" ")
        issued = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
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
        head = _b64({"alg": "HS256", "typ": "JWT"})
        body = _b64(claims)
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
            expected = hmac.new(self._jwt_key, f"{head}.{body}".encode(), hashlib.sha256).digest()
            given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, TypeError) as exc:
            raise unauthorized() from exc
        if not hmac.compare_digest(expected, given) or claims.get("exp", 0) <= time.time():
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
        address = person.addresses[0]
        postal = {
            "first_name": person.given_name,
            "last_name": person.family_name,
            "line_1": address.line1,
            "city": address.city,
            "region": address.region,
            "postcode": address.postal_code,
            "country": address.country,
        }
        order_id = self.new_id()
        self.orders[order_id] = {
            "type": "order",
            "id": order_id,
            "status": status,
            "payment": payment,
            "shipping": shipping,
            "customer": {
                "name": f"{person.given_name} {person.family_name}",
                "email": person.email_in(ProviderName.ELASTIC_PATH),
            },
            "shipping_address": postal,
            "billing_address": postal,
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


def _b64(value: Mapping[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": currency,
        "formatted": f"${amount // 100}.{amount % 100:02d}",
    }


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v not in (None, "")}


# --- validation ------------------------------------------------------------------


def data_of(body: Any, kind: str) -> dict[str, Any]:
    """The `data` object of a write, which must name its `type`."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise ApiError(400, "required", "data is required", "data")
    data: dict[str, Any] = body["data"]
    if data.get("type") != kind:
        raise ApiError(400, "Bad Request", f"type must be {kind}", "data.type")
    return data


def check_customer(data: Mapping[str, Any], *, creating: bool, customer_id: str | None) -> None:
    for key in data:
        if key not in {*CUSTOMER_WRITABLE, "type", "id"}:
            raise ApiError(400, "Bad Request", f"{key} is not a customer field", f"data.{key}")
    if "id" in data and (creating or data["id"] != customer_id):
        raise ApiError(400, "Bad Request", "id cannot be set", "data.id")
    for key in ("name", "email"):
        if creating and data.get(key) in (None, ""):
            raise ApiError(400, "required", f"{key} is required", f"data.{key}")
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            raise ApiError(400, "Bad Request", f"{key} cannot be empty", f"data.{key}")
    email = data.get("email")
    if isinstance(email, str) and (not EMAIL_RE.match(email) or ".." in email):
        raise ApiError(400, "format", "Does not match format 'email'", "data.email")
    password = data.get("password")
    if password is not None and (not isinstance(password, str) or not password):
        raise ApiError(400, "Bad Request", "password must be a string", "data.password")
    ref = data.get("external_ref")
    if ref is not None and (not isinstance(ref, str) or len(ref) > EXTERNAL_REF_MAX):
        raise ApiError(
            400, "Bad Request", f"external_ref is at most {EXTERNAL_REF_MAX}", "data.external_ref"
        )


def check_address(data: Mapping[str, Any], address_id: str | None) -> None:
    for key, value in data.items():
        if key == "type":
            continue
        if key == "id":
            if value != address_id:
                raise ApiError(400, "Bad Request", "id cannot be set", "data.id")
            continue
        if key not in ADDRESS_FIELDS:
            raise ApiError(400, "Bad Request", f"{key} is not an address field", f"data.{key}")
        if value is not None and not isinstance(value, str):
            raise ApiError(400, "Bad Request", f"{key} must be a string", f"data.{key}")
    country = data.get("country")
    if country and not COUNTRY_RE.match(country):
        raise ApiError(400, "format", "country must be a 2-letter ISO code", "data.country")


def apply(record: dict[str, Any], data: Mapping[str, Any], fields: Sequence[str]) -> None:
    """A partial write: absent fields stay, `null` or `""` clears."""
    for key in fields:
        if key not in data:
            continue
        if data[key] in (None, ""):
            record.pop(key, None)
        else:
            record[key] = data[key]


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
    customer = order.get("customer") or {}
    related = ((order.get("relationships") or {}).get("customer") or {}).get("data") or {}
    price = order["meta"]["display_price"]["with_tax"]
    return {
        "status": order["status"],
        "payment": order["payment"],
        "shipping": order["shipping"],
        "name": customer.get("name"),
        "email": customer.get("email"),
        "customer_id": related.get("id"),
        "external_ref": order.get("external_ref"),
        "currency": price["currency"],
        "created_at": order["meta"]["timestamps"]["created_at"],
        "updated_at": order["meta"]["timestamps"]["updated_at"],
    }
