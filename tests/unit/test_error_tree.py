"""The tree in `gateway.errors`' docstring is the class tree, constructors included.

A newcomer reads the docstring to learn which error to raise; this keeps it from
drifting: every `GatewayError` subclass appears once under its real base, and every
constructor the tree writes out names the class's own leading parameters.
"""

from __future__ import annotations

import inspect
import re

from gateway import errors

ENTRY = re.compile(r"(?P<lead>[\s│]*)(?:[├└]── )?(?P<name>[A-Z]\w+)(?P<args>\([^)]*\))?")


def documented() -> dict[str, tuple[str | None, str | None]]:
    """Each class of the tree: its parent in the tree and the arguments written for it."""
    assert errors.__doc__
    tree: dict[str, tuple[str | None, str | None]] = {}
    stack: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        if "──" not in line and line.strip() != "GatewayError":
            continue
        match = ENTRY.match(line)
        assert match, line
        column = match.start("name")
        while stack and stack[-1][0] >= column:
            stack.pop()
        tree[match["name"]] = (stack[-1][1] if stack else None, match["args"])
        stack.append((column, match["name"]))
    return tree


def test_every_error_class_sits_under_its_base() -> None:
    tree = documented()
    classes = {
        name: cls
        for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, errors.GatewayError)
    }
    assert set(tree) == set(classes)
    for name, (parent, _) in tree.items():
        assert classes[name].__bases__[0].__name__ == (parent or "Exception"), name


def test_written_constructors_are_the_real_ones() -> None:
    for name, (_, args) in documented().items():
        if not args:
            continue
        names = (part.split("=")[0].strip() for part in args.strip("()").split(","))
        written = [n for n in names if n.isidentifier()]
        cls = getattr(errors, name)
        if cls.__init__ is Exception.__init__:
            assert len(written) <= 1, name
            continue
        real = list(inspect.signature(cls).parameters)
        assert all(w in real for w in written), (name, written, real)
