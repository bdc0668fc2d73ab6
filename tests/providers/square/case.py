"""What the contract suite needs to drive Square."""

from tests.contract.cases import ProviderCase

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
