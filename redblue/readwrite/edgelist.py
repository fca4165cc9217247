"""Edge lists: one edge a line, ``u v``, as ``networkx.write_edgelist`` writes them.

A line is ``u v``, optionally followed by the edge's attributes as a Python dict literal
(``u v {'weight': 3}``, networkx's ``data=True`` form) or by one number (``u v 3``, read
as ``weight``, networkx's weighted form). ``#`` starts a comment. A line with one token
is a node with no edge (networkx cannot write those; :func:`write_edgelist` does, so no
node is lost). Node attributes and graph attributes are not carried.

Node ids are whitespace-free strings or integers. :func:`write_edgelist` writes a first
comment ``# nodetype: int`` (or ``str``) saying which; a file without one (written by
networkx, say) has integer ids when every id is written as a decimal integer, and string
ids otherwise. The dict literal is parsed with ``ast.literal_eval``: parsed, never run.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Hashable
from typing import Any

import networkx as nx

from redblue.checks import check_path, short_repr
from redblue.dags.validate import _check_graph
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.readwrite._files import paused_gc, read_text, validated, write_text

__all__ = ["parse_edgelist", "read_edgelist", "to_edgelist", "write_edgelist"]

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_HEADER = re.compile(r"#\s*nodetype:\s*(\w+)\s*$")
#: Longest attribute dict a line may hold (literal_eval of a huge literal is slow).
MAX_DATA_CHARS = 100_000


def _id_text(node: Hashable, kind: str) -> str:
    if kind == "int":
        return str(node)
    if not node or "#" in node or any(c.isspace() for c in node):
        raise InvalidInputError(
            f"node {short_repr(node)} cannot be written to an edge list (ids there are "
            "non-empty, with no whitespace and no '#'); use json or graphml"
        )
    return node


def to_edgelist(G: nx.DiGraph) -> str:
    """Return ``G`` as an edge list (see the module notes).

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG; its node ids all strings without whitespace, or all integers.

    Returns
    -------
    str
        ``# nodetype: ...``, then ``u v`` or ``u v {attributes}`` a line, then one line
        for each node that has no edge.

    Raises
    ------
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.
    InvalidInputError
        If the ids are neither all strings nor all integers, an id has whitespace, or an
        edge attribute does not read back as a Python literal.

    Examples
    --------
    >>> print(to_edgelist(nx.DiGraph([(0, 1), (1, 2)])), end="")
    # nodetype: int
    0 1
    1 2
    """
    _check_graph(G)
    kinds = {type(v) for v in G}
    if kinds <= {int}:
        kind = "int"
    elif kinds <= {str}:
        kind = "str"
    else:
        raise InvalidInputError(
            "an edge list holds ids that are all strings or all integers; this graph has "
            f"{', '.join(sorted(t.__name__ for t in kinds))} ids (use json or graphml)"
        )
    text = {v: _id_text(v, kind) for v in G}
    lines = [f"# nodetype: {kind}"]
    for u, v, data in G.edges(data=True):
        if not data:
            lines.append(f"{text[u]} {text[v]}")
            continue
        literal = repr(dict(data))
        try:
            same = ast.literal_eval(literal) == data
        except (ValueError, SyntaxError, RecursionError, MemoryError):
            same = False
        if not same or "#" in literal:
            raise InvalidInputError(
                f"edge {short_repr(u)} -> {short_repr(v)}: attributes {short_repr(data)} "
                "do not read back as a Python literal without '#'; use json or graphml"
            )
        lines.append(f"{text[u]} {text[v]} {literal}")
    lines.extend(text[v] for v in G if not G.pred[v] and not G.succ[v])
    return "\n".join(lines) + "\n"


def write_edgelist(G: nx.DiGraph, path: str | os.PathLike[str]) -> None:
    """Write ``G`` to ``path`` as an edge list (see :func:`to_edgelist`; ``"-"``: stdout).

    Raises
    ------
    InvalidInputError
        As :func:`to_edgelist`, and if the file cannot be written.
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "g.edgelist")
    >>> write_edgelist(nx.DiGraph([("a", "b")]), path)
    >>> list(read_edgelist(path).edges)
    [('a', 'b')]
    """
    check_path(path)
    write_text(path, to_edgelist(G))


def _data(tokens: list[str], where: str) -> dict[str, Any]:
    """The attributes after ``u v`` on a line: a dict literal or one number (weight)."""
    rest = " ".join(tokens)
    if len(tokens) == 1 and _NUMBER.fullmatch(rest):
        return {"weight": int(rest) if _INT.fullmatch(rest) else float(rest)}
    if not rest.startswith("{"):
        raise InvalidGraphError(
            f"{where}: expected 'u v', 'u v {{attributes}}' or 'u v weight', got "
            f"{short_repr(rest)} after the two nodes"
        )
    if len(rest) > MAX_DATA_CHARS:
        raise InvalidGraphError(f"{where}: attributes longer than {MAX_DATA_CHARS:,} characters")
    try:
        data = ast.literal_eval(rest)
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
        data = None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise InvalidGraphError(
            f"{where}: attributes {short_repr(rest)} are not a dict literal with string keys"
        )
    return data


@paused_gc
def parse_edgelist(text: str, name: str = "<edgelist>") -> nx.DiGraph:
    """The graph in edge-list ``text`` (from the file ``name``, for messages).

    Raises
    ------
    InvalidGraphError
        On a line that is not ``u v [attributes]`` (the message gives its number), no
        node at all, an unknown ``nodetype``, or a graph that is not a DAG.

    Examples
    --------
    >>> sorted(parse_edgelist("1 2\\n2 3 {'weight': 0.5}\\n").edges(data=True))
    [(1, 2, {}), (2, 3, {'weight': 0.5})]
    >>> parse_edgelist("a b\\nb c d\\n", "g.el")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidGraphError: g.el: line 2: expected 'u v', 'u v {attributes}' or \
'u v weight', got 'd' after the two nodes
    """
    kind = None
    nodes: list[str] = []
    edges: list[tuple[str, str, dict[str, Any]]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            header = _HEADER.match(line)
            if header and kind is None and not nodes and not edges:
                kind = header.group(1)
                if kind not in ("int", "str"):
                    raise InvalidGraphError(
                        f"{name}: line {lineno}: nodetype {kind!r}; expected int or str"
                    )
            continue
        line = line.split("#", 1)[0]  # as networkx: a comment runs from '#' to the line end
        tokens = line.split()
        if len(tokens) == 1:
            nodes.append(tokens[0])
        elif len(tokens) == 2:
            edges.append((tokens[0], tokens[1], {}))
        else:
            edges.append((tokens[0], tokens[1], _data(tokens[2:], f"{name}: line {lineno}")))
    if kind is None:  # written elsewhere: integers if every id is one
        ids = {*nodes, *(u for u, _, _ in edges), *(v for _, v, _ in edges)}
        kind = "int" if ids and all(_INT.fullmatch(t) for t in ids) else "str"
    nodes_out: list[Hashable] = list(nodes)
    edges_out: list[tuple[Hashable, Hashable, dict[str, Any]]] = list(edges)
    if kind == "int":
        try:
            nodes_out = [int(t) for t in nodes]
            edges_out = [(int(u), int(v), d) for u, v, d in edges]
        except ValueError as exc:
            raise InvalidGraphError(f"{name}: nodetype is int, but {exc}") from None
    G = nx.DiGraph()
    for u, v, data in edges_out:
        G.add_edge(u, v, **data)
    G.add_nodes_from(nodes_out)
    if G.number_of_nodes() == 0:
        raise InvalidGraphError(f"{name}: no edges and no nodes (an empty edge list)")
    return validated(G, name)


def read_edgelist(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read an edge-list file (see :func:`parse_edgelist`; ``"-"``: stdin).

    Raises
    ------
    InvalidInputError
        If the file does not exist or cannot be read.
    InvalidGraphError
        As :func:`parse_edgelist`, the message starting with the file name.

    Examples
    --------
    >>> read_edgelist("no/such/file.edgelist")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: no/such/file.edgelist: no such file
    """
    name, text = read_text(path, InvalidGraphError, "not a text file")
    return parse_edgelist(text, name)
