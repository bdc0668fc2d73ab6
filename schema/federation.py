"""The subgraph's Schema class: Strawberry's federation schema, minus two hazards.

- Strawberry logs every error with the whole query text and a traceback (literal
  passwords included); here `GatewayErrors` logs each error once, shaped, and an
  error that escaped it (an extension that raised) is shaped on the way out.
- Strawberry's `_entities` fails the whole field on one representation without
  `__typename` (a KeyError) and passes every other key to `resolve_reference` as an
  argument. Here each representation is checked first: a malformed one is
  BAD_USER_INPUT at its own index (`_entities.<i>`), and the others resolve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.federation.schema import FederationAny
from strawberry.types import ExecutionContext, ExecutionResult, Info
from strawberry.types.graphql import OperationType

from gateway.errors import UserErrorCode, UserInputError
from schema.errors import Stage, coded, report
from schema.permissions import check_entities

REPRESENTATION_KEYS = frozenset({"__typename", "id"})


class GatewaySchema(strawberry.federation.Schema):
    """The federation schema with the gateway's error logging and entity checks."""

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        """Nothing: `GatewayErrors` logs every error once, shaped, without query text."""

    async def execute(  # noqa: PLR0917 (Strawberry's signature)
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        if result.errors:
            result.errors = [
                e if coded(e) else report(e, Stage.EXECUTION, operation_name) for e in result.errors
            ]
        return result

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        check_entities(info, representations)  # the field's scope rule: schema.permissions
        checked = [self._checked(i, r) for i, r in enumerate(representations)]
        valid = [cast(FederationAny, c) for c in checked if not isinstance(c, UserInputError)]
        resolved = iter(super().entities_resolver(info, valid))
        return [
            cast(FederationAny, c) if isinstance(c, UserInputError) else next(resolved)
            for c in checked
        ]

    def _checked(self, index: int, representation: object) -> dict[str, object] | UserInputError:
        """A copy of a well-formed representation (Strawberry consumes it), or its error."""
        field = ("representations", str(index))
        if not isinstance(representation, Mapping):
            return _malformed("A representation is an object: `{__typename, id}`.", field)
        typename = representation.get("__typename")
        known = self.schema_converter.type_map.get(typename) if isinstance(typename, str) else None
        origin = getattr(getattr(known, "definition", None), "origin", None)
        if not hasattr(origin, "resolve_reference"):
            return _malformed("`__typename` names no entity of this subgraph.", field)
        if set(representation) != REPRESENTATION_KEYS or not isinstance(representation["id"], str):
            return _malformed("A representation holds `__typename` and a string `id`.", field)
        return dict(representation)


def _malformed(message: str, field: tuple[str, ...]) -> UserInputError:
    return UserInputError(UserErrorCode.INVALID, message, field)
