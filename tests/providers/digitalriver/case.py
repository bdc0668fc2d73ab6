"""What the contract suite needs to drive Digital River."""

from tests.contract.cases import ProviderCase


def page_budget(on_page: int, index_pages: int) -> dict[str, int]:
    """One list for the page and one for the sameAs index (sources and the shipping
    address ride on the record); orders per customer."""
    return {
        "GET /customers": 1 + index_pages,
        "GET /orders": on_page,
    }


CASE = ProviderCase(
    provider="DIGITAL_RIVER",
    slug="digitalriver",
    create_route="POST /customers",
    new_customer={
        "email": "ada.contract@example.com",
        "displayName": "Ada Lovelace",
        "companyName": "Analytical Engines",
        "phone": "+1 415-555-0100",
        "locale": "en_GB",
        "customerType": "BUSINESS",
        "enabled": True,
        "metadata": {"segment": "contract"},
    },
    address={
        "line1": "1 Main St",
        "line2": "Floor 2",
        "city": "Springfield",
        "region": "IL",
        "postalCode": "62701",
        "country": "US",
    },
    clearable="companyName",
    unsupported_field=("nickname", "Countess"),
    payment_token="5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a01",
    attach_route="POST /customers/{customer_id}/sources/{source_id}",
    read_route="GET /customers",
    native_idempotency=False,
    missing_ids={
        "customer": "no-such-customer",
        "address": "unknown-address",
        "source": "unknown-source",
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
            "setDefaultPaymentSource",
            "forgetCustomer",
        }
    ),
    text_field="displayName",
)
