"""The Square sandbox as Square documents it, driven over raw HTTP and checked against its spec.

Every refusal is Square's `{"errors": [...]}` with the spec's category and code
(`spec.error_of`), every success matches the operation's response schema
(`spec.ok`); documented filters are applied or refused, never ignored; malformed,
mistyped and null inputs are a 400, never a 500; unknown routes and methods are
Square's 404 and 405.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.seed import for_provider, people
from sandboxes.square.app import DEMO_ACCESS_TOKEN, create_sandbox
from sandboxes.square.store import LOCATION_ID
from tests.providers.square.spec import SCHEMA, error_of, ok

SETTINGS = SandboxSettings(people=30)
ADA = {"given_name": "Ada", "family_name": "Lovelace", "email_address": "ada@example.com"}


@pytest.fixture
async def square() -> AsyncIterator[httpx.AsyncClient]:
    population = for_provider(people(SETTINGS.seed, SETTINGS.people), ProviderName.SQUARE)
    app = create_sandbox(population, SETTINGS)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://square",
        headers={"Authorization": f"bearer {DEMO_ACCESS_TOKEN}"},
    ) as client:
        yield client


async def create(square: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = ok(await square.post("/v2/customers", json={**ADA, **fields}), "POST /v2/customers")
    customer: dict[str, Any] = body["customer"]
    return customer


async def search(square: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = ok(
        await square.post("/v2/customers/search", json=body), "POST /v2/customers/search"
    )
    return found


async def orders(square: httpx.AsyncClient, query: dict[str, Any], **extra: Any) -> Any:
    body = {"location_ids": [LOCATION_ID], "query": query, **extra}
    return ok(await square.post("/v2/orders/search", json=body), "POST /v2/orders/search")


async def test_unknown_routes_and_methods_are_squares_404_and_405(
    square: httpx.AsyncClient,
) -> None:
    assert error_of(await square.get("/v2/nothing-here")) == (404, "NOT_FOUND", None)
    for template, operations in SCHEMA.raw_schema["paths"].items():
        path = template.format(customer_id="C", card_id="K", location_id="L", order_id="O")
        allowed = {method.upper() for method in operations}
        for method in {"GET", "POST", "PUT", "DELETE", "PATCH"} - allowed:
            response = await square.request(method, path)
            assert error_of(response) == (405, "METHOD_NOT_ALLOWED", None), (method, path)
            assert set(response.headers["allow"].split(", ")) == allowed, (method, path)


@pytest.mark.parametrize(
    ("path", "body", "code", "field"),
    [
        ("/v2/customers/search", b"{", "INVALID_CONTENT_TYPE", None),
        ("/v2/customers/search", b"[1]", "EXPECTED_OBJECT", None),
        ("/v2/customers/search", b"", "EXPECTED_OBJECT", None),
        ("/v2/customers/search", {"query": "x"}, "EXPECTED_OBJECT", "query"),
        ("/v2/customers/search", {"limit": "5"}, "EXPECTED_INTEGER", "limit"),
        ("/v2/customers/search", {"limit": True}, "EXPECTED_INTEGER", "limit"),
        ("/v2/customers/search", {"limit": 0}, "VALUE_TOO_LOW", "limit"),
        ("/v2/customers/search", {"limit": 101}, "VALUE_TOO_HIGH", "limit"),
        ("/v2/customers/search", {"cursor": None}, "EXPECTED_STRING", "cursor"),
        (
            "/v2/customers/search",
            {"query": {"filter": {"created_at": {"start_at": "2024-01-01T00:00:00"}}}},
            "INVALID_TIME",
            "query.filter.created_at.start_at",
        ),
        (
            "/v2/customers/search",
            {"query": {"filter": {"updated_at": {"end_at": "2024-02-30T00:00:00Z"}}}},
            "INVALID_TIME",
            "query.filter.updated_at.end_at",
        ),
        (
            "/v2/customers/search",
            {"query": {"filter": {"email_address": {"exact": "a", "fuzzy": "b"}}}},
            "CONFLICTING_PARAMETERS",
            "query.filter.email_address",
        ),
        (
            "/v2/customers/search",
            {"query": {"sort": {"field": "NAME"}}},
            "INVALID_ENUM_VALUE",
            "query.sort.field",
        ),
        ("/v2/customers/search", {"unknown": 1}, "UNKNOWN_BODY_PARAMETER", "unknown"),
        ("/v2/customers", {**ADA, "given_name": "x" * 301}, "VALUE_TOO_LONG", "given_name"),
        ("/v2/customers", {**ADA, "nickname": None}, "EXPECTED_STRING", "nickname"),
        ("/v2/customers", {**ADA, "address": "1 Main St"}, "EXPECTED_OBJECT", "address"),
        (
            "/v2/customers",
            {**ADA, "address": {"country": "XX"}},
            "INVALID_ENUM_VALUE",
            "address.country",
        ),
        ("/v2/customers", {**ADA, "birthday": "2023-02-29"}, "INVALID_TIME", "birthday"),
        ("/v2/customers", {**ADA, "birthday": "13-01"}, "INVALID_TIME", "birthday"),
        (
            "/v2/customers",
            {**ADA, "tax_ids": {"eu_vat": "X" * 21}},
            "VALUE_TOO_LONG",
            "tax_ids.eu_vat",
        ),
        ("/v2/customers", {"note": "only a note"}, "BAD_REQUEST", None),
        (
            "/v2/cards",
            {"idempotency_key": "k" * 46, "source_id": "cnon:card-nonce-ok", "card": {}},
            "VALUE_TOO_LONG",
            "idempotency_key",
        ),
        (
            "/v2/cards",
            {"idempotency_key": "k", "source_id": "cnon:x", "card": {"card_brand": "VISA"}},
            "INVALID_VALUE",
            "card.card_brand",
        ),
        (
            "/v2/cards",
            {"idempotency_key": "k", "source_id": "cnon:x", "card": {"cardholder_name": "n" * 97}},
            "VALUE_TOO_LONG",
            "card.cardholder_name",
        ),
        ("/v2/cards", {"source_id": "cnon:x"}, "MISSING_REQUIRED_PARAMETER", "idempotency_key"),
        ("/v2/customers/bulk-create", {"customers": {}}, "VALUE_EMPTY", "customers"),
        (
            "/v2/customers/bulk-create",
            {"customers": {str(i): ADA for i in range(101)}},
            "TOO_MANY_MAP_ENTRIES",
            "customers",
        ),
        ("/v2/customers/bulk-delete", {"customer_ids": []}, "ARRAY_EMPTY", "customer_ids"),
        ("/v2/customers/bulk-update", {"customers": []}, "EXPECTED_MAP", "customers"),
        ("/v2/orders/search", {}, "MISSING_REQUIRED_PARAMETER", "location_ids"),
        (
            "/v2/orders/search",
            {"location_ids": ["L"], "query": {"sort": {"sort_field": "CLOSED"}}},
            "INVALID_ENUM_VALUE",
            "query.sort.sort_field",
        ),
        (
            "/v2/orders/search",
            {"location_ids": ["L"], "query": {"filter": {"state_filter": {}}}},
            "MISSING_REQUIRED_PARAMETER",
            "query.filter.state_filter.states",
        ),
    ],
)
async def test_malformed_mistyped_and_null_inputs_are_refused(
    square: httpx.AsyncClient, path: str, body: Any, code: str, field: str | None
) -> None:
    sent = {"content": body} if isinstance(body, bytes) else {"json": body}
    assert error_of(await square.post(path, **sent)) == (400, code, field)


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/v2/customers", {"limit": "ten"}, "INVALID_VALUE"),
        ("/v2/customers", {"limit": "0"}, "VALUE_TOO_LOW"),
        ("/v2/customers", {"sort_field": "NAME"}, "INVALID_ENUM_VALUE"),
        ("/v2/customers", {"sort_order": "asc"}, "INVALID_ENUM_VALUE"),
        ("/v2/customers", {"count": "yes"}, "INVALID_VALUE"),
        ("/v2/cards", {"include_disabled": "1"}, "INVALID_VALUE"),
        ("/v2/cards", {"sort_order": "UP"}, "INVALID_ENUM_VALUE"),
    ],
)
async def test_malformed_query_parameters_are_refused(
    square: httpx.AsyncClient, path: str, params: dict[str, str], code: str
) -> None:
    [name] = params
    assert error_of(await square.get(path, params=params)) == (400, code, name)


async def test_a_missing_or_wrong_token_is_an_authentication_error(
    square: httpx.AsyncClient,
) -> None:
    for header in ("", "Bearer wrong", f"Basic {DEMO_ACCESS_TOKEN}"):
        response = await square.get("/v2/customers", headers={"Authorization": header})
        assert error_of(response) == (401, "UNAUTHORIZED", None)


async def test_square_version_is_echoed_and_a_malformed_one_refused(
    square: httpx.AsyncClient,
) -> None:
    answered = await square.get("/v2/locations", headers={"Square-Version": "2024-01-18"})
    assert answered.headers["square-version"] == "2024-01-18"
    assert (await square.get("/v2/locations")).headers["square-version"] == "2025-08-20"
    refused = await square.get("/v2/locations", headers={"Square-Version": "latest"})
    assert error_of(refused) == (400, "INVALID_SQUARE_VERSION_FORMAT", "Square-Version")


async def test_a_cursor_pages_only_the_query_it_was_issued_for(square: httpx.AsyncClient) -> None:
    first = ok(await square.get("/v2/customers", params={"limit": 2}), "GET /v2/customers")
    second = await square.get("/v2/customers", params={"limit": 2, "cursor": first["cursor"]})
    assert {c["id"] for c in first["customers"]}.isdisjoint(
        c["id"] for c in ok(second, "GET /v2/customers")["customers"]
    )
    foreign = await square.post("/v2/customers/search", json={"cursor": first["cursor"]})
    assert error_of(foreign) == (400, "INVALID_CURSOR", "cursor")
    garbled = await square.get("/v2/customers", params={"cursor": "not-a-cursor"})
    assert error_of(garbled)[1] == "INVALID_CURSOR"


async def test_count_search_filters_and_nulls_are_honoured(square: httpx.AsyncClient) -> None:
    listed = ok(await square.get("/v2/customers", params={"count": "true"}), "GET /v2/customers")
    assert listed["count"] == len(listed["customers"])
    assert "cursor" not in listed
    ada = await create(square, reference_id="ada-1")
    everyone = await search(square, {"count": True, "query": {"filter": {"email_address": None}}})
    assert everyone["count"] == listed["count"] + 1
    mine = {"reference_id": {"exact": "ADA-1"}}
    assert [c["id"] for c in (await search(square, {"query": {"filter": mine}}))["customers"]] == [
        ada["id"]
    ]
    since = {"start_at": ada["updated_at"]}
    updated = await search(square, {"query": {"filter": {"updated_at": since}}})
    assert [c["id"] for c in updated["customers"]] == [ada["id"]]
    for rule, expected in (("INCLUDE", [ada["id"]]), ("EXCLUDE", [])):
        source = {"values": ["THIRD_PARTY"], "rule": rule}
        found = await search(square, {"query": {"filter": {**mine, "creation_source": source}}})
        assert [c["id"] for c in found.get("customers", [])] == expected
    # This seller has no groups: any group id is unknown, which empties the result.
    assert await search(square, {"query": {"filter": {"group_ids": {"none": ["G1"]}}}}) == {}
    assert await search(square, {"query": {"filter": {"group_ids": {"any": []}}}}) != {}
    segments = await square.post(
        "/v2/customers/search", json={"query": {"filter": {"segment_ids": {"all": ["S1"]}}}}
    )
    assert error_of(segments) == (400, "BAD_REQUEST", "query.filter.segment_ids")
    four = {"segment_ids": {"all": ["S1", "S2"], "none": ["S3", "S4"]}}
    too_many = await square.post("/v2/customers/search", json={"query": {"filter": four}})
    assert error_of(too_many)[1] == "ARRAY_LENGTH_TOO_LONG"
    attribute = {"custom_attribute": {"filters": [{"key": "favorite"}]}}
    refused = await square.post("/v2/customers/search", json={"query": {"filter": attribute}})
    assert error_of(refused) == (
        400,
        "BAD_REQUEST",
        "query.filter.custom_attribute.filters[0].key",
    )


async def test_every_address_field_is_kept_and_updates_merge(square: httpx.AsyncClient) -> None:
    address = {
        "address_line_1": "1 Chome",
        "sublocality": "Shibuya",
        "sublocality_2": "Jingumae",
        "sublocality_3": "1-Chome",
        "administrative_district_level_3": "Ward",
        "country": "JP",
        "first_name": "ignored",
    }
    ada = await create(square, address=address)
    assert ada["address"] == {k: v for k, v in address.items() if k != "first_name"}
    path = f"/v2/customers/{ada['id']}"
    change = {"address": {"locality": "Tokyo", "sublocality_3": None}, "nickname": "Countess"}
    updated = ok(await square.put(path, json=change), "PUT /v2/customers/{customer_id}")
    assert updated["customer"]["address"] == {
        **{k: v for k, v in address.items() if k not in ("first_name", "sublocality_3")},
        "locality": "Tokyo",
    }
    cleared = ok(
        await square.put(path, json={"address": None, "nickname": None}),
        "PUT /v2/customers/{customer_id}",
    )
    assert "address" not in cleared["customer"]
    assert "nickname" not in cleared["customer"]


async def test_an_idempotency_key_answers_once_and_refuses_another_body(
    square: httpx.AsyncClient,
) -> None:
    first = await create(square, idempotency_key="key-1")
    assert await create(square, idempotency_key="key-1") == first
    reused = await square.post(
        "/v2/customers", json={**ADA, "nickname": "other", "idempotency_key": "key-1"}
    )
    assert error_of(reused) == (400, "IDEMPOTENCY_KEY_REUSED", "idempotency_key")
    card: dict[str, Any] = {
        "idempotency_key": "c-1",
        "source_id": "cnon:card-nonce-ok",
        "card": {"customer_id": first["id"]},
    }
    made = ok(await square.post("/v2/cards", json=card), "POST /v2/cards")
    assert ok(await square.post("/v2/cards", json=card), "POST /v2/cards") == made
    other = {**card, "card": {**card["card"], "cardholder_name": "Ada"}}
    assert error_of(await square.post("/v2/cards", json=other))[1] == "IDEMPOTENCY_KEY_REUSED"
    bulk = ok(
        await square.post(
            "/v2/customers/bulk-create",
            json={"customers": {"key-1": {**ADA, "nickname": "other"}, "key-2": ADA}},
        ),
        "POST /v2/customers/bulk-create",
    )["responses"]
    assert bulk["key-1"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    repeat = ok(
        await square.post("/v2/customers/bulk-create", json={"customers": {"key-2": ADA}}),
        "POST /v2/customers/bulk-create",
    )
    assert repeat["responses"]["key-2"] == bulk["key-2"]


async def test_bulk_create_update_and_delete_answer_per_key(square: httpx.AsyncClient) -> None:
    created = ok(
        await square.post(
            "/v2/customers/bulk-create",
            json={
                "customers": {
                    "k-ok": {**ADA, "phone_number": "+1 415-555-0100"},
                    "k-bad": {**ADA, "email_address": "not-an-email"},
                    "k-none": {"note": "no name"},
                }
            },
        ),
        "POST /v2/customers/bulk-create",
    )["responses"]
    ada = created["k-ok"]["customer"]
    assert ada["phone_number"] == "+1 415-555-0100"
    assert created["k-bad"]["errors"][0]["code"] == "INVALID_EMAIL_ADDRESS"
    assert created["k-none"]["errors"][0]["code"] == "BAD_REQUEST"

    updated = ok(
        await square.post(
            "/v2/customers/bulk-update",
            json={
                "customers": {
                    ada["id"]: {"nickname": "Countess", "version": 0},
                    "MISSING": {"nickname": "x"},
                }
            },
        ),
        "POST /v2/customers/bulk-update",
    )["responses"]
    assert (
        updated[ada["id"]]["customer"]["nickname"],
        updated[ada["id"]]["customer"]["version"],
    ) == (
        "Countess",
        1,
    )
    assert updated["MISSING"]["errors"][0]["code"] == "NOT_FOUND"
    stale = ok(
        await square.post(
            "/v2/customers/bulk-update",
            json={"customers": {ada["id"]: {"note": "x", "version": 0}}},
        ),
        "POST /v2/customers/bulk-update",
    )["responses"]
    assert stale[ada["id"]]["errors"][0]["code"] == "CONFLICT"

    deleted = ok(
        await square.post(
            "/v2/customers/bulk-delete", json={"customer_ids": [ada["id"], "MISSING"]}
        ),
        "POST /v2/customers/bulk-delete",
    )["responses"]
    assert deleted[ada["id"]] == {}
    assert deleted["MISSING"]["errors"][0]["code"] == "NOT_FOUND"
    assert error_of(await square.get(f"/v2/customers/{ada['id']}")) == (404, "NOT_FOUND", None)


async def test_list_cards_filters_by_reference_id_and_pages_25(square: httpx.AsyncClient) -> None:
    ada = await create(square)
    for index in range(27):
        card = {"customer_id": ada["id"], "reference_id": "even" if index % 2 == 0 else "odd"}
        body = {"idempotency_key": f"c-{index}", "source_id": f"cnon:{index}", "card": card}
        ok(await square.post("/v2/cards", json=body), "POST /v2/cards")
    params = {"customer_id": ada["id"], "reference_id": "even"}
    first = ok(await square.get("/v2/cards", params=params), "GET /v2/cards")
    assert {c["reference_id"] for c in first["cards"]} == {"even"}
    assert len(first["cards"]) == 14
    everything = ok(
        await square.get("/v2/cards", params={"customer_id": ada["id"]}), "GET /v2/cards"
    )
    assert len(everything["cards"]) == 25
    rest = await square.get(
        "/v2/cards", params={"customer_id": ada["id"], "cursor": everything["cursor"]}
    )
    assert len(ok(rest, "GET /v2/cards")["cards"]) == 2
    reused = {"idempotency_key": "c-99", "source_id": "cnon:1", "card": {"customer_id": ada["id"]}}
    assert error_of(await square.post("/v2/cards", json=reused)) == (
        400,
        "SOURCE_USED",
        "source_id",
    )


async def test_search_orders_applies_state_and_time_filters(square: httpx.AsyncClient) -> None:
    every = (await orders(square, {}))["orders"]
    states = {o["state"] for o in every}
    assert {"COMPLETED", "OPEN"} <= states
    completed = await orders(square, {"filter": {"state_filter": {"states": ["COMPLETED"]}}})
    assert {o["state"] for o in completed["orders"]} == {"COMPLETED"}
    assert len(completed["orders"]) == sum(o["state"] == "COMPLETED" for o in every)

    by_closing = await orders(square, {"sort": {"sort_field": "CLOSED_AT", "sort_order": "ASC"}})
    closed = [o["closed_at"] for o in by_closing["orders"] if "closed_at" in o]
    assert closed == sorted(closed)
    assert all("closed_at" not in o for o in by_closing["orders"][len(closed) :])

    middle = sorted(o["created_at"] for o in every)[len(every) // 2]
    window = {"date_time_filter": {"created_at": {"start_at": middle}}}
    recent = await orders(square, {"filter": window, "sort": {"sort_field": "CREATED_AT"}})
    assert {o["id"] for o in recent["orders"]} == {
        o["id"] for o in every if o["created_at"] >= middle
    }
    mismatched = await square.post(
        "/v2/orders/search",
        json={
            "location_ids": [LOCATION_ID],
            "query": {"filter": window, "sort": {"sort_field": "CLOSED_AT"}},
        },
    )
    assert error_of(mismatched) == (400, "INVALID_VALUE", "query.sort.sort_field")
    two = {
        "date_time_filter": {"created_at": {"start_at": middle}, "closed_at": {"start_at": middle}}
    }
    assert (
        error_of(
            await square.post(
                "/v2/orders/search", json={"location_ids": [LOCATION_ID], "query": {"filter": two}}
            )
        )[2]
        == "query.filter.date_time_filter"
    )

    none = {
        "fulfillment_filter": {"fulfillment_types": ["PICKUP"]},
        "source_filter": {"source_names": None},
    }
    assert await orders(square, {"filter": none}) == {}
    entries = await orders(square, {}, return_entries=True, limit=2)
    assert [e["order_id"] for e in entries["order_entries"]] == [o["id"] for o in every[:2]]
    one = ok(await square.get(f"/v2/orders/{every[0]['id']}"), "GET /v2/orders/{order_id}")
    assert one["order"] == every[0]


async def test_locations_list_and_retrieve_main(square: httpx.AsyncClient) -> None:
    [location] = ok(await square.get("/v2/locations"), "GET /v2/locations")["locations"]
    main = ok(await square.get("/v2/locations/main"), "GET /v2/locations/{location_id}")
    assert main["location"] == location
    assert error_of(await square.get("/v2/locations/NOPE")) == (404, "NOT_FOUND", None)
