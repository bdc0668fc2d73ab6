"""Who may use which field: the one place scopes are enforced.

Every root field, `Customer.native` and `_entities` carries a `Rule`: the scope it
needs, and whether a shopper may use it at all. `Allowed` (a Strawberry permission
class) checks the rule before the resolver runs, so a refusal sends nothing
upstream, and it refuses that field only: the other fields of the operation still
answer. A credential limited to some providers (`Principal.providers`) sees only
those: the request's registry holds no other (schema.context), and an id or
`provider` argument naming another is FORBIDDEN here.

The table (`RULES`): customers:read for `customer`, `customers`, `node`, `_entities`
and `providers` (the provider list says which accounts are connected: not for
anyone who can reach the port); customers:write for create, update and the address
mutations; customers:delete; customers:forget; payment_sources:write for attach,
detach and setDefault; native:read for `Customer.native`. Introspection (and the
federation `_service` SDL) needs schema:read, checked by `SchemaReading` before the
operation runs, or is off for everyone with `AUTH__INTROSPECTION=false`.

Shoppers: a principal of kind SHOPPER is refused every field whose rule does not
say `shopper=True`; where it does, `shopper_allowed` decides (ownership of the
record: gateway.auth.shoppers).

Every write is audited (`Audited`, outermost on each mutation, so it sees refusals
here as well as the resolver's outcome).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from gateway import ids
from gateway.auth import audit
from gateway.auth.principal import Principal, PrincipalKind, Scope
from gateway.errors import ErrorCode, Forbidden, GatewayError, MalformedId, graphql_code
from gateway.model import ProviderName
from schema.context import GatewayContext
from schema.shopper_access import shopper_permits


@dataclass(frozen=True, slots=True)
class Rule:
    """What one field needs: a scope, and whether shoppers may use it (on their own records)."""

    scope: Scope
    shopper: bool = False


RULES: dict[str, Rule] = {
    "customer": Rule(Scope.CUSTOMERS_READ, shopper=True),
    "customers": Rule(Scope.CUSTOMERS_READ),
    "node": Rule(Scope.CUSTOMERS_READ, shopper=True),
    "viewer": Rule(Scope.SHOPPER, shopper=True),
    "_entities": Rule(Scope.CUSTOMERS_READ),
    "providers": Rule(Scope.CUSTOMERS_READ),
    "createCustomer": Rule(Scope.CUSTOMERS_WRITE),
    "updateCustomer": Rule(Scope.CUSTOMERS_WRITE, shopper=True),
    "addCustomerAddress": Rule(Scope.CUSTOMERS_WRITE, shopper=True),
    "updateCustomerAddress": Rule(Scope.CUSTOMERS_WRITE, shopper=True),
    "removeCustomerAddress": Rule(Scope.CUSTOMERS_WRITE, shopper=True),
    "deleteCustomer": Rule(Scope.CUSTOMERS_DELETE),
    "forgetCustomer": Rule(Scope.CUSTOMERS_FORGET),
    "attachPaymentSource": Rule(Scope.PAYMENT_SOURCES_WRITE, shopper=True),
    "detachPaymentSource": Rule(Scope.PAYMENT_SOURCES_WRITE, shopper=True),
    "setDefaultPaymentSource": Rule(Scope.PAYMENT_SOURCES_WRITE),
    "native": Rule(Scope.NATIVE_READ),
}
"""Every guarded field by its GraphQL name; tests walk this table."""


def principal(info: Info[Any, Any]) -> Principal:
    context = info.context
    assert isinstance(context, GatewayContext)
    return context.principal


def named_providers(arguments: dict[str, Any]) -> Iterator[tuple[ProviderName, str]]:
    """The providers a field's arguments address (an id's, or `input.provider`), with
    the argument's path. A malformed id is left to the resolver, which says so."""
    values: list[tuple[str, object]] = [("id", arguments.get("id"))]
    given = arguments.get("input")
    if given is not None:
        for name, path in (("id", "input.id"), ("customer_id", "input.customerId")):
            values.append((path, getattr(given, name, None)))
        provider = getattr(given, "provider", None)
        if isinstance(provider, ProviderName):
            yield provider, "input.provider"
    for path, value in values:
        if value is None:
            continue
        try:
            yield ids.decode(str(value), path).provider, path
        except MalformedId:
            continue


async def shopper_allowed(info: Info[Any, Any], arguments: dict[str, Any]) -> bool:
    """Whether a shopper may use this field with these arguments: its own records only
    (gateway.auth.shoppers; the ownership search may read upstream, once per provider)."""
    return await shopper_permits(info, arguments)


def check(info: Info[Any, Any], rule: Rule, arguments: dict[str, Any]) -> None:
    """Raise `Forbidden` unless the request's principal may use the field so."""
    who = principal(info)
    field = info.field_name
    if who.kind is PrincipalKind.SHOPPER:  # `Allowed` awaits the shopper's own fields
        raise Forbidden(f"A shopper may not use `{field}` on this record.")
    if not who.allows(rule.scope):
        raise Forbidden(f"`{field}` needs the `{rule.scope.value}` scope.")
    for provider, path in named_providers(arguments):
        if not who.reaches(provider):
            raise Forbidden(f"This credential may not reach the provider of `{path}`.")


class Allowed(BasePermission):
    """The permission class on every guarded field: `check` with the field's rule."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def has_permission(
        self, source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> bool | Awaitable[bool]:
        if self.rule.shopper and principal(info).kind is PrincipalKind.SHOPPER:
            return self._shopper(info, kwargs)
        check(info, self.rule, kwargs)
        return True

    async def _shopper(self, info: Info[Any, Any], arguments: dict[str, Any]) -> bool:
        if not await shopper_allowed(info, arguments):
            raise Forbidden(f"A shopper may not use `{info.field_name}` on this record.")
        return True


def _outcome(result: object) -> str:
    errors = getattr(result, "user_errors", None) or []
    return errors[0].code.value if errors else audit.OK


def _target(arguments: dict[str, Any], result: object) -> tuple[str | None, str | None]:
    """The provider and global customer id a write addressed (or created)."""
    customer = getattr(result, "customer", None)
    given = arguments.get("input")
    raw = getattr(customer, "id", None) or getattr(given, "id", None)
    raw = raw or getattr(given, "customer_id", None)
    if raw is not None:
        try:
            return ids.decode(str(raw)).provider.value, str(raw)
        except MalformedId:
            return None, None
    provider = getattr(given, "provider", None)
    return (provider.value if isinstance(provider, ProviderName) else None), None


class Audited(FieldExtension):
    """One audit record per write, whatever its end: done, userError, refused, failed."""

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        try:
            result = await next_(source, info, **kwargs)
        except GatewayError as exc:
            self._record(info, kwargs, None, graphql_code(exc).value)
            raise
        except Exception:
            self._record(info, kwargs, None, ErrorCode.INTERNAL.value)
            raise
        self._record(info, kwargs, result, _outcome(result))
        return result

    @staticmethod
    def _record(
        info: Info[Any, Any], arguments: dict[str, Any], result: object, outcome: str
    ) -> None:
        provider, customer_id = _target(arguments, result)
        audit.record(principal(info), info.field_name, provider, customer_id, outcome)


def guarded(field: str) -> list[FieldExtension]:
    """The extensions of a read field: its rule's permission."""
    return [PermissionExtension([Allowed(RULES[field])], use_directives=False)]


def audited(field: str) -> list[FieldExtension]:
    """The extensions of a write: its rule's permission, inside the audit (Strawberry
    runs a field's last extension outermost)."""
    return [*guarded(field), Audited()]


F = TypeVar("F", bound=Callable[..., Any])


def guarded_field(field: str) -> Callable[[F], F]:
    """`@strawberry.field` with the field's rule, typed for mypy (strawberry's is Any)."""
    return cast(Callable[[F], F], strawberry.field(extensions=guarded(field)))


def audited_mutation(field: str) -> Callable[[F], F]:
    """`@strawberry.mutation` with the write's rule and its audit record, typed."""
    return cast(Callable[[F], F], strawberry.mutation(extensions=audited(field)))


def check_entities(info: Info[Any, Any], representations: list[Any]) -> None:
    """`_entities` as a whole: its rule, and every representation's provider reachable."""
    check(info, RULES["_entities"], {})
    for representation in representations:
        raw = representation.get("id") if isinstance(representation, dict) else None
        if isinstance(raw, str):
            check(info, RULES["_entities"], {"id": raw})


INTROSPECTION_FIELDS = frozenset({"__schema", "__type", "_service"})


def reads_schema(document: DocumentNode, operation: OperationDefinitionNode) -> bool:
    """Whether the operation asks for the schema itself: a root field, also one inside
    fragments spread at the root (those fields exist only there)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    pending: list[SelectionSetNode] = [operation.selection_set]
    seen: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION_FIELDS:
                    return True
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                if (fragment := fragments.get(selection.name.value)) is not None:
                    pending.append(fragment.selection_set)
    return False


class SchemaReading(SchemaExtension):
    """Introspection and `_service` need `schema:read`, or are off for everyone."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = context.context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if (
            isinstance(request, GatewayContext)
            and document
            and operation
            and reads_schema(document, operation)
        ):
            refused = _schema_refusal(request)
            if refused is not None:
                error = GraphQLError(refused, extensions={"code": ErrorCode.FORBIDDEN.value})
                context.result = ExecutionResult(data=None, errors=[error])
        yield


def _schema_refusal(request: GatewayContext) -> str | None:
    if not request.settings.auth.introspection:
        return "Introspection is switched off on this gateway."
    if request.principal.kind is PrincipalKind.SHOPPER or not request.principal.allows(
        Scope.SCHEMA_READ
    ):
        return "Introspection needs the `schema:read` scope."
    return None
