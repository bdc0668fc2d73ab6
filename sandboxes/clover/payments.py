"""What an Ecommerce order, charge, payment or capture may carry, validated before it runs.

Fields and limits from Clover's reference and tutorials ("Create a charge",
"Create and pay for orders (SDK)", "Capture a charge", "Ecommerce API: Error
codes"). Every documented field is either honoured or refused by name: `intent`,
`stored_credentials`, `threeds` and `tender` need a card-on-file vault, 3-D Secure
or custom tenders the sandbox does not have, so they are refused; `tax_rate_uuid`
is checked against the sandbox merchant's tax rates, of which there are none.
Anything undocumented is refused as unknown (no field is accepted and dropped).
Amounts are integer cents; above $999,999.99 is `amount_too_large`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sandboxes.clover.errors import EcommerceError
from sandboxes.clover.rules import EMAIL_RE

MAX_AMOUNT = 99_999_999
MAX_ITEMS = 25
RATE_SCALE = 10_000_000
"""An item tax `rate` of 1000000 is 10% (the SDK tutorial's example)."""
ISO_4217_CODES = """
aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd btn
bwp byn bzd cad cdf chf clp cny cop crc cup cve czk djf dkk dop dzd egp ern etb eur fjd
fkp gbp gel ghs gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr iqd irr isk jmd jod jpy
kes kgs khr kmf kpw krw kwd kyd kzt lak lbp lkr lrd lsl lyd mad mdl mga mkd mmk mnt mop
mru mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar
ron rsd rub rwf sar sbd scr sdg sek sgd shp sle sll sos srd ssp stn svc syp szl thb tjs
tmt tnd top try ttd twd tzs uah ugx usd uyu uzs ves vnd vuv wst xaf xcd xof xpf yer zar
zmw zwl
"""
ISO_4217 = frozenset(ISO_4217_CODES.split())
ITEM_TYPES = ("sku", "tax", "shipping", "discount")
UNSUPPORTED = {
    "intent": "saving credentials on file",
    "stored_credentials": "stored-credential transactions",
    "threeds": "3-D Secure",
    "tender": "custom tenders",
}
CHARGE_FIELDS = frozenset(
    {
        "amount",
        "currency",
        "source",
        "capture",
        "partial_redemption",
        "description",
        "ecomind",
        "external_reference_id",
        "external_customer_reference",
        "receipt_email",
        "site_url",
        "metadata",
        "soft_descriptor",
        "level2",
        "level3",
        "tax_rate_uuid",
        "tax_amount",
        "tip_amount",
        *UNSUPPORTED,
    }
)
ORDER_FIELDS = frozenset({"currency", "email", "items", "customer", "shipping", "metadata"})
ITEM_FIELDS = frozenset({"type", "parent", "amount", "currency", "description", "quantity"})
PAY_FIELDS = frozenset(
    {"source", "customer", "email", "tip_amount", "ecomind", *UNSUPPORTED} - {"tender"}
)
CAPTURE_FIELDS = frozenset({"amount", "receipt_email", "level2"})
SHIPPING_ADDRESS = {"line1": 255, "line2": 255, "city": 255, "state": 255, "postal_code": 20}


def invalid(param: str, message: str, code: str = "parameter_invalid") -> EcommerceError:
    return EcommerceError(400, code, message, param=param)


def missing(param: str) -> EcommerceError:
    return EcommerceError(
        400, "parameter_missing", f"Missing required param: {param}.", param=param
    )


def only(body: Mapping[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    """Unknown fields are refused; documented ones the sandbox cannot do are refused by name."""
    allowed = frozenset(allowed)
    for key in body:
        if key not in allowed:
            raise invalid(
                prefix + key, f"Received unknown parameter: {prefix}{key}", "parameter_unknown"
            )
    for key, feature in UNSUPPORTED.items():
        if key in body and key in allowed:
            raise invalid(key, f"`{key}` is refused: the sandbox does not emulate {feature}.")


def cents(body: Mapping[str, Any], key: str, *, code: str = "parameter_invalid") -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise invalid(key, f"`{key}` must be a non-negative integer number of cents.", code)
    if value > MAX_AMOUNT:
        raise invalid(key, "The amount exceeds the $999,999.99 Clover allows.", "amount_too_large")
    return value


def currency(body: Mapping[str, Any], key: str = "currency") -> str:
    value = body.get(key)
    if value is None:
        raise missing(key)
    if not isinstance(value, str) or value.lower() not in ISO_4217:
        raise invalid(key, f"`{key}` must be a three-letter ISO 4217 currency code.")
    return value.lower()


def text(body: Mapping[str, Any], key: str, limit: int, *, low: int = 0) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not low <= len(value) <= limit:
        raise invalid(key, f"`{key}` must be text of {low} to {limit} characters.")
    return value


def email(body: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise missing(key)
        return None
    if not isinstance(value, str) or len(value) > 254 or not EMAIL_RE.match(value):
        raise EcommerceError(400, "email_invalid", f"`{key}` is not a valid email.", param=key)
    return value


def flag(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise invalid(key, f"`{key}` must be true or false.")
    return value


def ecomind(body: Mapping[str, Any]) -> str:
    value = body.get("ecomind", "ecom")
    if value not in {"ecom", "moto"}:
        raise invalid("ecomind", "`ecomind` is `ecom` or `moto`.")
    return str(value)


def obj(body: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(key, f"`{key}` must be an object.")
    return value


def metadata(body: Mapping[str, Any]) -> dict[str, str] | None:
    """Key-value pairs of text (at most 500 characters a value)."""
    value = obj(body, "metadata")
    if value is None:
        return None
    for key, entry in value.items():
        if not isinstance(entry, str) or len(key) > 40 or len(entry) > 500:
            raise invalid("metadata", "`metadata` maps keys to text of at most 500 characters.")
    return dict(value)


def shipping(value: Any) -> dict[str, Any] | None:
    """Shipping as Clover takes it; the address's `postalCode` spelling reads as `postal_code`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("shipping", "`shipping` must be an object.")
    only(value, {"name", "phone", "address"}, "shipping.")
    out: dict[str, Any] = {}
    for key in ("name", "phone"):
        entry = value.get(key)
        if entry is not None:
            if not isinstance(entry, str) or len(entry) > 255:
                raise invalid(f"shipping.{key}", f"`shipping.{key}` must be text.")
            out[key] = entry
    address = value.get("address")
    if address is not None:
        if not isinstance(address, dict):
            raise invalid("shipping.address", "`shipping.address` must be an object.")
        address = dict(address)
        if "postalCode" in address:
            address["postal_code"] = address.pop("postalCode")
        only(address, {*SHIPPING_ADDRESS, "country"}, "shipping.address.")
        kept: dict[str, str] = {}
        for key, limit in SHIPPING_ADDRESS.items():
            entry = address.get(key)
            if entry is not None:
                if not isinstance(entry, str) or len(entry) > limit:
                    raise invalid(f"shipping.address.{key}", f"`{key}`: text of at most {limit}.")
                kept[key] = entry
        country = address.get("country")
        if country is not None:
            if not isinstance(country, str) or not re.fullmatch(r"[A-Za-z]{2}", country):
                raise invalid("shipping.address.country", "`country` is a two-letter code.")
            kept["country"] = country.upper()
        if kept:
            out["address"] = kept
    return out or None


def no_tax_rate(param: str) -> EcommerceError:
    return EcommerceError(
        400, "resource_missing", "No such tax rate: the sandbox merchant has none.", param=param
    )


def order_items(value: Any, order_currency: str) -> tuple[list[dict[str, Any]], int, int]:
    """The items as Clover answers them, the order's amount and its tax, in cents."""
    if value is None:
        raise missing("items")
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ITEMS:
        raise invalid("items", f"`items` is a list of 1 to {MAX_ITEMS} items.")
    items: list[dict[str, Any]] = []
    subtotal = tax = computed = 0
    for index, raw in enumerate(value):
        where = f"items[{index}]"
        if not isinstance(raw, dict):
            raise invalid(where, f"`{where}` must be an object.")
        only(raw, ITEM_FIELDS | {"tax_rates"}, f"{where}.")
        kind = raw.get("type", "sku")
        if kind not in ITEM_TYPES:
            raise invalid(f"{where}.type", f"`type` is one of {', '.join(ITEM_TYPES)}.")
        amount = cents(raw, "amount")
        if amount is None:
            raise missing(f"{where}.amount")
        if raw.get("currency") is not None and currency(raw) != order_currency:
            raise invalid(f"{where}.currency", "An item's currency must be the order's.")
        quantity = raw.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 9999:
            raise invalid(f"{where}.quantity", "`quantity` is an integer from 1 to 9999.")
        item: dict[str, Any] = {"type": kind, "amount": amount, "currency": order_currency}
        for key, limit in (("description", 255), ("parent", 255)):
            entry = text(raw, key, limit)
            if entry is not None:
                item[key] = entry
        item["quantity"] = quantity
        rates = _tax_rates(raw.get("tax_rates"), f"{where}.tax_rates")
        if rates:
            item["tax_rates"] = rates
        line = amount * quantity
        if kind == "discount":
            subtotal -= line
        elif kind == "tax":
            tax += line
        else:
            subtotal += line
            computed += sum(round(line * r["rate"] / RATE_SCALE) for r in rates)
        items.append(item)
    tax += computed
    if computed:
        items.append(
            {
                "type": "tax",
                "amount": computed,
                "currency": order_currency,
                "description": "Sales Tax",
            }
        )
    total = subtotal + tax
    if total < 0:
        raise invalid("items", "Discounts exceed the order's amount.")
    if total > MAX_AMOUNT:
        raise invalid(
            "items", "The amount exceeds the $999,999.99 Clover allows.", "amount_too_large"
        )
    return items, total, tax


def _tax_rates(value: Any, where: str) -> list[dict[str, Any]]:
    """Item tax as a `rate` (1000000 is 10%); a `tax_rate_uuid` names a rate the merchant lacks."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(where, f"`{where}` must be a list.")
    rates = []
    for index, raw in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(raw, dict):
            raise invalid(at, f"`{at}` must be an object.")
        only(raw, {"name", "rate", "tax_rate_uuid"}, f"{at}.")
        if raw.get("tax_rate_uuid") is not None:
            raise no_tax_rate(f"{at}.tax_rate_uuid")
        rate = raw.get("rate")
        if not isinstance(rate, int) or isinstance(rate, bool) or not 0 <= rate <= RATE_SCALE:
            raise invalid(f"{at}.rate", "`rate` is an integer from 0 to 10000000 (100%).")
        entry: dict[str, Any] = {"rate": rate}
        name = text(raw, "name", 127)
        if name is not None:
            entry["name"] = name
        rates.append(entry)
    return rates
