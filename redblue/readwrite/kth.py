"""The KTH predecessor-list format of pebbling DAGs (``kthlist``, read by CNFgen).

The format of J. Nordstrom's pebbling tools (``KTHlistFormat.txt``, 2016), read and
written by CNFgen (``cnfgen.graphs``, format ``kthlist``; ``kthlist2pebbling``)::

    c a pyramid of height 1        <- comment lines start with 'c' or 'C'
    3                              <- the number of vertices N
    1 : 0                          <- vertex : its predecessors, ended by 0
    2 : 0
    3 : 1 2 0

Vertices are the integers ``1..N``; a vertex without a line has no predecessors. A list
may run over several lines until the ``0`` that ends it (lines without ``:``). Files
from before 2016, whose lists have no closing ``0``, read too: a line with ``:`` starts
a new list. The lines may come in any order, each vertex once. The comments before ``N``
are the graph's name (joined by newlines), except ``c coord v: (x, y)`` lines, which
give vertex ``v`` the attribute ``coord = [x, y]`` (drawing coordinates).

:func:`write_kth` writes every vertex, in increasing order, predecessors sorted and
ended by ``0``, with the name and coordinates as comments. Integer ids ``1..N`` are
kept; any other ids are numbered ``1..N`` in a topological order of the graph (the
order the format expects of a DAG). Other attributes are not carried.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Hashable
from typing import Any

import networkx as nx

from redblue.checks import check_path, short_repr
from redblue.dags._builder import MAX_NODES
from redblue.dags.validate import _check_graph
from redblue.errors import InvalidGraphError
from redblue.readwrite._files import paused_gc, read_text, validated, write_text

__all__ = ["kth_numbering", "parse_kth", "read_kth", "to_kth", "write_kth"]

#: A vertex's drawing coordinates: ``c coord 3: (1.5, 2)`` (KTH format, first comments).
_COORD = re.compile(r"[cC]\s*coord\s+(\d+)\s*:\s*\(\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*\)")


def kth_numbering(G: nx.DiGraph) -> dict[Hashable, int]:
    """The vertex number ``1..N`` each node of ``G`` gets in a KTH file.

    Integer ids that are exactly ``1..N`` keep their numbers; otherwise nodes are
    numbered in ``networkx.topological_sort`` order (or ``G``'s order, if it has a cycle).

    Examples
    --------
    >>> kth_numbering(nx.DiGraph([("b", "a")]))
    {'b': 1, 'a': 2}
    """
    n = G.number_of_nodes()
    if all(type(v) is int for v in G) and set(G) == set(range(1, n + 1)):
        return {v: v for v in G}
    try:
        order = list(nx.topological_sort(G))
    except nx.NetworkXUnfeasible:
        order = list(G)
    return {v: k for k, v in enumerate(order, start=1)}


def _is_coord(value: Any) -> bool:
    """Whether ``value`` is a pair of numbers >= 0 a KTH file can hold as coordinates."""
    return (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(type(x) in (int, float) and math.isfinite(x) and x >= 0 for x in value)
    )


def to_kth(G: nx.DiGraph) -> str:
    """Return ``G`` in the KTH format (see the module notes).

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

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> print(to_kth(pyramid_dag(1)), end="")
    c pyramid_dag(height=1)
    3
    1 : 0
    2 : 0
    3 : 1 2 0

    References
    ----------
    .. [1] M. Lauria, J. Elffers, J. Nordstrom, M. Vinyals, "CNFgen: A Generator of
       Crafted Benchmarks", SAT 2017 (the ``kthlist`` graph format).
    """
    _check_graph(G)
    number = kth_numbering(G)
    name = G.graph.get("name")
    lines = [f"c {part}".rstrip() for part in name.splitlines()] if isinstance(name, str) else []
    by_number = sorted(G, key=number.__getitem__)
    for v in by_number:
        coord = G.nodes[v].get("coord")
        if _is_coord(coord):
            lines.append(f"c coord {number[v]}: ({coord[0]}, {coord[1]})")
    lines.append(str(G.number_of_nodes()))
    for v in by_number:
        preds = sorted(number[u] for u in G.predecessors(v))
        lines.append(" ".join([str(number[v]), ":", *map(str, preds), "0"]))
    return "\n".join(lines) + "\n"


def write_kth(G: nx.DiGraph, path: str | os.PathLike[str]) -> None:
    """Write ``G`` to ``path`` in the KTH format (see :func:`to_kth`; ``"-"``: stdout).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "g.kth")
    >>> write_kth(nx.DiGraph([(1, 3), (2, 3)]), path)
    >>> sorted(read_kth(path).edges)
    [(1, 3), (2, 3)]
    """
    check_path(path)
    write_text(path, to_kth(G))


def _number(text: str) -> int | float:
    return int(text) if text.isdigit() else float(text)


def _vertex(token: str, n: int, where: str) -> int:
    try:
        v = int(token)
    except ValueError:
        raise InvalidGraphError(f"{where}: {short_repr(token)} is not a vertex number") from None
    if not 1 <= v <= n:
        raise InvalidGraphError(f"{where}: vertex {v} is outside 1..{n}")
    return v


@paused_gc
def parse_kth(text: str, name: str = "<kth>") -> nx.DiGraph:
    """The graph in KTH ``text`` (from the file ``name``, for messages).

    Raises
    ------
    InvalidGraphError
        If the vertex count is missing, not a whole number, 0 or more than
        :data:`~redblue.dags.MAX_NODES`; on a line that is not ``v : preds 0``, a
        vertex outside ``1..N`` or listed twice (the message gives the line number); or
        if the graph is not a DAG.

    Examples
    --------
    >>> sorted(parse_kth("c tiny\\n3\\n3 : 1 2 0\\n").edges)
    [(1, 3), (2, 3)]
    >>> parse_kth("2\\n1 : 3 0\\n", "g.kth")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidGraphError: g.kth: line 2: vertex 3 is outside 1..2
    """
    comments: list[str] = []
    coords: dict[int, tuple[str, str, int]] = {}
    n = -1
    listed: dict[int, int] = {}
    G = nx.DiGraph()
    edges: list[tuple[int, int]] = []
    open_list: int | None = None  # the vertex whose predecessor list is not ended by 0 yet
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}: line {lineno}"
        if not line:
            continue
        if line[0] in "cC":
            coord = _COORD.fullmatch(line)
            if coord and n < 0:
                coords[int(coord.group(1))] = (coord.group(2), coord.group(3), lineno)
            elif n < 0 and line[1:].strip():
                comments.append(line[1:].strip())
            continue
        if ":" in line:
            if n < 0:
                raise InvalidGraphError(f"{where}: a vertex line before the number of vertices")
            left, _, right = line.partition(":")
            v = _vertex(left.strip(), n, where)
            if v in listed:
                raise InvalidGraphError(
                    f"{where}: vertex {v} is listed twice (first at line {listed[v]})"
                )
            listed[v] = lineno
            open_list, tokens = v, right.split()  # a list left open before: an old-style file
        elif open_list is not None:  # the predecessor list goes on over several lines
            tokens = line.split()
        elif n < 0:
            if not line.isdigit():
                raise InvalidGraphError(
                    f"{where}: expected the number of vertices, got {short_repr(line)}"
                )
            n = int(line)
            if not 1 <= n <= MAX_NODES:
                raise InvalidGraphError(
                    f"{where}: {n:,} vertices; a graph here has 1 to {MAX_NODES:,}"
                )
            G.add_nodes_from(range(1, n + 1))
            continue
        else:
            raise InvalidGraphError(
                f"{where}: expected 'vertex : predecessors 0', got {short_repr(line)}"
            )
        if tokens and tokens[-1] == "0":  # the end of the list
            tokens.pop()
            target, open_list = open_list, None
        else:
            target = open_list
        edges.extend((_vertex(t, n, where), target) for t in tokens)
    if n < 0:
        raise InvalidGraphError(f"{name}: no vertex count (the first line that is not a comment)")
    G.add_edges_from(edges)
    for v, (x, y, lineno) in coords.items():
        if not 1 <= v <= n:
            raise InvalidGraphError(f"{name}: line {lineno}: vertex {v} is outside 1..{n}")
        G.nodes[v]["coord"] = [_number(x), _number(y)]
    if comments:
        G.graph["name"] = "\n".join(comments)
    return validated(G, name)


def read_kth(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read a KTH file (see :func:`parse_kth`; ``"-"``: stdin).

    Raises
    ------
    InvalidInputError
        If the file does not exist or cannot be read.
    InvalidGraphError
        As :func:`parse_kth`, the message starting with the file name.

    Examples
    --------
    >>> read_kth("no/such/file.kth")
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: no/such/file.kth: no such file
    """
    name, text = read_text(path, InvalidGraphError, "not a text file")
    return parse_kth(text, name)
