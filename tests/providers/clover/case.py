"""What the contract suite needs to drive Clover."""

from tests.contract.cases import ProviderCase


def page_budget(on_page: int, index_pages: int) -> dict[str, int]:
    """One v3 list for the page, one over the page's `customerSince` range with
    addresses and cards expanded, one for the sameAs index; Ecommerce lists orders
    per customer only."""
    return {
        "GET /v3/merchants/{mId}/customers": 2 + index_pages,
        "GET /v1/orders": on_page,
    }


CASE = ProviderCase(
    provider="CLOVER",
    slug="clover",
    create_route="POST /v3/merchants/{mId}/customers",
    new_customer={
        "givenName": "Ada",
        "familyName": "Lovelace",
        "email": "ada.contract@example.com",
        "phone": "+1 415-555-0100",
        "companyName": "Analytical Engines",
        "note": "Prefers email",
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
    clearable="note",
    unsupported_field=("nickname", "Countess"),
    payment_token="clv_1TSTcontract0001",
    attach_route="PUT /v1/customers/{customerId}",
    read_route="GET /v3/merchants/{mId}/customers/{customerId}",
    native_idempotency=False,
    missing_ids={
        "customer": "NOSUCHCUSTOMR",
        "address": "NOSUCHADDRESS",
        "source": "NOSUCHSOURCE0",
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
