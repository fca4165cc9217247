"""Concrete instances for the proofs: exact optima and schedules, where available.

Uses :func:`redblue.search.solve` for exact optima and :func:`redblue.strategies.simulate`
for the FlashAttention-family schedules when those packages are present, and the greedy
schedule otherwise, so every proof runs with what the checkout has.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import networkx as nx

from redblue.game import replay
from redblue.game.strategy import Strategy
from redblue.strategies.greedy import greedy_strategy

__all__ = ["Exact", "exact", "schedules", "HAVE_SEARCH", "HAVE_SCHEDULES"]

try:  # issue 7: exact search
    from redblue.search import solve as _solve

    HAVE_SEARCH = True
except ImportError:  # pragma: no cover - depends on the checkout
    _solve = None
    HAVE_SEARCH = False

try:  # issue 4: FlashAttention-family schedules
    from redblue.strategies import simulate as _simulate

    HAVE_SCHEDULES = True
except ImportError:  # pragma: no cover - depends on the checkout
    _simulate = None
    HAVE_SCHEDULES = False


@dataclass
class Exact:
    """What the search proved: ``lower <= Q(G, M) <= upper`` (equal when ``optimal``)."""

    lower: int
    upper: int
    optimal: bool
    method: str
    strategy: Strategy | None = None


def exact(G: nx.DiGraph, memory: int, time_limit: float = 3.0) -> Exact:
    """Exact optimum by the search when it finishes in ``time_limit``, else proven bounds.

    Without the search package: lower 0, upper the greedy schedule's I/O.
    """
    if _solve is not None:
        r = _solve(G, memory, time_limit=time_limit)
        lower = r.io if r.optimal else (r.lower or 0)
        upper = r.io if r.optimal else r.upper
        return Exact(int(lower), int(upper), bool(r.optimal), "search", r.strategy)
    s = greedy_strategy(G, memory)
    return Exact(0, replay(G, s).io, False, "greedy", s)


BLOCK_SCHEDULES = ("flash1", "flash2", "standard", "tiling")


@functools.lru_cache(maxsize=64)
def schedules(
    n: int, d: int, memory: int, sum: str = "chain", algorithms: tuple[str, ...] = BLOCK_SCHEDULES
) -> dict[str, Any]:
    """``{algorithm: Simulation}`` for each of ``algorithms`` that runs at this point.

    Empty if the schedules package is absent. Pass ``algorithms=(..., "greedy")`` for the
    greedy schedule too (slow on large instances).
    """
    out: dict[str, Any] = {}
    if _simulate is None:
        return out
    for algorithm in algorithms:
        try:
            out[algorithm] = _simulate(algorithm, n, d, memory, sum=sum)
        except Exception:  # noqa: BLE001 - a schedule that cannot run at this M is skipped
            continue
    return out


#: Attention instances (N, d, M) the search solves in well under a second.
EXACT_ATTENTION = ((1, 1, 3), (1, 1, 4), (1, 2, 3), (1, 2, 4), (1, 2, 6), (2, 1, 8))
#: Matmul instances (m, k, n, M) likewise.
EXACT_MATMUL = ((1, 2, 2, 3), (1, 2, 2, 4), (2, 1, 2, 3), (2, 1, 2, 4), (1, 3, 1, 3), (2, 2, 2, 8))
#: Points (N, d, M) where the block schedules run quickly, large and small cache.
SCHEDULE_POINTS = ((8, 2, 24), (8, 2, 48), (16, 4, 64), (8, 8, 16))


def best_schedule(n: int, d: int, memory: int) -> tuple[str, int] | None:
    """The cheapest schedule at a point, as ``(algorithm, io)`` (greedy if nothing else)."""
    sims = schedules(n, d, memory)
    if not sims:
        from redblue.dags import attention_dag

        G = attention_dag(n, d)
        return "greedy", replay(G, greedy_strategy(G, memory)).io
    name = min(sims, key=lambda a: sims[a].result.io)
    return name, sims[name].result.io
