"""Removing useless work from a strategy: the normal form Lemma 2.7 needs.

Hong & Kung's Lemma 2.7 bounds the *minimum set* of each part (the vertices of the part
with no successor in it) by 2M: such a vertex must be red at the end of its segment or
stored in it. That is only true of calculations without useless computations: a valid
strategy may compute a value and delete it unused, and then a part can hold many
minimum vertices that are neither (``tests/test_analysis_normalize.py`` keeps an
example with ``|Min| = 12 > 2M = 8``). So the lemma is stated for *normalised*
calculations, and :func:`normalize` produces one from any valid strategy.

The normal form. Every load or compute creates a red pebble (a *red instance*), every
store a blue one, and every move uses instances: a compute the red instances of its
predecessors, a store the red instance of its vertex, a load the blue instance of its
vertex. A move is *useful* if it creates the final blue instance of an output, or if
a useful move uses what it creates; the other loads, computes and stores are dropped,
with the deletes that end their instances. Because a move only uses instances created
before it, one backward pass finds the useful moves; they are exactly what survives
iterating "drop the moves whose result nothing useful uses" to a fixpoint, and
:func:`normalize` runs the pass until nothing changes (a second pass changes nothing).

Why the result is valid with no more I/O. The kept moves are a subsequence, and every
instance a kept move uses is created by a kept move and ended by the same delete as
before (or not at all). So at every moment the red (blue) pebbles of the new strategy
are a subset of the old ones: no red-pebble limit is exceeded, a load still finds blue
and no red, a compute finds its predecessors red and its vertex not red, a store finds
red and no blue; every output ends blue (its final blue instance is kept). The I/O is
at most the original's. :func:`normalize` also replays the result to confirm this.

Lemma 2.7 for normalised calculations. Let ``v`` be first computed in segment ``i`` and
have no successor in part ``V_i``. That first compute is useful, so its red instance is
used by a useful compute of a successor ``w`` or by a store. ``w`` cannot have been
computed before ``v`` was first red, and a compute of ``w`` in segment ``i`` would put
``w`` in ``V_i``; so the use is a compute in a later segment (the instance is red at the
end of segment ``i``) or a store (in segment ``i``, or later, and then the instance is red
at the end of segment ``i``). Hence ``Min(V_i)`` lies in ``red_at_end`` (at most M) plus
``stored`` (at most M I/Os): ``|Min(V_i)| <= 2M``.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981,
   Lemma 2.7 (the 2S-partition from a calculation; the minimum-set bound assumes no
   useless computation).
.. [2] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Lemmas 2.7 and 2.8 as used for Lemma 3.4.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import networkx as nx

from redblue.analysis.partition import _moves
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.strategy import Strategy

__all__ = ["useful_moves", "normalize", "is_normalized"]

_INITIAL = -1  # the blue pebble an input starts with


def _graph(G: nx.DiGraph | CompiledGraph) -> CompiledGraph:
    return G if isinstance(G, CompiledGraph) else compile_graph(G)


def useful_moves(G: nx.DiGraph | CompiledGraph, strategy: Any) -> list[bool]:
    """Which moves of a valid strategy are useful (see the module docstring).

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
    strategy : Strategy, EncodedMoves or sequence of (kind, node)
        A valid complete calculation (not checked here; :func:`normalize` replays).

    Returns
    -------
    list of bool
        ``keep[t]`` for every move ``t``.

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, STOC 1981, Lemma 2.7.
    """
    graph = _graph(G)
    moves = _moves(strategy)
    ids = [graph.lookup(v) for _, v in moves]
    red: dict[int, int] = {}  # vertex -> move that created its red pebble
    blue: dict[int, int] = {int(v): _INITIAL for v in range(graph.n) if graph.is_input[v]}
    uses: list[tuple[int, ...]] = []
    ends: list[int | None] = []  # for a delete: the move whose instance it ends
    for t, ((kind, _), v) in enumerate(zip(moves, ids, strict=True)):
        used: tuple[int, ...] = ()
        end = None
        if kind == "load":
            used, red[v] = (blue[v],), t
        elif kind == "compute":
            used = tuple(red[int(u)] for u in graph.predecessors(v))
            red[v] = t
        elif kind == "store":
            used, blue[v] = (red[v],), t
        elif kind == "delete":
            end = red.pop(v)
        elif kind == "delete-blue":
            end = blue.pop(v)
        uses.append(used)
        ends.append(end)
    keep = [False] * len(moves)
    for v in range(graph.n):  # the final blue pebble of each output is the goal
        if graph.is_output[v] and blue.get(v, _INITIAL) != _INITIAL:
            keep[blue[v]] = True
    for t in range(len(moves) - 1, -1, -1):  # uses point backwards: one pass is closed
        if keep[t]:
            for s in uses[t]:
                if s != _INITIAL:
                    keep[s] = True
    for t, end in enumerate(ends):
        if end is not None:
            keep[t] = end == _INITIAL or keep[end]
    return keep


def normalize(
    G: nx.DiGraph | CompiledGraph, strategy: Any, memory: int | None = None
) -> Strategy:
    """The strategy without its useless moves, replayed: valid, with I/O <= the original's.

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
    strategy : Strategy, EncodedMoves or sequence of (kind, node)
        A valid complete calculation.
    memory : int, optional
        Its red-pebble limit (default: the strategy's own).

    Returns
    -------
    Strategy
        Useful moves only (:func:`useful_moves` finds none useless in it).

    Raises
    ------
    redblue.errors.IllegalMoveError
        If ``strategy`` is not valid (the replay of the input, before anything else).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("a", "c")])
    >>> G.nodes["b"]["output"] = True
    >>> s = [("load", "a"), ("compute", "c"), ("delete", "c"), ("compute", "b"),
    ...      ("store", "b")]
    >>> normalize(G, s, memory=2).moves
    [('load', 'a'), ('compute', 'b'), ('store', 'b')]

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, STOC 1981, Lemma 2.7.
    """
    from redblue.game import replay

    graph = _graph(G)
    if memory is None:
        memory = getattr(strategy, "memory", None)
    variant = getattr(strategy, "variant", "classic")
    before = replay(graph, list(_moves(strategy)), memory=memory, variant=variant)
    moves: list[tuple[str, Hashable]] = list(_moves(strategy))
    while True:  # the first pass reaches the fixpoint; the loop confirms it
        keep = useful_moves(graph, moves)
        if all(keep):
            break
        moves = [mv for mv, k in zip(moves, keep, strict=True) if k]
    after = replay(graph, moves, memory=memory, variant=variant)
    assert after.io <= before.io and after.peak_red <= before.peak_red, (after, before)
    return Strategy(moves, before.memory, variant)


def is_normalized(G: nx.DiGraph | CompiledGraph, strategy: Any) -> bool:
    """Whether every move of a valid strategy is useful."""
    return all(useful_moves(G, strategy))
