"""Speed of the exact asymptotic comparison: seconds per ``compare`` call on the paper's cases.

Prints one row per case (the cases of tests/test_bounds_compare.py plus the regime checks
of the proofs) and the ratio of each to the fastest, measured in the same run. Target:
every call well under 0.1 s once sympy is loaded. Run: ``python benchmarks/compare_speed.py``.
"""

from __future__ import annotations

import time

from redblue.bounds import compare

CASES = [
    ("N**2*d**2/M", "N**2*d/sqrt(M)", ["M >= d**2"]),
    ("N**2*d**2/M", "N**2*d/sqrt(M)", ["M <= d**2"]),
    ("Min(N**2*d**2/M, N**2*d/sqrt(M))", "N**2*d**2/M", ["M >= d**2"]),
    ("N**2*d**2/M + N*d", "N**2*d**2/M", ["M >= d", "M <= N*d"]),
    ("N**2*d**2/M", "N*d", ["M >= d", "M <= N*d"]),
    ("Max(N**2, N**2*d**2/M)", "Min(N**2*d, N**2*d**2/M)", ["M >= d**2", "M <= N*d"]),
]


def main() -> None:
    start = time.perf_counter()
    compare("N", "d")
    print(f"first call (sympy warm-up): {time.perf_counter() - start:.3f} s\n")
    rows = []
    for f, g, assume in CASES:
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            c = compare(f, g, assume)
            best = min(best, time.perf_counter() - t0)
        rows.append((f"{f}  vs  {g}  [{', '.join(assume)}]", c.relation(), best))
    fastest = min(t for *_, t in rows)
    print(f"{'case':<90}{'relation':>10}{'ms':>9}{'x fastest':>11}")
    for case, rel, t in rows:
        print(f"{case:<90}{rel:>10}{t * 1000:>9.1f}{t / fastest:>11.1f}")


if __name__ == "__main__":
    main()
