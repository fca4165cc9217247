"""The HyperDAG format of HyperDAG_DB (Huawei Zurich, Algebraic-Programming/HyperDAG_DB).

A hyperDAG file (format v1, ``FileFormat_README.md`` of the database) is a MatrixMarket-like
list: rows are hyperedges, columns nodes::

    %%MatrixMarket ...             <- optional; then '%' comment lines
    M N P                          <- hyperedges, nodes, pins
    e [weight ...]                 <- M hyperedge lines, e in 0..M-1
    v [work ...]                   <- N node lines, v in 0..N-1
    e v                            <- P pin lines: node v is in hyperedge e

The first pin listed for a hyperedge is its source; the DAG has an edge from the source
to every other node of the hyperedge. Data lines may end with a ``%`` comment.

What is kept: the leading comment lines (graph attribute ``comments``, each without its
first ``%``); a node's first number as ``work`` (the work weight of the database's
fine-grained and synthetic files) and any further numbers as ``node_data``; the first
number of the hyperedge a node is the source of as its ``memory`` (the communication
weight: the size of the value the node makes) and further numbers as
``hyperedge_data``. The pebble game does not read them: every value is one word.

:func:`write_hdag` writes one hyperedge for each node with successors (or a ``memory``),
numbered in node order, and weights only where the graph has them, so a graph read from
a file writes back the same graph. Integer ids ``0..N-1`` are kept; any other ids are
numbered in a topological order (the order the database's converter recommends).
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from typing import Any

import networkx as nx

from redblue.checks import check_path, short_repr
from redblue.dags._builder import MAX_NODES
from redblue.dags.validate import _check_graph
from redblue.errors import InvalidGraphError, InvalidInputError
from redblue.readwrite._files import paused_gc, read_text, validated, write_text

__all__ = ["hdag_numbering", "parse_hdag", "read_hdag", "to_hdag", "write_hdag"]

_INT = re.compile(r"[-+]?[0-9]+")


def hdag_numbering(G: nx.DiGraph) -> dict[Hashable, int]:
    """The node number ``0..N-1`` each node of ``G`` gets in a HyperDAG file.

    Examples
    --------
    >>> hdag_numbering(nx.DiGraph([("b", "a")]))
    {'b': 0, 'a': 1}
    """
    n = G.number_of_nodes()
    if all(type(v) is int for v in G) and set(G) == set(range(n)):
        return {v: v for v in G}
    try:
        order = list(nx.topological_sort(G))
    except nx.NetworkXUnfeasible:
        order = list(G)
    return {v: k for k, v in enumerate(order)}


def _numbers(data: dict[str, Any], first: str, rest: str, where: str) -> list[str]:
    """The numbers a node or hyperedge line carries after its index."""
    values = []
    if first in data:
        values.append(data[first])
        values.extend(data.get(rest, []))
    elif rest in data:
        raise InvalidInputError(f"{where}: has {rest!r} but no {first!r}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInputError(
                f"{where}: {first}/{rest} hold {short_repr(value)}; HyperDAG weights are numbers"
            )
    return [str(value) for value in values]


def to_hdag(G: nx.DiGraph) -> str:
    """Return ``G`` in the HyperDAG format (see the module notes).

    Parameters
    ----------
    G : networkx.DiGraph
        The DAG.

    Returns
    -------
    str

    Raises
    ------
    InvalidGraphError
        If ``G`` is not a networkx DiGraph.
    InvalidInputError
        If ``work``, ``memory``, ``node_data`` or ``hyperedge_data`` hold something
        other than numbers, or ``comments`` is not a list of one-line strings.

    Examples
    --------
    >>> G = nx.DiGraph([(0, 1), (0, 2), (1, 2)])
    >>> G.nodes[0]["work"] = 3
    >>> print(to_hdag(G), end="")
    2 3 5
    0
    1
    0 3
    1
    2
    0 0
    0 1
    0 2
    1 1
    1 2

    References
    ----------
    .. [1] HyperDAG_DB, "HyperDAG file format v1",
       https://github.com/Algebraic-Programming/HyperDAG_DB (FileFormat_README.md).
    """
    _check_graph(G)
    number = hdag_numbering(G)
    nodes = sorted(G, key=number.__getitem__)
    comments = G.graph.get("comments", [])
    if not isinstance(comments, list | tuple) or not all(
        isinstance(c, str) and "\n" not in c and "\r" not in c for c in comments
    ):
        raise InvalidInputError("graph attribute 'comments' must be a list of one-line strings")
    sources = [v for v in nodes if G.succ[v] or "memory" in G.nodes[v]]
    pins = sum(1 + len(G.succ[v]) for v in sources)
    lines = [f"%{c}" for c in comments]
    lines.append(f"{len(sources)} {len(nodes)} {pins}")
    for e, v in enumerate(sources):
        where = f"node {short_repr(v)}"
        lines.append(" ".join([str(e), *_numbers(G.nodes[v], "memory", "hyperedge_data", where)]))
    for v in nodes:
        where = f"node {short_repr(v)}"
        lines.append(" ".join([str(number[v]), *_numbers(G.nodes[v], "work", "node_data", where)]))
    for e, v in enumerate(sources):
        lines.append(f"{e} {number[v]}")
        lines.extend(f"{e} {number[w]}" for w in G.succ[v])
    return "\n".join(lines) + "\n"


def write_hdag(G: nx.DiGraph, path: str | os.PathLike[str]) -> None:
    """Write ``G`` to ``path`` in the HyperDAG format (see :func:`to_hdag`; ``"-"``: stdout).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "g.hdag")
    >>> write_hdag(nx.DiGraph([(0, 1), (0, 2)]), path)
    >>> sorted(read_hdag(path).edges)
    [(0, 1), (0, 2)]
    """
    check_path(path)
    write_text(path, to_hdag(G))


def _parse_number(token: str, where: str) -> int | float:
    if _INT.fullmatch(token):
        return int(token)
    try:
        value = float(token)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidGraphError(f"{where}: {short_repr(token)} is not a number")
    return value


def _index(token: str, top: int, what: str, where: str) -> int:
    if not token.isdigit() or int(token) >= top:
        raise InvalidGraphError(f"{where}: {what} {short_repr(token)} is not in 0..{top - 1}")
    return int(token)


@paused_gc
def parse_hdag(text: str, name: str = "<hdag>") -> nx.DiGraph:
    """The graph in HyperDAG ``text`` (from the file ``name``, for messages).

    Raises
    ------
    InvalidGraphError
        If the header ``M N P`` is missing or out of range (N from 1 to
        :data:`~redblue.dags.MAX_NODES`), a line has an index out of range, repeats one
        or is not numbers (the message gives the line number), the file has fewer or
        more data lines than ``M + N + P``, or the graph is not a DAG.

    Examples
    --------
    >>> G = parse_hdag("% tiny\\n1 3 3\\n0 1\\n0 1\\n1 1\\n2 1\\n0 0\\n0 1\\n0 2\\n")
    >>> sorted(G.edges), G.nodes[0], G.graph["comments"]
    ([(0, 1), (0, 2)], {'work': 1, 'memory': 1}, [' tiny'])
    >>> parse_hdag("1 2 2\\n0\\n0\\n1\\n0 0\\n0 5\\n", "g.hdag")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidGraphError: g.hdag: line 6: node '5' is not in 0..1
    """
    comments: list[str] = []
    header: tuple[int, int, int] | None = None
    section = []  # (lineno, tokens) of the data lines after the header
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("%"):
            if header is None:
                comments.append(raw.rstrip("\r\n")[raw.index("%") + 1 :])
            continue
        tokens = line.split("%", 1)[0].split()
        if header is None:
            where = f"{name}: line {lineno}"
            if len(tokens) < 3 or not all(t.isdigit() for t in tokens[:3]):
                raise InvalidGraphError(
                    f"{where}: expected the header 'hyperedges nodes pins', got {short_repr(line)}"
                )
            m, n, p = (int(t) for t in tokens[:3])
            if not 1 <= n <= MAX_NODES or m > MAX_NODES or p > 50 * MAX_NODES:
                raise InvalidGraphError(
                    f"{where}: {m:,} hyperedges, {n:,} nodes, {p:,} pins; a graph here has "
                    f"1 to {MAX_NODES:,} nodes"
                )
            header = (m, n, p)
            continue
        section.append((lineno, tokens))
    if header is None:
        raise InvalidGraphError(f"{name}: no header line 'hyperedges nodes pins'")
    m, n, p = header
    if len(section) != m + n + p:
        raise InvalidGraphError(
            f"{name}: {len(section):,} data lines after the header; {m:,} hyperedges + "
            f"{n:,} nodes + {p:,} pins make {m + n + p:,}"
        )
    hyper: dict[int, list[int | float]] = {}
    node_data: dict[int, list[int | float]] = {}
    for k, (lineno, tokens) in enumerate(section[: m + n]):
        where = f"{name}: line {lineno}"
        table, top, what = (hyper, m, "hyperedge") if k < m else (node_data, n, "node")
        i = _index(tokens[0], top, what, where)
        if i in table:
            raise InvalidGraphError(f"{where}: {what} {i} is listed twice")
        table[i] = [_parse_number(t, where) for t in tokens[1:]]
    G = nx.DiGraph()
    for v in range(n):
        values = node_data[v]
        attrs: dict[str, Any] = {}
        if values:
            attrs["work"] = values[0]
        if len(values) > 1:
            attrs["node_data"] = values[1:]
        G.add_node(v, **attrs)
    source: dict[int, int] = {}
    for lineno, tokens in section[m + n :]:
        where = f"{name}: line {lineno}"
        if len(tokens) < 2:
            raise InvalidGraphError(f"{where}: expected a pin 'hyperedge node', got {tokens}")
        e = _index(tokens[0], m, "hyperedge", where)
        v = _index(tokens[1], n, "node", where)
        if e not in source:
            source[e] = v
            values = hyper[e]
            data = G.nodes[v]
            if values and "memory" not in data:  # a node sourcing two hyperedges: the first
                data["memory"] = values[0]
                if len(values) > 1:
                    data["hyperedge_data"] = values[1:]
        elif v != source[e]:
            G.add_edge(source[e], v)
    if comments:
        G.graph["comments"] = comments
    return validated(G, name)


def read_hdag(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read a HyperDAG file (see :func:`parse_hdag`; ``"-"``: stdin).

    Raises
    ------
    InvalidInputError
        If the file does not exist or cannot be read.
    InvalidGraphError
        As :func:`parse_hdag`, the message starting with the file name.

    Examples
    --------
    >>> read_hdag("no/such/file.hdag")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: no/such/file.hdag: no such file
    """
    name, text = read_text(path, InvalidGraphError, "not a text file")
    return parse_hdag(text, name)
