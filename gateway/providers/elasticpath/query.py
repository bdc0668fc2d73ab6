"""Elastic Path's `filter` language, as the adapter writes it.

`eq(email,ron@swanson.com):like(name,*swan*)` is a list of conditions joined by `:`
(AND); operands may be quoted with `"` or `'`, a backslash escaping the next
character. The adapter always quotes its operands, so emails with `+` or names with
spaces and commas survive. The emulator parses filters with its own reading of the
docs (`sandboxes/elasticpath/filters.py`), so a quoting mistake here fails a test.
"""

from __future__ import annotations


def quote(value: str) -> str:
    """A double-quoted operand with `\\` and `"` escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def condition(op: str, field: str, value: str) -> str:
    return f"{op}({field},{quote(value)})"
