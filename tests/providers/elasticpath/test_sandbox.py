"""The Elastic Path sandbox speaks Elastic Path's wire format, strictly.

These drive the emulator app directly over HTTP (ASGI), the way any Elastic Path
client would, to pin the documented behaviours the adapter relies on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.config import SandboxSettings
from gateway.model import ProviderName
from sandboxes.elasticpath.app import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SEEDED_PASSWORD,
    create_sandbox,
)
from sandboxes.elasticpath.filters import Attribute, Unparsable, compile_filter
from sandboxes.elasticpath.store import ElasticPathStore
from sandboxes.seed import for_provider, people

SETTINGS = SandboxSettings(people=40)
CUSTOMER_KEYS = {"type", "id", "name", "email", "password", "meta"}


@pytest.fixture
def app() -> FastAPI:
    population = for_provider(people(SETTINGS.seed, SETTINGS.people), ProviderName.ELASTIC_PATH)
    return create_sandbox(population, SETTINGS)


@pytest.fixture
def store(app: FastAPI) -> ElasticPathStore:
    found: ElasticPathStore = app.state.store
    return found


@pytest.fixture
async def ep(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ep.local"
    ) as client:
        yield client


async def token(ep: httpx.AsyncClient, grant: str = "client_credentials") -> dict[str, str]:
    form = {"grant_type": grant, "client_id": DEMO_CLIENT_ID}
    if grant == "client_credentials":
        form["client_secret"] = DEMO_CLIENT_SECRET
    response = await ep.post("/oauth/access_token", data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def new_customer(
    ep: httpx.AsyncClient, auth: dict[str, str], email: str, **extra: Any
) -> dict[str, Any]:
    response = await ep.post(
        "/v2/customers",
        json={"data": {"type": "customer", "name": "Ron Swanson", "email": email, **extra}},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def first_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"errors"}
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_calls_need_a_valid_bearer(ep: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        response = await ep.get("/v2/customers", headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "errors": [{"status": 401, "title": "Unable to validate access token"}]
        }


async def test_access_token_is_form_encoded_flat_and_expires(ep: httpx.AsyncClient) -> None:
    as_json = await ep.post(
        "/oauth/access_token",
        json={"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID},
    )
    assert as_json.status_code == 400
    wrong = await ep.post(
        "/oauth/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": "wrong",
        },
    )
    assert wrong.status_code == 401
    assert first_error(wrong)["title"] == "Unauthorized"
    issued = await ep.post(
        "/oauth/access_token", data={"grant_type": "implicit", "client_id": DEMO_CLIENT_ID}
    )
    body = issued.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "expires", "identifier"}
    assert (body["token_type"], body["expires_in"], body["identifier"]) == (
        "Bearer",
        3600,
        "implicit",
    )

    auth = await token(ep)
    assert (await ep.post("/_tokens/expire")).status_code == 204
    assert (await ep.get("/v2/customers", headers=auth)).status_code == 401


async def test_create_requires_name_email_and_type(ep: httpx.AsyncClient) -> None:
    auth = await token(ep)
    cases = [
        ({"type": "customer", "email": "a@example.com"}, "required", "data.name"),
        ({"type": "customer", "name": "A"}, "required", "data.email"),
        ({"type": "user", "name": "A", "email": "a@example.com"}, "Bad Request", "data.type"),
        ({"type": "customer", "name": "A", "email": "a..b@example"}, "format", "data.email"),
        ({"type": "customer", "name": "A", "email": "a@example.com", "x": 1}, None, "data.x"),
    ]
    for data, title, source in cases:
        response = await ep.post("/v2/customers", json={"data": data}, headers=auth)
        assert response.status_code == 400, data
        error = first_error(response)
        assert error["status"] == 400
        assert error["source"] == source
        if title is not None:
            assert error["title"] == title
    not_json = await ep.post("/v2/customers", content=b"{", headers=auth)
    assert not_json.status_code == 400


async def test_password_is_hashed_and_read_back_as_a_boolean(
    ep: httpx.AsyncClient, store: ElasticPathStore
) -> None:
    auth = await token(ep)
    created = await new_customer(
        ep, auth, "ron@swanson.com", password="secret-1", external_ref="42"
    )
    assert set(created) == CUSTOMER_KEYS | {"external_ref"}
    assert created["password"] is True
    plain = await new_customer(ep, auth, "april@ludgate.com")
    assert set(created["meta"]["timestamps"]) == {"created_at", "updated_at"}
    assert set(plain) == CUSTOMER_KEYS
    assert plain["password"] is False
    assert "secret-1" not in str(store.customers)


async def test_put_is_partial_null_clears_and_name_stays(ep: httpx.AsyncClient) -> None:
    auth = await token(ep)
    created = await new_customer(ep, auth, "ron@swanson.com", external_ref="42")
    url = f"/v2/customers/{created['id']}"
    changed = await ep.put(
        url, json={"data": {"type": "customer", "email": "ron2@swanson.com"}}, headers=auth
    )
    assert changed.status_code == 200
    assert (changed.json()["data"]["name"], changed.json()["data"]["email"]) == (
        "Ron Swanson",
        "ron2@swanson.com",
    )
    cleared = await ep.put(
        url, json={"data": {"type": "customer", "external_ref": None}}, headers=auth
    )
    assert "external_ref" not in cleared.json()["data"]
    for field in ("name", "email"):
        refused = await ep.put(url, json={"data": {"type": "customer", field: None}}, headers=auth)
        assert refused.status_code == 400
        assert first_error(refused)["source"] == f"data.{field}"
    deleted = await ep.delete(url, headers=auth)
    assert (deleted.status_code, deleted.content) == (204, b"")
    missing = await ep.get(url, headers=auth)
    assert missing.status_code == 404
    assert first_error(missing) == {
        "status": 404,
        "title": "Not Found",
        "detail": "customer not found",
    }


async def test_duplicate_email_is_409(ep: httpx.AsyncClient) -> None:
    auth = await token(ep)
    await new_customer(ep, auth, "ron@swanson.com")
    other = await new_customer(ep, auth, "leslie@knope.com")
    again = await ep.post(
        "/v2/customers",
        json={"data": {"type": "customer", "name": "R", "email": "RON@swanson.com"}},
        headers=auth,
    )
    assert again.status_code == 409
    assert first_error(again)["title"] == "Duplicate email"
    update = await ep.put(
        f"/v2/customers/{other['id']}",
        json={"data": {"type": "customer", "email": "ron@swanson.com"}},
        headers=auth,
    )
    assert update.status_code == 409


async def test_list_pages_with_meta_and_links(
    ep: httpx.AsyncClient, store: ElasticPathStore
) -> None:
    auth = await token(ep)
    page = await ep.get("/v2/customers", params={"page[limit]": 5, "page[offset]": 5}, headers=auth)
    body = page.json()
    total = len(store.customers)
    assert len(body["data"]) == 5
    assert body["meta"]["results"] == {"total": total}
    assert body["meta"]["page"] == {
        "limit": 5,
        "offset": 5,
        "current": 2,
        "total": -(-total // 5),
    }
    assert "page%5Boffset%5D=10" in body["links"]["next"]
    assert "page%5Boffset%5D=0" in body["links"]["prev"]
    stamps = [c["meta"]["timestamps"]["created_at"] for c in body["data"]]
    assert stamps == sorted(stamps, reverse=True)
    for bad in ({"page[limit]": 101}, {"page[limit]": "ten"}, {"page[offset]": -1}, {"sort": "x"}):
        refused = await ep.get("/v2/customers", params=bad, headers=auth)
        assert refused.status_code == 400, bad
        assert "errors" in refused.json()
    by_name = await ep.get("/v2/customers", params={"sort": "name"}, headers=auth)
    names = [c["name"] for c in by_name.json()["data"]]
    assert names == sorted(names)


async def test_filters_raw_encoded_quoted_and_grouped(ep: httpx.AsyncClient) -> None:
    auth = await token(ep)
    ron = await new_customer(ep, auth, "ron+1@swanson.com", external_ref="crm,42")
    await new_customer(ep, auth, "ron.two@swanson.com")

    async def ids(raw_query: str) -> list[str]:
        response = await ep.get(f"/v2/customers?{raw_query}", headers=auth)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["data"]]

    assert await ids("filter=eq(email,ron%2B1@swanson.com)") == [ron["id"]]
    assert await ids("filter=eq%28email%2Cron%2B1%40swanson.com%29") == [ron["id"]]
    assert await ids("filter=eq(email,RON%2B1@swanson.com)") == []
    assert await ids("filter=like(email,RON%2B1@*)") == [ron["id"]]
    assert len(await ids("filter=like(name,*swan*)")) == 2
    assert await ids('filter=eq(external_ref,"crm,42")') == [ron["id"]]
    assert await ids(f"filter=(eq(id,{ron['id']})|eq(email,nobody@x.com)):like(name,ron*)") == [
        ron["id"]
    ]
    assert await ids(f"filter=is_null(external_ref):eq(id,{ron['id']})") == []
    assert await ids(f"filter=eq(external_ref,'crm\\,42'):eq(id,{ron['id']})") == [ron["id"]]
    recent = await ids('filter=gt(created_at,"2030-01-01T00:00:00.000Z")')
    assert recent == []
    assert len(await ids(f"filter=ge(created_at,{ron['meta']['timestamps']['created_at']})")) == 2
    for bad in (
        "eq(email",
        "like(external_ref,x)",
        "in(id,a,b)",
        "eq(phone,1)",
        "gt(created_at,x)",
        "is_null(email,x)",
        ":".join(["like(name,ron)"] * 11),
        f"eq(email,{'x' * 9000})",
    ):
        refused = await ep.get(f"/v2/customers?filter={bad}", headers=auth)
        assert refused.status_code == 400, bad
        assert first_error(refused)["detail"] == "Could not parse the supplied filter"


async def test_customer_token_reaches_only_its_own_customer(ep: httpx.AsyncClient) -> None:
    admin = await token(ep)
    ron = await new_customer(ep, admin, "ron@swanson.com", password="secret-1")
    april = await new_customer(ep, admin, "april@ludgate.com", password="secret-2")
    shopper = await token(ep, "implicit")

    def login(password: str) -> Any:
        body = {"data": {"type": "token", "email": "Ron@Swanson.com", "password": password}}
        return ep.post("/v2/customers/tokens", json=body, headers=shopper)

    assert (await login("wrong")).status_code == 401
    granted = await login("secret-1")
    assert granted.status_code == 200
    data = granted.json()["data"]
    assert set(data) == {"type", "id", "customer_id", "token", "expires"}
    assert (data["type"], data["customer_id"]) == ("token", ron["id"])
    as_ron = {**shopper, "X-Moltin-Customer-Token": data["token"]}

    assert (await ep.get(f"/v2/customers/{ron['id']}", headers=as_ron)).status_code == 200
    renamed = await ep.put(
        f"/v2/customers/{ron['id']}",
        json={"data": {"type": "customer", "name": "R"}},
        headers=as_ron,
    )
    assert renamed.status_code == 200
    assert (await ep.get(f"/v2/customers/{april['id']}", headers=as_ron)).status_code == 403
    own_addresses = await ep.get(f"/v2/customers/{ron['id']}/addresses", headers=as_ron)
    assert own_addresses.status_code == 200
    other_addresses = await ep.get(f"/v2/customers/{april['id']}/addresses", headers=as_ron)
    assert other_addresses.status_code == 403
    assert (await ep.get(f"/v2/customers/{ron['id']}", headers=shopper)).status_code == 403
    assert (await ep.get("/v2/customers", headers=shopper)).status_code == 403
    bad_token = {**shopper, "X-Moltin-Customer-Token": data["token"] + "x"}
    assert (await ep.get(f"/v2/customers/{ron['id']}", headers=bad_token)).status_code == 401
    admin_as_ron = {**admin, "x-moltin-customer-token": data["token"]}
    assert (await ep.get(f"/v2/customers/{april['id']}", headers=admin_as_ron)).status_code == 403


async def test_seeded_customers_can_log_in(ep: httpx.AsyncClient) -> None:
    admin = await token(ep)
    listed = (await ep.get("/v2/customers", params={"page[limit]": 100}, headers=admin)).json()
    with_password = [c for c in listed["data"] if c["password"]]
    assert with_password
    assert any(not c["password"] for c in listed["data"])
    login = await ep.post(
        "/v2/customers/tokens",
        json={
            "data": {
                "type": "token",
                "email": with_password[0]["email"],
                "password": SEEDED_PASSWORD,
            }
        },
        headers=await token(ep, "implicit"),
    )
    assert login.status_code == 200


async def test_addresses_crud_and_validation(ep: httpx.AsyncClient) -> None:
    auth = await token(ep)
    ron = await new_customer(ep, auth, "ron@swanson.com")
    url = f"/v2/customers/{ron['id']}/addresses"
    fields = {
        "name": "Home",
        "first_name": "Ron",
        "last_name": "Swanson",
        "line_1": "1 Sunny Street",
        "city": "Pawnee",
        "region": "IN",
        "postcode": "46001",
        "country": "US",
    }
    created = await ep.post(url, json={"data": {"type": "address", **fields}}, headers=auth)
    assert created.status_code == 200
    address = created.json()["data"]
    assert set(address) == {"type", "id", *fields, "meta", "links", "relationships"}
    assert address["relationships"] == {"customer": {"id": ron["id"], "type": "customer"}}
    assert address["links"]["self"].endswith(f"{url}/{address['id']}")

    changed = await ep.put(
        f"{url}/{address['id']}",
        json={"data": {"type": "address", "city": "Eagleton", "region": None}},
        headers=auth,
    )
    assert {k: v for k, v in changed.json()["data"].items() if k in fields} == {
        **{k: v for k, v in fields.items() if k != "region"},
        "city": "Eagleton",
    }
    listed = await ep.get(url, headers=auth)
    assert [a["id"] for a in listed.json()["data"]] == [address["id"]]
    for bad in ({"type": "address", "country": "USA"}, {"street": "x"}, {"type": "customer"}):
        refused = await ep.post(url, json={"data": bad}, headers=auth)
        assert refused.status_code == 400, bad
        assert first_error(refused)["status"] == "400"
    untyped = await ep.post(url, json={"data": {"name": "Work"}}, headers=auth)
    assert (untyped.status_code, untyped.json()["data"]["type"]) == (200, "address")
    assert (await ep.delete(f"{url}/{address['id']}", headers=auth)).status_code == 204
    missing = await ep.get(f"{url}/{address['id']}", headers=auth)
    assert first_error(missing) == {
        "status": "404",
        "title": "Not Found",
        "detail": "address not found",
    }
    unknown = await ep.get("/v2/customers/nobody/addresses", headers=auth)
    assert first_error(unknown)["detail"] == "customer not found"


async def test_orders_by_customer_and_by_customer_token(
    ep: httpx.AsyncClient, store: ElasticPathStore
) -> None:
    admin = await token(ep)
    customer_id = next(c["id"] for c in store.customers.values() if c["password_hash"])
    mine = await ep.get(
        "/v2/orders", params={"filter": f"eq(customer_id,{customer_id})"}, headers=admin
    )
    orders = mine.json()["data"]
    assert orders
    for order in orders:
        assert order["relationships"]["customer"]["data"] == {"type": "customer", "id": customer_id}
        assert isinstance(order["meta"]["display_price"]["with_tax"]["amount"], int)
        assert order["status"] in {"complete", "processing", "cancelled"}
    everything = (await ep.get("/v2/orders", headers=admin)).json()
    assert everything["meta"]["results"]["total"] == len(store.orders)
    shopper = await token(ep, "implicit")
    assert (await ep.get("/v2/orders", headers=shopper)).status_code == 403

    email = store.customers[customer_id]["email"]
    login = await ep.post(
        "/v2/customers/tokens",
        json={"data": {"type": "token", "email": email, "password": SEEDED_PASSWORD}},
        headers=shopper,
    )
    as_customer = {**shopper, "X-Moltin-Customer-Token": login.json()["data"]["token"]}
    own = (await ep.get("/v2/orders", headers=as_customer)).json()["data"]
    assert sorted(o["id"] for o in own) == sorted(o["id"] for o in orders)
    other = next(o for o in store.orders.values() if o["id"] not in {x["id"] for x in own})
    assert (await ep.get(f"/v2/orders/{other['id']}", headers=as_customer)).status_code == 404


SHIPPING_REQUIRED = {
    "first_name",
    "last_name",
    "phone_number",
    "company_name",
    "line_1",
    "line_2",
    "city",
    "postcode",
    "county",
    "country",
    "region",
    "instructions",
}
BILLING_REQUIRED = SHIPPING_REQUIRED - {"phone_number", "instructions"}


async def test_order_addresses_carry_every_field_the_spec_requires(
    ep: httpx.AsyncClient, store: ElasticPathStore
) -> None:
    admin = await token(ep)
    listed = await ep.get("/v2/orders", params={"page[limit]": 100}, headers=admin)
    orders = listed.json()["data"]
    assert len(orders) == len(store.orders)
    for order in orders:
        shipping, billing = order["shipping_address"], order["billing_address"]
        assert set(shipping) >= SHIPPING_REQUIRED, order["id"]
        assert set(billing) >= BILLING_REQUIRED, order["id"]
        assert all(isinstance(v, str) for v in (*shipping.values(), *billing.values()))
        assert shipping["line_1"]
        assert shipping["postcode"]
        assert len(shipping["country"]) == 2
        assert bool(shipping["region"]) != bool(shipping["county"])
        assert order["anonymized"] is False
    assert any(o["billing_address"]["company_name"] for o in orders)
    assert any(o["shipping_address"]["line_2"] for o in orders)


async def test_error_status_is_text_where_a_spec_says_so(ep: httpx.AsyncClient) -> None:
    for path in ("/v2/orders", "/v2/orders/x", "/v2/customers/x/addresses"):
        assert first_error(await ep.get(path))["status"] == "401", path
    assert first_error(await ep.post("/oauth/access_token"))["status"] == "400"
    assert first_error(await ep.get("/v2/customers"))["status"] == 401
    assert first_error(await ep.get("/v2/customers/x"))["status"] == 401


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ge(with_tax,0)", "all"),
        ("lt(without_tax,0)", "none"),
        ("eq(account_id,x)", "none"),
        ("is_null(account_member_id)", "all"),
        ("like(contact.email,*)", "none"),
        ("eq(order_number,1)", "none"),
    ],
)
async def test_order_filters_on_the_documented_attributes(
    ep: httpx.AsyncClient, store: ElasticPathStore, text: str, expected: str
) -> None:
    admin = await token(ep)
    found = await ep.get("/v2/orders", params={"filter": text}, headers=admin)
    assert found.status_code == 200, found.text
    total = found.json()["meta"]["results"]["total"]
    assert total == (len(store.orders) if expected == "all" else 0)


async def test_order_filters_on_postcodes_and_refusals(
    ep: httpx.AsyncClient, store: ElasticPathStore
) -> None:
    admin = await token(ep)
    some = next(iter(store.orders.values()))
    postcode = some["shipping_address"]["postcode"]
    same = [o for o in store.orders.values() if o["shipping_address"]["postcode"] == postcode]
    for attribute in ("shipping_postcode", "billing_postcode"):
        found = await ep.get(
            "/v2/orders", params={"filter": f'eq({attribute},"{postcode}")'}, headers=admin
        )
        assert found.json()["meta"]["results"]["total"] == len(same)
    amount = some["meta"]["display_price"]["with_tax"]["amount"]
    above = await ep.get("/v2/orders", params={"filter": f"gt(with_tax,{amount})"}, headers=admin)
    assert all(
        o["meta"]["display_price"]["with_tax"]["amount"] > amount for o in above.json()["data"]
    )
    products = await ep.get("/v2/orders", params={"filter": "eq(product_id,x)"}, headers=admin)
    assert products.status_code == 400
    assert first_error(products)["detail"] == "This sandbox keeps no data to filter on product_id"
    for text in ("eq(with_tax,100)", "gt(with_tax,ten)", "eq(items,1)"):
        refused = await ep.get("/v2/orders", params={"filter": text}, headers=admin)
        assert first_error(refused)["detail"] == "Could not parse the supplied filter", text


async def test_classic_filtering_and_the_total_method(
    ep: httpx.AsyncClient, store: ElasticPathStore
) -> None:
    admin = await token(ep)
    classic = {**admin, "EP-Disable-Beta-Filtering": "true"}
    for text in ("(eq(id,a)|eq(id,b))", "is_null(external_ref)"):
        beta = await ep.get("/v2/customers", params={"filter": text}, headers=admin)
        assert beta.status_code == 200, text
        refused = await ep.get("/v2/customers", params={"filter": text}, headers=classic)
        assert refused.status_code == 400, text
    plain = await ep.get("/v2/customers", params={"filter": "gt(id,0)"}, headers=classic)
    assert plain.status_code == 200
    for method in ("exact", "observed"):
        page = await ep.get("/v2/customers", params={"page[total_method]": method}, headers=admin)
        assert page.json()["meta"]["results"]["total"] == len(store.customers)
    bogus = await ep.get("/v2/customers", params={"page[total_method]": "guess"}, headers=admin)
    assert first_error(bogus)["source"] == "page[total_method]"


FIELDS = {
    "email": Attribute(frozenset({"eq", "like"})),
    "id": Attribute(frozenset({"eq"})),
    "name": Attribute(frozenset({"eq", "like"})),
    "external_ref": Attribute(frozenset({"eq"})),
    "created_at": Attribute(frozenset({"eq", "gt", "lt"}), "moment"),
}
RON = {"email": "Ron@Swanson.com", "created_at": "2017-01-11T18:44:45Z", "id": "a"}


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("eq(email,Ron@Swanson.com)", True),
        ("eq(email,ron@swanson.com)", False),
        ("like(email,ron@swanson.com)", True),
        ("like(email,SWANSON)", True),
        ("like(email,ron*)", True),
        ("like(email,*.org)", False),
        ("gt(created_at,2017-01-01)", True),
        ("eq(created_at,2017-01-11)", True),
        ("lt(created_at,1484200000000)", True),
        ("lt(created_at,1484160000000)", False),
        ("(eq(email,x)|like(email,*swanson*)):gt(created_at,2016-12-31)", True),
        ("eq(id, a)", True),
        ("(eq(id,b)|eq(id,a))", True),
        ("is_null(external_ref)", True),
        ("eq(name,'Food \\'n Stuff')", False),
    ],
)
def test_filter_language(text: str, holds: bool) -> None:
    assert compile_filter(text, FIELDS)(RON) is holds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "eq(email",
        "eq(email,x",
        "eq(,x)",
        "(eq(id,a)",
        "eq(id,a)x",
        'eq(id,"a)',
        ":".join(["eq(id,a)"] * 11),
        "like(created_at,x)",
        "in(email,a,b)",
        "eq(phone,1)",
        "gt(created_at,soon)",
        "eq(email,a,b)",
    ],
)
def test_filter_language_refuses_malformed_and_unsupported(text: str) -> None:
    with pytest.raises(Unparsable):
        compile_filter(text, FIELDS)
