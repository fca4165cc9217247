"""The paper check: grids of attention instances, the row measured on each, the verdicts.

:func:`measure_attention` is the sweep's measure (see :mod:`redblue.sweep`): for one
instance ``(N, d, M)`` it runs every requested schedule (replayed and verified when the
move count allows, else counted block by block by a counter the tests prove equal to the
replay), the project's explicit lower bounds, the paper's asymptotic bound, and, when
asked, the exact optimum by search (or its proven bounds when the time limit hits).

:func:`check_rows` turns rows into verdicts: each a claim, how many instances it was
checked on, and whether it held on all of them.

References
----------
.. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024 (Theorems 3.1, 3.2, 3.5).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from redblue.bounds import explicit
from redblue.dags import attention_dag
from redblue.errors import InvalidInputError
from redblue.game import Strategy
from redblue.strategies import ALGORITHMS, algorithm_dag, count_io, estimated_moves, simulate
from redblue.sweep import read_rows, task_key

__all__ = [
    "SCHEDULES",
    "PaperGrid",
    "Verdict",
    "attention_columns",
    "attention_tasks",
    "check_rows",
    "exact_dag",
    "on_exact_dag",
    "measure_attention",
    "paper_bound",
    "paper_check",
    "paper_grid",
    "proof_verdicts",
]

#: The block schedules of the paper check (greedy is available on request).
SCHEDULES: tuple[str, ...] = ("flash1", "flash2", "standard", "tiling")


def paper_bound(n: int, d: int, memory: int) -> float:
    """``min(N^2 d^2 / M, N^2 d / sqrt(M))``: Theorem 3.1's rate, without constants."""
    return min(n * n * d * d / memory, n * n * d / math.sqrt(memory))


def attention_tasks(
    n_values: Iterable[int],
    d_values: Iterable[int],
    memory_values: Iterable[int],
    *,
    algorithms: Sequence[str] = SCHEDULES,
    exact: bool = False,
    time_limit: float = 10.0,
    max_moves: int = 3_000_000,
) -> list[dict[str, Any]]:
    """The grid of sweep tasks, one per ``(N, d, M)``.

    Parameters
    ----------
    n_values, d_values, memory_values : iterable of int
    algorithms : sequence of str, default :data:`SCHEDULES`
        Schedules to run (any of :data:`redblue.strategies.ALGORITHMS`).
    exact : bool, default False
        Also solve each instance exactly (small instances only).
    time_limit : float, default 10
        Seconds for each exact search.
    max_moves : int, default 3,000,000
        Replay a schedule's moves when it has at most this many; count above.

    Returns
    -------
    list of dict

    Raises
    ------
    InvalidInputError
        For an unknown algorithm or a size below 1.

    Examples
    --------
    >>> tasks = attention_tasks([4], [2], [8, 16], algorithms=["flash2"])
    >>> [t["memory"] for t in tasks], tasks[0]["algorithms"]
    ([8, 16], ['flash2'])
    """
    for name in algorithms:
        if name not in ALGORITHMS:
            raise InvalidInputError(
                f"unknown algorithm {name!r} (expected one of {', '.join(ALGORITHMS)})"
            )
    tasks = []
    for n in n_values:
        for d in d_values:
            for m in memory_values:
                if min(n, d, m) < 1:
                    raise InvalidInputError(f"sizes must be at least 1, got N={n} d={d} M={m}")
                task: dict[str, Any] = {"n": n, "d": d, "memory": m,
                                        "algorithms": list(algorithms)}  # fmt: skip
                if exact:
                    task.update(exact=True, time_limit=time_limit)
                task["max_moves"] = max_moves
                tasks.append(task)
    return tasks


def attention_columns(algorithms: Sequence[str], exact: bool) -> list[str]:
    """The columns of a sweep file of :func:`attention_tasks` rows, in a fixed order."""
    cols = ["key", "n", "d", "memory", "algorithms", "max_moves"]
    if exact:
        cols += ["exact", "time_limit"]
    cols += ["regime", "paper_bound", "lower", "lower_by", "trivial"]
    for a in algorithms:
        cols += [f"{a}_io", f"{a}_checked", f"{a}_note"]
    if exact:
        cols += ["exact_optimal", "exact_io", "exact_lower", "exact_upper", "exact_seconds",
                 "exact_states"]  # fmt: skip
    return cols


def exact_dag(n: int, d: int) -> nx.DiGraph:
    """The DAG the exact search solves: the paper's graph with chain sums, on which the
    block schedules run too (they accumulate in order)."""
    return attention_dag(n, d, sum="chain")


def on_exact_dag(algorithm: str) -> bool:
    """Whether ``algorithm`` runs on :func:`exact_dag` (standard attention does not: it
    materialises P = A / D, the early-normalised graph), so its I/O bounds that optimum."""
    return algorithm_dag(algorithm, 1, 1).graph["name"] == exact_dag(1, 1).graph["name"]


def _run_schedule(
    algorithm: str, n: int, d: int, memory: int, max_moves: int
) -> tuple[int, str, Strategy | None]:
    """The schedule's I/O, how it was obtained ("replay" or "counter"), and its moves."""
    counted = None if algorithm == "greedy" else count_io(algorithm, n, d, memory).io
    if counted is not None and estimated_moves(algorithm, n, d, memory) > max_moves:
        return counted, "counter", None
    sim = simulate(algorithm, n, d, memory)  # replayed, so verified
    io = sim.result.io
    if counted is not None and counted != io:  # the counter is proven equal; say so if not
        raise AssertionError(f"{algorithm} counter {counted} != replayed io {io}")
    return io, "replay", Strategy(sim.moves.decode(), memory)


def measure_attention(task: dict[str, Any]) -> dict[str, Any]:
    """Measure one attention instance (the sweep's measure for :func:`attention_tasks`).

    Returns
    -------
    dict
        ``regime`` (``"large"`` for M >= d^2), ``paper_bound``, ``lower`` (the best explicit
        lower bound) and ``lower_by``, ``trivial`` (4Nd); per algorithm ``{a}_io``,
        ``{a}_checked`` ("replay" or "counter") and ``{a}_note`` (why it could not run);
        with ``exact``: ``exact_optimal``, ``exact_io``, ``exact_lower``, ``exact_upper``,
        ``exact_seconds``, ``exact_states`` for the DAG the schedules run on.

    Examples
    --------
    >>> row = measure_attention({"n": 4, "d": 2, "memory": 16, "algorithms": ["flash2"]})
    >>> row["regime"], row["flash2_checked"], row["lower"] <= row["flash2_io"]
    ('large', 'replay', True)
    """
    n, d, m = task["n"], task["d"], task["memory"]
    lower, lower_by = explicit.attention(n, d, m)
    row: dict[str, Any] = {
        "regime": "large" if m >= d * d else "small",
        "paper_bound": paper_bound(n, d, m),
        "lower": lower,
        "lower_by": lower_by,
        "trivial": explicit.trivial_attention(n, d),
    }
    best: tuple[int, Strategy] | None = None  # the cheapest replayed schedule
    for a in task["algorithms"]:
        try:
            io, how, moves = _run_schedule(a, n, d, m, task.get("max_moves", 3_000_000))
            row.update({f"{a}_io": io, f"{a}_checked": how, f"{a}_note": None})
            if moves is not None and on_exact_dag(a) and (best is None or io < best[0]):
                best = (io, moves)
        except InvalidInputError as exc:  # M too small for this algorithm
            row.update({f"{a}_io": None, f"{a}_checked": None, f"{a}_note": str(exc)})
    if task.get("exact"):
        from redblue.search import solve

        start = time.perf_counter()
        try:  # the schedules run on this DAG too; the best one seeds the search's bound
            r = solve(exact_dag(n, d), m, time_limit=task.get("time_limit"),
                      upper=best[1] if best else None)  # fmt: skip
            row.update(exact_optimal=r.optimal, exact_io=r.io, exact_lower=r.lower,
                       exact_upper=r.upper, exact_states=r.states)  # fmt: skip
        except InvalidInputError:  # M below the DAG's smallest feasible memory
            row.update(exact_optimal=None, exact_io=None, exact_lower=None, exact_upper=None,
                       exact_states=None)  # fmt: skip
        row["exact_seconds"] = round(time.perf_counter() - start, 3)
    return row


@dataclass(frozen=True)
class Verdict:
    """A claim checked on sweep rows.

    Attributes
    ----------
    claim : str
    source : str
        The result of the paper (or the project) it comes from.
    checked : int
        Instances it was checked on.
    failed : list of str
        Descriptions of the instances where it failed.
    """

    claim: str
    source: str
    checked: int
    failed: list[str]

    @property
    def ok(self) -> bool:
        """True when checked on at least one instance and failed on none."""
        return self.checked > 0 and not self.failed

    def to_dict(self) -> dict[str, Any]:
        """The verdict as a JSON-ready dictionary."""
        return {"claim": self.claim, "source": self.source, "checked": self.checked,
                "failed": self.failed, "ok": self.ok}  # fmt: skip


def _where(r: dict[str, Any]) -> str:
    return f"N={r['n']} d={r['d']} M={r['memory']}"


def check_rows(rows: Sequence[dict[str, Any]]) -> list[Verdict]:
    """The paper's claims checked on measured rows.

    Claims: every verified schedule costs at least the explicit lower bound; each exact
    optimum lies between the explicit lower bound and the I/O of every schedule that runs
    on the same DAG (:func:`on_exact_dag`);
    FlashAttention's I/O over ``N^2 d^2 / M`` stays within constant factors for
    ``d <= M <= N d`` (Thm 3.2: the ratio's range over the instances is reported, and its
    largest value may be at most 8 times its smallest); the square tiling beats
    FlashAttention-2 when ``M < d^2 / 4`` and ``d >= 16`` (Thm 3.5 against Thm 3.2: its
    gain grows like ``d / sqrt(M)``).

    Returns
    -------
    list of Verdict
    """
    verdicts = []
    algs = sorted({a for r in rows for a in r.get("algorithms", [])})

    checked, failed = 0, []
    for r in rows:
        for a in algs:
            io = r.get(f"{a}_io")
            if io is not None:
                checked += 1
                if io < r["lower"]:
                    failed.append(f"{_where(r)}: {a} io {io} < lower bound {r['lower']}")
    verdicts.append(Verdict("explicit lower bound <= every schedule's io",
                            "Thm 3.1 (project constants)", checked, failed))  # fmt: skip

    checked, failed = 0, []
    for r in rows:
        if r.get("exact_lower") is None:
            continue
        checked += 1
        if r["exact_upper"] < r["lower"]:
            failed.append(f"{_where(r)}: optimum <= {r['exact_upper']} < bound {r['lower']}")
        for a in filter(on_exact_dag, algs):  # other DAGs have other optima
            io = r.get(f"{a}_io")
            if io is not None and io < r["exact_lower"]:
                failed.append(f"{_where(r)}: {a} io {io} < proven optimum {r['exact_lower']}")
    if checked:
        claim = "lower bound <= exact optimum <= schedules' io"
        verdicts.append(Verdict(claim, "Lemma 2.8 / Thm 3.1 on exact instances", checked, failed))

    for a in ("flash1", "flash2"):
        ratios = [r[f"{a}_io"] * r["memory"] / (r["n"] ** 2 * r["d"] ** 2) for r in rows
                  if r.get(f"{a}_io") is not None
                  and r["d"] <= r["memory"] <= r["n"] * r["d"]]  # fmt: skip
        failed, spread = [], ""
        if ratios:
            lo, hi = min(ratios), max(ratios)
            spread = f" (io / (N^2 d^2/M) in {lo:.2f} .. {hi:.2f})"
            if hi > 8 * lo:
                failed.append(f"the ratio io / (N^2 d^2/M) spans {lo:.2f} .. {hi:.2f}")
        verdicts.append(Verdict(f"{a} io = O(N^2 d^2 / M) for d <= M <= Nd{spread}",
                                "Thm 3.2", len(ratios), failed))  # fmt: skip

    small = [r for r in rows if r.get("tiling_io") is not None and r.get("flash2_io") is not None
             and 4 * r["memory"] < r["d"] ** 2 and r["d"] >= 16]  # fmt: skip
    failed = [f"{_where(r)}: tiling {r['tiling_io']} >= flash2 {r['flash2_io']}"
              for r in small if r["tiling_io"] >= r["flash2_io"]]  # fmt: skip
    verdicts.append(Verdict("square tiling beats FlashAttention-2 for M < d^2/4",
                            "Thm 3.5 vs Thm 3.2", len(small), failed))  # fmt: skip
    return verdicts


@dataclass(frozen=True)
class PaperGrid:
    """The instances of a paper check.

    Attributes
    ----------
    replayed : list of dict
        Small instances whose schedules are replayed move by move.
    counted : list of dict
        Large instances measured by the block counters (no moves).
    exact : list of dict
        Tiny instances solved exactly, with every schedule that fits.
    lemma_points : list of (N, d, M)
        Instances for the Lemma 3.3 per-part figure.
    """

    replayed: list[dict[str, Any]]
    counted: list[dict[str, Any]]
    exact: list[dict[str, Any]]
    lemma_points: list[tuple[int, int, int]]


def _powers_of_two(lo: int, hi: int) -> list[int]:
    out, m = [], 1
    while m <= hi:
        if m >= lo:
            out.append(m)
        m *= 2
    return out


def paper_grid(quick: bool = False, time_limit: float | None = None) -> PaperGrid:
    """The default instances of ``redblue paper`` (``quick``: a smaller set, under a minute).

    The counted grid spans M from d to N d in powers of two for N = 4096 (quick: 1024),
    across the regime boundary M = d^2; the replayed grid is N = 16 (quick: 8); the exact
    grid is the attention DAG (sum = chain) for (N, d) = (2, 1), (2, 2), (3, 1) (quick:
    (2, 1)) at every M from 3 to 3Nd + Nd + 2.
    """
    n_big, ds_big = (1024, (16, 64)) if quick else (4096, (16, 64, 128))
    counted = [t for d in ds_big for t in attention_tasks(
        [n_big], [d], _powers_of_two(d, n_big * d), max_moves=0)]  # fmt: skip
    n_small = 8 if quick else 16
    replayed = attention_tasks([n_small], [2, 4, 8], _powers_of_two(8, 16 * n_small))
    limit = time_limit if time_limit is not None else (3.0 if quick else 5.0)
    exact = []
    for n, d in ((2, 1),) if quick else ((2, 1), (2, 2), (3, 1)):
        top = 4 * n * d + 2
        exact += attention_tasks([n], [d], range(3, top + 1), algorithms=(*SCHEDULES, "greedy"),
                                 exact=True, time_limit=limit)  # fmt: skip
    lemma = [(8, 2, 16), (8, 4, 64)] if quick else [(16, 2, 32), (16, 4, 64), (16, 8, 128)]
    return PaperGrid(replayed, counted, exact, lemma)


def paper_check(
    out_dir: str | os.PathLike[str],
    *,
    quick: bool = False,
    scheduler: str | None = None,
    processes: int | None = None,
    progress: bool = True,
    proofs: bool = True,
) -> dict[str, Any]:
    """Check the paper end to end: proofs, sweeps, verdicts and the report in ``out_dir``.

    Rows are kept in ``out_dir/rows_*.jsonl``, so a rerun reuses what is computed.

    Parameters
    ----------
    out_dir : path
    quick : bool, default False
        The smaller grid of :func:`paper_grid`.
    scheduler : str, optional
        Dask scheduler address or ``"local"`` (default: local processes).
    processes : int, optional
        Local worker processes.
    progress : bool, default True
        Progress bars on stderr.
    proofs : bool, default True
        Also run the scripts in ``proofs/`` (one verdict each).

    Returns
    -------
    dict
        ``verdicts`` (list of :class:`Verdict`), ``report`` (path of report.md),
        ``failed_rows`` (tasks that raised), ``ok``.
    """
    from redblue.report import write_report  # report imports Verdict from here
    from redblue.sweep import run_sweep

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    grid = paper_grid(quick)
    verdicts: list[Verdict] = []
    if proofs:
        verdicts += proof_verdicts()
    sets: dict[str, list[dict[str, Any]]] = {}
    failed: list[Any] = []
    for name, tasks in (("replayed", grid.replayed), ("counted", grid.counted),
                        ("exact", grid.exact)):  # fmt: skip
        path = out / f"rows_{name}.jsonl"
        summary = run_sweep(tasks, measure_attention, path, scheduler=scheduler,
                            processes=processes, progress=progress)  # fmt: skip
        failed += summary.failed
        keys = {task_key(t) for t in tasks}
        sets[name] = [r for r in read_rows(path) if r.get("key") in keys]
    verdicts += check_rows(sets["replayed"] + sets["counted"] + sets["exact"])
    report = write_report(out, schedule_rows=sets["replayed"] + sets["counted"],
                          exact_rows=sets["exact"], verdicts=verdicts,
                          lemma_points=grid.lemma_points)  # fmt: skip
    ok = all(v.ok for v in verdicts) and not failed
    return {"verdicts": verdicts, "report": str(report), "failed_rows": failed, "ok": ok}


def proof_verdicts() -> list[Verdict]:
    """One verdict per script in ``proofs/``: its claim, instance checks and outcome."""
    from redblue.bounds.proof import proof_scripts, run_script

    out = []
    for path in proof_scripts():
        p = run_script(path)
        failed = [s.text for s in p.steps if not s.ok] + ([p.error] if p.error else [])
        out.append(Verdict(p.claim or p.title, p.title, len(p.steps), failed))
    return out
