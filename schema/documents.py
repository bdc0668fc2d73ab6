"""Each distinct document is parsed and validated once per process, not at every request.

A warm request used to spend a good part of its time in graphql-core's parser and
validator, redone for the same few documents a client sends again and again
(issue 16). `DocumentCache` keeps the parsed document and its validation errors by
the document's text, the parse options and the schema, in one bounded LRU.

What it must not change:

- the token limit (`schema.limits`): the parse options are part of the key, and a
  document not in the cache is parsed by Strawberry itself, with `max_tokens`, so a
  document over the limit is refused as before (a document that does not parse is
  never kept, and is parsed again next time);
- what depends on the request: the cost estimate (variables), the rate limits, the
  scopes (`schema.permissions`, the principal) all run at execution, after this,
  for every request, cached document or not;
- memory: at most `MAX_DOCUMENTS` entries, and no text over `MAX_TEXT_CHARS` is
  kept (the body limit allows 1 MB in a string literal), so a client sending ever new
  documents only evicts, never grows the process.

Strawberry's `ParserCache` and `ValidationCache` are not used: the first parses in
its own hook, where a syntax error escapes the operation and loses its code; the
second keys on the document node, whose dataclass hash walks the whole tree.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

MAX_DOCUMENTS = 512
"""Distinct documents kept; the least recently used goes first."""

MAX_TEXT_CHARS = 64_000
"""A longer document is parsed and validated every time (none of ours comes close)."""

Key = tuple[GraphQLSchema, str, tuple[tuple[str, object], ...]]


@dataclass(slots=True)
class Checked:
    """A document as parsed, and once validated, its errors under those rules."""

    document: DocumentNode
    rules: tuple[type[ASTValidationRule], ...] | None = None
    errors: tuple[GraphQLError, ...] = ()


class Documents:
    """The bounded LRU of checked documents, shared by every request of the process."""

    def __init__(self, maxsize: int = MAX_DOCUMENTS) -> None:
        self._maxsize = maxsize
        self._entries: OrderedDict[Key, Checked] = OrderedDict()

    def get(self, key: Key) -> Checked | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Key, document: DocumentNode) -> Checked:
        checked = self._entries[key] = Checked(document)
        self._entries.move_to_end(key)
        while len(self._entries) > self._maxsize:
            self._entries.popitem(last=False)
        return checked

    def __len__(self) -> int:
        return len(self._entries)


DOCUMENTS = Documents()


def key_of(context: ExecutionContext) -> Key | None:
    """The cache key of the request's document, or None for one that is not kept."""
    query = context.query
    if query is None or len(query) > MAX_TEXT_CHARS:
        return None
    options = tuple(sorted(context.parse_options.items()))
    return (context.schema._schema, query, options)


class DocumentCache(SchemaExtension):
    """Serves the parse and the validation of a document seen before from `DOCUMENTS`."""

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        super().__init__(execution_context=execution_context)
        self._key: Key | None = None
        self._checked: Checked | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        self._key = key_of(context)
        self._checked = DOCUMENTS.get(self._key) if self._key is not None else None
        if self._checked is not None:
            context.graphql_document = self._checked.document  # Strawberry parses no more
        yield
        if self._checked is None and self._key is not None and context.graphql_document:
            self._checked = DOCUMENTS.put(self._key, context.graphql_document)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        rules = tuple(context.validation_rules)
        unvalidated = self._checked
        if unvalidated is not None and unvalidated.rules == rules:
            context.pre_execution_errors = list(unvalidated.errors)  # Strawberry skips its own
            unvalidated = None
        yield
        if unvalidated is not None and context.pre_execution_errors is not None:
            unvalidated.rules, unvalidated.errors = rules, tuple(context.pre_execution_errors)
