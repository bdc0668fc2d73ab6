"""The Digital River sandbox speaks the documented wire format, checked over raw HTTP.

These are the shapes an independent client (the PHP SDK, a client generated from the
OpenAPI document) relies on: bare JSON objects, `{"hasMore", "data"}` lists, the
`{"type", "errors"}` envelope for every failure, and the rulings' choices.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from sandboxes.digitalriver.app import DEMO_PUBLIC_KEY, DEMO_SECRET_KEY, TEST_SOURCE_IDS
from tests.conftest import make_settings

AUTH = {"Authorization": f"Bearer {DEMO_SECRET_KEY}"}


@pytest.fixture
async def dr() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client on the Digital River sandbox the app mounts, with the secret key."""
    app = create_app(make_settings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://gateway/sandbox/digitalriver",
        headers=AUTH,
    ) as client:
        yield client


def error_of(response: httpx.Response) -> tuple[int, str, str | None, str | None]:
    body = response.json()
    [error] = body["errors"]
    assert set(body) == {"type", "errors"}
    return response.status_code, body["type"], error.get("code"), error.get("parameter")


async def created(dr: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await dr.post("/customers", json=body)
    assert response.status_code == 201, response.text
    customer: dict[str, Any] = response.json()
    return customer


async def test_auth_is_required_in_the_envelope(dr: httpx.AsyncClient) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": f"Bearer {DEMO_PUBLIC_KEY}"}):
        response = await dr.get("/customers", headers=headers)
        assert response.json() == {
            "type": "unauthorized",
            "errors": [{"message": "An authorization error has occurred."}],
        }
        assert response.status_code == 401
    basic = base64.b64encode(f"{DEMO_SECRET_KEY}:".encode()).decode()
    response = await dr.get("/customers", headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200
    assert response.headers["x-dr-requestid"]


async def test_create_echoes_the_documented_shape(dr: httpx.AsyncClient) -> None:
    body = {
        "id": "5823594806",
        "email": "jsmith@example.com",
        "type": "individual",
        "locale": "en_US",
        "metadata": {"coupon": "iOS"},
        "shipping": {
            "name": "John Smith",
            "phone": "952-111-1111",
            "organization": "Digital River",
            "address": {"line1": "10380 Bren Rd W", "city": "Minnetonka", "country": "US"},
        },
    }
    customer = await created(dr, **body)
    assert customer == {
        **body,
        "createdTime": customer["createdTime"],
        "requestToBeForgotten": False,
        "enabled": True,
        "liveMode": False,
    }
    assert customer["createdTime"].endswith("Z")
    generated = await created(dr, email="jsmith@example.com")
    assert generated["id"].isdigit()
    assert (await dr.get("/customers/5823594806")).json() == customer


@pytest.mark.parametrize(
    ("body", "status", "code", "parameter"),
    [
        ({"id": "x" * 41}, 400, "invalid_parameter", "id"),
        ({"id": "a/b"}, 400, "invalid_parameter", "id"),
        ({"email": "nope"}, 400, "email_invalid", "email"),
        ({"nickname": "x"}, 400, "unknown_parameter", "nickname"),
        ({"requestToBeForgotten": True}, 400, "unknown_parameter", "requestToBeForgotten"),
        ({"type": "reseller"}, 400, "invalid_parameter", "type"),
        ({"locale": "english"}, 400, "invalid_parameter", "locale"),
        (
            {"shipping": {"address": {"line1": "x"}}},
            400,
            "missing_parameter",
            "shipping.address.country",
        ),
        ({"metadata": {f"k{i}": i for i in range(21)}}, 400, "too_many_metadata_pairs", "metadata"),
        ({"metadata": {"k": 1.5}}, 400, "invalid_metadata_value", "metadata"),
        ({"defaultSourceId": TEST_SOURCE_IDS[0]}, 400, "invalid_parameter", "defaultSourceId"),
    ],
)
async def test_create_refusals(
    dr: httpx.AsyncClient, body: dict[str, Any], status: int, code: str, parameter: str
) -> None:
    response = await dr.post("/customers", json=body)
    assert error_of(response) == (status, "bad_request", code, parameter)


async def test_reused_id_conflicts_and_a_40_character_id_is_fine(dr: httpx.AsyncClient) -> None:
    await created(dr, id="y" * 40)
    response = await dr.post("/customers", json={"id": "y" * 40})
    assert error_of(response) == (409, "conflict", "already_exists", "id")


async def test_malformed_requests_never_answer_422(dr: httpx.AsyncClient) -> None:
    response = await dr.post(
        "/customers", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert error_of(response) == (400, "bad_request", "invalid_parameter", None)
    response = await dr.post("/customers", json=["a", "list"])
    assert error_of(response)[0] == 400
    response = await dr.get("/no-such-resource")
    assert error_of(response) == (404, "not_found", None, None)
    response = await dr.put("/customers/x", json={})
    assert error_of(response) == (405, "method_not_allowed", None, None)


async def test_update_replaces_nested_objects_and_null_clears(dr: httpx.AsyncClient) -> None:
    customer = await created(
        dr,
        email="a@example.com",
        locale="en_US",
        enabled=False,
        metadata={"a": "1", "b": "2"},
        shipping={"name": "A", "phone": "1", "address": {"line1": "x", "country": "US"}},
    )
    path = f"/customers/{customer['id']}"
    response = await dr.post(
        path,
        json={"shipping": {"name": "B"}, "metadata": {"c": 3}, "locale": None, "enabled": None},
    )
    updated = response.json()
    assert response.status_code == 200
    assert updated["shipping"] == {"name": "B"}
    assert updated["metadata"] == {"c": 3}
    assert "locale" not in updated
    assert updated["enabled"] is True
    assert updated["email"] == "a@example.com"
    assert updated["updatedTime"] >= updated["createdTime"]

    refused = await dr.post(path, json={"metadata": {f"k{i}": i for i in range(21)}})
    assert error_of(refused) == (400, "bad_request", "too_many_metadata_pairs", "metadata")
    not_attached = await dr.post(path, json={"email": "b@example.com", "defaultSourceId": "nope"})
    assert error_of(not_attached) == (400, "bad_request", "invalid_parameter", "defaultSourceId")
    assert (await dr.get(path)).json() == updated


async def test_request_to_be_forgotten_is_recorded_once(dr: httpx.AsyncClient) -> None:
    customer = await created(dr, email="forget@example.com")
    path = f"/customers/{customer['id']}"
    assert (await dr.post(path, json={"requestToBeForgotten": False})).status_code == 200
    flagged = await dr.post(path, json={"requestToBeForgotten": True})
    assert flagged.json()["requestToBeForgotten"] is True
    for value in (False, True, None):
        response = await dr.post(path, json={"requestToBeForgotten": value})
        assert error_of(response) == (
            400,
            "bad_request",
            "invalid_parameter",
            "requestToBeForgotten",
        )
    still = (await dr.get(path)).json()
    assert (still["email"], still["requestToBeForgotten"]) == ("forget@example.com", True)
    listed = (await dr.get("/customers", params={"requestToBeForgotten": "true"})).json()
    assert [c["id"] for c in listed["data"]] == [customer["id"]]


async def test_delete_answers_204_then_404(dr: httpx.AsyncClient) -> None:
    customer = await created(dr)
    path = f"/customers/{customer['id']}"
    response = await dr.delete(path)
    assert (response.status_code, response.content) == (204, b"")
    missing = await dr.get(path)
    assert error_of(missing) == (404, "not_found", "not_found", "id")
    assert missing.json()["errors"][0]["message"] == f"Customer '{customer['id']}' not found."


async def test_list_pages_newest_first_with_cursors(dr: httpx.AsyncClient) -> None:
    first = (await dr.get("/customers")).json()
    assert set(first) == {"hasMore", "data"}
    assert (len(first["data"]), first["hasMore"]) == (10, True)
    stamps = [c["createdTime"] for c in first["data"]]
    assert stamps == sorted(stamps, reverse=True)

    after = (
        await dr.get("/customers", params={"limit": 3, "startingAfter": first["data"][4]["id"]})
    ).json()
    assert [c["id"] for c in after["data"]] == [c["id"] for c in first["data"][5:8]]
    before = (
        await dr.get(
            "/customers",
            params={
                "limit": 2,
                "endingBefore": first["data"][4]["id"],
                "startingAfter": first["data"][0]["id"],
            },
        )
    ).json()
    assert [c["id"] for c in before["data"]] == [c["id"] for c in first["data"][2:4]]
    assert before["hasMore"] is True

    everyone = (await dr.get("/customers", params={"limit": 100})).json()
    assert everyone["hasMore"] is False
    last = everyone["data"][-1]["id"]
    assert (await dr.get("/customers", params={"startingAfter": last})).json() == {
        "hasMore": False,
        "data": [],
    }


@pytest.mark.parametrize(
    ("params", "parameter", "code"),
    [
        ({"limit": 0}, "limit", "invalid_parameter"),
        ({"limit": 101}, "limit", "invalid_parameter"),
        ({"limit": "ten"}, "limit", "invalid_parameter"),
        ({"startingAfter": "nobody"}, "startingAfter", "invalid_parameter"),
        ({"createdTime[gt]": "yesterday"}, "createdTime[gt]", "invalid_parameter"),
        ({"sort": "asc"}, "sort", "unknown_parameter"),
    ],
)
async def test_list_refusals(
    dr: httpx.AsyncClient, params: dict[str, Any], parameter: str, code: str
) -> None:
    response = await dr.get("/customers", params=params)
    assert error_of(response) == (400, "bad_request", code, parameter)


async def test_list_filters(dr: httpx.AsyncClient) -> None:
    page = (await dr.get("/customers", params={"limit": 5})).json()["data"]
    ids = [c["id"] for c in page]
    comma = (await dr.get("/customers", params={"ids": f"{ids[3]},{ids[1]}"})).json()["data"]
    exploded = (await dr.get("/customers", params=[("ids", ids[3]), ("ids", ids[1])])).json()
    assert [c["id"] for c in comma] == [ids[1], ids[3]]
    assert exploded["data"] == comma

    email = page[2]["email"]
    by_email = (await dr.get("/customers", params={"email": email.lower()})).json()["data"]
    assert [c["id"] for c in by_email] == [ids[2]]

    since = page[2]["createdTime"]
    newer = (await dr.get("/customers", params={"createdTime[gte]": since})).json()["data"]
    assert [c["id"] for c in newer] == ids[:3]
    window = (
        await dr.get(
            "/customers",
            params={"createdTime[gt]": page[4]["createdTime"], "createdTime[lt]": since},
        )
    ).json()["data"]
    assert [c["id"] for c in window] == ids[3:4]
    exact = (await dr.get("/customers", params={"createdTime": since})).json()["data"]
    assert [c["id"] for c in exact] == [ids[2]]


async def test_sources_attach_default_detach_and_never_again(dr: httpx.AsyncClient) -> None:
    customer = await created(dr)
    path = f"/customers/{customer['id']}"
    one, two = TEST_SOURCE_IDS[:2]
    attached = await dr.post(f"{path}/sources/{one}")
    assert attached.status_code == 200
    assert (attached.json()["customerId"], attached.json()["reusable"]) == (customer["id"], True)
    await dr.post(f"{path}/sources/{two}")
    stored = (await dr.get(path)).json()
    assert stored["defaultSourceId"] == one
    assert [s["id"] for s in stored["sources"]] == [one, two]

    moved = await dr.post(path, json={"defaultSourceId": two})
    assert moved.json()["defaultSourceId"] == two
    detached = await dr.delete(f"{path}/sources/{two}")
    assert detached.status_code == 204
    stored = (await dr.get(path)).json()
    assert "defaultSourceId" not in stored
    assert [s["id"] for s in stored["sources"]] == [one]
    assert (await dr.get(f"/sources/{two}")).json()["state"] == "cancelled"

    again = await dr.post(f"{path}/sources/{two}")
    assert error_of(again) == (409, "conflict", "source_not_chargeable", "sourceId")
    other = await created(dr)
    taken = await dr.post(f"/customers/{other['id']}/sources/{one}")
    assert error_of(taken) == (409, "conflict", "source_in_use", "sourceId")
    unknown = await dr.post(f"{path}/sources/no-such-source")
    assert error_of(unknown) == (404, "not_found", "not_found", "sourceId")


async def test_cards_are_minted_with_the_public_key(dr: httpx.AsyncClient) -> None:
    card = {"number": "4111111111111111", "expirationMonth": 1, "expirationYear": 2032}
    body = {"type": "creditCard", "reusable": False, "creditCard": card}
    with_secret = await dr.post("/sources", json=body)
    assert error_of(with_secret) == (400, "bad_request", "invalid_parameter", "type")
    public = {"Authorization": f"Bearer {DEMO_PUBLIC_KEY}"}
    assert (await dr.get("/sources/x", headers=public)).status_code == 401
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"creditCard": {**card, "number": "4111111111111112"}}, "creditCard.number"),
        ({"creditCard": {**card, "number": 4111111111111111}}, "creditCard.number"),
        ({"creditCard": {**card, "expirationMonth": 13}}, "creditCard"),
        ({"owner": {"firstName": "Ada"}}, "owner.address"),
        ({"owner": {"address": {"line1": "1 Main St"}}}, "owner.address.country"),
        ({"type": "customerCredit"}, "type"),
    ]
    for change, parameter in refusals:
        bad = await dr.post("/sources", json={**body, **change}, headers=public)
        assert error_of(bad)[::3] == (400, parameter), change
    owner = {"firstName": "Ada", "address": {"line1": "1 Main St", "country": "GB"}}
    minted = await dr.post("/sources", json={**body, "owner": owner}, headers=public)
    source = minted.json()
    assert minted.status_code == 201
    assert source["creditCard"] == {
        "brand": "Visa",
        "expirationMonth": 1,
        "expirationYear": 2032,
        "lastFourDigits": "1111",
    }
    assert source["owner"] == owner
    assert (source["state"], source["reusable"], source["liveMode"]) == ("chargeable", False, False)
    customer = await created(dr)
    refused = await dr.post(f"/customers/{customer['id']}/sources/{source['id']}")
    assert error_of(refused) == (409, "conflict", "nonreusable_source", None)


async def test_secondary_sources_are_created_with_the_secret_key(dr: httpx.AsyncClient) -> None:
    body = {"type": "customerCredit", "amount": 20, "upstreamId": "credit-1", "customerCredit": {}}
    made = await dr.post("/sources", json=body)
    assert made.status_code == 201, made.text
    source = made.json()
    assert (source["type"], source["amount"], source["reusable"]) == ("customerCredit", 20, False)
    assert (await dr.get(f"/sources/{source['id']}")).json() == source
    customer = await created(dr)
    refused = await dr.post(f"/customers/{customer['id']}/sources/{source['id']}")
    assert error_of(refused) == (409, "conflict", "nonreusable_source", None)
    credit_refusals: list[tuple[dict[str, Any], str, str]] = [
        ({"type": None}, "invalid_parameter", "type"),
        ({"amount": -1}, "invalid_parameter", "amount"),
        ({"amount": "20"}, "invalid_parameter", "amount"),
        ({"customerCredit": []}, "invalid_parameter", "customerCredit"),
        ({"owner": {}}, "missing_parameter", "owner.address"),
        ({"creditCard": {}}, "unknown_parameter", "creditCard"),
    ]
    for change, code, parameter in credit_refusals:
        bad = await dr.post("/sources", json={**body, **change})
        assert error_of(bad) == (400, "bad_request", code, parameter), change
    untyped = await dr.post("/sources", json={"amount": 5})
    assert error_of(untyped) == (400, "bad_request", "missing_parameter", "type")


async def test_seeded_sources_have_an_owner_with_an_address(dr: httpx.AsyncClient) -> None:
    customers = (await dr.get("/customers", params={"limit": 100})).json()["data"]
    sources = [s for c in customers for s in c.get("sources", [])]
    assert sources
    for customer in customers:
        for source in customer.get("sources", []):
            assert source["owner"]["address"] == customer["shipping"]["address"]
            assert source["owner"]["email"] == customer["email"]
            assert source["createdTime"] == customer["createdTime"]


async def test_tax_identifiers_attach_to_a_customer(dr: httpx.AsyncClient) -> None:
    customer = await created(dr, type="business")
    made = await dr.post("/tax-identifiers", json={"type": "de", "value": "DE123456789"})
    assert made.status_code == 201
    tax = made.json()
    attached = await dr.post(f"/customers/{customer['id']}/tax-identifiers/{tax['id']}")
    assert attached.json()["customerId"] == customer["id"]
    stored = (await dr.get(f"/customers/{customer['id']}")).json()
    assert [t["value"] for t in stored["taxIdentifiers"]] == ["DE123456789"]
    assert "taxIdentifiers" not in (await created(dr))


async def test_orders_list_by_customer_newest_first(dr: httpx.AsyncClient) -> None:
    customer = (await dr.get("/customers", params={"limit": 1})).json()["data"][0]
    orders = (await dr.get("/orders", params={"customerId": customer["id"]})).json()
    assert orders["hasMore"] is False
    assert orders["data"]
    assert {o["customerId"] for o in orders["data"]} == {customer["id"]}
    stamps = [o["createdTime"] for o in orders["data"]]
    assert stamps == sorted(stamps, reverse=True)
    first = orders["data"][0]
    assert (await dr.get(f"/orders/{first['id']}")).json() == first
    assert isinstance(first["totalAmount"], float)


async def test_orders_filter_on_every_documented_parameter(dr: httpx.AsyncClient) -> None:
    orders: list[dict[str, Any]] = []
    more = True
    while more:
        after = [("startingAfter", orders[-1]["id"])] if orders else []
        page = (await dr.get("/orders", params=[("limit", "100"), *after])).json()
        orders += page["data"]
        more = page["hasMore"]
    some = orders[3]
    cases: list[tuple[list[tuple[str, str | int | float | bool | None]], Any]] = [
        ([("upstreamIds", some["upstreamId"])], lambda o: o["id"] == some["id"]),
        ([("checkoutId", some["checkoutId"])], lambda o: o["id"] == some["id"]),
        ([("currency", "USD")], lambda o: True),
        ([("currency", "EUR")], lambda o: False),
        (
            [("totalAmount[gte]", str(some["totalAmount"]))],
            lambda o: o["totalAmount"] >= some["totalAmount"],
        ),
        (
            [("totalAmount", str(some["totalAmount"]))],
            lambda o: o["totalAmount"] == some["totalAmount"],
        ),
        ([("refundedAmount", "0")], lambda o: True),
        ([("locale", "en_GB")], lambda o: o["locale"] == "en_GB"),
        ([("customerType", "business")], lambda o: o["customerType"] == "business"),
        ([("fraudState", "passed")], lambda o: True),
        ([("chargeType", "moto")], lambda o: False),
        ([("skuId", "sku-1")], lambda o: False),
        ([("applicationId", "app")], lambda o: False),
        ([("subscriptionId", "sub")], lambda o: False),
        ([("browserIp", "127.0.0.1")], lambda o: False),
        (
            [("complete[lte]", some["createdTime"])],
            lambda o: o["state"] == "complete" and o["createdTime"] <= some["createdTime"],
        ),
        (
            [("fraudStateTransitions.passed[gt]", some["createdTime"])],
            lambda o: o["createdTime"] > some["createdTime"],
        ),
    ]
    for params, keep in cases:
        answer = await dr.get("/orders", params=[*params, ("limit", "100")])
        assert answer.status_code == 200, (params, answer.text)
        assert [o["id"] for o in answer.json()["data"]] == [o["id"] for o in orders if keep(o)][
            :100
        ], params
    refusals = [
        ({"totalAmount": "lots"}, "invalid_parameter"),
        ({"accepted[gt]": "2024-02-30T00:00:00Z"}, "invalid_parameter"),
        ({"refundedAmount[gt]": "1"}, "unknown_parameter"),
        ({"dispute": "2024-01-01T00:00:00Z"}, "unknown_parameter"),
        ({"createdTime[after]": "2024-01-01T00:00:00Z"}, "unknown_parameter"),
    ]
    for refused, code in refusals:
        assert error_of(await dr.get("/orders", params=refused))[2] == code, refused
    assert (await dr.get(f"/orders/{some['id']}", params={"expand": "false"})).json() == some
    for expand in ("true", "yes"):
        answer = await dr.get(f"/orders/{some['id']}", params={"expand": expand})
        assert error_of(answer) == (400, "bad_request", "invalid_parameter", "expand")


async def test_customer_values_are_checked_as_the_document_types_them(
    dr: httpx.AsyncClient,
) -> None:
    certificate = {
        "companyName": "Acme",
        "taxAuthority": "MN",
        "startDate": "2024-01-01T00:00:00Z",
        "endDate": "2025-01-01T00:00:00Z",
        "fileId": "file-1",
    }
    assert (await dr.post("/customers", json={"taxCertificate": certificate})).status_code == 201
    for body, parameter in [
        (
            {"taxCertificate": {**certificate, "endDate": "2025-02-30T00:00:00Z"}},
            "taxCertificate.endDate",
        ),
        ({"shipping": {"email": "not-an-email"}}, "shipping.email"),
        ({"shipping": {"address": {"country": "US", "line2": None}}}, "shipping.address.line2"),
        ({"shipping": {"address": {"country": None}}}, "shipping.address.country"),
    ]:
        assert error_of(await dr.post("/customers", json=body))[::3] == (400, parameter), body
    flagged = await dr.get("/customers", params={"requestToBeForgotten": "yes"})
    assert error_of(flagged) == (400, "bad_request", "invalid_parameter", "requestToBeForgotten")
