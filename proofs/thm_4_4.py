# ruff: noqa: E501, E741
"""Theorem 4.4: if an epoch computes a set I of B entries of QK^T, Alice can send the
<= 2M words the epoch sees and Bob computes those entries: one-way communication
<= 2M log q bits. With K a fixed Vandermonde matrix the entries take q^(sum_i min(d, |I_i|))
distinct values as Q ranges over F_q^(N x d) (Lemmas 4.6, 4.7), so
sum_i min(d, |I_i|) <= 2M, and symmetrically over columns.

A consistency check on pebbling strategies: the theorem is about any algorithm (its
proof is information-theoretic and is not re-derived here); on every epoch of greedy,
block-schedule, exact-optimal and random valid strategies the row and column ranks of the
computed entries (``log_q`` of their number of values, Lemma 4.6) are at most 2M. The
controls show the check rejects epochs cut with an understated M, and (on synthetic
epochs, since no valid one has more rank than words) a rank of 2M + 1. The bound resting on
this theorem is checked against instances in thm_4_8.py.
"""

from redblue.analysis.instances import EXACT_ATTENTION, exact, schedules
from redblue.analysis.partition import Epoch, epochs, segments
from redblue.analysis.walks import random_strategy
from redblue.bounds.proof import Proof, script_main
from redblue.dags import attention_dag
from redblue.strategies import greedy_strategy

TITLE = "Theorem 4.4"
CLAIM = "each epoch's computed entries carry at most 2M words of information: max(row rank, col rank) <= 2M (consistency check on strategies)"
REGIME = ()


def run(p: Proof) -> None:
    runs = []
    for n, dd, m in [(4, 2, 8), (6, 3, 12), (6, 1, 4)]:
        G = attention_dag(n, dd)
        runs.append((f"greedy N={n} d={dd} M={m}", greedy_strategy(G, m), dd, m))
        runs.append((f"random walk N={n} d={dd} M={m}", random_strategy(G, m, seed=n), dd, m))
    for n, dd, m in [(8, 2, 24), (8, 2, 48), (16, 2, 32), (8, 8, 16)]:
        for alg, sim in schedules(n, dd, m).items():
            if alg != "greedy":
                runs.append((f"{alg} N={n} d={dd} M={m}", sim.moves, dd, m))
    for n, dd, m in EXACT_ATTENTION:
        ex = exact(attention_dag(n, dd), m)
        if ex.optimal and ex.strategy is not None:
            runs.append((f"optimal (search) N={n} d={dd} M={m}", ex.strategy, dd, m))
    for label, s, dd, m in runs:
        eps = epochs(s, m, dd, segments(s, m))
        worst = max(max(e.row_rank, e.col_rank) for e in eps)
        most = max(e.entries for e in eps)
        p.check(f"{label}: every epoch's rank <= 2M = {2 * m}", all(e.ok(m) for e in eps),
                f"max rank {worst}, max entries/epoch {most}")  # fmt: skip
    n, dd, m = 16, 2, 64
    sim = schedules(n, dd, m, algorithms=("flash2",))["flash2"]
    eps = epochs(sim.moves, 1, dd)
    worst = max(max(e.row_rank, e.col_rank) for e in eps)
    p.check(f"control: FlashAttention-2 (N={n} d={dd} M={m}) cut as if M = 1: an epoch's rank is {worst} > 2M, rejected",
            worst > 2 and not all(e.ok(1) for e in eps))  # fmt: skip
    m = 8  # no valid epoch has rank above its words: the predicate itself, on 2M + 1
    p.check("control (synthetic epochs): rank 2M + 1 with 2M words is rejected, rank 2M accepted",
            not Epoch(0, m, 2 * m, 2 * m + 1, 2 * m + 1, 2 * m + 1, 0).ok(m)
            and not Epoch(0, m, 2 * m, 2 * m + 1, 2 * m + 1, 0, 2 * m + 1).ok(m)
            and Epoch(0, m, 2 * m, 2 * m, 2 * m, 2 * m, 2 * m).ok(m))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
