# ruff: noqa: E501, E741
"""Theorem 3.5: Algorithm 1 (square tiling) uses O(N^2 d / sqrt(M)) I/O for M <= d^2.

Derivation (B x B tiles, B | N and B | d). Phase 1 reads a Q tile and a K^T tile (2B^2)
for each of (N/B)^2 (d/B) triples: 2N^2 d/B; writes A (N^2) and the row sums (N).
Phase 2 reads the row sums (N) and, for each of (N/B)(d/B)(N/B) triples, an A tile and a
V tile: 2N^2 d/B; writes O (Nd). Total 4N^2 d/B + N^2 + Nd + 2N; with B = sqrt(M)/2 that
is 8N^2 d/sqrt(M) + N^2 + Nd + 2N = O(N^2 d/sqrt(M)) when M <= d^2 (so N^2 <= N^2 d/sqrt(M))
and d <= N (so Nd <= N^2 d / sqrt(M)).

Any N, d, M (the schedule, ``redblue.strategies.tiling``). With T = ceil(N/B) <= N/B + 1
and T_d = ceil(d/B) <= d/B + 1 the counter's 3 T N d + T_d N^2 + N loads and N^2 + N + Nd
stores are at most 4N^2 d/B + 2N^2 + 4Nd + 2N. The tile is B = isqrt(floor(M/4)) (only
B = 1 is ever reduced): for M >= 16, q = floor(M/4) and B = isqrt(q) >= 2 give
4B^2 >= (B + 1)^2 >= q + 1 > M/4, and for 6 <= M < 16, B = 1; so 16 B^2 >= M and

    io <= 16 N^2 d / sqrt(M) + 2N^2 + 4Nd + 2N   for every M >= 6,

checked on a dense grid of the exact counter and on replays.
"""

import sympy

from redblue.analysis.bound_grid import check_bound_on_grid
from redblue.analysis.instances import schedules
from redblue.analysis.measures import (
    DENSE_POINTS,
    REPLAY_POINTS,
    cache_regime,
    check_counters_match_replay,
    counted,
    replayed,
)
from redblue.bounds.compare import compare
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import M, N, d
from redblue.strategies.tiling import tiling_block_size

TITLE = "Theorem 3.5"
CLAIM = "Algorithm 1 uses <= 16 N^2 d/sqrt(M) + 2N^2 + 4Nd + 2N I/O for every M >= 6: O(N^2 d / sqrt(M)) for M <= d^2, d <= N"
REGIME = ("M <= d**2", "d <= N")


def run(p: Proof) -> None:
    B = sympy.Symbol("B", positive=True)
    count = 4 * N**2 * d / B + N**2 + N * d + 2 * N
    p.identity("phase 1 + phase 2 reads: 2 (2B^2)(N/B)^2(d/B) = 4N^2 d/B", 2 * (2 * B**2) * (N / B) ** 2 * (d / B), 4 * N**2 * d / B)
    with_b = count.subs(B, sympy.sqrt(M) / 2)
    p.identity("B = sqrt(M)/2 gives 8N^2 d/sqrt(M) + N^2 + Nd + 2N", with_b, 8 * N**2 * d / sympy.sqrt(M) + N**2 + N * d + 2 * N)
    target = N**2 * d / sympy.sqrt(M)
    p.asymptotic("count = O(N^2 d / sqrt(M))", with_b, target, "O", REGIME)
    out = compare(with_b, target, ["M >= d**2"])
    p.check("regime flipped (M >= d^2): the N^2 term wins, claim fails", not out.O, f"witness {out.witness}")
    for n, dd, m in [(8, 8, 16), (16, 8, 64), (8, 4, 16), (12, 6, 36)]:
        s = schedules(n, dd, m, algorithms=("tiling",)).get("tiling")
        if s is None:
            continue
        b = s.blocks["B"]
        exact_count = 4 * n * n * dd // b + n * n + n * dd + 2 * n
        if n % b or dd % b:
            p.note(f"tiling N={n} d={dd} M={m}: B={b} does not divide N and d; count not exact")
            continue
        p.check(f"tiling N={n} d={dd} M={m} B={b}: io {s.result.io} = count {exact_count}, 4B^2 <= M",
                s.result.io == exact_count and 4 * b * b <= m and s.result.peak_red <= m)  # fmt: skip
    any_size(p)


def block_bound(n: int, dd: int, m: int) -> float:
    b = tiling_block_size(m)
    return 4 * n * n * dd / b + 2 * n * n + 4 * n * dd + 2 * n


def sqrt_bound(n: int, dd: int, m: int) -> float:
    return 16 * n * n * dd / m**0.5 + 2 * n * n + 4 * n * dd + 2 * n


def any_size(p: Proof) -> None:
    """The count for ragged N, d and every M, on the counter grid and on replays."""
    B, q = sympy.symbols("B q", positive=True)
    u = sympy.Symbol("u", nonnegative=True)
    p.nonneg("B >= 1: 4B^2 - (B + 1)^2 >= 0", 4 * B**2 - (B + 1) ** 2, {B: 1 + u})
    small = [m for m in range(6, 1 << 16) if 16 * tiling_block_size(m) ** 2 < m]
    p.check("16 B^2 >= M for every M in 6 .. 65535", not small, f"fails at {small[:3]}" if small else "")
    check_counters_match_replay(p, REPLAY_POINTS, ("tiling",))
    tiled = lambda n, dd, m: counted("tiling", n, dd, m)  # noqa: E731
    rep = lambda n, dd, m: (r.io if (r := replayed("tiling", n, dd, m)) else None)  # noqa: E731
    for name, bound in (("4N^2 d/B + 2N^2 + 4Nd + 2N", block_bound),
                        ("16 N^2 d/sqrt(M) + 2N^2 + 4Nd + 2N", sqrt_bound)):  # fmt: skip
        check_bound_on_grid(p, name, bound, DENSE_POINTS, tiled, kind="upper", regime=cache_regime,
                            source="tiling counter")  # fmt: skip
        check_bound_on_grid(p, name, bound, REPLAY_POINTS, rep, kind="upper", regime=cache_regime,
                            source="tiling replayed")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
