"""What the contract suite needs to drive Elastic Path."""

from tests.contract.cases import ProviderCase


def page_budget(on_page: int, index_pages: int) -> dict[str, int]:
    """One token; one list for the page and one for the sameAs index; addresses and
    orders are per-customer resources (no multi-id filter)."""
    return {
        "POST /oauth/access_token": 1,
        "GET /v2/customers": 1 + index_pages,
        "GET /v2/customers/{customer_id}/addresses": on_page,
        "GET /v2/orders": on_page,
    }


CASE = ProviderCase(
    provider="ELASTIC_PATH",
    slug="elasticpath",
    create_route="POST /v2/customers",
    new_customer={
        "displayName": "Ada Lovelace",
        "email": "ada.contract@example.com",
        "referenceId": "contract-1",
    },
    address={
        "label": "Home",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "companyName": "Analytical Engines",
        "phone": "+44 20 7946 0100",
        "line1": "1 Main St",
        "line2": "Floor 2",
        "city": "Springfield",
        "region": "IL",
        "postalCode": "62701",
        "country": "US",
        "instructions": "Leave with the porter",
    },
    clearable="referenceId",
    unsupported_field=("givenName", "Ada"),
    payment_token=None,
    read_route="GET /v2/customers/{customer_id}",
    native_idempotency=False,
    missing_ids={
        "customer": "00000000-0000-4000-8000-000000000000",
        "address": "00000000-0000-4000-8000-000000000001",
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
            "forgetCustomer",
        }
    ),
    text_field="displayName",
)
