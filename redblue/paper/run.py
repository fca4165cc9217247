"""``paper_check``: the paper checked end to end, from the grid to the report.

The steps, each in its own module: the grid (:mod:`redblue.paper.grid`) -> the proof
scripts (:mod:`redblue.paper.proofs`) -> the sweeps of :func:`redblue.sweep.run_sweep`
with :func:`~redblue.paper.measure.measure_attention` -> the verdicts
(:mod:`redblue.paper.verdicts`) -> the Lemma 3.3 counts
(:mod:`redblue.paper.measure`) -> the report (:mod:`redblue.paper.report`, which
only renders what it is given).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from redblue.paper.grid import paper_grid
from redblue.paper.measure import lemma_3_3_counts, measure_attention
from redblue.paper.proofs import proof_verdicts
from redblue.paper.report import provenance, write_report
from redblue.paper.verdicts import Verdict, check_rows
from redblue.progress import phase
from redblue.search import prepare_search_core
from redblue.sweep import read_rows, run_sweep, task_key

__all__ = ["paper_check"]

#: The three sweeps of the check: (grid attribute, what the progress report calls it).
SWEEPS = (
    ("replayed", "schedules replayed move by move"),
    ("counted", "schedules counted by block counters"),
    ("exact", "exact searches"),
)


def paper_check(
    out_dir: str | os.PathLike[str],
    *,
    quick: bool = False,
    time_limit: float | None = None,
    fresh: bool = False,
    scheduler: str | None = None,
    processes: int | None = None,
    progress: bool = True,
    proofs: bool = True,
    command: str | None = None,
) -> dict[str, Any]:
    """Check the paper end to end: proofs, sweeps, verdicts and the report in ``out_dir``.

    Rows are kept in ``out_dir/rows_*.jsonl``, so a rerun reuses what is computed (unless
    ``fresh``). Every claim is required (the grid of :func:`redblue.paper.paper_grid`
    reaches each one): a claim that no instance reached reads ``not checked`` and fails
    the check. Each step is a phase of :mod:`redblue.progress`, told on stderr at the
    verbosity the caller set (the library's default is silent).

    Parameters
    ----------
    out_dir : path
    quick : bool, default False
        The smaller grid of :func:`redblue.paper.paper_grid`.
    time_limit : float, optional
        Seconds for each exact search (default: 3 quick, 5 full). Rows computed under
        another limit are not reused.
    fresh : bool, default False
        Ignore the rows of earlier runs in ``out_dir``: compute every row again.
    scheduler : str, optional
        Dask scheduler address or ``"local"`` (default: local processes).
    processes : int, optional
        Local worker processes.
    progress : bool, default True
        Progress of the sweeps on stderr (see :func:`redblue.sweep.run_sweep`).
    proofs : bool, default True
        Also run the scripts in ``proofs/`` (one verdict each).
    command : str, optional
        The command line that asked for the check, stated in the report.

    Returns
    -------
    dict
        ``verdicts`` (list of :class:`~redblue.paper.verdicts.Verdict`), ``report`` (path
        of report.md), ``failed_rows`` (tasks that raised), ``ok`` (no verdict
        :attr:`~redblue.paper.verdicts.Verdict.fails` and no task raised), ``computed``
        and ``reused`` (rows of the sweeps).

    Raises
    ------
    InvalidInputError
        For a bad time limit, processes count or scheduler, or a rows file another run
        holds.
    """
    out = Path(out_dir)
    grid = paper_grid(quick, time_limit)
    out.mkdir(parents=True, exist_ok=True)
    verdicts: list[Verdict] = []
    if proofs or grid.exact:
        # compiled once here, a phase of its own; numba's cache on disk then serves the
        # worker processes, which load it instead of compiling it each
        prepare_search_core()
    if proofs:  # each script a phase of its own (redblue.bounds.proof.run_scripts)
        verdicts += proof_verdicts()
    sets: dict[str, list[dict[str, Any]]] = {}
    failed: list[Any] = []
    computed = reused = 0
    for i, (name, what) in enumerate(SWEEPS, start=1):
        tasks = getattr(grid, name)
        path = out / f"rows_{name}.jsonl"
        summary = run_sweep(tasks, measure_attention, path, scheduler=scheduler,
                            processes=processes, progress=progress, fresh=fresh,
                            label=f"sweep {i}/{len(SWEEPS)}: {what}")  # fmt: skip
        failed += summary.failed
        computed, reused = computed + summary.computed, reused + summary.reused
        keys = {task_key(t) for t in tasks}
        sets[name] = [r for r in read_rows(path) if r.get("key") in keys]
    verdicts += check_rows(sets["replayed"] + sets["counted"] + sets["exact"], required=True)
    k = len(grid.lemma_points)
    with phase(f"Lemma 3.3 counts ({k} instance{'s' if k != 1 else ''})"):
        lemma_counts = [lemma_3_3_counts(n, d, m) for n, d, m in grid.lemma_points]
    rows = sets["replayed"] + sets["counted"] + sets["exact"]
    facts = provenance(command, rows, {
        "grid": "quick" if quick else "full",
        "rows": f"{computed} computed in this run, {reused} reused from earlier runs"
                + (" (fresh: earlier rows ignored)" if fresh else ""),
    })  # fmt: skip
    report = write_report(out, schedule_rows=sets["replayed"] + sets["counted"],
                          exact_rows=sets["exact"], verdicts=verdicts,
                          lemma_counts=lemma_counts, facts=facts,
                          failed_tasks=len(failed))  # fmt: skip
    ok = not any(v.fails for v in verdicts) and not failed
    return {"verdicts": verdicts, "report": str(report), "failed_rows": failed, "ok": ok,
            "computed": computed, "reused": reused}  # fmt: skip
