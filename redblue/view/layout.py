"""Where each node of a DAG is drawn: layers from inputs to outputs, grouped by tensor.

:func:`node_groups` names the tensor each node belongs to (its ``tensor`` attribute, else
the part of its name before ``[``, so ``S[0,1]``, ``QK[0,1,0]`` and ``D[0](0:2)`` fall in
``S``, ``QK`` and ``D``). :func:`layout` places the nodes in columns by topological
generation (inputs on the left, every node one column right of its deepest predecessor),
each column ordered by group and then by index, so the tensors of an attention or matmul
DAG sit in bands; or asks Graphviz ``dot`` when it is installed and asked for.
Coordinates are in ``[0, 1]``, for any drawing size.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph

__all__ = ["LAYOUTS", "Layout", "layout", "node_groups", "node_index"]

#: The layout methods :func:`layout` knows. ``"auto"`` is ``"dot"`` for graphs of at most
#: :data:`DOT_MAX_NODES` nodes when Graphviz is installed, ``"layers"`` up to
#: :data:`TENSOR_MIN_NODES` nodes, and ``"tensors"`` above (one panel a tensor, its nodes
#: on a grid by index: a FlashAttention tile is a rectangle of the S and A panels).
LAYOUTS: tuple[str, ...] = ("auto", "layers", "dot", "tensors")

#: From this many nodes on, ``"auto"`` lays a DAG out by tensors.
TENSOR_MIN_NODES = 2_000

#: The most nodes ``"auto"`` gives to Graphviz (dot's layout time grows fast beyond).
DOT_MAX_NODES = 300

_PREFIX = re.compile(r"[^\[(]*")
_INTS = re.compile(r"-?\d+")


def node_groups(G: nx.DiGraph, nodes: tuple[Hashable, ...] | None = None) -> list[str]:
    """The tensor of each node: its ``tensor`` attribute, else its name up to ``[``.

    Parameters
    ----------
    G : networkx.DiGraph
    nodes : tuple, optional
        The order wanted (default: ``G``'s).

    Returns
    -------
    list of str
        One group name a node (``""`` for a name that starts with ``[``).

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> sorted(set(node_groups(attention_dag(2, 1))))
    ['A', 'AV', 'D', 'K', 'O', 'Q', 'R', 'S', 'U', 'V']
    """
    order = list(G) if nodes is None else nodes
    out = []
    for v in order:
        tensor = G.nodes[v].get("tensor")
        out.append(str(tensor) if tensor is not None else _PREFIX.match(str(v)).group())
    return out


def node_index(v: Hashable) -> tuple[int, ...]:
    """The integers in a node's name, in order (``"QK[1,0,2]"`` -> ``(1, 0, 2)``).

    Examples
    --------
    >>> node_index("QK[1,0,2]"), node_index("D[0](0:2)"), node_index("x")
    ((1, 0, 2), (0, 0, 2), ())
    """
    return tuple(int(x) for x in _INTS.findall(str(v)))


@dataclass(frozen=True)
class Layout:
    """Node positions in ``[0, 1]`` (x from inputs to outputs), per compiled node id.

    Attributes
    ----------
    x, y : numpy.ndarray
        float32 coordinates, one a node of the compiled graph.
    columns : int
        Number of columns (generations) the nodes stand in.
    rows : int
        The most nodes in one column.
    method : str
        ``"layers"``, ``"dot"`` or ``"tensors"``.
    cell : float
        The smallest distance between two neighbouring nodes, as a fraction of the
        drawing's width or height (what a node's size may be).
    """

    x: np.ndarray
    y: np.ndarray
    columns: int
    rows: int
    method: str
    cell: float = 0.0


def layout(
    G: nx.DiGraph, compiled: CompiledGraph | None = None, method: str = "auto"
) -> Layout:
    """Place the nodes of a DAG: columns by topological generation, grouped by tensor.

    Parameters
    ----------
    G : networkx.DiGraph
    compiled : CompiledGraph, optional
        ``compile_graph(G)``, when already built; positions follow its node ids.
    method : {"auto", "layers", "dot", "tensors"}, default "auto"
        ``"dot"`` needs Graphviz's ``dot`` program (and pydot).

    Returns
    -------
    Layout

    Raises
    ------
    InvalidInputError
        For an unknown method, or ``"dot"`` without Graphviz.

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> L = layout(chain_dag(3), method="layers")
    >>> L.x.tolist(), L.columns
    ([0.0, 0.5, 1.0], 3)
    """
    if method not in LAYOUTS:
        raise InvalidInputError(f"unknown layout {method!r} (expected one of "
                                f"{', '.join(LAYOUTS)})")  # fmt: skip
    C = compiled if compiled is not None else compile_graph(G)
    has_dot = shutil.which("dot") is not None
    if method == "dot" and not has_dot:
        raise InvalidInputError("layout 'dot' needs Graphviz's dot program on the PATH")
    if method == "tensors" or (method == "auto" and C.n >= TENSOR_MIN_NODES):
        return _tensors(G, C)
    if method == "dot" or (method == "auto" and has_dot and C.n <= DOT_MAX_NODES):
        try:
            return _dot(G, C)
        except (ImportError, OSError, ValueError, AssertionError):
            if method == "dot":
                raise InvalidInputError("Graphviz could not lay out the graph") from None
    return _layers(G, C)


def _layers(G: nx.DiGraph, C: CompiledGraph) -> Layout:
    n = C.n
    depth = _depths(C)
    groups = node_groups(G, C.nodes)
    # group order: by the first column a group appears in, then as the graph lists them
    first: dict[str, tuple[int, int]] = {}
    for v, (g, dep) in enumerate(zip(groups, depth.tolist(), strict=True)):
        first[g] = min(first.get(g, (dep, v)), (dep, v))
    rank = {g: r for r, g in enumerate(sorted(first, key=first.__getitem__))}
    keys = sorted(range(n), key=lambda v: (depth[v], rank[groups[v]], node_index(C.nodes[v]), v))
    columns = int(depth.max(initial=-1)) + 1
    counts = np.bincount(depth, minlength=max(columns, 1))
    rows = int(counts.max(initial=0))
    x = np.zeros(n, np.float32)
    y = np.zeros(n, np.float32)
    seen = np.zeros(max(columns, 1), np.int64)
    for v in keys:
        c = int(depth[v])
        k = int(seen[c])
        seen[c] += 1
        x[v] = c / (columns - 1) if columns > 1 else 0.5
        y[v] = (k + 0.5) / counts[c]  # each column spread over the whole height
    cell = min(1 / max(columns, 1), 1 / max(rows, 1))
    return Layout(x, y, columns, rows, "layers", cell)


def _depths(C: CompiledGraph) -> np.ndarray:
    depth = np.zeros(C.n, np.int64)
    ptr, idx = C.pred_ptr, C.pred_idx
    for v in range(C.n):  # ids are a topological order
        lo, hi = int(ptr[v]), int(ptr[v + 1])
        if hi > lo:
            depth[v] = int(depth[idx[lo:hi]].max()) + 1
    return depth


def _tensors(G: nx.DiGraph, C: CompiledGraph) -> Layout:
    """One panel a group, left to right by the group's mean depth; in a panel, row = the
    node's first index, column = the rank of the rest of its index."""
    depth = _depths(C)
    groups = node_groups(G, C.nodes)
    members: dict[str, list[int]] = {}
    for v, g in enumerate(groups):
        members.setdefault(g, []).append(v)
    order = sorted(members, key=lambda g: (float(depth[members[g]].mean()), members[g][0]))
    grids = []
    for g in order:
        ix = [node_index(C.nodes[v]) or (k,) for k, v in enumerate(members[g])]
        firsts = {i: r for r, i in enumerate(sorted({t[0] for t in ix}))}
        rests = {t: c for c, t in enumerate(sorted({t[1:] for t in ix}))}
        grids.append(([firsts[t[0]] for t in ix], [rests[t[1:]] for t in ix],
                      len(firsts), len(rests)))  # fmt: skip
    weights = np.array([np.sqrt(cols) for _, _, _, cols in grids])
    gap = 0.02
    widths = (1 - gap * (len(order) - 1)) * weights / weights.sum()
    x = np.zeros(C.n, np.float32)
    y = np.zeros(C.n, np.float32)
    left, cell, most = 0.0, 1.0, 0
    for g, (row, col, rows, cols), w in zip(order, grids, widths, strict=True):
        v = np.array(members[g])
        x[v] = left + w * (np.array(col) + 0.5) / cols
        y[v] = (np.array(row) + 0.5) / rows
        cell, most = min(cell, w / cols, 1 / rows), max(most, rows)
        left += w + gap
    return Layout(x, y, len(order), most, "tensors", float(cell))


def _dot(G: nx.DiGraph, C: CompiledGraph) -> Layout:
    plain = nx.DiGraph()
    plain.add_nodes_from(range(C.n))
    plain.add_edges_from((C.index[u], C.index[v]) for u, v in G.edges)
    plain.graph["graph"] = {"rankdir": "LR"}
    pos = nx.nx_pydot.graphviz_layout(plain, prog="dot")
    xy = np.array([pos[v] for v in range(C.n)], np.float64)
    span = np.ptp(xy, axis=0)
    span[span == 0] = 1
    xy = (xy - xy.min(axis=0)) / span
    ranks = np.unique(xy[:, 0].round(6))
    _, per_rank = np.unique(xy[:, 0].round(6), return_counts=True)
    return Layout(xy[:, 0].astype(np.float32), (1 - xy[:, 1]).astype(np.float32),
                  int(ranks.size), int(per_rank.max(initial=0)), "dot",
                  1 / max(int(ranks.size), int(per_rank.max(initial=1))))  # fmt: skip
