"""Typed attributes and node ids in formats that hold only text (DOT) or scalars (GraphML).

A value such a format cannot hold as it is (a list such as ``args`` or ``index``, a
dict, None, or a key whose values mix types) is written as JSON text, and the keys so
written are listed in one graph attribute, :data:`MARK` (a JSON object), so that the
reader turns exactly those values back and leaves every other string alone. Node ids
get the same treatment: strings are written as they are, integers as their digits,
anything else (tuples, floats, a mix) as JSON text; :data:`MARK` says which. A file
written by another program has no mark, and its values and ids are read as they stand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from typing import Any

import networkx as nx

from redblue.checks import short_repr
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.readwrite.node_link import node_id_from_json

#: The graph attribute that tells the reader how values and ids were written.
MARK = "redblue_types"


def _kinds(values: Any) -> set[type]:
    return {type(v) for v in values}


def id_mode(G: nx.DiGraph) -> str:
    """``"str"`` if every node id is a string, ``"int"`` if every one is an int, else ``"json"``."""
    kinds = _kinds(G)
    if kinds <= {str}:
        return "str"
    if kinds <= {int}:
        return "int"
    return "json"


def id_writer(mode: str) -> Callable[[Hashable], str]:
    """How node ids are turned to text in ``mode`` (see :func:`id_mode`)."""
    if mode == "json":
        return lambda v: json.dumps(v, allow_nan=False)
    return str


def id_reader(mode: str, name: str) -> Callable[[str], Hashable]:
    """The inverse of :func:`id_writer`; a failure is an InvalidGraphError naming ``name``."""
    if mode == "str":
        return lambda text: text
    if mode not in ("int", "json"):
        raise InvalidGraphError(f"{name}: {MARK}: unknown id kind {short_repr(mode)}")

    def read(text: str) -> Hashable:
        try:
            value = int(text) if mode == "int" else json.loads(text)
        except (ValueError, RecursionError):
            raise InvalidGraphError(
                f"{name}: node id {short_repr(text)} is not {mode} text, as {MARK} says"
            ) from None
        try:
            node = node_id_from_json(value)
            hash(node)
        except InvalidInputError as exc:
            raise InvalidGraphError(f"{name}: node id {exc}") from None
        except TypeError:
            raise InvalidGraphError(
                f"{name}: node id {short_repr(text)} cannot be a node"
            ) from None
        return node

    return read


def json_keys(
    items: list[dict[str, Any]], native: tuple[type, ...], scope: str
) -> set[str]:
    """The keys of ``items`` (attribute dicts) whose values must be written as JSON.

    A key stays native when all its values have one type out of ``native``; otherwise
    (a list, None, or str and int under one key) all its values are JSON text.
    """
    types: dict[str, set[type]] = {}
    for data in items:
        for key, value in data.items():
            types.setdefault(key, set()).add(type(value))
    return {
        f"{scope}:{key}"
        for key, kinds in types.items()
        if len(kinds) != 1 or next(iter(kinds)) not in native
    }


def encode(value: Any, where: str) -> str:
    """``value`` as JSON text, or an InvalidInputError saying which attribute cannot be."""
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidInputError(f"{where} cannot be written: {exc}") from None


def decode(text: Any, where: str) -> Any:
    """The value JSON ``text`` stands for, or an InvalidGraphError naming ``where``."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidGraphError(
            f"{where}: {short_repr(text)} is not JSON text, as {MARK} says"
        ) from None


def read_mark(G: nx.DiGraph, name: str) -> dict[str, Any]:
    """Pop :data:`MARK` from ``G.graph`` and return it (``{}`` when absent)."""
    text = G.graph.pop(MARK, None)
    if text is None:
        return {}
    try:
        mark = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        mark = None
    if not isinstance(mark, dict):
        raise InvalidGraphError(f"{name}: graph attribute {MARK} is not a JSON object")
    return mark


def output_flag(value: Any, where: str) -> Any:
    """An ``output`` value read as text (``"true"``, ``"False"``, ``"1"``) as a bool.

    The game reads ``output``; a file format without types must not make ``"false"``
    count as true.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise InvalidGraphError(f"{where}: output is {short_repr(value)}; expected true or false")
