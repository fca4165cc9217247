"""The compiled form of a computation DAG: integer ids and flat numpy arrays.

networkx graphs are the exchange format; every hot loop (replay, search, schedules)
works on a :class:`CompiledGraph` instead, built once in O(V + E).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from redblue.checks import short_repr
from redblue.dags.validate import cycle_message, topological_order
from redblue.errors import InvalidGraphError, InvalidInputError

__all__ = ["CompiledGraph", "compile_graph"]


@dataclass(frozen=True, eq=False)
class CompiledGraph:
    """A DAG with nodes numbered 0..n-1 in a topological order.

    Attributes
    ----------
    nodes : tuple or Sequence
        ``nodes[k]`` is the node id of integer id ``k`` (a tuple; computed on demand for
        :func:`~redblue.game.compiled_attention.compile_attention`).
    index : dict or Mapping
        The inverse map, node id -> integer id.
    pred_ptr, pred_idx : numpy.ndarray
        Predecessors in CSR form: the predecessors of ``k`` are
        ``pred_idx[pred_ptr[k]:pred_ptr[k + 1]]`` (int64 and int32).
    is_input, is_output : numpy.ndarray
        Boolean masks. Inputs are the sources; outputs are the nodes marked
        ``output: True`` (or, when none is marked, the sinks not marked
        ``output: False``).
    """

    nodes: Sequence[Hashable]
    index: Mapping[Hashable, int]
    pred_ptr: np.ndarray
    pred_idx: np.ndarray
    is_input: np.ndarray
    is_output: np.ndarray
    _by_str: dict[str, int] | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def predecessors(self, k: int) -> np.ndarray:
        """Integer ids of the predecessors of integer id ``k``."""
        return self.pred_idx[self.pred_ptr[k] : self.pred_ptr[k + 1]]

    def indegree(self) -> np.ndarray:
        """In-degree of every node, as an int64 array."""
        return np.diff(self.pred_ptr)

    def min_memory(self) -> int:
        """The fewest red pebbles any complete calculation needs.

        Computing a vertex of in-degree ``k`` needs ``k + 1`` red pebbles (its
        predecessors and itself). A graph with no vertex to compute gets 1, the least
        memory the game allows.
        """
        deg = self.indegree()
        return int(deg.max()) + 1 if deg.size and deg.max() > 0 else 1

    def check_memory(self, memory: Any) -> int:
        """The red-pebble limit the compiled loops use for ``memory``, or raise.

        ``memory`` must be a whole number at least :meth:`min_memory`. What is returned
        is ``min(memory, n)``: a game on ``n`` nodes never holds more than ``n`` red
        pebbles, so any ``M >= n`` is the same game as ``M = n``, with the same moves
        legal and the same optimum. Clamping here, where a size enters the compiled
        (int64) loops of the greedy schedule and the search, keeps a memory of ``10**19``
        or ``10**26`` from overflowing them; it is not refused, since it is a perfectly
        good (if generous) limit. Callers report the memory they were given
        (:func:`~redblue.game.replay` does), not this value.

        Parameters
        ----------
        memory : int
            The red-pebble limit M (Python or numpy integer; bools are refused).

        Returns
        -------
        int
            ``min(memory, n)``.

        Raises
        ------
        InvalidInputError
            If ``memory`` is not a whole number, or is below :meth:`min_memory` (the
            message names the vertex that needs more and the smallest feasible M).

        Examples
        --------
        >>> import networkx as nx
        >>> C = compile_graph(nx.DiGraph([("a", "c"), ("b", "c")]))
        >>> C.check_memory(3)
        3
        >>> C.check_memory(10**26)
        3
        >>> C.check_memory(2)
        Traceback (most recent call last):
        ...
        redblue.errors.InvalidInputError: memory 2 is infeasible: node c has 2 predecessors, \
so the smallest feasible memory is M = 3
        """
        if isinstance(memory, bool) or not isinstance(memory, int | np.integer):
            raise InvalidInputError(f"memory must be a whole number, got {short_repr(memory)}")
        need = self.min_memory()
        if memory < need:
            deg = self.indegree()
            v = int(np.argmax(deg))
            raise InvalidInputError(
                f"memory {short_repr(memory)} is infeasible: node {self.nodes[v]} has "
                f"{int(deg[v])} predecessors, so the smallest feasible memory is M = {need}"
            )
        return min(int(memory), self.n)

    def lookup(self, node: Hashable) -> int:
        """Integer id of ``node``; a string also matches a non-string id printing as it.

        Raises
        ------
        KeyError
            If no node has that id.
        """
        try:
            return self.index[node]
        except (KeyError, TypeError):
            pass
        if isinstance(node, str) and isinstance(self.index, dict):  # lazy names are str
            by_str = self._by_str
            if by_str is None:
                by_str = {str(v): k for v, k in self.index.items()}
                object.__setattr__(self, "_by_str", by_str)
            if node in by_str:
                return by_str[node]
        raise KeyError(node)


def compile_graph(G: nx.DiGraph, outputs: Iterable[Hashable] | None = None) -> CompiledGraph:
    """Compile a DAG for the game engine.

    Parameters
    ----------
    G : networkx.DiGraph
        The computation DAG. Sources are its inputs.
    outputs : iterable of nodes, optional
        The nodes that must end holding blue pebbles. Default: the nodes with
        ``output: True``, or, when no node is, the sinks (except those marked
        ``output: False``). No other attribute is read: the game needs structure only.

    Returns
    -------
    CompiledGraph

    Raises
    ------
    InvalidGraphError
        If ``G`` is not a directed acyclic graph or has no nodes.
    InvalidInputError
        If ``outputs`` is not a collection of nodes (None, a number, a string) or names
        something that is not a node of ``G``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> C = compile_graph(G)
    >>> C.nodes, C.is_input.tolist(), C.is_output.tolist()
    (('a', 'b', 'c'), [True, False, False], [False, False, True])
    >>> G.add_edge("a", "d")
    >>> G.nodes["d"]["output"] = False      # a sink that is not a result
    >>> compile_graph(G).is_output.tolist()
    [False, False, False, True]
    """
    if not isinstance(G, nx.DiGraph) or G.is_multigraph():
        raise InvalidGraphError("the computation graph must be a networkx.DiGraph")
    if G.number_of_nodes() == 0:
        raise InvalidGraphError("the computation graph has no nodes")
    order = topological_order(G)  # the order of nx.topological_sort, twice as fast
    if order is None:  # named in one short line, however long the cycle
        raise InvalidGraphError(f"the computation {cycle_message(G)}")
    index = {v: k for k, v in enumerate(order)}
    n = len(order)
    # the adjacency dicts themselves: networkx's views cost a Python object a call, which
    # is most of the time on a million nodes
    pred, succ, data = G._pred, G._succ, G._node
    deg = np.fromiter(map(len, map(pred.__getitem__, order)), dtype=np.int64, count=n)
    pred_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(deg, out=pred_ptr[1:])
    pred_idx = np.fromiter(
        (index[u] for v in order for u in pred[v]), dtype=np.int32, count=int(deg.sum())
    )
    is_input = deg == 0
    if outputs is None:
        marked = [v for v in order if data[v].get("output") is True]
        outputs = marked or [
            v for v in order if not succ[v] and data[v].get("output") is not False
        ]
    elif isinstance(outputs, str | bytes) or not isinstance(outputs, Iterable):
        raise InvalidInputError(
            f"outputs must be a collection of nodes, got {type(outputs).__name__}"
        )
    is_output = np.zeros(n, dtype=bool)
    for v in outputs:
        try:
            k = index[v]
        except (KeyError, TypeError):  # TypeError: unhashable, so no node either
            raise InvalidInputError(
                f"output {short_repr(v)} is not a node of the graph"
            ) from None
        is_output[k] = True
    return CompiledGraph(tuple(order), index, pred_ptr, pred_idx, is_input, is_output)
