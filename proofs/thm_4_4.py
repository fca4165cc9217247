# ruff: noqa: E501, E741
"""Theorem 4.4: if an epoch computes a set I of B entries of QK^T, Alice can send the
<= 2M words the epoch sees and Bob computes those entries: one-way communication
<= 2M log q bits. With K a fixed Vandermonde matrix the entries take q^(sum_i min(d, |I_i|))
distinct values as Q ranges over F_q^(N x d) (Lemmas 4.6, 4.7), so
sum_i min(d, |I_i|) <= 2M, and symmetrically over columns.

Checked on every epoch of real strategies: the row and column ranks of the computed
entries are at most 2M (a predicate that would fail if an epoch computed more entries
than its 2M words can determine).
"""

from redblue.analysis.instances import EXACT_ATTENTION, exact, schedules
from redblue.analysis.partition import epochs, segments
from redblue.bounds.proof import Proof, script_main
from redblue.dags import attention_dag
from redblue.strategies import greedy_strategy

TITLE = "Theorem 4.4"
CLAIM = "each epoch's computed entries carry at most 2M words of information: max(row rank, col rank) <= 2M"
REGIME = ()


def run(p: Proof) -> None:
    runs = []
    for n, dd, m in [(4, 2, 8), (6, 3, 12), (6, 1, 4)]:
        G = attention_dag(n, dd)
        runs.append((f"greedy N={n} d={dd} M={m}", greedy_strategy(G, m), dd, m))
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


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
