"""What each Square request may carry, field by field, as the 2025-08-20 spec defines it.

Maxima come from the schemas' `maxLength` or, where the spec states them only in a
description, from that description (CreateCustomer's names and email, CreateCard's
45-character idempotency key). The spec documents no maximum for a note, a phone
number (only "9-16 digits") or any address line, so none is enforced here.
CreateCustomer's fields are not nullable in the spec while BulkCreate's same fields
are; each request is read by its own schema.
"""

from __future__ import annotations

from sandboxes.square.enums import (
    COUNTRIES,
    CREATION_SOURCES,
    CUSTOMER_SORT_FIELDS,
    FULFILLMENT_STATES,
    FULFILLMENT_TYPES,
    INCLUSION,
    ORDER_SORT_FIELDS,
    ORDER_STATES,
    SORT_ORDERS,
)
from sandboxes.square.shapes import Arr, Bool, Enum, Int, Map, Obj, Shape, Str, Time

NAME_LIMITS = {
    "given_name": 300,
    "family_name": 300,
    "company_name": 500,
    "nickname": 100,
    "email_address": 254,
    "reference_id": 100,
}
ADDRESS_LINES = (
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "locality",
    "sublocality",
    "sublocality_2",
    "sublocality_3",
    "administrative_district_level_1",
    "administrative_district_level_2",
    "administrative_district_level_3",
    "postal_code",
    "first_name",
    "last_name",
)
CUSTOMER_TEXT = (*NAME_LIMITS, "phone_number", "note", "birthday")


def address(*, nullable: bool) -> Obj:
    return Obj(
        nullable=nullable,
        fields={
            **{line: Str(nullable=True) for line in ADDRESS_LINES},
            "country": Enum(nullable=True, values=COUNTRIES),
        },
    )


def customer_data(*, nullable: bool) -> dict[str, Shape]:
    """The writable customer fields; `nullable` where the request lets `null` clear them."""
    return {
        **{name: Str(nullable=nullable, max_len=NAME_LIMITS.get(name)) for name in CUSTOMER_TEXT},
        "address": address(nullable=nullable),
        "tax_ids": Obj(nullable=nullable, fields={"eu_vat": Str(nullable=True, max_len=20)}),
    }


CREATE_CUSTOMER = Obj(fields={"idempotency_key": Str(), **customer_data(nullable=False)})
UPDATE_CUSTOMER = Obj(fields={**customer_data(nullable=True), "version": Int()})
BULK_CREATE = Obj(
    fields={
        "customers": Map(
            value=Obj(fields=customer_data(nullable=True)), min_entries=1, max_entries=100
        )
    },
    required=("customers",),
)
BULK_UPDATE = Obj(
    fields={
        "customers": Map(
            value=Obj(fields={**customer_data(nullable=True), "version": Int()}),
            min_entries=1,
            max_entries=100,
        )
    },
    required=("customers",),
)
CUSTOMER_IDS = Obj(
    fields={"customer_ids": Arr(item=Str(), min_items=1, max_items=100)},
    required=("customer_ids",),
)

TEXT_FILTER = Obj(nullable=True, fields={"exact": Str(nullable=True), "fuzzy": Str(nullable=True)})
TIME_RANGE = Obj(fields={"start_at": Time(nullable=True), "end_at": Time(nullable=True)})
FILTER_VALUE = Obj(
    nullable=True,
    fields={part: Arr(nullable=True, item=Str()) for part in ("all", "any", "none")},
)
CUSTOM_ATTRIBUTE_FILTER = Obj(
    fields={
        "key": Str(),
        "filter": Obj(
            nullable=True,
            fields={
                "email": TEXT_FILTER,
                "phone": TEXT_FILTER,
                "text": TEXT_FILTER,
                "selection": FILTER_VALUE,
                "date": Obj(nullable=True, fields=TIME_RANGE.fields),
                "number": Obj(
                    nullable=True,
                    fields={"start_at": Str(nullable=True), "end_at": Str(nullable=True)},
                ),
                "boolean": Bool(nullable=True),
                "address": Obj(
                    nullable=True,
                    fields={
                        "postal_code": TEXT_FILTER,
                        "country": Enum(nullable=True, values=COUNTRIES),
                    },
                ),
            },
        ),
        "updated_at": TIME_RANGE,
    },
    required=("key",),
)
CUSTOMER_FILTER = Obj(
    nullable=True,
    fields={
        "creation_source": Obj(
            nullable=True,
            fields={
                "values": Arr(nullable=True, item=Enum(values=CREATION_SOURCES)),
                "rule": Enum(nullable=True, values=INCLUSION),
            },
        ),
        "created_at": TIME_RANGE,
        "updated_at": TIME_RANGE,
        "email_address": TEXT_FILTER,
        "phone_number": TEXT_FILTER,
        "reference_id": TEXT_FILTER,
        "group_ids": FILTER_VALUE,
        "custom_attribute": Obj(
            nullable=True,
            fields={"filters": Arr(nullable=True, item=CUSTOM_ATTRIBUTE_FILTER, max_items=10)},
        ),
        "segment_ids": FILTER_VALUE,
    },
)
SEARCH_CUSTOMERS = Obj(
    fields={
        "cursor": Str(),
        "limit": Int(low=1, high=100),
        "query": Obj(
            fields={
                "filter": CUSTOMER_FILTER,
                "sort": Obj(
                    nullable=True,
                    fields={
                        "field": Enum(nullable=True, values=CUSTOMER_SORT_FIELDS),
                        "order": Enum(nullable=True, values=SORT_ORDERS),
                    },
                ),
            }
        ),
        "count": Bool(),
    }
)
LIST_CUSTOMERS = {
    "cursor": Str(),
    "limit": Int(low=1, high=100),
    "sort_field": Enum(values=CUSTOMER_SORT_FIELDS),
    "sort_order": Enum(values=SORT_ORDERS),
    "count": Bool(),
}
DELETE_CUSTOMER = {"version": Int()}

CARD_READ_ONLY = frozenset(
    {
        "id",
        "card_brand",
        "last_4",
        "fingerprint",
        "merchant_id",
        "enabled",
        "card_type",
        "prepaid_type",
        "bin",
        "card_co_brand",
        "issuer_alert",
        "issuer_alert_at",
        "hsa_fsa",
    }
)
CREATE_CARD = Obj(
    fields={
        "idempotency_key": Str(min_len=1, max_len=45),
        "source_id": Str(min_len=1, max_len=16384),
        "verification_token": Str(),
        "card": Obj(
            fields={
                "exp_month": Int(nullable=True, low=1, high=12),
                "exp_year": Int(nullable=True),
                "cardholder_name": Str(nullable=True, max_len=96),
                "billing_address": address(nullable=True),
                "customer_id": Str(nullable=True),
                "reference_id": Str(nullable=True, max_len=128),
                "version": Int(),
            },
            read_only=CARD_READ_ONLY,
        ),
    },
    required=("idempotency_key", "source_id", "card"),
)
LIST_CARDS = {
    "cursor": Str(),
    "customer_id": Str(),
    "include_disabled": Bool(),
    "reference_id": Str(),
    "sort_order": Enum(values=SORT_ORDERS),
}

SEARCH_ORDERS = Obj(
    fields={
        "location_ids": Arr(item=Str(), max_items=10),
        "cursor": Str(),
        "query": Obj(
            fields={
                "filter": Obj(
                    nullable=True,
                    fields={
                        "state_filter": Obj(
                            nullable=True,
                            fields={"states": Arr(item=Enum(values=ORDER_STATES))},
                            required=("states",),
                        ),
                        "date_time_filter": Obj(
                            nullable=True,
                            fields={
                                "created_at": TIME_RANGE,
                                "updated_at": TIME_RANGE,
                                "closed_at": Obj(nullable=True, fields=TIME_RANGE.fields),
                            },
                        ),
                        "fulfillment_filter": Obj(
                            nullable=True,
                            fields={
                                "fulfillment_types": Arr(
                                    nullable=True, item=Enum(values=FULFILLMENT_TYPES)
                                ),
                                "fulfillment_states": Arr(
                                    nullable=True, item=Enum(values=FULFILLMENT_STATES)
                                ),
                            },
                        ),
                        "source_filter": Obj(
                            nullable=True,
                            fields={"source_names": Arr(nullable=True, item=Str(), max_items=10)},
                        ),
                        "customer_filter": Obj(
                            nullable=True,
                            fields={"customer_ids": Arr(nullable=True, item=Str(), max_items=10)},
                        ),
                    },
                ),
                "sort": Obj(
                    nullable=True,
                    fields={
                        "sort_field": Enum(values=ORDER_SORT_FIELDS),
                        "sort_order": Enum(nullable=True, values=SORT_ORDERS),
                    },
                    required=("sort_field",),
                ),
            }
        ),
        "limit": Int(low=1, high=1000),
        "return_entries": Bool(),
    }
)
