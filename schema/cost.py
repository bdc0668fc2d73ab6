"""What an operation costs, estimated from its document before it runs.

The model is Apollo Router's demand control ("static estimated", after IBM's GraphQL
cost spec), with the weights of what this gateway does upstream:

- A field that returns an object (interface, union) costs 1 per object it returns;
  scalars and enums cost 0. Introspection (`__schema`, `__type`, `__typename`) costs 0
  and adds no depth: graphql-core's MaxIntrospectionDepthRule bounds it at validation.
- A list multiplies the cost of its items, and so of everything below them, by its
  size: a connection's `edges` and `nodes` by the connection field's `first` (Apollo's
  `@listSize(slicingArguments: ["first"], sizedFields: ["edges", "nodes"])`; the
  argument's default when absent, `customers` clamped to `max_page_size` as its
  resolver refuses more); `_entities` by its representations; `sameAs` by the other
  providers (a profile in each); any other list by `ASSUMED_LIST_SIZE`, Apollo's
  `list_size`. Nesting multiplies: `sameAs { sameAs { ... } }` grows x3 per level, as
  its answer does.
- A field that reaches a provider adds `CALL_WEIGHT` per upstream call it may cause
  (Apollo's `@cost(weight:)`), counted for the provider that needs the most:
  `customers` one page per selected provider; `customer`, `node` and each `_entities`
  representation one lookup; `addresses`, `paymentSources`, `defaultPaymentSource` and
  `orders` one call per customer (Elastic Path reads addresses and orders one customer
  at a time, Square cards, Clover and Digital River orders); `sameAs` one listing
  page per provider, once per request (the contact index is built once; a provider
  holding more than a page lists more, which the run-time budget of upstream calls
  backs up); a mutation one write.
- Fragments on different types of an abstract field (`node`, `_entities`) add up: an
  upper bound, as only one applies to each object.

    cost = objects + CALL_WEIGHT * upstream calls

so `{ customer(id: $id) { sameAs { id } } }` is 1 + 3 objects and 1 + 4 calls: 54.
A call weighs 10 objects, Apollo's weight of a mutation against an object's 1.

The same walk measures depth (levels of selection sets below the operation, as
Strawberry's QueryDepthLimiter counts them), aliases (each aliased field, per spread
of its fragment) and `_entities` representations. It stops descending one level
past `max_depth`, and prices a fragment once per level it is spread at, so its time
stays linear in the document even when each fragment spreads the next twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableValues,
    get_argument_values,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)

from gateway.model import ProviderName

CALL_WEIGHT = 10
ASSUMED_LIST_SIZE = 5
SIZED_FIELDS = frozenset({"edges", "nodes"})
PER_CUSTOMER_CALLS = frozenset({"addresses", "paymentSources", "defaultPaymentSource", "orders"})


@dataclass(frozen=True, slots=True)
class Pricing:
    """What the estimate needs to know of the deployment and the limits."""

    providers: int = len(ProviderName)
    max_page_size: int = 100
    max_depth: int = 12


@dataclass(frozen=True, slots=True)
class Estimate:
    """An operation's measures; `depth` is exact up to `max_depth`, a lower bound past it."""

    cost: int
    objects: int
    upstream_calls: int
    depth: int
    aliases: int
    entities: int


@dataclass(frozen=True, slots=True)
class _Tally:
    objects: int = 0
    calls: int = 0
    depth: int = 0
    aliases: int = 0
    entities: int = 0
    index: bool = False

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(
            self.objects + other.objects,
            self.calls + other.calls,
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.entities + other.entities,
            self.index or other.index,
        )


@dataclass(frozen=True, slots=True)
class _Terms:
    """A field's own share: its list size, its calls per parent, what sizes its children."""

    size: int = ASSUMED_LIST_SIZE
    calls: int = 0
    first: int | None = None
    entities: int = 0
    index: bool = False


def estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: VariableValues,
    pricing: Pricing,
) -> Estimate:
    """The measures of `operation`; `variables` as graphql-core coerced them."""
    walk = _Walk(schema, document, variables, pricing)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Estimate(0, 0, 0, 0, 0, 0)
    tally = walk.selections(operation.selection_set, root, pricing.max_depth, None)
    calls = tally.calls + (pricing.providers if tally.index else 0)
    return Estimate(
        cost=tally.objects + CALL_WEIGHT * calls,
        objects=tally.objects,
        upstream_calls=calls,
        depth=tally.depth,
        aliases=tally.aliases,
        entities=tally.entities,
    )


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: VariableValues,
        pricing: Pricing,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.pricing = pricing
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.priced: dict[tuple[str, int, int | None], _Tally] = {}
        self.mutation = schema.mutation_type

    def selections(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        budget: int,
        first: int | None,
    ) -> _Tally:
        """`budget`: levels still to measure; `first`: the size of a connection's lists."""
        total = _Tally()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, budget, first)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                narrowed = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, narrowed or parent, budget, first)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, budget, first)
        return total

    def fragment(self, name: str, budget: int, first: int | None) -> _Tally:
        """A fragment's tally, priced once per place it can be in: its depth counts
        from where it is spread."""
        key = (name, budget, first)
        if key not in self.priced:
            definition = self.fragments[name]
            on = self.schema.get_type(definition.type_condition.name.value)
            self.priced[key] = (
                self.selections(definition.selection_set, on, budget, first)
                if on is not None
                else _Tally()
            )
        return self.priced[key]

    def field(
        self, node: FieldNode, parent: GraphQLNamedType, budget: int, first: int | None
    ) -> _Tally:
        aliased = 1 if node.alias else 0
        name = node.name.value
        definition = (
            parent.fields.get(name)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        if definition is None or name.startswith("__"):
            return _Tally(aliases=aliased)
        terms = self.terms(parent, name, definition, node, first)
        returned = get_named_type(definition.type)
        if node.selection_set is None or not is_composite_type(returned):
            return _Tally(calls=terms.calls, aliases=aliased, entities=terms.entities)
        if budget <= 0:
            return _Tally(depth=1, aliases=aliased)
        below = self.selections(node.selection_set, returned, budget - 1, terms.first)
        size = terms.size if is_list_type(get_nullable_type(definition.type)) else 1
        return _Tally(
            objects=size * (1 + below.objects),
            calls=terms.calls + size * below.calls,
            depth=1 + below.depth,
            aliases=aliased + below.aliases,
            entities=terms.entities + below.entities,
            index=terms.index or below.index,
        )

    def terms(
        self,
        parent: GraphQLNamedType,
        name: str,
        definition: GraphQLField,
        node: FieldNode,
        first: int | None,
    ) -> _Terms:
        if parent is self.mutation:
            return _Terms(calls=1)
        if name in SIZED_FIELDS and first is not None:
            return _Terms(size=first)
        kind = parent.name, name
        if kind in {("Query", "customer"), ("Query", "node")}:
            return _Terms(calls=1)
        if kind == ("Query", "customers"):
            args = self.arguments(definition, node)
            page = min(max(int(args.get("first") or 0), 0), self.pricing.max_page_size)
            return _Terms(calls=_selected(args.get("filter"), self.pricing.providers), first=page)
        if kind == ("Query", "_entities"):
            count = len(self.arguments(definition, node).get("representations") or ())
            return _Terms(size=count, calls=count, entities=count)
        if parent.name == "Customer" and name in PER_CUSTOMER_CALLS:
            page = max(int(self.arguments(definition, node).get("first") or 0), 0)
            return _Terms(calls=1, first=page if name == "orders" else None)
        if kind == ("Customer", "sameAs"):
            return _Terms(size=max(self.pricing.providers - 1, 0), index=True)
        return _Terms()

    def arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
        """Coerced arguments, defaults applied; none where they do not coerce (the
        execution then refuses the field before its resolver runs)."""
        try:
            return get_argument_values(definition, node, self.variables)
        except GraphQLError:
            return {}


def _selected(filter_value: object, providers: int) -> int:
    """How many providers a `customers` filter selects: its `providers`, else all."""
    chosen = filter_value.get("providers") if isinstance(filter_value, dict) else None
    return min(len(set(chosen)), providers) if chosen else providers
