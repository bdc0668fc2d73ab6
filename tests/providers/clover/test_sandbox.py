"""The Clover sandbox speaks Clover's wire formats, driven directly over HTTP.

Platform v3 (`/v3/merchants/{mId}/...`) and Ecommerce v1 (`/v1/...`) from one app:
auth and error envelopes of each, the three-expansion limit, wrapped nested lists,
POST updates, 405s, soft deletes, filters, single-use card tokens, list envelopes,
and the per-token rate limits.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.clover.app import DEMO_ACCESS_TOKEN, DEMO_MERCHANT_ID, DEMO_PAKMS_KEY, create_sandbox
from sandboxes.clover.limits import Refusal, TokenLimits
from sandboxes.seed import for_provider, people

AUTH = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
CUSTOMERS = f"/v3/merchants/{DEMO_MERCHANT_ID}/customers"
BARE_FIELDS = {
    "href",
    "id",
    "merchant",
    "firstName",
    "lastName",
    "marketingAllowed",
    "customerSince",
}
SEEDED = for_provider(people(20261122, 200), ProviderName.CLOVER)


async def open_sandbox(settings: SandboxSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_sandbox(SEEDED, settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://clover") as client:
        yield client


@pytest.fixture
async def clover() -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox with its rate limit raised: these tests are about the wire format."""
    async for client in open_sandbox(SandboxSettings(clover_rate_limit_per_s=10_000)):
        yield client


async def new_customer(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post(
        CUSTOMERS,
        params={"expand": "emailAddresses,phoneNumbers,metadata"},
        json={"firstName": "Ada", "lastName": "Lovelace", **body},
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_each_api_refuses_a_missing_token_in_its_own_envelope(
    clover: httpx.AsyncClient,
) -> None:
    v3 = await clover.get(CUSTOMERS)
    assert (v3.status_code, v3.json()) == (401, {"message": "401 Unauthorized"})
    wrong = await clover.get(CUSTOMERS, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ecommerce = await clover.post("/v1/customers", json={})
    assert ecommerce.status_code == 401
    assert ecommerce.json()["error"]["type"] == "authentication_error"
    other = await clover.get("/v3/merchants/OTHERMERCHANT/customers", headers=AUTH)
    assert other.status_code == 401


async def test_at_most_three_expansions_and_lists_only_when_expanded(
    clover: httpx.AsyncClient,
) -> None:
    four = await clover.get(
        CUSTOMERS,
        params={"expand": "emailAddresses,phoneNumbers,metadata,addresses"},
        headers=AUTH,
    )
    assert four.status_code == 400
    assert set(four.json()) == {"message"}
    repeated = await clover.get(
        CUSTOMERS,
        params=[("expand", "emailAddresses,phoneNumbers"), ("expand", "cards,addresses")],
        headers=AUTH,
    )
    assert repeated.status_code == 400

    bare = (await clover.get(CUSTOMERS, params={"limit": 1}, headers=AUTH)).json()
    [row] = bare["elements"]
    assert set(row) == BARE_FIELDS
    assert len(row["id"]) == 13
    three = await clover.get(
        f"{CUSTOMERS}/{row['id']}",
        params={"expand": "addresses,cards,emailAddresses"},
        headers=AUTH,
    )
    assert three.status_code == 200
    body = three.json()
    for key in ("addresses", "cards", "emailAddresses"):
        assert isinstance(body[key]["elements"], list), key
    assert "phoneNumbers" not in body
    assert "metadata" not in body


async def test_update_is_a_post_of_the_fields_sent(clover: httpx.AsyncClient) -> None:
    created = await new_customer(clover, metadata={"note": "hi", "businessName": "Acme"})
    url = f"{CUSTOMERS}/{created['id']}"
    for method in ("PUT", "PATCH"):
        refused = await clover.request(method, url, json={"firstName": "X"}, headers=AUTH)
        assert (refused.status_code, refused.json()) == (405, {"message": "405 Method Not Allowed"})
    updated = await clover.post(
        url, params={"expand": "metadata"}, json={"lastName": None}, headers=AUTH
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["firstName"] == "Ada"
    assert "lastName" not in body
    assert body["metadata"]["note"] == "hi"
    whole = await clover.post(
        url, params={"expand": "metadata"}, json={"metadata": {"note": "only"}}, headers=AUTH
    )
    assert "businessName" not in whole.json()["metadata"]
    nested = await clover.post(url, json={"emailAddresses": []}, headers=AUTH)
    assert nested.status_code == 400
    too_long = await clover.post(url, json={"firstName": "x" * 65}, headers=AUTH)
    assert too_long.status_code == 400
    not_json = await clover.post(url, content=b"{", headers=AUTH)
    assert (not_json.status_code, set(not_json.json())) == (400, {"message"})


async def test_sub_resources_for_email_phone_and_address(clover: httpx.AsyncClient) -> None:
    created = await new_customer(clover)
    base = f"{CUSTOMERS}/{created['id']}"
    email = await clover.post(
        f"{base}/email_addresses",
        json={"emailAddress": "a@example.com", "primaryEmail": True},
        headers=AUTH,
    )
    assert email.json()["customer"] == {"id": created["id"]}
    second = await clover.post(
        f"{base}/email_addresses",
        json={"emailAddress": "b@example.com", "primaryEmail": True},
        headers=AUTH,
    )
    assert second.status_code == 200
    read = (await clover.get(base, params={"expand": "emailAddresses"}, headers=AUTH)).json()
    flags = {
        e["emailAddress"]: e.get("primaryEmail", False) for e in read["emailAddresses"]["elements"]
    }
    assert flags == {"a@example.com": False, "b@example.com": True}

    partial = await clover.post(
        f"{base}/addresses", json={"address1": "1 Main St", "city": "X"}, headers=AUTH
    )
    assert partial.status_code == 400
    address = (
        await clover.post(
            f"{base}/addresses",
            json={
                "address1": "1 Main St",
                "city": "X",
                "state": "IL",
                "zip": "62701",
                "country": "US",
            },
            headers=AUTH,
        )
    ).json()
    removed = await clover.delete(f"{base}/addresses/{address['id']}", headers=AUTH)
    assert removed.status_code == 200
    again = await clover.delete(f"{base}/addresses/{address['id']}", headers=AUTH)
    assert again.status_code == 404


async def test_delete_is_soft_get_404_and_hidden_unless_asked(clover: httpx.AsyncClient) -> None:
    created = await new_customer(clover, firstName="Gone")
    url = f"{CUSTOMERS}/{created['id']}"
    assert (await clover.delete(url, headers=AUTH)).status_code == 200
    missing = await clover.get(url, headers=AUTH)
    assert (missing.status_code, missing.json()) == (
        404,
        {"message": "Not Found", "details": "Customer not found"},
    )
    listed = await clover.get(CUSTOMERS, params={"filter": "firstName=Gone"}, headers=AUTH)
    assert listed.json()["elements"] == []
    deleted = await clover.get(
        CUSTOMERS, params=[("filter", "firstName=Gone"), ("filter", "deletedTime>0")], headers=AUTH
    )
    [row] = deleted.json()["elements"]
    assert row["deletedTime"] > 0


async def test_list_pages_filters_and_limits(clover: httpx.AsyncClient) -> None:
    default = await clover.get(CUSTOMERS, headers=AUTH)
    assert len(default.json()["elements"]) == min(100, len(SEEDED))
    assert "customerSince" in default.headers["X-Clover-Allowed-Filter-Fields"]
    assert (await clover.get(CUSTOMERS, params={"limit": 1001}, headers=AUTH)).status_code == 400
    assert (await clover.get(CUSTOMERS, params={"limit": "x"}, headers=AUTH)).status_code == 400
    bad = await clover.get(CUSTOMERS, params={"filter": "nickname=Ada"}, headers=AUTH)
    assert (bad.status_code, set(bad.json())) == (400, {"message"})

    rows = (await clover.get(CUSTOMERS, params={"limit": 1000}, headers=AUTH)).json()["elements"]
    stamps = [r["customerSince"] for r in rows]
    assert stamps == sorted(stamps), "creation order, which for the seed is oldest first"
    second = (await clover.get(CUSTOMERS, params={"limit": 2, "offset": 1}, headers=AUTH)).json()[
        "elements"
    ]
    assert [r["id"] for r in second] == [r["id"] for r in rows[1:3]]

    person = SEEDED[0]
    email = person.email_in(ProviderName.CLOVER)
    exact = await clover.get(CUSTOMERS, params={"filter": f"emailAddress={email}"}, headers=AUTH)
    assert [r["firstName"] for r in exact.json()["elements"]] == [person.given_name]
    upper = await clover.get(
        CUSTOMERS, params={"filter": f"emailAddress={email.upper()}"}, headers=AUTH
    )
    assert upper.json()["elements"] == []
    window = await clover.get(
        CUSTOMERS,
        params=[
            ("filter", f"customerSince>={stamps[5]}"),
            ("filter", f"customerSince<{stamps[9]}"),
        ],
        headers=AUTH,
    )
    assert len(window.json()["elements"]) == 4


async def test_ecommerce_customer_with_a_single_use_token(clover: httpx.AsyncClient) -> None:
    missing_email = await clover.post(
        "/v1/customers", json={"source": "clv_1TSTabcdefgh"}, headers=AUTH
    )
    assert missing_email.status_code == 400
    assert missing_email.json()["error"]["param"] == "email"
    bad_email = await clover.post(
        "/v1/customers", json={"email": "nope", "source": "clv_1TSTabcdefgh"}, headers=AUTH
    )
    assert bad_email.json()["error"]["code"] == "email_invalid"

    created = await clover.post(
        "/v1/customers",
        json={
            "email": "grace@example.com",
            "source": "clv_1TSTabcdefgh",
            "name": "Grace Hopper",
            "shipping": {"address": {"line1": "1 Navy Yard", "postalCode": "20374"}},
        },
        headers=AUTH,
    )
    assert created.status_code == 200
    body = created.json()
    assert (body["object"], body["email"], body["name"]) == (
        "customer",
        "grace@example.com",
        "Grace Hopper",
    )
    assert body["shipping"]["address"]["postal_code"] == "20374"
    [source] = body["sources"]["data"]

    reused = await clover.post(
        "/v1/customers", json={"email": "x@example.com", "source": "clv_1TSTabcdefgh"}, headers=AUTH
    )
    assert reused.status_code == 400
    assert reused.json()["error"]["code"] == "token_already_used"

    v3 = await clover.get(
        f"{CUSTOMERS}/{body['id']}", params={"expand": "cards,emailAddresses"}, headers=AUTH
    )
    [card] = v3.json()["cards"]["elements"]
    assert card["id"] == source
    assert len(card["expirationDate"]) == 4
    assert v3.json()["firstName"] == "Grace"

    added = await clover.put(
        f"/v1/customers/{body['id']}", json={"source": "clv_1TSTsecond01"}, headers=AUTH
    )
    assert len(added.json()["sources"]["data"]) == 2
    revoked = await clover.delete(f"/v1/customers/{body['id']}/sources/{source}", headers=AUTH)
    assert revoked.json() == {"deleted": True, "id": source, "object": "deletedcard"}
    again = await clover.delete(f"/v1/customers/{body['id']}/sources/{source}", headers=AUTH)
    assert (again.status_code, again.json()["error"]["code"]) == (404, "resource_missing")
    no_list = await clover.get("/v1/customers", headers=AUTH)
    assert no_list.status_code == 405
    assert "error" in no_list.json()


async def test_orders_and_charges_list_newest_first_in_the_list_envelope(
    clover: httpx.AsyncClient,
) -> None:
    person = next(p for p in SEEDED if len(p.orders) >= 2)
    email = person.email_in(ProviderName.CLOVER)
    [row] = (
        await clover.get(CUSTOMERS, params={"filter": f"emailAddress={email}"}, headers=AUTH)
    ).json()["elements"]
    orders = (
        await clover.get("/v1/orders", params={"customer": row["id"], "limit": 1}, headers=AUTH)
    ).json()
    assert (orders["object"], orders["url"], orders["has_more"]) == ("list", "/v1/orders", True)
    [first] = orders["data"]
    rest = (
        await clover.get(
            "/v1/orders",
            params={"customer": row["id"], "limit": 100, "starting_after": first["id"]},
            headers=AUTH,
        )
    ).json()
    stamps = [o["created"] for o in [first, *rest["data"]]]
    assert stamps == sorted(stamps, reverse=True)
    assert len(stamps) == len(person.orders)
    assert rest["has_more"] is False
    charges = (await clover.get("/v1/charges", params={"customer": row["id"]}, headers=AUTH)).json()
    paid = [o for o in [first, *rest["data"]] if o["status"] == "paid"]
    assert sorted(c["order"] for c in charges["data"]) == sorted(o["id"] for o in paid)
    too_many = await clover.get("/v1/orders", params={"limit": 101}, headers=AUTH)
    assert (too_many.status_code, too_many.json()["error"]["param"]) == (400, "limit")


async def test_default_limits_answer_429_with_retry_after() -> None:
    async for client in open_sandbox(SandboxSettings()):
        answers = [
            (await client.get(CUSTOMERS, params={"limit": 1}, headers=AUTH)) for _ in range(17)
        ]
        assert [a.status_code for a in answers] == [200] * 16 + [429]
        refused = answers[-1]
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["X-RateLimit-tokenLimit"] == "16"
        assert refused.json() == {"message": "Too Many Requests"}
        ecommerce = await client.get("/v1/orders", headers=AUTH)
        assert (ecommerce.status_code, ecommerce.json()["error"]["type"]) == (
            429,
            "rate_limit_error",
        )


def test_token_limits_count_in_flight_per_token() -> None:
    limits = TokenLimits(per_second=16, concurrent=5)
    assert [limits.admit("t", 0.0) for _ in range(5)] == [None] * 5
    assert limits.admit("t", 0.0) == Refusal("X-RateLimit-tokenConcurrentLimit", 5, 1)
    assert limits.admit("other", 0.0) is None
    limits.done("t")
    assert limits.admit("t", 0.0) is None


@pytest.mark.parametrize(
    ("times", "now", "admitted"),
    [
        ([0.0, 0.1, 0.2], 0.5, False),
        ([0.0, 0.1, 0.2], 1.0, True),
        ([0.0, 0.1], 0.3, True),
    ],
)
def test_at_most_rate_requests_in_any_second(
    times: list[float], now: float, admitted: bool
) -> None:
    limits = TokenLimits(per_second=3, concurrent=100)
    for moment in times:
        assert limits.admit("t", moment) is None
    refused = limits.admit("t", now)
    assert (refused is None) == admitted
    if refused is not None:
        assert refused == Refusal("X-RateLimit-tokenLimit", 3, 1)


async def test_a_sixth_request_in_flight_is_refused() -> None:
    """Five requests hold the token's slots (taken through the app's own limiter)."""
    app = create_sandbox(SEEDED, SandboxSettings(clover_rate_limit_per_s=10_000))
    limits: TokenLimits = app.state.limits
    for _ in range(5):
        assert limits.admit(DEMO_ACCESS_TOKEN, time.monotonic()) is None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://clover"
    ) as client:
        busy = await client.get(CUSTOMERS, headers=AUTH)
        assert busy.status_code == 429
        assert busy.headers["X-RateLimit-tokenConcurrentLimit"] == "5"
        assert busy.headers["retry-after"] == "1"
        limits.done(DEMO_ACCESS_TOKEN)
        assert (await client.get(CUSTOMERS, headers=AUTH)).status_code == 200


PAY = {**AUTH, "x-forwarded-for": "203.0.113.7"}


async def tokenize(client: httpx.AsyncClient, number: str, **card: str) -> httpx.Response:
    body = {"card": {"number": number, "exp_month": "12", "exp_year": "2031", "cvv": "123", **card}}
    return await client.post("/v1/tokens", json=body, headers={"apikey": DEMO_PAKMS_KEY})


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ({"number": "4242"}, "invalid_number"),
        ({"number": "4242424242424241"}, "incorrect_number"),
        ({"number": "4242424242424242", "exp_month": "13"}, "invalid_expiry_month"),
        ({"number": "4242424242424242", "exp_year": "203"}, "invalid_expiry_year"),
        ({"number": "4242424242424242", "exp_year": "2001"}, "expired_card"),
        ({"number": "4242424242424242", "cvv": "12"}, "invalid_cvc"),
        ({"number": "4242424242424242", "brand": "VISAA"}, "invalid_card_type"),
        ({"number": "4242424242424242", "encrypted_pan": "abc=="}, "invalid_request"),
    ],
)
async def test_the_tokenizer_refuses_cards_with_the_documented_codes(
    clover: httpx.AsyncClient, card: dict[str, str], code: str
) -> None:
    refused = await tokenize(clover, **card)
    assert refused.status_code == 400
    assert (refused.json()["error"]["type"], refused.json()["error"]["code"]) == (
        "card_error",
        code,
    )


async def test_the_tokenizer_takes_the_pakms_key_not_the_access_token(
    clover: httpx.AsyncClient,
) -> None:
    key = (await clover.get("/pakms/apikey", headers=AUTH)).json()["apiAccessKey"]
    assert key == DEMO_PAKMS_KEY
    card = {"number": "4242424242424242", "exp_month": "1", "exp_year": "31", "cvv": "1234"}
    bearer = await clover.post("/v1/tokens", json={"card": card}, headers=AUTH)
    assert (bearer.status_code, bearer.json()["error"]["type"]) == (401, "authentication_error")
    token = await tokenize(clover, "6011111111111117")
    assert token.json()["card"]["brand"] == "DISCOVER"


async def test_charges_need_the_client_ip_and_an_idempotency_key(
    clover: httpx.AsyncClient,
) -> None:
    token = (await tokenize(clover, "4242424242424242")).json()["id"]
    body = {"amount": 1000, "currency": "usd", "source": token}
    no_ip = await clover.post("/v1/charges", json=body, headers={**AUTH, "idempotency-key": "k1"})
    assert no_ip.json()["error"]["param"] == "x-forwarded-for"
    no_key = await clover.post("/v1/charges", json=body, headers=PAY)
    assert no_key.json()["error"]["param"] == "idempotency-key"
    invalid = await clover.post(
        "/v1/charges", json={**body, "amount": -1}, headers={**PAY, "idempotency-key": "k1"}
    )
    assert invalid.json()["error"]["code"] == "invalid_charge_amount"
    first = await clover.post("/v1/charges", json=body, headers={**PAY, "idempotency-key": "k1"})
    assert first.status_code == 200, "a refused request keeps nothing under its key"
    again = await clover.post("/v1/charges", json=body, headers={**PAY, "idempotency-key": "k1"})
    assert again.json() == first.json()
    other = await clover.post(
        "/v1/charges", json={**body, "amount": 5}, headers={**PAY, "idempotency-key": "k1"}
    )
    assert (other.status_code, other.json()["error"]["type"]) == (400, "idempotency_error")
    listed = (await clover.get("/v1/charges", params={"limit": 100}, headers=AUTH)).json()
    assert [c["id"] for c in listed["data"]].count(first.json()["id"]) == 1


@pytest.mark.parametrize(
    ("change", "param", "code"),
    [
        ({"currency": "usdx"}, "currency", "parameter_invalid"),
        ({"amount": 100_000_000}, "amount", "amount_too_large"),
        ({"ecomind": "pos"}, "ecomind", "parameter_invalid"),
        ({"description": "x" * 256}, "description", "parameter_invalid"),
        ({"site_url": "ab"}, "site_url", "parameter_invalid"),
        ({"tax_amount": -5}, "tax_amount", "invalid_tax_amount"),
        ({"tip_amount": "5"}, "tip_amount", "invalid_tip_amount"),
        ({"receipt_email": "nope"}, "receipt_email", "email_invalid"),
        ({"capture": "no"}, "capture", "parameter_invalid"),
        ({"tax_rate_uuid": "ABC"}, "tax_rate_uuid", "resource_missing"),
        ({"threeds": {}}, "threeds", "parameter_invalid"),
        ({"nickname": "x"}, "nickname", "parameter_unknown"),
    ],
)
async def test_a_charge_is_validated_field_by_field(
    clover: httpx.AsyncClient, change: dict[str, Any], param: str, code: str
) -> None:
    body = {"amount": 1000, "currency": "usd", "source": "clv_1TSTvalidation01", **change}
    refused = await clover.post("/v1/charges", json=body, headers={**PAY, "idempotency-key": param})
    assert refused.status_code == 400
    assert (refused.json()["error"]["param"], refused.json()["error"]["code"]) == (param, code)


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"items": []}, "items"),
        ({"items": [{"amount": 1, "type": "gift"}]}, "items[0].type"),
        ({"items": [{"amount": 1, "quantity": 0}]}, "items[0].quantity"),
        ({"items": [{"amount": 1, "currency": "eur"}]}, "items[0].currency"),
        ({"items": [{"amount": 1, "tax_rates": [{"rate": 10**8}]}]}, "items[0].tax_rates[0].rate"),
        ({"email": "nope"}, "email"),
        ({"customer": "NOSUCHCUSTOM0"}, "customer"),
        ({"shipping": {"address": {"country": "USA"}}}, "shipping.address.country"),
        ({"status": "paid"}, "status"),
    ],
)
async def test_an_order_is_validated_field_by_field(
    clover: httpx.AsyncClient, change: dict[str, Any], param: str
) -> None:
    body = {"currency": "usd", "email": "a@example.com", "items": [{"amount": 100}], **change}
    refused = await clover.post("/v1/orders", json=body, headers=AUTH)
    assert (refused.status_code, refused.json()["error"]["param"]) == (400, param)


async def test_order_lists_honour_created_and_refuse_unknown_parameters(
    clover: httpx.AsyncClient,
) -> None:
    rows = (await clover.get("/v1/orders", params={"limit": 100}, headers=AUTH)).json()["data"]
    middle = rows[len(rows) // 2]["created"]
    newer = await clover.get(
        "/v1/orders", params={"limit": 100, "created[gt]": middle}, headers=AUTH
    )
    assert newer.json()["data"]
    assert all(o["created"] > middle for o in newer.json()["data"])
    exact = await clover.get("/v1/orders", params={"created": middle}, headers=AUTH)
    assert {o["created"] for o in exact.json()["data"]} == {middle}
    for params in ({"status": "paid"}, {"expand": "customer"}, {"created[gt]": "yesterday"}):
        refused = await clover.get("/v1/orders", params=params, headers=AUTH)
        assert refused.status_code == 400, params
    sdk_params = await clover.get(
        "/v1/charges", params={"merchantUuid": DEMO_MERCHANT_ID, "is_threeds": "true"}, headers=AUTH
    )
    assert sdk_params.json()["data"] == [], "no sandbox charge is 3-D Secure"


async def test_a_saved_card_cannot_be_saved_twice(clover: httpx.AsyncClient) -> None:
    first = (await tokenize(clover, "4242424242424242")).json()["id"]
    same = (await tokenize(clover, "4242424242424242")).json()["id"]
    created = await clover.post(
        "/v1/customers", json={"email": "d@example.com", "source": first}, headers=AUTH
    )
    twice = await clover.put(
        f"/v1/customers/{created.json()['id']}", json={"source": same}, headers=AUTH
    )
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "card_duplicate")
    unknown = await clover.post(
        "/v1/customers", json={"email": "d@example.com", "source": same, "vip": True}, headers=AUTH
    )
    assert unknown.json()["error"]["code"] == "parameter_unknown"


async def test_v3_refuses_undocumented_parameters_and_impossible_birthdays(
    clover: httpx.AsyncClient,
) -> None:
    sorted_list = await clover.get(CUSTOMERS, params={"orderBy": "lastName"}, headers=AUTH)
    assert (sorted_list.status_code, set(sorted_list.json())) == (400, {"message"})
    by_query = await clover.get(CUSTOMERS, params={"limit": 1, "access_token": DEMO_ACCESS_TOKEN})
    assert by_query.status_code == 200
    for day, status in (({"dobMonth": 2, "dobDay": 30}, 400), ({"dobMonth": 2, "dobDay": 29}, 200)):
        answer = await clover.post(
            CUSTOMERS, json={"firstName": "Leap", "metadata": day}, headers=AUTH
        )
        assert answer.status_code == status, day
    not_leap = await clover.post(
        CUSTOMERS,
        json={"metadata": {"dobYear": 1900, "dobMonth": 2, "dobDay": 29}},
        headers=AUTH,
    )
    assert not_leap.status_code == 400
