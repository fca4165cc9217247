# ruff: noqa: E501
"""The attention backward pass (Li, Liang, Shi, Song et al., arXiv:2410.09397): what can be checked.

Li et al. prove Theta(min((N^2 d^2 + N d^3)/M, (N^2 d + N d^2)/sqrt(M))) I/O for the
backward pass. redblue does NOT re-prove their lower bounds. This script checks:

Proven here (symbolic, every N, d, M):
* the regime switch: the large-cache term is the small-cache term times d/sqrt(M), so the
  two are equal exactly at M = d^2 (both N^2 + Nd) and the min is the first term iff
  M >= d^2;
* the two schedules' I/O is within a stated constant of the bound in its regime.
  FlashAttention-2 backward (``redblue.strategies.flash_backward``): c = 4 working values
  (chain), b = floor((M - c)/(7d + 2)) >= 1. The key block is B_c >= min(N, b): if the
  published sizes fit, B_c = min(N, ceil(M/4d)) >= min(N, b); if B_c is shrunk to
  floor((M - c - B_r (3d + 2))/4d) >= B_r, it is >= b (when B_r <= b the numerator is
  >= b (7d + 2) - b (3d + 2) = 4db); otherwise B_r <= b and B_c is the smaller of
  min(N, ceil(M/4d)) and that floor with B_r <= b, both >= min(N, b). With M >= 7d + 6,
  x = (M - c)/(7d + 2) >= M/(7d + 6) >= M/(13d) and floor(x) >= x/2, so B_c >= M/(26d)
  unless B_c = N (T_c = 1). The count 3Nd + T_c (4Nd + 2N), T_c <= 26Nd/M + 1, is then
  <= 9Nd + 156 N^2 d^2/M, and <= 165 (N^2 d^2 + N d^3)/M when M <= Nd.
  Square tiling backward (``redblue.strategies.tiling_backward``): B is the largest tile
  with 4B^2 + 2B + c <= M (c <= 2), so M < 4(B+1)^2 + 2(B+1) + 2 <= 22 B^2 and
  B > sqrt(M/22) > sqrt(M)/5. The count 7TNd + 3T_d N^2 + 2N^2 + 2N + 3Nd with
  T <= N/B + 1, T_d <= d/B + 1 is <= 10 N^2 d/B + 5N^2 + 10Nd + 2N
  <= 50 N^2 d/sqrt(M) + 5N^2 + 12Nd, and <= 55 (N^2 d + N d^2)/sqrt(M) when M <= d^2.

Consistency checks (finite grids, exact there):
* both block counters equal the replayed I/O, move by move, on small grids;
* the explicit bounds above hold on dense grids of the counters and on the replays,
  with the least ratio bound / io per regime;
* FlashAttention-2's backward count and the tiling count cross between M = d^2 and
  M = 2d^2 at the sizes listed (the tiling is cheaper at every M <= d^2 where both run,
  FlashAttention-2 at every M >= 2d^2 up to min(16 d^2, Nd)).
"""

import functools
import math

import sympy

from redblue.analysis.bound_grid import check_bound_on_grid
from redblue.bounds.backward import (
    BACKWARD_ALGORITHMS,
    LARGE_CACHE,
    SMALL_CACHE,
    backward_regime,
    regime_switch_holds,
)
from redblue.bounds.compare import compare
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import M, N, d
from redblue.errors import InvalidInputError

TITLE = "Backward pass (Li et al.)"
CLAIM = "the regime switch of Theta(min((N^2 d^2 + N d^3)/M, (N^2 d + N d^2)/sqrt(M))) at M = d^2; FlashAttention-2 backward (chain sums) <= 165 (N^2 d^2 + N d^3)/M for d^2 <= M <= Nd, square-tiling backward <= 55 (N^2 d + N d^2)/sqrt(M) for M <= d^2 (the lower bounds are Li et al.'s, not re-proved)"
REGIME = ()

NS = (1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128, 256, 1024, 4096)
DS = (1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128)


def _geometric(lo: int, hi: int) -> list[int]:
    out, e = set(), 0
    while (v := round(lo * 2 ** (e / 4))) <= hi:
        out.add(v)
        e += 1
    return sorted(out | {lo, hi})


DENSE = tuple((n, dd, m) for n in NS for dd in DS for m in _geometric(7, 1 << 17))
REPLAY = tuple(
    [(n, dd, m) for n in (1, 3, 5, 8) for dd in (1, 2, 3) for m in (8, 20, 27, 300)]
    + [(12, 4, m) for m in (8, 16, 22, 44, 100)]
    + [(16, 8, m) for m in (44, 62, 64, 128)]
)


@functools.lru_cache(maxsize=2)
def _graph(n: int, dd: int, shape: str):
    from redblue.dags import attention_backward_dag
    from redblue.game import compile_graph

    return compile_graph(attention_backward_dag(n, dd, sum=shape, max_nodes=None))


def _schedules():
    from redblue.strategies.flash_backward import flash2_backward_io, flash2_backward_moves
    from redblue.strategies.tiling_backward import tiling_backward_io, tiling_backward_moves

    return {"flash2-backward": (flash2_backward_moves, flash2_backward_io),
            "tiling-backward": (tiling_backward_moves, tiling_backward_io)}  # fmt: skip


@functools.cache
def counted(alg: str, n: int, dd: int, m: int, shape: str = "chain") -> int | None:
    try:
        return int(_schedules()[alg][1](n, dd, m, sum=shape).io)
    except InvalidInputError:
        return None


@functools.cache
def replayed(alg: str, n: int, dd: int, m: int, shape: str = "chain"):
    """(io, peak red) of the replayed moves, or None if M is too small."""
    from redblue.game import replay

    moves_fn = _schedules()[alg][0]
    graph = _graph(n, dd, shape)
    try:
        moves = moves_fn(graph, n, dd, m, sum=shape)
    except InvalidInputError:
        return None
    r = replay(graph, moves, m)
    return int(r.io), int(r.peak_red)


def fa2_bound(n: int, dd: int, m: int) -> float:
    return 9 * n * dd + 156 * n * n * dd * dd / m


def tiling_bound(n: int, dd: int, m: int) -> float:
    return 50 * n * n * dd / math.sqrt(m) + 5 * n * n + 12 * n * dd


def run(p: Proof) -> None:
    switch(p)
    counts(p)
    crossing(p)


def switch(p: Proof) -> None:
    """The regime switch, symbolically."""
    s, u = sympy.Symbol("s", positive=True), sympy.Symbol("u", nonnegative=True)
    p.identity("large-cache term at M = d^2 is N^2 + Nd", LARGE_CACHE.subs(M, d**2), N**2 + N * d)
    p.identity("small-cache term at M = d^2 is N^2 + Nd", SMALL_CACHE.subs(M, d**2), N**2 + N * d)
    p.identity("large = (d / sqrt(M)) small, for every M", LARGE_CACHE, d / sympy.sqrt(M) * SMALL_CACHE)
    p.nonneg("M >= d^2 (M = (d + u)^2): small - large >= 0, the min is the large-cache term",
             SMALL_CACHE - LARGE_CACHE, {M: (d + u) ** 2})  # fmt: skip
    p.nonneg("M <= d^2 (M = s^2, d = s + u): large - small >= 0, the min is the small-cache term",
             (LARGE_CACHE - SMALL_CACHE).subs(M, s**2).subs(d, s + u))  # fmt: skip
    bad = [b for b in ("2*d**2", "d**2/2", "d", "N*d", "d**3") if regime_switch_holds(b)]
    p.check("the terms are unequal at M = 2d^2, d^2/2, d, Nd, d^3 (the switch is at d^2 only)",
            regime_switch_holds("d**2") and not bad, f"equal at {bad}" if bad else "")  # fmt: skip
    both = sympy.Min(LARGE_CACHE, SMALL_CACHE)
    p.asymptotic("min(...) = Theta(large-cache term)", both, LARGE_CACHE, "Theta", ["M >= d**2"])
    p.asymptotic("min(...) = Theta(small-cache term)", both, SMALL_CACHE, "Theta", ["M <= d**2"])


def counts(p: Proof) -> None:
    """The schedules' counts against the bound: algebra, then replays and counters."""
    u, v = sympy.Symbol("u", nonnegative=True), sympy.Symbol("v", nonnegative=True)
    B, Bc = sympy.symbols("B B_c", positive=True)
    fa2 = BACKWARD_ALGORITHMS["flash2-backward"]
    tiling = BACKWARD_ALGORITHMS["tiling-backward"]
    x = (M - 4) / (7 * d + 2)
    w = sympy.Symbol("w", nonnegative=True)  # d = 1 + w: d is a whole number >= 1
    p.nonneg("x = (M - 4)/(7d + 2) >= M/(13d) for M >= 7d + 6 (M = 7d + 6 + u, d = 1 + w)",
             (x - M / (13 * d)).subs(M, 7 * d + 6 + u), {d: 1 + w})  # fmt: skip
    p.nonneg("T_c <= 26Nd/M + 1: 3Nd + T_c (4Nd + 2N) <= 9Nd + 156 N^2 d^2/M",
             9 * N * d + 156 * N**2 * d**2 / M - (3 * N * d + (26 * N * d / M + 1) * (4 * N * d + 2 * N)),
             {d: 1 + w})  # fmt: skip
    p.nonneg("9Nd + 156 N^2 d^2/M <= 165 (N^2 d^2 + N d^3)/M when M <= Nd (N = (M + v)/d)",
             165 * LARGE_CACHE - fa2_bound_expr(), {N: (M + v) / d})  # fmt: skip
    p.nonneg("B >= 1: 22B^2 - (4(B+1)^2 + 2(B+1) + 2) >= 0 (B = 1 + u)",
             22 * B**2 - (4 * (B + 1) ** 2 + 2 * (B + 1) + 2), {B: 1 + u})  # fmt: skip
    t_bound = 7 * (N / B + 1) * N * d + 3 * (d / B + 1) * N**2 + 2 * N**2 + 2 * N + 3 * N * d
    p.identity("T <= N/B + 1, T_d <= d/B + 1: the count is <= 10N^2 d/B + 5N^2 + 10Nd + 2N",
               t_bound, 10 * N**2 * d / B + 5 * N**2 + 10 * N * d + 2 * N)  # fmt: skip
    p.nonneg("with B >= sqrt(M)/5: <= 50 N^2 d/sqrt(M) + 5N^2 + 12Nd",
             50 * N**2 * d / sympy.sqrt(M) + 5 * N**2 + 12 * N * d - (10 * N**2 * d / B + 5 * N**2 + 10 * N * d + 2 * N),
             {B: sympy.sqrt(M) / 5 + u, d: 1 + w})  # fmt: skip
    s = sympy.Symbol("s", positive=True)
    small_bound = 50 * N**2 * d / sympy.sqrt(M) + 5 * N**2 + 12 * N * d
    p.nonneg("<= 55 (N^2 d + N d^2)/sqrt(M) when M <= d^2 (M = s^2, d = s + u)",
             (55 * SMALL_CACHE - small_bound).subs(M, s**2).subs(d, s + u))  # fmt: skip
    fa2_any = fa2.subs(Bc, M / (26 * d))
    tiling_any = tiling.subs(B, sympy.sqrt(M) / 5)
    p.asymptotic("FlashAttention-2 backward count (B_c = M/26d) = O(large-cache term)", fa2_any, LARGE_CACHE, "O", ["M >= d**2", "M <= N*d"])
    p.asymptotic("tiling backward count (B = sqrt(M)/5) = O(small-cache term)", tiling_any, SMALL_CACHE, "O", ["M <= d**2"])
    out = compare(fa2_any, SMALL_CACHE, ["M <= d**2", "M <= N*d"])
    p.check("FlashAttention-2 backward is not O(small-cache term) for M <= d^2 (suboptimal there)", not out.O, f"witness {out.witness}")
    out = compare(tiling_any, LARGE_CACHE, ["M >= d**2", "M <= N*d"])
    p.check("the tiling backward is not O(large-cache term) for M >= d^2 (its N^2 term)", not out.O, f"witness {out.witness}")
    # -- instances
    bad, k = [], 0
    from redblue.strategies.flash_backward import flash2_backward_block_sizes
    for n, dd, m in DENSE:
        if m < 7 * dd + 6:
            continue
        k += 1
        _, bc = flash2_backward_block_sizes(n, dd, m)
        if bc < min(n, (m - 4) // (7 * dd + 2)):
            bad.append((n, dd, m, bc))
    p.check(f"B_c >= min(N, floor((M - 4)/(7d + 2))) at {k} points", not bad and k > 0, f"{bad[:3]}")
    runs, wrong = 0, []
    for n, dd, m in REPLAY:
        for alg in ("flash2-backward", "tiling-backward"):
            for shape in ("chain", "fma") if n <= 5 else ("chain",):
                r, c = replayed(alg, n, dd, m, shape), counted(alg, n, dd, m, shape)
                if r is None and c is None:
                    continue
                runs += 1
                if r is None or c is None or r[0] != c or r[1] > m:
                    wrong.append((alg, shape, n, dd, m, r, c))
    p.check(f"counters equal the replayed I/O, peak red <= M, at {runs} replays (chain and fma)",
            not wrong and runs > 0, f"{wrong[:3]}")  # fmt: skip
    for alg, bound, text, in_regime in (
        ("flash2-backward", fa2_bound, "9Nd + 156 N^2 d^2/M", lambda n, dd, m: True),
        ("flash2-backward", lambda n, dd, m: 165 * (n * n * dd * dd + n * dd**3) / m,
         "165 (N^2 d^2 + N d^3)/M [d^2 <= M <= Nd]", lambda n, dd, m: dd * dd <= m <= n * dd),
        ("tiling-backward", tiling_bound, "50 N^2 d/sqrt(M) + 5N^2 + 12Nd", lambda n, dd, m: True),
        ("tiling-backward", lambda n, dd, m: 55 * (n * n * dd + n * dd * dd) / math.sqrt(m),
         "55 (N^2 d + N d^2)/sqrt(M) [M <= d^2]", lambda n, dd, m: m <= dd * dd),
    ):
        def cnt(n, dd, m, a=alg, ok=in_regime):
            return counted(a, n, dd, m, "chain") if ok(n, dd, m) else None

        def rep(n, dd, m, a=alg, ok=in_regime):
            r = replayed(a, n, dd, m, "chain") if ok(n, dd, m) else None
            return None if r is None else r[0]

        check_bound_on_grid(p, text, bound, DENSE, cnt, kind="upper", regime=backward_regime,
                            source=f"{alg} counter")  # fmt: skip
        check_bound_on_grid(p, text, bound, REPLAY, rep, kind="upper", regime=backward_regime,
                            source=f"{alg} replayed")  # fmt: skip


def fa2_bound_expr():
    return 9 * N * d + 156 * N**2 * d**2 / M


CROSS = ((64, 8), (128, 8), (256, 16), (1024, 32), (1024, 64), (4096, 128))


def crossing(p: Proof) -> None:
    """FlashAttention-2's backward count against the tiling count around M = d^2."""
    for n, dd in CROSS:
        low = [m for m in range(7 * dd + 6, dd * dd + 1)]
        high = list(range(2 * dd * dd, min(16 * dd * dd, n * dd) + 1, max(1, dd * dd // 8)))
        tiling_wins = [m for m in low if counted("tiling-backward", n, dd, m) < counted("flash2-backward", n, dd, m)]
        fa2_wins = [m for m in high if counted("flash2-backward", n, dd, m) < counted("tiling-backward", n, dd, m)]
        at = {f: (counted("flash2-backward", n, dd, int(f * dd * dd)), counted("tiling-backward", n, dd, int(f * dd * dd)))
              for f in (1, 2)}  # fmt: skip
        p.check(f"N={n} d={dd}: tiling < FlashAttention-2 at all {len(low)} M in [7d+6, d^2], "
                f"FlashAttention-2 < tiling at all {len(high)} M in [2d^2, min(16d^2, Nd)]",
                bool(low) and bool(high) and len(tiling_wins) == len(low) and len(fa2_wins) == len(high),
                f"(flash2, tiling) at M = d^2: {at[1]}, at 2d^2: {at[2]}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
