"""Table tests of each provider's id rules and string maxima: pure, no network.

Every rule must admit the ids its provider documents (examples from
`shared/providers/<provider>.md`) and refuse every hostile value; `test_hostile_ids`
checks the same against the sandboxes' own ids and over HTTP.
"""

from __future__ import annotations

import pytest

from gateway.errors import MalformedId, UserErrorCode
from gateway.ids import UUID, IdRule, IdRules, chars
from gateway.model import AddressFields, CustomerFields, ProviderName
from gateway.providers.clover import rules as clover
from gateway.providers.digitalriver import rules as digitalriver
from gateway.providers.elasticpath import rules as elasticpath
from gateway.providers.square import rules as square
from gateway.validation import camel, check_address_input, check_customer_input

HOSTILE = [
    "",
    ".",
    "..",
    "../../JDKYHBWT1D4F8MFH63DBMEN8Y4",
    "x/../ANKHTCV4BZCVW",
    "%2e%2e%2f",
    "%2E%2E",
    "a/b",
    "a?b=c",
    "a#b",
    "%00",
    "a\x00b",
    "\x1f\x7f",
    "tab\there",
    " padded",
    "line\nbreak",
    "é日本",
    "A" * 10_240,
]

RULES: dict[ProviderName, IdRules] = {
    ProviderName.SQUARE: square.IDS,
    ProviderName.CLOVER: clover.IDS,
    ProviderName.ELASTIC_PATH: elasticpath.IDS,
    ProviderName.DIGITAL_RIVER: digitalriver.IDS,
}

# (provider, kind, id the provider documents or issues)
DOCUMENTED = [
    (ProviderName.SQUARE, "customer", "JDKYHBWT1D4F8MFH63DBMEN8Y4"),
    (ProviderName.SQUARE, "customer", "CBASEGLb1fOhVH4Uvvi1aY_bOawgAQ"),
    (ProviderName.SQUARE, "payment_source", "ccof:uIbfJXhXETSP197M3GB"),
    (ProviderName.SQUARE, "payment_source", "ccof:customer-card-id-ok"),
    (ProviderName.SQUARE, "token", "cnon:card-nonce-ok"),
    (ProviderName.SQUARE, "order", "CAISENgvlJ6jLWAzERDzjyHVybY"),
    (ProviderName.SQUARE, "address", "primary"),
    (ProviderName.CLOVER, "customer", "ANKHTCV4BZCVW"),
    (ProviderName.CLOVER, "customer", "ABCD1234EFGH5"),
    (ProviderName.CLOVER, "payment_source", "7E8EH4WWHK5N6"),
    (ProviderName.CLOVER, "token", "clv_1TSTSjZ3kmAHvDa7qL9fDrQx"),
    (ProviderName.ELASTIC_PATH, "customer", "fc4679bf-f8a8-4029-bc67-945f74b756a0"),
    (ProviderName.ELASTIC_PATH, "address", "FC4679BF-F8A8-4029-BC67-945F74B756A0"),
    (ProviderName.ELASTIC_PATH, "cursor", "100"),
    (ProviderName.DIGITAL_RIVER, "customer", "5823594806"),
    (ProviderName.DIGITAL_RIVER, "customer", "crm-2002"),
    (ProviderName.DIGITAL_RIVER, "customer", "eu,1001"),
    (ProviderName.DIGITAL_RIVER, "customer", "cust-123_ok.A"),
    (ProviderName.DIGITAL_RIVER, "customer", "ada@example.com"),
    (ProviderName.DIGITAL_RIVER, "customer", "c" * 40),
    (ProviderName.DIGITAL_RIVER, "token", "5a1d7c4e-3b8f-4e2a-9c61-0d2f8e7b1a01"),
    (ProviderName.DIGITAL_RIVER, "address", "shipping"),
]
KINDS = ("customer", "address", "payment_source", "order", "token", "cursor")


def rule(provider: ProviderName, kind: str) -> IdRule:
    found: IdRule = getattr(RULES[provider], kind)
    return found


@pytest.mark.parametrize(("provider", "kind", "value"), DOCUMENTED)
def test_documented_ids_are_accepted(provider: ProviderName, kind: str, value: str) -> None:
    assert rule(provider, kind).check(value, "input.id") == value


IN_A_BODY = {
    # Square's nonces (`source_id`, up to 16384 characters) and base64 cursors travel
    # in a JSON body, never in a URL: a long run of letters or a `/` is their alphabet.
    (ProviderName.SQUARE, "token", "A" * 10_240),
    (ProviderName.SQUARE, "cursor", "a/b"),
}


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v)[:24])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("provider", list(RULES))
def test_hostile_values_fit_no_rule(provider: ProviderName, kind: str, value: str) -> None:
    assert rule(provider, kind).accepts(value) is ((provider, kind, value) in IN_A_BODY)


@pytest.mark.parametrize(
    ("candidate", "value", "ok"),
    [
        (chars("[0-9A-Z]", 13, 13), "ANKHTCV4BZCVW", True),
        (chars("[0-9A-Z]", 13, 13), "ANKHTCV4BZCV", False),
        (chars("[0-9A-Z]", 13, 13), "ankhtcv4bzcvw", False),
        (chars("[a-z.]", 5), "a.b", True),
        (chars("[a-z.]", 5), "...", False),
        (UUID, "fc4679bf-f8a8-4029-bc67-945f74b756a0", True),
        (UUID, "fc4679bf-f8a8-4029-bc67-945f74b756a0\n", False),
        (UUID, "fc4679bff8a84029bc67945f74b756a0", False),
    ],
)
def test_a_rule_matches_the_whole_value(candidate: IdRule, value: str, ok: bool) -> None:
    assert candidate.accepts(value) is ok


def test_a_refusal_names_the_field_and_never_the_value() -> None:
    with pytest.raises(MalformedId) as refused:
        clover.IDS.address.check("../../ANKHTCV4BZCVW", "input.addressId")
    assert refused.value.field == ("input", "addressId")
    assert refused.value.safe_message == "`input.addressId` is not a valid id."
    assert "ANKHTCV4BZCVW" not in str(refused.value)


MAX_LENGTHS = {
    ProviderName.SQUARE: (square.MAX_LENGTHS, square.ADDRESS_MAX_LENGTHS),
    ProviderName.CLOVER: (clover.MAX_LENGTHS, clover.ADDRESS_MAX_LENGTHS),
    ProviderName.ELASTIC_PATH: (elasticpath.MAX_LENGTHS, elasticpath.ADDRESS_MAX_LENGTHS),
    ProviderName.DIGITAL_RIVER: (digitalriver.MAX_LENGTHS, digitalriver.ADDRESS_MAX_LENGTHS),
}


def sample(field: str, length: int) -> str:
    """A value of `length` characters that passes `field`'s format check."""
    domain = "@example.com"
    return "a" * (length - len(domain)) + domain if field == "email" else "a" * length


@pytest.mark.parametrize(
    ("provider", "field", "longest", "who"),
    [
        (ProviderName.SQUARE, "given_name", 300, "SQUARE"),
        (ProviderName.SQUARE, "nickname", 100, "SQUARE"),
        (ProviderName.SQUARE, "company_name", 500, "SQUARE"),
        (ProviderName.SQUARE, "reference_id", 100, "SQUARE"),
        (ProviderName.SQUARE, "note", 1000, None),
        (ProviderName.CLOVER, "family_name", 64, "CLOVER"),
        (ProviderName.CLOVER, "note", 2000, "CLOVER"),
        (ProviderName.CLOVER, "email", 254, None),
        (ProviderName.ELASTIC_PATH, "display_name", 255, None),
        (ProviderName.ELASTIC_PATH, "reference_id", 2048, "ELASTIC_PATH"),
        (ProviderName.ELASTIC_PATH, "password", 255, None),
        (ProviderName.DIGITAL_RIVER, "display_name", 255, None),
        (ProviderName.DIGITAL_RIVER, "company_name", 255, None),
    ],
)
def test_a_customer_string_one_past_its_maximum_is_invalid(
    provider: ProviderName, field: str, longest: int, who: str | None
) -> None:
    documented, _ = MAX_LENGTHS[provider]
    fits: CustomerFields = {field: sample(field, longest)}  # type: ignore[misc]
    over: CustomerFields = {field: sample(field, longest + 1)}  # type: ignore[misc]
    assert check_customer_input(fits, documented, provider.name, ("input",)) == []
    [error] = check_customer_input(over, documented, provider.name, ("input",))
    assert (error.code, error.field) == (UserErrorCode.INVALID, ("input", camel(field)))
    assert error.safe_message.startswith(f"{who} stores" if who else "At most")


@pytest.mark.parametrize(
    ("provider", "field", "longest"),
    [
        (ProviderName.CLOVER, "postal_code", 10),
        (ProviderName.CLOVER, "line1", 127),
        (ProviderName.SQUARE, "line1", 255),
        (ProviderName.ELASTIC_PATH, "instructions", 1000),
        (ProviderName.DIGITAL_RIVER, "city", 255),
    ],
)
def test_an_address_string_one_past_its_maximum_is_invalid(
    provider: ProviderName, field: str, longest: int
) -> None:
    _, documented = MAX_LENGTHS[provider]
    path = ("input", "address")
    fits: AddressFields = {field: "a" * longest}  # type: ignore[misc]
    over: AddressFields = {field: "a" * (longest + 1)}  # type: ignore[misc]
    assert check_address_input(fits, documented, provider.name, path) == []
    [error] = check_address_input(over, documented, provider.name, path)
    assert error.field == (*path, camel(field))


def test_a_megabyte_value_gets_one_error_and_no_format_check() -> None:
    fields: CustomerFields = {"email": "a" * 1_000_000, "display_name": "b" * 1_000_000}
    errors = check_customer_input(fields, {}, "ELASTIC_PATH", ("input",))
    assert [e.field for e in errors] == [("input", "email"), ("input", "displayName")]
