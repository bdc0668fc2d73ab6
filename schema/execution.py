"""The compiled execution path: plain fields read straight off their object.

A warm `customers(first: 50)` spent most of its time in graphql-core's per-field
machinery, not in our code: for every scalar of every customer it built a resolve
info, looked the middleware up, called Strawberry's wrapper around `getattr`, and
completed the value in two recursive steps (issue 16). Most of those fields are
plain: a dataclass attribute with no resolver, no arguments, no field extension (a
guarded field has one: `schema.permissions`) and a scalar or enum type.

`CompiledExecutor` decides once per field definition whether it is plain
(`plan_of`), and once per selection set of a request which of its fields are
(`_steps`); a plain field is then read with Strawberry's own default resolver and
completed with graphql-core's own `complete_leaf_value`, its null and error handling
graphql-core's too (`handle_field_error`: the same message, path and propagation).
Everything else, objects, lists, resolvers, loaders, `__typename`, introspection, a
request whose schema extensions resolve fields (middleware), a value that turns out
awaitable, runs on graphql-core's standard path, field by field. Cost limits and the
permission checks run where they always do: before execution, and in the guarded
fields' extensions, which are never plain.

`tests/graph/test_execution_paths.py` holds it to the standard path's answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


@dataclass(frozen=True, slots=True)
class Plain:
    """How to read and complete one plain field: its attribute and its leaf type."""

    attribute: str
    return_type: GraphQLOutputType
    leaf: GraphQLLeafType
    non_null: bool
    read: Callable[[Any, str], object]
    as_is: bool
    """Whether a `str` value is its own serialized form (String and ID: graphql-core's
    `serialize` returns it unchanged), so the leaf completion can be skipped."""


@dataclass(frozen=True, slots=True)
class Step:
    """One response key of a selection set: plain, or left to the standard path."""

    response_name: str
    fields: FieldDetailsList
    plain: Plain | None


STANDARD = object()
"""What `_plain` returns for a value the standard path must await."""

PLANS: dict[int, tuple[GraphQLField, Plain | None]] = {}
"""Per field definition (by identity; the definition is kept so its id is not reused)."""


def plan_of(field: GraphQLField) -> Plain | None:
    """The field's plan when it is plain, else None; decided once per definition."""
    known = PLANS.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    plan = _plan(field)
    PLANS[id(field)] = (field, plan)
    return plan


def _plan(field: GraphQLField) -> Plain | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolve = field.resolve
    if (
        not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or not getattr(resolve, "_is_default", False)  # Strawberry's wrapper around the read
        or field.args
    ):
        return None
    of_type = field.type
    non_null = isinstance(of_type, GraphQLNonNull)
    leaf = of_type.of_type if isinstance(of_type, GraphQLNonNull) else of_type
    if not is_leaf_type(leaf):
        return None
    as_is = leaf is GraphQLString or leaf is GraphQLID
    return Plain(
        definition.python_name, of_type, leaf, non_null, definition.default_resolver, as_is
    )


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with each plain field read and completed in one step."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._compiled = manager is None or not manager.middlewares
        self._steps: dict[tuple[str, int], tuple[GroupedFieldSet, Sequence[Step] | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        steps = self._steps_of(parent_type, grouped_field_set)
        if steps is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for step in steps:
                name = step.response_name
                plain = step.plain
                if plain is not None:
                    completed = self._plain(parent_type, step, plain, source_value, path)
                    if completed is not STANDARD:
                        results[name] = completed
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    step.fields,
                    Path(path, name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[name] = result
                    if self.is_awaitable(result):
                        pending.append(name)
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results
        return self._gathered(results, pending)

    def _steps_of(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> Sequence[Step] | None:
        """The selection set's steps, None where none is plain (all standard, as is)."""
        if not self._compiled:
            return None
        key = (parent_type.name, id(grouped_field_set))
        known = self._steps.get(key)
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        steps: list[Step] = []
        for response_name, fields in grouped_field_set.items():
            field = self.schema.get_field(parent_type, fields[0].node.name.value)
            steps.append(Step(response_name, fields, None if field is None else plan_of(field)))
        found = steps if any(step.plain is not None for step in steps) else None
        self._steps[key] = (grouped_field_set, found)
        return found

    def _plain(
        self,
        parent_type: GraphQLObjectType,
        step: Step,
        plain: Plain,
        source: Any,
        path: Path | None,
    ) -> Any:
        """The field read and completed as graphql-core's `execute_field` and
        `complete_value` would, errors included; `STANDARD` for a value to await."""
        try:
            value = plain.read(source, plain.attribute)
            if type(value) is str and plain.as_is:
                return value
            if self.is_awaitable(value):
                return STANDARD
            if isinstance(value, Exception):
                raise value
            if value is None or value is Undefined:
                if plain.non_null:
                    field_name = step.fields[0].node.name.value
                    msg = f"Cannot return null for non-nullable field {parent_type}.{field_name}."
                    raise TypeError(msg)
                return None
            return self.complete_leaf_value(plain.leaf, value)
        except Exception as raw_error:
            field_path = Path(path, step.response_name, parent_type.name)
            self.handle_field_error(raw_error, plain.return_type, step.fields, field_path)
            return None

    @staticmethod
    async def _gathered(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        """graphql-core's own gathering of the awaitable fields (`execute_fields`)."""
        if len(pending) == 1:
            results[pending[0]] = await results[pending[0]]
            return results
        awaited = await gather_with_cancel(*(results[name] for name in pending))
        results.update(zip(pending, awaited, strict=True))
        return results
