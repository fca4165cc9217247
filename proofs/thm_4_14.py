# ruff: noqa: E501, E741
"""Theorem 4.14 (with Lemmas 4.9-4.13): binary inputs need
Omega(min(N^2 d^2 / (M log^2 N), N^2)) I/O.

Lemmas 4.9-4.13 are not restated here; this script checks the facts they rest on:
(4.9-4.10) the parity-check matrix H of the binary BCH code of length N = 2^m - 1 and
designed distance 2t + 1 has mt rows, and its columns, any 2t of them, are independent
over F_2 (minimum distance >= 2t + 1); (4.11) so K = H^T is N x d with d = mt and any
r = 2t = 2d / log2(N + 1) rows independent; (4.12-4.13) Lemma 4.6's count over F_2 with
r in place of d: row i's entries take 2^rank(K[I_i]) >= 2^min(r, |I_i|) values.
Then B* = max(8M^2/r^2, 8M) and Q >= min(N^2 r^2/(8M), N^2/8) - M
= min(N^2 d^2 / (2M log2^2(N+1)), N^2/8) - M.

For N not of the form 2^m - 1, K is the first N rows of the code of length 2^m - 1,
m = ceil(log2(N + 1)) (a shortened code: fewer rows, still any 2t independent).
``explicit.bch_independent_rows(N, d)`` is checked against these real matrices (every
subset of that many rows has full rank over F_2, N from 2 to 31); the bound is checked
against the cheapest replayed and counted schedules where it is non-zero.
"""

import itertools
import math

import sympy

from redblue.analysis.bound_grid import check_bound_on_grid
from redblue.analysis.fields import (
    bch_parity_check_transpose,
    dependent_rows_gf2,
    rank_gf2,
    shortened_bch,
)
from redblue.analysis.formulas import check_explicit
from redblue.analysis.measures import (
    COUNTER_POINTS,
    REPLAY_POINTS,
    best_counted,
    best_replayed,
    cache_regime,
)
from redblue.bounds import explicit
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import M, N, d

TITLE = "Theorem 4.14"
CLAIM = "binary inputs: BCH K has any 2d/log2(N+1) rows independent, so Q >= min(N^2 d^2/(2M log2^2(N+1)), N^2/8) - M"
REGIME = ("q = 2", "N = 2^m - 1")


def run(p: Proof) -> None:
    m_, t_ = sympy.symbols("m t", positive=True)
    r = 2 * t_
    p.identity("r = 2t with d = m t and N + 1 = 2^m: r = 2d / log2(N+1)", r.subs(t_, d / m_), 2 * d / m_)
    p.identity("M N^2 / (8 M^2 / r^2) with r = 2d/m = N^2 d^2 / (2 M m^2)",
               (M * N**2 / (8 * M**2 / r**2)).subs(t_, d / m_), N**2 * d**2 / (2 * M * m_**2))  # fmt: skip
    for m, t in [(3, 1), (4, 1), (4, 2), (5, 2), (4, 3)]:
        K = bch_parity_check_transpose(m, t)
        n, width = len(K), m * t
        bad = dependent_rows_gf2(K, 2 * t)
        p.check(f"BCH m={m} t={t}: K is {n} x {width}, every {2 * t} rows independent over F_2",
                bad is None and n == 2**m - 1 and max(K) < 2**width, f"dependent: {bad}" if bad else "")  # fmt: skip
    K = bch_parity_check_transpose(4, 2)
    dep = dependent_rows_gf2(K, 5)
    p.check("designed distance is met: some 2t + 1 = 5 rows are dependent (m=4, t=2)", dep is not None, f"rows {dep}")
    # Lemma 4.12-4.13 per row, exhaustively over F_2: 2^rank values, rank >= min(2t, |I_i|)
    K = bch_parity_check_transpose(3, 1)  # N = 7, d = 3, r = 2
    ok = True
    for size in range(1, 8):
        for cols in itertools.combinations(range(7), size):
            values = {tuple(bin(qv & K[j]).count("1") % 2 for j in cols) for qv in range(8)}
            rk = rank_gf2(K[j] for j in cols)
            ok &= len(values) == 2**rk and rk >= min(2, size)
    p.check("m=3 t=1: for every column set, #values of a Q row = 2^rank >= 2^min(2t, |I_i|) (all 8 rows of Q)", ok)
    rows_are_independent(p)
    check_explicit(p, ["bch_independent_rows", "any_algorithm_binary"])
    check_bound_on_grid(p, "any_algorithm_binary", explicit.any_algorithm_binary, REPLAY_POINTS,
                        best_replayed, regime=cache_regime, source="best replayed schedule")  # fmt: skip
    check_bound_on_grid(p, "any_algorithm_binary", explicit.any_algorithm_binary, COUNTER_POINTS,
                        best_counted, regime=cache_regime, source="best counted schedule")  # fmt: skip


def rows_are_independent(p: Proof) -> None:
    """explicit.bch_independent_rows(N, d) rows of the real (shortened) BCH K: every subset
    of that many rows independent over F_2, wherever the subsets number <= 20,000."""
    tried, bad = 0, []
    for n in range(2, 32):
        for dd in range(1, 13):
            r = explicit.bch_independent_rows(n, dd)
            K, m, t = shortened_bch(n, dd)
            k = min(r, n)
            if r != 2 * t:
                bad.append((n, dd, f"r={r}, 2t={2 * t}"))
            if r == 0 or math.comb(n, k) > 20_000:
                continue
            tried += 1
            dep = dependent_rows_gf2(K, k)
            if dep is not None:
                bad.append((n, dd, f"rows {dep} of {r} dependent"))
    p.check(f"bch_independent_rows(N, d) = 2t, and that many rows of the BCH K independent over F_2 ({tried} (N, d) pairs, N = 2..31, d <= 12)",
            not bad and tried > 0, f"{bad[:3]}" if bad else "")  # fmt: skip

if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
