"""Random valid strategies: a random walk over legal moves, completed greedily.

The lemmas about strategies (Hong-Kung's Lemma 2.7, Lemma 3.3's counting, the epochs
of Lemma 4.1) hold for *every* valid calculation, so they are checked on strategies no
schedule would produce: :func:`random_strategy` plays uniformly random legal moves
(loads, computes, stores, deletes under the red-pebble limit), which computes and
discards values, stores what is never loaded and reloads what is already known, then
finishes the calculation with the greedy schedule. The result is replayed before it is
returned.

Completion. After the walk every red pebble is deleted; the greedy schedule then runs
from a configuration whose blue pebbles include its start configuration (the walk never
deletes blue), so each of its loads finds blue, each compute finds the same red
pebbles as in the greedy run alone, and a store of a vertex already blue is skipped.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981
   (rules R1-R4).
.. [2] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Lemmas 2.7, 3.3 and 4.1 (statements about every
   calculation).
"""

from __future__ import annotations

import random

import networkx as nx

from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.strategy import Strategy

__all__ = ["random_strategy"]

_KINDS = ("load", "compute", "store", "delete")


def random_strategy(
    G: nx.DiGraph | CompiledGraph,
    memory: int,
    seed: int = 0,
    steps: int = 200,
    weights: tuple[float, float, float, float] = (2.0, 4.0, 1.0, 2.0),
) -> Strategy:
    """A valid strategy: ``steps`` random legal moves, then the greedy schedule.

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
    memory : int
        The red-pebble limit M (at least the greedy schedule's minimum).
    seed : int
    steps : int
        Length of the random walk before the greedy completion.
    weights : 4 floats
        Relative odds of load, compute, store, delete among the legal kinds.

    Returns
    -------
    Strategy
        Replayed: valid with at most ``memory`` red pebbles.

    Examples
    --------
    >>> from redblue.dags import matmul_dag
    >>> from redblue.game import replay
    >>> G = matmul_dag(2, 2, 2)
    >>> s = random_strategy(G, 4, seed=1)
    >>> replay(G, s).peak_red <= 4
    True

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, STOC 1981 (rules R1-R4).
    """
    from redblue.game import replay
    from redblue.strategies.greedy import greedy_moves

    graph = G if isinstance(G, CompiledGraph) else compile_graph(G)
    rng = random.Random(seed)
    preds = [graph.predecessors(v).tolist() for v in range(graph.n)]
    red: set[int] = set()
    blue = {v for v in range(graph.n) if graph.is_input[v]}
    moves: list[tuple[str, int]] = []
    for _ in range(steps):
        room = len(red) < memory
        options = {
            "load": [v for v in blue if v not in red] if room else [],
            "compute": [v for v in range(graph.n) if room and not graph.is_input[v]
                        and v not in red and all(u in red for u in preds[v])],
            "store": [v for v in red if v not in blue],
            "delete": list(red),
        }  # fmt: skip
        kinds = [k for k in _KINDS if options[k]]
        if not kinds:
            break
        kind = rng.choices(kinds, [weights[_KINDS.index(k)] for k in kinds])[0]
        v = rng.choice(sorted(options[kind]))
        moves.append((kind, v))
        if kind in ("load", "compute"):
            red.add(v)
        elif kind == "store":
            blue.add(v)
        else:
            red.discard(v)
    moves.extend(("delete", v) for v in sorted(red))
    for kind, v in greedy_moves(graph, memory).decode():
        v = graph.lookup(v)
        if kind == "store" and v in blue:
            continue  # already blue from the walk: the greedy run's store is not needed
        if kind == "store":
            blue.add(v)
        moves.append((kind, v))
    named = [(kind, graph.nodes[v]) for kind, v in moves]
    replay(graph, named, memory=memory)
    return Strategy(named, memory, "classic")
