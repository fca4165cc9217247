# ruff: noqa: E501, E741
"""Theorem 4.14 (with Lemmas 4.9-4.13): binary inputs need
Omega(min(N^2 d^2 / (M log^2 N), N^2)) I/O.

PAPER.md does not restate Lemmas 4.9-4.13; this script checks the facts it names:
(4.9-4.10) the parity-check matrix H of the binary BCH code of length N = 2^m - 1 and
designed distance 2t + 1 has mt rows, and its columns, any 2t of them, are independent
over F_2 (minimum distance >= 2t + 1); (4.11) so K = H^T is N x d with d = mt and any
r = 2t = 2d / log2(N + 1) rows independent; (4.12-4.13) Lemma 4.6's count over F_2 with
r in place of d: row i's entries take 2^rank(K[I_i]) >= 2^min(r, |I_i|) values.
Then B* = max(8M^2/r^2, 8M) and Q >= min(N^2 r^2/(8M), N^2/8) - M
= min(N^2 d^2 / (2M log2^2(N+1)), N^2/8) - M.
"""

import itertools

import sympy

from redblue.analysis.fields import bch_parity_check_transpose, dependent_rows_gf2, rank_gf2
from redblue.analysis.instances import schedules
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
    for n, dd, mem in [(7, 6, 16), (15, 8, 16), (15, 8, 32)]:
        lb = explicit.any_algorithm_binary(n, dd, mem)
        for alg, sim in schedules(n, dd, mem).items():
            p.check(f"N={n} d={dd} M={mem}: explicit binary {lb} <= {alg} io {sim.result.io}", lb <= sim.result.io)


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
