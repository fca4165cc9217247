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
from redblue.paper.report import write_report
from redblue.paper.verdicts import Verdict, check_rows
from redblue.sweep import read_rows, run_sweep, task_key

__all__ = ["paper_check"]


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

    Rows are kept in ``out_dir/rows_*.jsonl``, so a rerun reuses what is computed. Every
    claim is required (the grid of :func:`redblue.paper.paper_grid` reaches each one): a
    claim that no instance reached reads ``not checked`` and fails the check.

    Parameters
    ----------
    out_dir : path
    quick : bool, default False
        The smaller grid of :func:`redblue.paper.paper_grid`.
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
        ``verdicts`` (list of :class:`~redblue.paper.verdicts.Verdict`), ``report`` (path
        of report.md), ``failed_rows`` (tasks that raised), ``ok`` (no verdict
        :attr:`~redblue.paper.verdicts.Verdict.fails` and no task raised).
    """
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
    verdicts += check_rows(sets["replayed"] + sets["counted"] + sets["exact"], required=True)
    lemma_counts = [lemma_3_3_counts(n, d, m) for n, d, m in grid.lemma_points]
    report = write_report(out, schedule_rows=sets["replayed"] + sets["counted"],
                          exact_rows=sets["exact"], verdicts=verdicts,
                          lemma_counts=lemma_counts)  # fmt: skip
    ok = not any(v.fails for v in verdicts) and not failed
    return {"verdicts": verdicts, "report": str(report), "failed_rows": failed, "ok": ok}
