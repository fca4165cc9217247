# ruff: noqa: E501
"""Exact optima: the search reproduces every pinned value Q(G, M), with a certificate.

The values below were found by the exact search and cross-checked, where it closes, by
the independent time-indexed ILP (HiGHS); they are pinned here so that an error in the
search (an inadmissible heuristic, an unsound pruning rule) that changes a reported optimum
fails ``redblue prove all``, not only the test suite. Each certificate is replayed; the ILP
is rerun on the instances it closes in seconds; Q is checked non-increasing in M.
"""

from redblue.bounds.proof import Proof, script_main
from redblue.dags import attention_dag, matmul_dag, pyramid_dag
from redblue.game import replay
from redblue.search import solve

TITLE = "Exact optima"
CLAIM = "the exact search proves the pinned optima Q(G, M), each certificate replaying to it"
REGIME = ()

#: (name, builder, {M: Q}) in the classic game
PINNED = (
    ("attention N=1 d=1", lambda: attention_dag(1, 1), {3: 4, 4: 4}),
    ("attention N=1 d=2", lambda: attention_dag(1, 2), {3: 12, 4: 8, 5: 8}),
    ("attention N=2 d=1", lambda: attention_dag(2, 1), {3: 24, 4: 15, 5: 11, 6: 10, 7: 9, 8: 8}),
    ("attention N=2 d=1 chain", lambda: attention_dag(2, 1, sum="chain"), {4: 15, 5: 11, 6: 10}),
    ("matmul 2x2x2", lambda: matmul_dag(2, 2, 2), {3: 25, 4: 17, 5: 14, 6: 13, 8: 12}),
    ("pyramid 4", lambda: pyramid_dag(4), {3: 18, 4: 10}),
)
#: instances the ILP closes in a few seconds: the independent method's agreement
ILP_CLOSES = (("attention N=1 d=1", 3), ("attention N=1 d=1", 4), ("attention N=1 d=2", 4))
#: the tests' run (``small=True``, about a second): these memories of four graphs, one ILP
SMALL_MEMORIES = {"attention N=1 d=1": (3, 4), "attention N=1 d=2": (3, 4, 5),
                  "matmul 2x2x2": (6, 8), "pyramid 4": (3, 4)}  # fmt: skip
SMALL = tuple((name, build, {m: q for m, q in values.items() if m in SMALL_MEMORIES[name]})
              for name, build, values in PINNED if name in SMALL_MEMORIES)  # fmt: skip
SMALL_ILP = ILP_CLOSES[:1]


def run(p: Proof, small: bool = False) -> None:
    """Every step; ``small``: the tests' instances (:data:`SMALL`, :data:`SMALL_ILP`)."""
    pinned, closes = (SMALL, SMALL_ILP) if small else (PINNED, ILP_CLOSES)
    graphs = {}
    for name, build, values in pinned:
        G = graphs[name] = build()
        ms = sorted(values)
        p.check(f"{name}: pinned Q non-increasing in M ({[values[m] for m in ms]})",
                all(values[a] >= values[b] for a, b in zip(ms, ms[1:], strict=False)))  # fmt: skip
        for m in ms:
            # with no time limit solve runs the compiled core (compiling it if needed)
            r = solve(G, m)
            io = replay(G, r.strategy, memory=m).io
            p.check(f"{name} M={m}: search proves Q = {values[m]}",
                    r.optimal and r.io == values[m] == io,
                    f"search {r.lower}..{r.upper}, optimal={r.optimal}, certificate io {io}")  # fmt: skip
    for name, m in closes:
        want = dict((k, v) for k, _, v in pinned)[name][m]
        r = solve(graphs[name], m, method="ilp", time_limit=30)
        p.check(f"{name} M={m}: the ILP agrees, Q = {want}", r.optimal and r.io == want,
                f"ILP {r.lower}..{r.upper}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(script_main(globals()))
