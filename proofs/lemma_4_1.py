# ruff: noqa: E501, E741
"""Lemma 4.1 (Pagh & Silvestri): split any execution into T epochs of M I/Os; each epoch
sees at most 2M words (M in cache at its start, M loaded), and I/O >= (T - 1) M.

A consistency check, not a test of a bound: for a pebbling strategy the lemma holds by
construction of the epochs (red at the start <= M, loads <= M), so the checks below
confirm that ``redblue.analysis.partition.epochs`` computes what the lemma talks about
(words seen, the I/O identity, every entry of QK^T first computed in exactly one epoch)
on greedy, block-schedule and random valid strategies. The control shows the check
rejects an epoch of 2M + 1 words (a strategy cut with an understated M). The bound that rests on this lemma is
checked against instances in thm_4_8.py.
"""

import sympy

from redblue.analysis.controls import understated_memory
from redblue.analysis.instances import schedules
from redblue.analysis.partition import epochs, segments
from redblue.analysis.walks import random_strategy
from redblue.bounds.proof import Proof, script_main
from redblue.dags import attention_dag
from redblue.game import replay
from redblue.strategies import greedy_strategy

TITLE = "Lemma 4.1"
CLAIM = "epochs of M I/Os see <= 2M words each, and Q >= (T - 1) M (consistency check on strategies)"
REGIME = ()


def run(p: Proof) -> None:
    Q, Mm, T = sympy.symbols("Q M T", positive=True)
    r = sympy.Symbol("r", nonnegative=True)  # Q = M (T - 1) + r, 0 < r <= M
    p.nonneg("T = ceil(Q/M): Q - M (T - 1) >= 0", (Mm * (T - 1) + r) - Mm * (T - 1))
    runs = []
    for n, dd, m in [(4, 2, 8), (6, 3, 12)]:
        G = attention_dag(n, dd)
        s = greedy_strategy(G, m)
        runs.append((f"greedy N={n} d={dd} M={m}", G, s, n, dd, m))
        runs.append((f"random walk N={n} d={dd} M={m}", G, random_strategy(G, m, seed=n), n, dd, m))
    for n, dd, m in [(8, 2, 24), (8, 8, 16)]:
        for alg, sim in schedules(n, dd, m).items():
            if alg != "greedy":
                runs.append((f"{alg} N={n} d={dd} M={m}", sim.compiled, sim.moves, n, dd, m))
    for label, G, s, n, dd, m in runs:
        io = replay(G, s, memory=m).io
        eps = epochs(s, m, dd, segments(s, m))
        T = len(eps)
        p.check(f"{label}: T={T} epochs, each sees <= 2M words, Q={io} >= (T-1)M, N^2 entries",
                all(e.words_seen <= 2 * m for e in eps) and (T - 1) * m <= io <= T * m
                and sum(e.new_entries for e in eps) == n * n,
                f"max words seen {max(e.words_seen for e in eps)} <= {2 * m}")  # fmt: skip
    G, s, m = understated_memory()
    eps = epochs(s, m, 1)
    most = max(e.words_seen for e in eps)
    p.check(f"control: a strategy of {s.memory} red pebbles cut as if M = {m}: an epoch sees {most} = 2M + 1 words, rejected",
            most == 2 * m + 1 and not all(e.ok(m) for e in eps))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
