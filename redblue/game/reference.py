"""A plain-dictionary replay: the slow, obviously correct reference.

:func:`replay_reference` keeps the configuration in Python sets and looks predecessors
up in the networkx graph. It shares no code with the compiled replay, so the two
cross-check each other in the tests, and it is the baseline of
``benchmarks/replay_speed.py``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import networkx as nx

from redblue.errors import IllegalMoveError, InvalidInputError

__all__ = ["replay_reference"]

_KINDS = frozenset(("load", "store", "compute", "delete", "delete-blue"))


def replay_reference(
    G: nx.DiGraph,
    moves: Iterable[Sequence[Any]],
    memory: int,
    variant: str = "classic",
    *,
    check_outputs: bool = True,
) -> dict[str, int]:
    """Replay ``moves`` on ``G`` with dictionaries and sets; same rules as ``replay``.

    Returns
    -------
    dict
        ``loads``, ``stores``, ``io``, ``peak_red``, ``computes``, ``recomputations``.

    Raises
    ------
    IllegalMoveError
        At the first illegal move (same index and rule as :func:`redblue.game.replay`).
    InvalidInputError
        For an unknown node or move kind, or an unknown variant.
    """
    if variant not in ("classic", "no-recompute"):
        raise InvalidInputError(f"unknown game variant {variant!r}")
    inputs = {v for v in G if G.in_degree(v) == 0}
    outputs = [v for v in G if G.nodes[v].get("output")] or [
        v for v in G if G.out_degree(v) == 0
    ]
    red: set[Hashable] = set()
    blue: set[Hashable] = set(inputs)
    computed_at: dict[Hashable, int] = {}
    stats = dict(loads=0, stores=0, computes=0, recomputations=0, peak_red=0)
    t = -1
    for t, (kind, v) in enumerate(moves):
        if kind not in _KINDS:
            raise InvalidInputError(f"move {t}: unknown move kind {kind!r}")
        if v not in G:
            raise InvalidInputError(f"move {t}: {kind} {v}: unknown node {v!r}")
        broken = _violation(G, kind, v, red, blue, inputs, computed_at, variant, memory)
        if broken is not None:
            raise IllegalMoveError(t, kind, v, *broken)
        if kind == "load":
            red.add(v)
            stats["loads"] += 1
        elif kind == "compute":
            red.add(v)
            stats["computes"] += 1
            if v in computed_at:
                stats["recomputations"] += 1
            else:
                computed_at[v] = t
        elif kind == "store":
            blue.add(v)
            stats["stores"] += 1
        elif kind == "delete":
            red.remove(v)
        else:
            blue.remove(v)
        stats["peak_red"] = max(stats["peak_red"], len(red))
    if check_outputs:
        for v in outputs:
            if v not in blue:
                raise IllegalMoveError(
                    t + 1, None, v, "end condition", f"output {v} holds no blue pebble"
                )
    stats["io"] = stats["loads"] + stats["stores"]
    return stats


def _violation(
    G: nx.DiGraph,
    kind: str,
    v: Hashable,
    red: set[Hashable],
    blue: set[Hashable],
    inputs: set[Hashable],
    computed_at: dict[Hashable, int],
    variant: str,
    memory: int,
) -> tuple[str, str] | None:
    """The (rule, reason) a move breaks in this configuration, or None if it is legal."""
    if kind == "load":
        if v not in blue:
            return "R1 load", "it holds no blue pebble"
        if v in red:
            return "R1 load", "it already holds a red pebble"
    elif kind == "compute":
        if v in inputs:
            return "R3 compute", "it is an input; inputs are loaded, not computed"
        if v in red:
            return "R3 compute", "it already holds a red pebble"
        for u in G.predecessors(v):
            if u not in red:
                return "R3 compute", f"predecessor {u} holds no red pebble"
        if v in computed_at and variant == "no-recompute":
            return "no recomputation", f"it was already computed at move {computed_at[v]}"
    elif kind == "store":
        if v not in red:
            return "R2 store", "it holds no red pebble"
        if v in blue:
            return "R2 store", "it already holds a blue pebble"
        return None
    elif kind == "delete":
        return None if v in red else ("R4 delete", "it holds no red pebble")
    else:  # delete-blue
        return None if v in blue else ("R4 delete", "it holds no blue pebble")
    if len(red) >= memory:  # load and compute add a red pebble
        return "red-pebble limit", f"no free red pebble ({len(red)} of M = {memory} in use)"
    return None
