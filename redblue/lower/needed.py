"""The part of a DAG every complete calculation must touch, as flat arrays.

Every lower bound of :mod:`redblue.lower` argues about the *needed* vertices: the
non-input outputs and their ancestors (inputs included). In any complete calculation each
of them holds a red pebble at some time (a non-input output must be stored, so computed,
so its operands are red before it, and so on up to the inputs), while a vertex outside
this set may never be touched. The trivial bound itself, needed inputs plus non-input
outputs, is :func:`redblue.search.ilp.trivial_lower_bound`: it is reused, not redone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redblue.game.compiled import CompiledGraph

__all__ = ["NeededGraph", "needed_graph"]


@dataclass(frozen=True)
class NeededGraph:
    """The needed subgraph of a :class:`CompiledGraph`, renumbered ``0..n-1``.

    Attributes
    ----------
    graph : CompiledGraph
        The whole graph.
    ids : numpy.ndarray
        ``ids[i]`` is the integer id in ``graph`` of needed vertex ``i`` (increasing, so
        ``0..n-1`` is still a topological order).
    src, dst : numpy.ndarray
        The edges between needed vertices (``src[e] -> dst[e]``, new numbering).
    is_input, is_output : numpy.ndarray
        Masks in the new numbering.
    outdeg : numpy.ndarray
        Out-degree within the needed subgraph.
    """

    graph: CompiledGraph
    ids: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    is_input: np.ndarray
    is_output: np.ndarray
    outdeg: np.ndarray

    @property
    def n(self) -> int:
        """Number of needed vertices."""
        return int(self.ids.size)

    @property
    def internal(self) -> np.ndarray:
        """Needed vertices that are neither inputs nor outputs: the only ones whose
        eviction, while a successor still waits, forces a store that no trivial count
        already charges."""
        return ~self.is_input & ~self.is_output

    def name(self, i: int) -> str:
        """The node id of needed vertex ``i``, as text (for witnesses in JSON)."""
        return str(self.graph.nodes[int(self.ids[i])])


def needed_graph(graph: CompiledGraph) -> NeededGraph:
    """The needed subgraph of ``graph``: non-input outputs and all their ancestors.

    Examples
    --------
    >>> import networkx as nx
    >>> from redblue.game import compile_graph
    >>> G = nx.DiGraph([("a", "c"), ("b", "c"), ("b", "d")])
    >>> G.nodes["c"]["output"] = True          # d is a sink but not an output
    >>> H = needed_graph(compile_graph(G))
    >>> H.n, [H.name(i) for i in range(H.n)]
    (3, ['a', 'b', 'c'])
    """
    n = graph.n
    need = graph.is_output & ~graph.is_input
    for v in range(n - 1, -1, -1):  # ids are topological: successors come later
        if need[v]:
            need[graph.predecessors(v)] = True
    ids = np.flatnonzero(need)
    new = np.full(n, -1, np.int64)
    new[ids] = np.arange(ids.size)
    dst_all = np.repeat(np.arange(n), np.diff(graph.pred_ptr))
    src_all = graph.pred_idx.astype(np.int64)
    keep = need[dst_all]  # an operand of a needed vertex is needed
    src, dst = new[src_all[keep]], new[dst_all[keep]]
    return NeededGraph(
        graph=graph,
        ids=ids,
        src=src,
        dst=dst,
        is_input=graph.is_input[ids].copy(),
        is_output=graph.is_output[ids].copy(),
        outdeg=np.bincount(src, minlength=ids.size),
    )
