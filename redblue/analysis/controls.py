"""Negative controls: strategies and parts that break one hypothesis of a lemma.

A check that passes on every valid strategy proves nothing unless it is seen to fail
where the lemma's hypothesis fails. Each control here breaks exactly one predicate, and
by default *just*: a set of ``2M + 1`` vertices where the lemma allows ``2M``, so that a
predicate weakened to ``3M`` or ``4M`` accepts the control and the weakening is caught:

* :func:`useless_work` -- a valid strategy with useless computations: its Lemma 2.7
  part has ``|Min| = k`` (``2M + 1`` by default) while every dominator has at most ``2M``
  vertices (the lemma needs normalised calculations);
* :func:`understated_memory` -- a strategy using ``k + 1`` red pebbles cut into segments
  as if ``M = 2``: a dominator of ``k`` vertices (``2M + 1`` by default), every minimum
  set of one;
* :func:`drop_rows` -- a real part whose dominator loses every row of ``K``: Lemma 3.3's
  class (c) must then reject the roots it explained.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981,
   Lemma 2.7.
.. [2] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Lemmas 2.7 and 3.3.
"""

from __future__ import annotations

import dataclasses

import networkx as nx

from redblue.analysis.partition import Segment
from redblue.game.strategy import Strategy

__all__ = ["useless_work", "understated_memory", "drop_rows"]


def useless_work(k: int = 7) -> tuple[nx.DiGraph, Strategy, int]:
    """``x -> y_i -> z_i`` (outputs ``z_i``), M = 3: compute every ``y_i`` and drop it
    unused, then compute each ``z_i`` properly.

    The first segment (3 I/Os: load ``x``, store ``z_1``, ``z_2``) holds the first
    computation of every ``y_i``; ``y_3 .. y_k`` and ``z_1, z_2`` have no successor in it:
    ``|Min| = k``. Valid, ``io = k + 1``, peak 3 red pebbles.

    Returns
    -------
    (networkx.DiGraph, Strategy, int)
        The graph, the strategy and M.
    """
    G = nx.DiGraph()
    for i in range(k):
        G.add_edge("x", f"y{i}")
        G.add_edge(f"y{i}", f"z{i}")
        G.nodes[f"z{i}"]["output"] = True
    moves: list[tuple[str, str]] = [("load", "x")]
    for i in range(k):
        moves += [("compute", f"y{i}"), ("delete", f"y{i}")]
    for i in range(k):
        moves += [("compute", f"y{i}"), ("compute", f"z{i}"), ("store", f"z{i}"),
                  ("delete", f"z{i}"), ("delete", f"y{i}")]  # fmt: skip
    return G, Strategy(moves, 3, "classic"), 3


def understated_memory(k: int = 5) -> tuple[nx.DiGraph, Strategy, int]:
    """``a_1 .. a_k -> t``: load every ``a_i``, compute and store ``t`` (``k + 1`` red),
    returned with M = 2. The segment computing ``t`` has ``k`` dominator candidates (red
    at its start plus loaded: every ``a_i``) and a minimum set ``{t}``.

    Returns
    -------
    (networkx.DiGraph, Strategy, int)
        The graph, the strategy (valid with M = k + 1) and the understated M = 2.
    """
    G = nx.DiGraph()
    for i in range(k):
        G.add_edge(f"a{i}", "t")
    G.nodes["t"]["output"] = True
    moves = [("load", f"a{i}") for i in range(k)] + [("compute", "t"), ("store", "t")]
    return G, Strategy(moves, k + 1, "classic"), 2


def drop_rows(segment: Segment, tensor: str = "K") -> Segment:
    """A copy of a segment whose dominator (red at start, loaded) lost every ``tensor``
    input: no longer a dominator of its part when that part needs the tensor."""
    keep = lambda s: {v for v in s if not str(v).startswith(f"{tensor}[")}  # noqa: E731
    return dataclasses.replace(segment, red_at_start=keep(segment.red_at_start),
                               loaded=keep(segment.loaded))  # fmt: skip
