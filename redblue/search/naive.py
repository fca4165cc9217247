"""The naive baseline: Dijkstra over full configurations with every legal move.

A state is ``(red, blue)`` (plus the computed set in no-recompute) as bitsets; the moves
are all strict legal moves of the game (load, store, compute, delete, delete-blue), with
costs 0 and 1, explored by a 0-1 breadth-first search. No pruning at all: this is the
baseline the benchmark compares the primary method against, and a brute-force reference
for small graphs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, DELETE_BLUE, LOAD, STORE
from redblue.search.limits import Limits

__all__ = ["NaiveOutcome", "naive_search"]


@dataclass
class NaiveOutcome:
    lower: int
    upper: int | None
    moves: list[tuple[int, int]] | None
    optimal: bool
    states: int
    stopped: str | None


def naive_search(
    graph: CompiledGraph,
    memory: int,
    no_recompute: bool = False,
    *,
    time_limit: float | None = None,
    state_limit: int | None = None,
    limits: Limits | None = None,
) -> NaiveOutcome:
    """0-1 BFS from the start configuration to any configuration with blue on every output.

    Stops with the distance reached as lower bound after ``time_limit`` seconds or by
    ``limits`` (deadline, Ctrl-C: "time limit", "interrupted"), after ``state_limit``
    expansions, or when its tables would cross a memory limit ("memory limit").
    """
    lim = Limits(time_limit) if limits is None else limits.within(time_limit)
    n = graph.n
    preds = [sum(1 << int(u) for u in graph.predecessors(v)) for v in range(n)]
    inputs = sum(1 << v for v in range(n) if graph.is_input[v])
    outputs = sum(1 << v for v in range(n) if graph.is_output[v])
    start = (0, inputs, 0)
    dist = {start: 0}
    parent: dict[tuple[int, int, int], tuple[tuple[int, int, int], int, int]] = {}
    dq: deque[tuple[int, tuple[int, int, int]]] = deque([(0, start)])
    expanded = 0
    while dq:
        g, state = dq.popleft()
        if dist[state] != g:
            continue
        red, blue, comp = state
        if outputs & ~blue == 0:
            moves = []
            s = state
            while s in parent:
                s, kind, v = parent[s]
                moves.append((kind, v))
            moves.reverse()
            return NaiveOutcome(g, g, moves, True, expanded, None)
        if state_limit is not None and expanded >= state_limit:
            return NaiveOutcome(g, None, None, False, expanded, "state limit")
        expanded += 1
        why = lim.reason()  # each expansion tries O(n) moves: the clock costs nothing
        if why is None and expanded & 4095 == 0 and lim.memory.exceeded(200 * len(dist)):
            why = "memory limit"  # (a dict doubling, states of about 200 bytes)
        if why is not None:
            return NaiveOutcome(g, None, None, False, expanded, why)
        full = red.bit_count() >= memory
        for v in range(n):
            bit = 1 << v
            nexts = []
            if red & bit:
                nexts.append((0, (red & ~bit, blue, comp), DELETE))
                if not blue & bit:
                    nexts.append((1, (red, blue | bit, comp), STORE))
            elif not full:
                if blue & bit:
                    nexts.append((1, (red | bit, blue, comp), LOAD))
                if not inputs & bit and preds[v] & ~red == 0 and not (no_recompute and comp & bit):
                    ncomp = comp | bit if no_recompute else 0
                    nexts.append((0, (red | bit, blue, ncomp), COMPUTE))
            if blue & bit:
                nexts.append((0, (red, blue & ~bit, comp), DELETE_BLUE))
            for cost, nxt, kind in nexts:
                ng = g + cost
                old = dist.get(nxt)
                if old is None or ng < old:
                    dist[nxt] = ng
                    parent[nxt] = (state, kind, v)
                    if cost:
                        dq.append((ng, nxt))
                    else:
                        dq.appendleft((ng, nxt))
    return NaiveOutcome(0, None, None, False, expanded, "no complete calculation")
