# ruff: noqa: E501, E741
"""Theorem 3.5: Algorithm 1 (square tiling) uses O(N^2 d / sqrt(M)) I/O for M <= d^2.

Derivation (B x B tiles, B | N and B | d). Phase 1 reads a Q tile and a K^T tile (2B^2)
for each of (N/B)^2 (d/B) triples: 2N^2 d/B; writes A (N^2) and the row sums (N).
Phase 2 reads the row sums (N) and, for each of (N/B)(d/B)(N/B) triples, an A tile and a
V tile: 2N^2 d/B; writes O (Nd). Total 4N^2 d/B + N^2 + Nd + 2N; with B = sqrt(M)/2 that
is 8N^2 d/sqrt(M) + N^2 + Nd + 2N = O(N^2 d/sqrt(M)) when M <= d^2 (so N^2 <= N^2 d/sqrt(M))
and d <= N (so Nd <= N^2 d / sqrt(M)).
"""

import sympy

from redblue.analysis.instances import schedules
from redblue.bounds.compare import compare
from redblue.bounds.proof import Proof, script_main
from redblue.bounds.results import M, N, d

TITLE = "Theorem 3.5"
CLAIM = "Algorithm 1 uses O(N^2 d / sqrt(M)) I/O"
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


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
