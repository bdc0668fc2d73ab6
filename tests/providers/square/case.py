"""What the contract suite needs to drive Square."""

from math import ceil

from tests.contract.cases import ProviderCase


def page_budget(on_page: int, index_pages: int) -> dict[str, int]:
    """SearchCustomers for the page and for the sameAs index (<= 100 a page);
    ListCards per customer (no batch form); ListLocations once per process;
    SearchOrders per 10 customers. Addresses ride on the customer record."""
    return {
        "POST /v2/customers/search": 1 + index_pages,
        "GET /v2/cards": on_page,
        "GET /v2/locations": 1,
        "POST /v2/orders/search": ceil(on_page / 10),
    }


CASE = ProviderCase(
    provider="SQUARE",
    slug="square",
    create_route="POST /v2/customers",
    new_customer={
        "givenName": "Ada",
        "familyName": "Lovelace",
        "email": "ada.contract@example.com",
        "phone": "+1 415-555-0100",
        "nickname": "Countess",
        "note": "Prefers email",
        "referenceId": "contract-1",
        "birthday": "1815-12-10",
    },
    address={
        "line1": "1 Main St",
        "line2": "Floor 2",
        "city": "Springfield",
        "region": "IL",
        "postalCode": "62701",
        "country": "US",
    },
    clearable="nickname",
    unsupported_field=("locale", "en_GB"),
    payment_token="cnon:card-nonce-ok",
    attach_route="POST /v2/cards",
    read_route="POST /v2/customers/bulk-retrieve",
    native_idempotency=True,
    missing_ids={
        "customer": "NOSUCHCUSTOMER00000000000",
        "address": "unknown-address",
        "source": "ccof:unknown-source",
    },
    page_budget=page_budget,
    operations=frozenset(
        {
            "createCustomer",
            "updateCustomer",
            "deleteCustomer",
            "addCustomerAddress",
            "updateCustomerAddress",
            "removeCustomerAddress",
            "attachPaymentSource",
            "detachPaymentSource",
            "forgetCustomer",
        }
    ),
)
