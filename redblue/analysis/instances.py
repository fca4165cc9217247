"""Concrete instances for the proofs: exact optima and schedules.

Exact optima come from :func:`redblue.search.solve` (proven bounds when its time limit
hits), schedules from :func:`redblue.strategies.simulate`. The grids the bounds are
compared on are in :mod:`redblue.analysis.measures`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import networkx as nx

from redblue.errors import InvalidInputError
from redblue.game.strategy import Strategy
from redblue.search import prepare_search_core, solve
from redblue.strategies import simulate

__all__ = ["Exact", "exact", "schedules", "EXACT_ATTENTION", "EXACT_MATMUL", "BLOCK_SCHEDULES"]


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

    The search's kernels are loaded first, outside the limit: ``time_limit`` is the
    search's own, so the answer does not depend on whether this process had loaded them.
    """
    prepare_search_core()
    r = solve(G, memory, time_limit=time_limit)
    lower = r.io if r.optimal else r.lower
    upper = r.io if r.optimal else r.upper
    return Exact(int(lower), int(upper), bool(r.optimal), "search", r.strategy)


BLOCK_SCHEDULES = ("flash1", "flash2", "standard", "tiling")


@functools.lru_cache(maxsize=64)
def schedules(
    n: int, d: int, memory: int, sum: str = "chain", algorithms: tuple[str, ...] = BLOCK_SCHEDULES
) -> dict[str, Any]:
    """``{algorithm: Simulation}`` for each of ``algorithms`` that runs at this point.

    Pass ``algorithms=(..., "greedy")`` for the greedy schedule too (slow on large
    instances).
    """
    out: dict[str, Any] = {}
    for algorithm in algorithms:
        try:
            out[algorithm] = simulate(algorithm, n, d, memory, sum=sum)
        except InvalidInputError:  # the memory is too small for this schedule: skip it
            continue
    return out


#: Attention instances (N, d, M) the search solves in well under a second.
EXACT_ATTENTION = ((1, 1, 3), (1, 1, 4), (1, 2, 3), (1, 2, 4), (1, 2, 6), (2, 1, 8))
#: Matmul instances (m, k, n, M) likewise.
EXACT_MATMUL = ((1, 2, 2, 3), (1, 2, 2, 4), (2, 1, 2, 3), (2, 1, 2, 4), (1, 3, 1, 3), (2, 2, 2, 8))
