"""What the schedules cost on grids of instances: replayed moves and exact block counters.

A lower bound is only tested where it is compared with something it could exceed. The
proofs compare each explicit bound with the cheapest known schedule at many points:

* :func:`replayed` runs a schedule's moves through the replay kernel (a verified
  strategy; feasible for N up to about 64) and keeps only the numbers, so a grid of
  replays shared by several proof scripts costs its time once per process;
* :func:`counted` is the schedule's closed-form block counter
  (:func:`redblue.strategies.count_io`, microseconds at any N), which the test-suite and
  :func:`check_counters_match_replay` prove equal to the replay.

References
----------
.. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Theorems 3.2 and 3.5 (the schedules), Lemma 3.4 and
   Theorems 3.7, 4.8, 4.14 (the lower bounds they are compared with).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from redblue.analysis.bound_grid import check_bound_on_grid
from redblue.errors import InvalidInputError

__all__ = [
    "Replayed",
    "replayed",
    "counted",
    "best_replayed",
    "best_counted",
    "matmul_counted",
    "matmul_replayed",
    "cache_regime",
    "attention_points",
    "REPLAY_POINTS",
    "COUNTER_POINTS",
    "DENSE_POINTS",
    "MATMUL_REPLAY_POINTS",
    "MATMUL_COUNTER_POINTS",
    "check_counters_match_replay",
]

#: The block schedules with exact counters.
SCHEDULES = ("flash1", "flash2", "standard", "tiling")


@dataclass(frozen=True)
class Replayed:
    """A schedule's moves replayed: I/O, peak red pebbles and the block sizes used."""

    algorithm: str
    io: int
    peak_red: int
    blocks: tuple[tuple[str, int], ...]

    def block(self, name: str) -> int:
        """One block size (``B_r``, ``T_c``, ``B``...)."""
        return dict(self.blocks)[name]


@functools.lru_cache(maxsize=2)
def _graph(n: int, d: int, normalize: str):
    """The compiled chain-sum DAG the schedules run on; kept for the next M at this (N, d)."""
    from redblue.dags import attention_dag
    from redblue.game import compile_graph

    return compile_graph(attention_dag(n, d, sum="chain", normalize=normalize, max_nodes=None))


@functools.cache
def replayed(algorithm: str, n: int, d: int, memory: int) -> Replayed | None:
    """Replay ``algorithm`` at ``(N, d, M)`` (chain sums); None if M is too small for it.

    The moves are :func:`redblue.strategies.schedule_moves`, replayed by
    :func:`redblue.game.replay` (which raises on any illegal move); only the numbers are
    kept.
    """
    from redblue.game import replay
    from redblue.strategies.upper_bounds import block_sizes, schedule_moves

    try:
        blocks = block_sizes(algorithm, n, d, memory)
    except InvalidInputError:
        return None
    graph = _graph(n, d, "early" if algorithm == "standard" else "late")
    r = replay(graph, schedule_moves(algorithm, graph, n, d, memory), memory)
    return Replayed(algorithm, int(r.io), int(r.peak_red), tuple(sorted(blocks.items())))


@functools.cache
def counted(algorithm: str, n: int, d: int, memory: int) -> int | None:
    """The block counter's I/O at ``(N, d, M)``; None if M is too small for the schedule."""
    from redblue.strategies import count_io

    try:
        return int(count_io(algorithm, n, d, memory).io)
    except InvalidInputError:
        return None


def _best(values: Iterable[tuple[int | None, str]]) -> tuple[int, str] | None:
    known = [(io, name) for io, name in values if io is not None]
    return min(known) if known else None


def best_replayed(
    n: int, d: int, memory: int, algorithms: tuple[str, ...] = SCHEDULES
) -> tuple[int, str] | None:
    """The cheapest replayed schedule at a point, ``(io, algorithm)``, or None."""
    runs = ((replayed(a, n, d, memory), a) for a in algorithms)
    return _best((r.io if r is not None else None, a) for r, a in runs)


def best_counted(
    n: int, d: int, memory: int, algorithms: tuple[str, ...] = SCHEDULES
) -> tuple[int, str] | None:
    """The cheapest schedule at a point by the exact counters, ``(io, algorithm)``, or None."""
    return _best((counted(a, n, d, memory), a) for a in algorithms)


@functools.cache
def matmul_counted(m: int, k: int, n: int, memory: int) -> int | None:
    """The tiled matmul counter (:func:`redblue.strategies.matmul.matmul_io`), or None."""
    from redblue.strategies.matmul import matmul_io

    try:
        return int(matmul_io(m, k, n, memory).io)
    except InvalidInputError:
        return None


@functools.cache
def matmul_replayed(m: int, k: int, n: int, memory: int) -> int | None:
    """The tiled matmul schedule replayed on ``matmul_dag(m, k, n, sum="chain")``, or None."""
    from redblue.dags import matmul_dag
    from redblue.game import compile_graph, replay
    from redblue.strategies import matmul_moves

    graph = compile_graph(matmul_dag(m, k, n, sum="chain"))
    try:
        moves = matmul_moves(graph, m, k, n, memory, sum="chain")
    except InvalidInputError:
        return None
    r = replay(graph, moves, memory=memory)
    return int(r.io) if r.peak_red <= memory else None


def cache_regime(n: int, d: int, memory: int) -> str:
    """The regime of Theorem 3.1 a point lies in (as the proofs split their reports)."""
    if 8 * memory <= d * d:
        return "M <= d^2/8"
    if memory < d * d:
        return "d^2/8 < M < d^2"
    if memory < 2 * d * d:
        return "d^2 <= M < 2d^2"
    return "M >= 2d^2"


def attention_points(
    ns: Iterable[int], ds: Iterable[int], memories: Iterable[int]
) -> tuple[tuple[int, int, int], ...]:
    """Every ``(N, d, M)`` of the product, as a tuple."""
    ms = tuple(memories)
    dd = tuple(ds)
    return tuple((n, d, m) for n in ns for d in dd for m in ms)


def _geometric(lo: int, hi: int, steps_per_doubling: int = 4) -> list[int]:
    out, e = set(), 0
    while True:
        v = round(lo * 2 ** (e / steps_per_doubling))
        if v > hi:
            return sorted(out)
        out.add(v)
        e += 1


#: Replayed points: small N densely, a few up to N = 64 with d = 1 (where the large-cache
#: bound comes closest to the schedules); about 10 s of replay, shared by the proof scripts.
REPLAY_POINTS: tuple[tuple[int, int, int], ...] = (
    attention_points((4, 8, 12, 16), (1,), (8, 9, 11, 16, 23, 32))
    + attention_points((24, 32, 42), (1,), (9, 16, 23))
    + ((64, 1, 23), (64, 1, 48))
    + attention_points((4, 8, 16), (2,), (6, 12, 16, 24, 48))
    + ((32, 2, 24),)
    + attention_points((8, 12), (3,), (6, 11, 16, 27, 40))
    + attention_points((4, 8, 14, 16), (4,), (6, 9, 14, 15, 19, 20, 29, 36, 64, 128))
    + attention_points((8, 12), (6,), (6, 9, 16, 23, 31, 37, 72))
    + attention_points((8, 16), (8,), (6, 8, 16, 36, 64, 200))
)

#: Counted points: N up to 4096, d up to 128, M geometric from 4 to 2^17 (about 13,000
#: points with a schedule; under a second).
COUNTER_POINTS: tuple[tuple[int, int, int], ...] = attention_points(
    (2, 3, 4, 6, 8, 12, 14, 16, 24, 32, 42, 48, 64, 96, 128, 256, 512, 1024, 4096),
    (1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128),
    _geometric(4, 1 << 17),
)

#: Dense points for the upper bounds of Theorems 3.2 and 3.5: every d <= 12, N of all sizes
#: up to 64 and beyond, every M just above the schedules' smallest and then geometric
#: (about 40,000 points; counters only, a second).
DENSE_POINTS: tuple[tuple[int, int, int], ...] = tuple(
    (nn, dd, mm_)
    for dd in range(1, 13)
    for nn in (*range(1, 65, 3), 64, 100, 255, 256, 1000, 4096)
    for mm_ in sorted({*range(4 * dd + 2, 4 * dd + 40), *_geometric(6, 1 << 16, 3)})
)

#: Tiled matmul, replayed and counted: (m, k, n, M).
MATMUL_REPLAY_POINTS: tuple[tuple[int, int, int, int], ...] = tuple(
    (m, k, n, mem)
    for m, k, n in ((4, 4, 4), (8, 8, 8), (8, 2, 8), (16, 4, 16), (12, 16, 12), (16, 16, 16))
    for mem in (5, 6, 8, 12, 18, 32, 64)
)
MATMUL_COUNTER_POINTS: tuple[tuple[int, int, int, int], ...] = tuple(
    (m, k, n, mem)
    for m in (1, 2, 4, 8, 16, 64, 256, 1024)
    for k in (1, 2, 4, 8, 32, 128, 1024)
    for n in (1, 4, 16, 64, 256, 1024)
    for mem in _geometric(5, 1 << 14, 2)
)


def check_counters_match_replay(p, points, algorithms: tuple[str, ...] = SCHEDULES) -> bool:
    """Record one step: at every replayed point each counter equals the replayed I/O and
    the replay stayed within M red pebbles.

    Parameters
    ----------
    p : redblue.bounds.proof.Proof
    points : iterable of (N, d, M)
    algorithms : tuple of str

    Returns
    -------
    bool
        Whether the step passed.

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024, Theorems 3.2 and 3.5: the counts the counters
       implement are the schedules' I/O only if they equal the verified replay.
    """
    bad, runs = [], 0
    for n, d, m in points:
        for a in algorithms:
            r = replayed(a, n, d, m)
            c = counted(a, n, d, m)
            if r is None and c is None:
                continue
            runs += 1
            if r is None or c is None or r.io != c or r.peak_red > m:
                bad.append(f"{a} N={n} d={d} M={m}: replay {r and r.io}, counter {c}")
    return p.check(
        f"block counters = replayed I/O (peak red <= M) on {runs} schedule runs",
        not bad and runs > 0,
        "; ".join(bad[:3]) or f"{runs} runs agree",
    )


def check_lower_bound_on_schedules(p, name: str, bound) -> None:
    """Check a lower bound ``bound(n, d, M)`` below the best attention schedule on both
    grids: replayed moves on :data:`REPLAY_POINTS`, exact counters on
    :data:`COUNTER_POINTS` (see :func:`redblue.analysis.bound_grid.check_bound_on_grid`)."""
    check_bound_on_grid(p, name, bound, REPLAY_POINTS, best_replayed, regime=cache_regime,
                        source="best replayed schedule")  # fmt: skip
    check_bound_on_grid(p, name, bound, COUNTER_POINTS, best_counted, regime=cache_regime,
                        source="best counted schedule")  # fmt: skip
