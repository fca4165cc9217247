"""The paper's upper-bound trends as tables, from exact counts (and replays where small).

Every count comes from :func:`redblue.strategies.count_io`, which equals the replayed
I/O of the schedule's moves (tests/test_strategies_schedules.py checks it on a grid;
the first table re-checks it here on replayed small instances).

1. Replayed small instances: counter == replay, peak red <= M.
2. FlashAttention: io / (N^2 d^2 / M) for d <= M <= Nd (Saha & Ye Thm 3.2: bounded).
3. Small cache M < d^2: tiling (Alg. 1) against FlashAttention; the gain / (d / sqrt M)
   stays bounded (Thm 3.5 vs 3.2).
4. Standard attention: io / (Nd + N^2) for d^2 <= M <= Nd (Theta(Nd + N^2)).
5. Tiled matmul: io against 2 mkn / sqrt(M) + mn (Hong-Kung, tight constant 2).

Run: ``python benchmarks/upper_bounds_table.py``.
"""

from __future__ import annotations

import numpy as np

from redblue.strategies import count_io, matmul_io, simulate


def geom(low: int, high: int, count: int) -> list[int]:
    return sorted({int(m) for m in np.geomspace(low, high, count)})


def replayed() -> None:
    print("1. replayed small instances (N = 32, d = 4)")
    print(f"   {'algorithm':<18}{'M':>6}{'replay io':>11}{'counter io':>12}{'peak red':>10}")
    runs = [(a, False) for a in ("flash1", "flash2", "standard", "tiling", "greedy")]
    runs += [("flash1", True), ("flash2", True)]  # online softmax (stable=True)
    for algorithm, stable in runs:
        label = algorithm + (" (online)" if stable else "")
        for memory in (21, 64, 128):
            sim = simulate(algorithm, 32, 4, memory, stable=stable)
            counted = "-" if algorithm == "greedy" else count_io(
                algorithm, 32, 4, memory, stable=stable).io
            assert counted in ("-", sim.result.io)
            print(f"   {label:<18}{memory:>6}{sim.result.io:>11,}{counted!s:>12}"
                  f"{sim.result.peak_red:>10}")


def flash(n: int, d: int) -> None:
    print(f"\n2. FlashAttention, N = {n:,}, d = {d}: io / (N^2 d^2 / M)")
    print(f"   {'M':>10}{'flash1 io':>18}{'ratio':>8}{'flash2 io':>18}{'ratio':>8}"
          f"{'B_r x B_c (FA1)':>17}{'B_r x B_c (FA2)':>17}")
    for m in geom(4 * d + 4, n * d, 12):
        bound = n * n * d * d / m
        c1, c2 = count_io("flash1", n, d, m), count_io("flash2", n, d, m)
        b1 = f"{c1.blocks['B_r']} x {c1.blocks['B_c']}"
        b2 = f"{c2.blocks['B_r']} x {c2.blocks['B_c']}"
        print(f"   {m:>10,}{c1.io:>18,}{c1.io / bound:>8.2f}{c2.io:>18,}{c2.io / bound:>8.2f}"
              f"{b1:>17}{b2:>17}")


def small_cache(n: int, d: int) -> None:
    print(f"\n3. small cache M < d^2, N = {n:,}, d = {d}: tiling against FlashAttention")
    print(f"   {'M':>8}{'B':>4}{'tiling io':>18}{'flash1 io':>18}{'flash2 io':>18}"
          f"{'FA1/tiling':>11}{'/(d/sqrtM)':>11}{'FA2/tiling':>11}")
    for m in geom(4 * d + 4, d * d - 1, 10):
        t, f1, f2 = (count_io(a, n, d, m) for a in ("tiling", "flash1", "flash2"))
        gain = f1.io / t.io
        print(f"   {m:>8,}{t.blocks['B']:>4}{t.io:>18,}{f1.io:>18,}{f2.io:>18,}{gain:>11.2f}"
              f"{gain / (d / np.sqrt(m)):>11.2f}{f2.io / t.io:>11.2f}")
    print("   tiling io / (N^2 d / sqrt M):", ", ".join(
        f"{count_io('tiling', n, d, m).io / (n * n * d / np.sqrt(m)):.2f}"
        for m in geom(16, d * d, 6)))


def standard(n: int, d: int) -> None:
    print(f"\n4. standard attention, N = {n:,}, d = {d}: io / (Nd + N^2)")
    print(f"   {'M':>10}{'io':>18}{'ratio':>8}{'B_r':>7}{'softmax passes':>16}")
    for m in geom(d * d, n * d, 8):
        c = count_io("standard", n, d, m)
        print(f"   {m:>10,}{c.io:>18,}{c.io / (n * d + n * n):>8.2f}{c.blocks['B_r']:>7}"
              f"{c.blocks['softmax_passes']:>16}")


def matmul(n: int) -> None:
    print(f"\n5. tiled matmul {n} x {n} x {n}: io against 2 n^3 / sqrt(M) + n^2")
    print(f"   {'M':>8}{'io':>16}{'ratio':>8}{'tile':>10}")
    for m in geom(16, 16384, 8):
        c = matmul_io(n, n, n, m)
        ratio = c.io / (2 * n**3 / np.sqrt(m) + n * n)
        print(f"   {m:>8,}{c.io:>16,}{ratio:>8.3f}{c.blocks['b_i']:>5} x {c.blocks['b_j']}")


def main() -> None:
    replayed()
    flash(65536, 128)
    small_cache(65536, 128)
    standard(65536, 128)
    matmul(4096)


if __name__ == "__main__":
    main()
