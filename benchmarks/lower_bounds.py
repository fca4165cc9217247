"""Lower bounds for any DAG: each method's bound and time on FFTs, attention and matmul.

Prints a markdown table, one row per instance: nodes, M, the trivial bound, each
method's proven bound on Q(G, M) in the no-recompute game (the spectral and min-cut
proofs cover that game only) with its seconds, and, in the conventions of the papers,
the same bounds without the compulsory I/O:

- ``J&Z``: the spectral bound's ``extra`` term (Jain & Zaharia charge neither an input's
  first load nor an output's store, so their bound is ours minus the trivial one);
- ``E.`` : Elango et al.'s ``2 (W - M)`` for the widest wavefront found, a store and a
  load for every evicted value (sound only where no input or output is on the
  wavefront; ours charges those once, see ``redblue/lower/mincut.py``).

Published for FFT with 2^12 points (53,248 nodes; the same butterfly as
``redblue.dags.fft_dag``: ``(log2 n + 1) n`` nodes, in-degree 2) at M = 4: spectral
1,058 and convex min-cut 120; for 2^16 points (1.1M nodes) spectral 13,842.

Run: ``python benchmarks/lower_bounds.py [--max-log 10] [--memory 4] [--time-limit 600]
[--eigenvalues 48]``; ``--max-log 12`` reproduces the 2^12 row (about two and a half
minutes for the spectral bound on 2 cores). A search column runs ``solve`` under
``--search-seconds`` on the instances of at most 128 nodes.
"""

from __future__ import annotations

import argparse

from redblue.dags import attention_dag, fft_dag, matmul_dag
from redblue.lower import lower_bound
from redblue.lower import spectral as spectral_mod

PUBLISHED = {  # (points, M): (spectral, convex min-cut), in the papers' convention
    (4096, 4): (1058, 120),
    (65536, 4): (13842, None),
}


def instances(max_log: int) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [(f"fft 2^{e}", lambda e=e: fft_dag(2**e))
                                      for e in range(3, max_log + 1)]  # fmt: skip
    rows += [
        ("attention N=4 d=2", lambda: attention_dag(4, 2)),
        ("attention N=8 d=4", lambda: attention_dag(8, 4)),
        ("matmul 4x4x4", lambda: matmul_dag(4, 4, 4)),
        ("matmul 8x8x8", lambda: matmul_dag(8, 8, 8)),
    ]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-log", type=int, default=10, help="largest FFT: 2^MAX_LOG points")
    ap.add_argument("--memory", type=int, default=4)
    ap.add_argument("--time-limit", type=float, default=600.0, help="seconds per instance")
    ap.add_argument("--eigenvalues", type=int, default=spectral_mod.EIGENVALUES,
                    help="ARPACK estimates (thresholds come from them) on large graphs")
    ap.add_argument("--search-seconds", type=float, default=5.0)
    args = ap.parse_args()
    spectral_mod.EIGENVALUES = args.eigenvalues
    print("| graph | nodes | M | trivial | spectral | s | mincut | s | search | s "
          "| J&Z | E. | published J&Z / E. |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, build in instances(args.max_log):
        G = build()
        n = G.number_of_nodes()
        lb = lower_bound(G, args.memory, "no-recompute", methods=["trivial", "spectral", "mincut"],
                         time_limit=args.time_limit)  # fmt: skip
        by = {m.name: m for m in lb.methods}
        if n <= 128:  # the exact search, under its own limit
            by["search"] = lower_bound(G, args.memory, "no-recompute", methods=["search"],
                                       time_limit=args.search_seconds).methods[0]  # fmt: skip
        sp, mc = by["spectral"], by["mincut"]
        elango = 2 * max(0, mc.witness["loads"]["W"] - args.memory)
        cells = []
        for m in (sp, mc, by.get("search")):
            if m is None:
                cells += ["-", "-"]
            else:
                flag = "" if m.status == "ok" else f" ({m.status})"
                cells += [f"{m.value:,}{flag}", f"{m.seconds:.1f}"]
        size = 2 ** int(name.split("^")[1]) if name.startswith("fft") else None
        pub = PUBLISHED.get((size, args.memory))
        published = "-" if pub is None else " / ".join("-" if x is None else f"{x:,}"
                                                        for x in pub)  # fmt: skip
        print(f"| {name} | {n:,} | {args.memory} | {lb.trivial:,} | " + " | ".join(cells)
              + f" | {sp.witness['extra']:,} | {elango:,} | {published} |", flush=True)


if __name__ == "__main__":
    main()
