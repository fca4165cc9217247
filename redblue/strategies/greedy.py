"""A generic schedule for any DAG: a topological order with Belady eviction.

The order matters as much as the eviction: computing one output's cone at a time
(depth-first, as a compiler evaluates an expression) keeps operands close to their uses.
On attention N = 3, d = 2 at M = 4, Belady's rule costs 179 I/O in the compiled
topological order and 99 depth-first; on matmul 3x3x3 at M = 9, 71 and 39 (36 with the
largest cone first). On the FFT the topological order (stage by stage) is the better
one at M = 3. :func:`cheapest_greedy_moves` tries each order of :data:`ORDERS`.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Sequence

import networkx as nx
import numpy as np

from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.strategy import (
    COMPUTE,
    DELETE,
    LOAD,
    STORE,
    EncodedMoves,
    Strategy,
)

__all__ = ["ORDERS", "cheapest_greedy_moves", "depth_first_order", "greedy_moves",
           "greedy_strategy", "named_order"]

_NEVER = 1 << 62  # "next use" of a value that is never used again
#: the orders :func:`cheapest_greedy_moves` tries, each with the ``first`` rule of
#: :func:`depth_first_order` (None: the compiled topological order): depth-first from
#: the outputs with the predecessor of the smallest id, of the largest Sethi-Ullman
#: number, or of the most non-input ancestors visited first
ORDERS = {"topological": None, "depth-first": "id", "depth-first-label": "label",
          "depth-first-cone": "cone"}  # fmt: skip
#: the "cone" order holds every vertex's ancestors as a bitset (n^2 / 8 bytes): above
#: this many vertices it is left out
CONE_MAX_N = 4096


def _needed_order(graph: CompiledGraph) -> list[int]:
    """Non-input ancestors of the outputs (and the outputs), in topological order."""
    needed = graph.is_output.copy()
    for v in range(graph.n - 1, -1, -1):  # integer ids are in topological order
        if needed[v]:
            needed[graph.predecessors(v)] = True
    return [v for v in range(graph.n) if needed[v] and not graph.is_input[v]]


def _labels(graph: CompiledGraph) -> list[int]:
    """Sethi-Ullman numbers: the registers a vertex would need were its cone a tree
    (operands evaluated largest first); 1 at the inputs."""
    label = [1] * graph.n
    for v in range(graph.n):
        below = sorted(label[p] for p in graph.predecessors(v).tolist())[::-1]
        if below:
            label[v] = max(lab + i for i, lab in enumerate(below))
    return label


def _cones(graph: CompiledGraph) -> list[int]:
    """The number of non-input ancestors of each vertex."""
    inputs = graph.is_input.tolist()
    above = [0] * graph.n  # bitsets of non-input ancestors
    for v in range(graph.n):
        a = 0
        for p in graph.predecessors(v).tolist():
            a |= above[p] | (0 if inputs[p] else 1 << p)
        above[v] = a
    return [a.bit_count() for a in above]


def depth_first_order(graph: CompiledGraph, first: str = "id") -> list[int]:
    """The non-input ancestors of the outputs (and the outputs) in depth-first post-order.

    Each output, in id order, is computed with the part of its cone not yet computed,
    the predecessors of a vertex visited one after another.

    Parameters
    ----------
    graph : CompiledGraph
    first : {"id", "label", "cone"}, default "id"
        Which predecessor is visited first: the smallest id, the largest Sethi-Ullman
        number (ties by id), or the most non-input ancestors (ties by id).

    Returns
    -------
    list of int
        A topological order of the vertices :func:`greedy_moves` computes.

    Raises
    ------
    InvalidInputError
        For another ``first``.

    Examples
    --------
    >>> import networkx as nx
    >>> from redblue.game import compile_graph
    >>> G = nx.DiGraph([("a", "c"), ("b", "c"), ("a", "d"), ("b", "d"), ("c", "e"),
    ...                 ("d", "e"), ("a", "f"), ("f", "g"), ("e", "g")])
    >>> C = compile_graph(G)
    >>> [C.nodes[v] for v in depth_first_order(C)]
    ['f', 'c', 'd', 'e', 'g']
    >>> [C.nodes[v] for v in depth_first_order(C, "cone")]   # e's cone first
    ['c', 'd', 'e', 'f', 'g']

    References
    ----------
    .. [1] R. Sethi and J. D. Ullman, "The generation of optimal code for arithmetic
       expressions", JACM 17(4), 1970.
    """
    ranks = {"id": None, "label": _labels, "cone": _cones}  # (None: by id)
    if first not in ranks:
        raise InvalidInputError(f"first must be 'id', 'label' or 'cone', got {first!r}")
    rank = ranks[first]
    weight = rank(graph) if rank else None
    inputs = graph.is_input.tolist()

    def operands(u: int) -> list[int]:
        preds = graph.predecessors(u).tolist()
        return preds if weight is None else sorted(preds, key=lambda p: (-weight[p], p))

    seen = [False] * graph.n
    order: list[int] = []
    for out in np.flatnonzero(graph.is_output).tolist():  # (never seen yet: ids are
        seen[out] = True  # topological, so no earlier output's cone holds a later one)
        stack = [(out, iter(operands(out)))]
        while stack:
            u, todo = stack[-1]
            for p in todo:
                if not seen[p]:
                    seen[p] = True
                    stack.append((p, iter(operands(p))))
                    break
            else:  # every operand of u is placed: u follows them
                stack.pop()
                if not inputs[u]:
                    order.append(u)
    return order


def named_order(graph: CompiledGraph, name: str) -> list[int] | None:
    """The ids to compute in the order ``name`` of :data:`ORDERS`, as
    :func:`greedy_moves` takes them (None: its default, the topological order)."""
    first = ORDERS[name]
    return None if first is None else depth_first_order(graph, first)


def cheapest_greedy_moves(graph: CompiledGraph, memory: int) -> tuple[EncodedMoves, str]:
    """:func:`greedy_moves` in each order of :data:`ORDERS`; the one of least I/O.

    Parameters
    ----------
    graph : CompiledGraph
    memory : int
        The red-pebble limit M.

    Returns
    -------
    (EncodedMoves, str)
        The moves and the name of their order in :data:`ORDERS` (the first on a tie;
        the cone order only up to :data:`CONE_MAX_N` vertices).

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> from redblue.game import compile_graph, replay
    >>> C = compile_graph(attention_dag(3, 2))
    >>> moves, name = cheapest_greedy_moves(C, 4)
    >>> replay(C, moves, 4).io, replay(C, greedy_moves(C, 4), 4).io, name
    (99, 179, 'depth-first')
    """
    best, best_io, best_name = None, 0, ""
    for name, first in ORDERS.items():
        if first == "cone" and graph.n > CONE_MAX_N:
            continue
        moves = greedy_moves(graph, memory, named_order(graph, name))
        io = int(np.count_nonzero((moves.kinds == LOAD) | (moves.kinds == STORE)))
        if best is None or io < best_io:
            best, best_io, best_name = moves, io, name
    return best, best_name


def _checked_order(graph: CompiledGraph, order: Sequence[int]) -> list[int]:
    """``order`` if it computes every output from inputs and earlier vertices."""
    done = graph.is_input.copy()
    for v in order:
        if done[v]:
            what = "an input" if graph.is_input[v] else "listed twice"
            raise InvalidInputError(f"order: node {graph.nodes[v]} is {what}")
        missing = [u for u in graph.predecessors(v).tolist() if not done[u]]
        if missing:
            raise InvalidInputError(
                f"order: node {graph.nodes[v]} comes before its predecessor "
                f"{graph.nodes[missing[0]]}"
            )
        done[v] = True
    left = np.flatnonzero(graph.is_output & ~done)
    if left.size:
        raise InvalidInputError(f"order: output {graph.nodes[int(left[0])]} is never computed")
    return list(order)


def greedy_moves(
    graph: CompiledGraph, memory: int, order: Sequence[int] | None = None
) -> EncodedMoves:
    """Greedy schedule on a compiled graph; see :func:`greedy_strategy`.

    Parameters
    ----------
    graph : CompiledGraph
    memory : int
        The red-pebble limit M.
    order : sequence of int, optional
        Integer ids of the non-input vertices to compute, in a topological order.
        Default: every non-input ancestor of an output, in the compiled order.

    Returns
    -------
    EncodedMoves
    """
    memory = graph.check_memory(memory)
    order = _needed_order(graph) if order is None else _checked_order(graph, order)
    uses: list[list[int]] = [[] for _ in range(graph.n)]
    for t, v in enumerate(order):
        for p in graph.predecessors(v).tolist():
            uses[p].append(t)
    ptr = [0] * graph.n
    red = [False] * graph.n
    blue = graph.is_input.tolist()
    is_output = graph.is_output.tolist()
    kinds: list[int] = []
    nodes: list[int] = []
    heap: list[tuple[int, int]] = []  # (-next use, node), stale entries skipped on pop
    n_red = 0

    def next_use(u: int) -> int:
        return uses[u][ptr[u]] if ptr[u] < len(uses[u]) else _NEVER

    def free_slot(pinned: set[int]) -> None:
        nonlocal n_red
        kept = []
        while n_red >= memory:
            key, u = heapq.heappop(heap)
            if not red[u] or -key != next_use(u):
                continue  # stale entry
            if u in pinned:
                kept.append((key, u))
                continue
            if next_use(u) != _NEVER and not blue[u]:
                kinds.append(STORE)  # evicted value is needed again: keep it in slow memory
                nodes.append(u)
                blue[u] = True
            kinds.append(DELETE)
            nodes.append(u)
            red[u] = False
            n_red -= 1
        for entry in kept:
            heapq.heappush(heap, entry)

    for v in order:
        preds = graph.predecessors(v).tolist()
        pinned = set(preds)
        for p in preds:
            if not red[p]:
                free_slot(pinned)
                kinds.append(LOAD)
                nodes.append(p)
                red[p] = True
                n_red += 1
                heapq.heappush(heap, (-next_use(p), p))
        free_slot(pinned)
        kinds.append(COMPUTE)
        nodes.append(v)
        red[v] = True
        n_red += 1
        if is_output[v] and not blue[v]:
            kinds.append(STORE)
            nodes.append(v)
            blue[v] = True
        for p in preds:
            ptr[p] += 1
            if next_use(p) == _NEVER:  # dead value: free its pebble now, at no cost
                kinds.append(DELETE)
                nodes.append(p)
                red[p] = False
                n_red -= 1
            else:
                heapq.heappush(heap, (-next_use(p), p))
        if next_use(v) == _NEVER:
            kinds.append(DELETE)
            nodes.append(v)
            red[v] = False
            n_red -= 1
        else:
            heapq.heappush(heap, (-next_use(v), v))
    return EncodedMoves(graph, np.array(kinds, dtype=np.int8), np.array(nodes, dtype=np.int32))


def greedy_strategy(
    G: nx.DiGraph, memory: int, order: Sequence[Hashable] | str | None = None
) -> Strategy:
    """A complete calculation of any DAG: a topological order, Belady eviction.

    Vertices are computed one by one in a topological order; missing operands are
    loaded; when all ``memory`` red pebbles are in use, the value whose next use lies
    furthest ahead is evicted (Belady's rule), after a store if it is needed again and
    not yet in slow memory. Outputs are stored as soon as they are computed; values
    with no further use are dropped at once. Only ancestors of outputs are computed.
    Each vertex is computed once, so the strategy is valid in the ``no-recompute``
    variant too. It is an upper bound on Q(G, M), not an optimum.

    Parameters
    ----------
    G : networkx.DiGraph
        The computation DAG.
    memory : int
        The red-pebble limit M; at least the largest in-degree plus one.
    order : sequence of nodes, or str, optional
        The non-input vertices to compute, in a topological order; or the name of an
        order of :data:`ORDERS`, or ``"cheapest"`` (the one of least I/O, see
        :func:`cheapest_greedy_moves`). Default: ``"topological"``, the order
        networkx's topological sort gives.

    Returns
    -------
    Strategy
        The moves, with ``memory`` and ``variant="classic"``.

    Raises
    ------
    InvalidInputError
        If ``memory`` is below the largest in-degree plus one, or for an unknown order.

    Examples
    --------
    >>> import networkx as nx
    >>> from redblue.dags import attention_dag
    >>> from redblue.game import replay
    >>> A = attention_dag(3, 2)
    >>> replay(A, greedy_strategy(A, 6)).io, replay(A, greedy_strategy(A, 6, "cheapest")).io
    (143, 54)
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> s = greedy_strategy(G, memory=2)
    >>> s.moves
    [('load', 'a'), ('compute', 'b'), ('delete', 'a'), ('compute', 'c'), ('store', 'c'), \
('delete', 'b'), ('delete', 'c')]
    >>> replay(G, s).io
    2

    References
    ----------
    .. [1] L. A. Belady, "A study of replacement algorithms for a virtual-storage
       computer", IBM Systems Journal 5(2), 1966.
    """
    graph = compile_graph(G)  # greedy_moves checks the memory (CompiledGraph.check_memory)
    ids = None
    if order == "cheapest":
        return Strategy(cheapest_greedy_moves(graph, memory)[0].decode(), memory, "classic")
    if isinstance(order, str):
        if order not in ORDERS:
            raise InvalidInputError(f"unknown order {order!r} (expected one of "
                                    f"{', '.join([*ORDERS, 'cheapest'])})")  # fmt: skip
        ids = named_order(graph, order)
    elif order is not None:
        try:
            ids = [graph.index[v] for v in order]
        except KeyError as exc:
            raise InvalidInputError(f"order names unknown node {exc.args[0]!r}") from None
    return Strategy(greedy_moves(graph, memory, ids).decode(), memory, "classic")
