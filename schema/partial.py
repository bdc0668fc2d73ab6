"""Partial answers: which providers' parts are missing, told as data and as errors.

A provider that fails blanks only its own part of an answer. The object owning that
part (a `customers` connection, the `viewer`, a customer's cross-provider matches)
says so twice. `missingProviders` lists each missing provider as data, which no
router filters. `complete` answers null, and each missing provider's error sits at
its path: a field error at a null value, as the GraphQL spec has it (Hive Gateway
drops an error whose path holds a value). When the client did not select the
owner's `complete`, nothing in the result is the error's field, so it has no path;
it keeps its code and provider either way. One error per failed provider per
request (`GatewayContext.defer`), while every owner lists all it misses.

A failure can arrive after its owner's fields answered: a customer's addresses, deep
in a page, fail later in the same execution. `settle` completes both fields once
execution ends, from what each field registered while it resolved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from graphql.pyutils import Path as ResponsePath
from strawberry.extensions import SchemaExtension
from strawberry.types.nodes import SelectedField, Selection

from gateway.errors import ProviderError, safe_message
from gateway.model import ProviderName
from schema.context import DeferredError, FailureList, GatewayContext, Info, Path
from schema.errors import exception_extensions

T = TypeVar("T")

LISTINGS = frozenset({"CustomerConnection", "Viewer"})  # types whose fields hold customers


@strawberry.type(description="A provider whose records are missing from this answer, and why.")
class ProviderFailure:
    provider: ProviderName
    code: str = strawberry.field(
        description="The `extensions.code` of its error, e.g. PROVIDER_UNAVAILABLE."
    )
    message: str = strawberry.field(description="The gateway's own words for the failure.")
    retry_after: float | None = strawberry.field(
        description="Seconds to wait before asking it again, when the provider said."
    )

    @classmethod
    def of(cls, deferred: DeferredError) -> ProviderFailure:
        """Told as its error's extensions tell it: the same code and retryAfter."""
        extensions = exception_extensions(deferred.error)
        return cls(
            provider=deferred.provider,
            code=extensions["code"],
            message=safe_message(deferred.error),
            retry_after=extensions.get("retryAfter"),
        )

    def rendered(self, selections: list[Selection]) -> dict[str, Any]:
        """The response value for `selections`, as the executor would have written it."""
        values: dict[str, Any] = {
            "__typename": "ProviderFailure",
            "provider": self.provider.name,
            "code": self.code,
            "message": self.message,
            "retryAfter": self.retry_after,
        }
        into: dict[str, Any] = {}
        for field in fields_on(selections, "ProviderFailure"):
            into.setdefault(field.alias or field.name, values[field.name])
        return into


def fields_on(selections: list[Selection], typename: str) -> list[SelectedField]:
    """The fields selected on `typename`, through its fragments (and untyped ones),
    without those `@skip`/`@include` drop."""
    found: list[SelectedField] = []
    for selection in selections:
        directives = selection.directives
        if directives.get("skip", {}).get("if") or not directives.get("include", {}).get(
            "if", True
        ):
            continue
        if isinstance(selection, SelectedField):
            found.append(selection)
        elif selection.type_condition in (None, typename):
            found += fields_on(selection.selections, typename)
    return found


def owner(info: Info) -> Path:
    """The path of the object whose field resolves: the owner of that field's parts."""
    parent = info.path.prev
    return tuple(parent.as_list()) if parent is not None else ()


def listing_of(path: ResponsePath) -> Path | None:
    """The innermost customers listing (connection or viewer) above `path`, if any."""
    segment = path.prev
    while segment is not None:
        if segment.typename in LISTINGS and segment.prev is not None:
            return tuple(segment.prev.as_list())
        segment = segment.prev
    return None


async def listed_part(info: Info, part: Awaitable[T], empty: T) -> T:
    """A customer's own nested data (`part`); `empty` when its provider fails in a listing.

    A listing's edges are non-null, so one customer's failing cards would otherwise
    null the whole page, every provider's; the listing reports the provider missing
    instead. At the root (`customer`, `node`, `_entities`) the customer is nullable:
    the error stays at the field and the customer answers null.
    """
    try:
        return await part
    except ProviderError as exc:
        return _failed_part(info, exc, empty)


def known_part(info: Info, outcome: T | BaseException, empty: T) -> T:
    """`listed_part` for a part already read (`schema.parts`): its value, or its error
    handled the same way."""
    if isinstance(outcome, BaseException):
        return _failed_part(info, outcome, empty)
    return outcome


def _failed_part(info: Info, error: BaseException, empty: T) -> T:
    if isinstance(error, ProviderError):
        listing = listing_of(info.path)
        if listing is not None:
            info.context.defer(listing, error.provider, error)
            return empty
    raise error


def missing_providers(info: Info) -> list[ProviderFailure]:
    """What the owner misses so far; `settle` adds what fails after this answers."""
    context, at = info.context, owner(info)
    known = context.missing.get(at, [])
    path = tuple(info.path.as_list())
    selections = [
        s for field in fields_on(info.selected_fields, "ProviderFailure") for s in field.selections
    ]
    context.failure_lists.append(FailureList(at, path, selections, len(known)))
    return [ProviderFailure.of(d) for d in known]


def complete(info: Info) -> bool | None:
    """Registers where the owner's errors go; `settle` nulls it if a part fails later."""
    context, at = info.context, owner(info)
    context.complete_slots.setdefault(at, []).append(tuple(info.path.as_list()))
    return None if context.missing.get(at) else True


MISSING_PROVIDERS = "Every provider whose part of this answer is missing; empty when complete."
COMPLETE = (
    "True when every provider asked answered in full; null when one is missing, with "
    "each missing provider's error (extensions.code, extensions.provider) at this path."
)


def settle(data: dict[str, Any] | None, context: GatewayContext) -> list[GraphQLError]:
    """Complete the owners' fields with failures found after they answered; the errors.

    Each deferred error sits at its owner's first `complete` still in the answer, or
    has no path when there is none.
    """
    for listed in context.failure_lists:
        known = context.missing.get(listed.owner, [])
        if len(known) > listed.count:
            rendered = [ProviderFailure.of(d).rendered(listed.selections) for d in known]
            _replace(data, listed.path, rendered)
    for owner_path, slots in context.complete_slots.items():
        if context.missing.get(owner_path):
            for slot in slots:
                _replace(data, slot, None)
    errors = []
    for deferred in context.deferred_errors:
        slots = context.complete_slots.get(deferred.owner, [])
        kept = [list(s) for s in slots if _holder(data, s) is not None]
        error = deferred.error
        errors.append(
            GraphQLError(error.safe_message, path=kept[0] if kept else None, original_error=error)
        )
    return errors


def _holder(data: Any, path: Path) -> tuple[dict[str, Any], str] | None:
    """The object in `data` holding `path`'s last key, and that key; none past a null."""
    *above, last = path
    for key in above:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and key < len(data) else None
        else:
            data = data.get(key) if isinstance(data, dict) else None
    if isinstance(data, dict) and isinstance(last, str) and last in data:
        return data, last
    return None


def _replace(data: dict[str, Any] | None, path: Path, value: object) -> None:
    found = _holder(data, path)
    if found is not None:
        holder, key = found
        holder[key] = value


class PartialAnswers(SchemaExtension):
    """Completes the partial answers once execution ends, and adds their errors.

    Listed after `GatewayErrors`, it finishes first, so those errors are shaped and
    logged with all others.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        if result is None or not isinstance(context, GatewayContext):
            return
        added = settle(getattr(result, "data", None), context)
        if added:
            result.errors = [*(getattr(result, "errors", None) or []), *added]
