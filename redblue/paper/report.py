"""The paper-check report: rows read and checked, then rendered to markdown, HTML and figures.

:func:`load_rows` reads a ``redblue sweep`` rows file and refuses one a report cannot show.
:func:`provenance` gathers what made a report: the command, redblue's version, the date,
the limits the rows were computed under (:func:`row_limits`) and the machine.
:func:`write_report` renders rows, verdicts and Lemma 3.3 counts that were computed
beforehand (it runs no simulation and no search) into one folder: ``report.md``,
``report.html`` and the PNG figures they show, under a one-line summary of the verdicts
and the provenance table:

- ``io_vs_memory.png``: each schedule's I/O against M (log-log), with the explicit lower
  bound, Theorem 3.1's rate ``min(N^2 d^2/M, N^2 d/sqrt(M))`` and the regime boundary
  ``M = d^2``, one panel per (N, d) (``io_vs_memory_replayed.png``: the same for the small
  instances replayed move by move, when both kinds are present);
- ``ratio_to_lower.png`` (and ``_replayed``): each schedule's I/O over the explicit lower
  bound;
- ``exact.png``: exact optima (or proven bounds) on small instances, against the lower
  bound and the schedules;
- ``lemma_3_3.png``: QK^T roots per part of FlashAttention's Lemma 2.7 partition,
  against the per-part bound of Lemma 3.3.

Figures need the ``plot`` extra (matplotlib); without it the report has the tables only
and says so.
"""

from __future__ import annotations

import datetime
import numbers
import os
import platform
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from redblue import __version__
from redblue.errors import InvalidInputError, RedBlueError
from redblue.paper.document import Report
from redblue.paper.figures import (
    algorithms,
    figure_sets,
    ordered,
    plot_exact,
    plot_io,
    plot_lemma_3_3,
    pyplot,
)
from redblue.paper.grid import exact_dag
from redblue.paper.verdicts import Verdict, summary_line
from redblue.progress import phase
from redblue.sweep import read_rows
from redblue.view import view

__all__ = ["REPORT_COLUMNS", "load_rows", "provenance", "row_limits", "write_report"]

#: The columns every row of a report's rows file needs (what :func:`write_report` and
#: :func:`redblue.paper.check_rows` read); ``redblue sweep`` writes them all.
REPORT_COLUMNS = ("n", "d", "memory", "algorithms", "regime", "lower", "lower_by", "paper_bound")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _row_problem(row: dict[str, Any]) -> str | None:
    """What makes a row unusable for the report (a missing column, a wrong type), or None."""
    missing = [c for c in REPORT_COLUMNS if c not in row]
    if missing:
        return f"lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    for name in ("n", "d", "memory"):
        value = row[name]
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            return f"column {name!r} must be a whole number >= 1, got {value!r}"
    algorithms = row["algorithms"]
    if not isinstance(algorithms, list) or not all(isinstance(a, str) for a in algorithms):
        return f"column 'algorithms' must be a list of names, got {algorithms!r}"
    for name in ("lower", "paper_bound"):
        if not _is_number(row[name]):
            return f"column {name!r} must be a number, got {row[name]!r}"
    optional = [f"{a}_io" for a in algorithms] + ["exact_io", "exact_lower", "exact_upper"]
    for name in optional:
        value = row.get(name)
        if value is not None and not _is_number(value):
            return f"column {name!r} must be a number or empty, got {value!r}"
    if (row.get("exact_lower") is None) != (row.get("exact_upper") is None):
        return "has one of exact_lower and exact_upper but not the other"
    return None


def load_rows(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rows of a ``redblue sweep`` file, checked to be what a report can show.

    Rows repeated under one ``key`` (two runs that wrote one file at once, before sweeps
    took a lock) are kept once.

    Parameters
    ----------
    path : path
        A ``.jsonl`` or ``.csv`` rows file written by ``redblue sweep`` (or
        :func:`redblue.sweep.run_sweep` with :func:`redblue.paper.measure_attention`).

    Returns
    -------
    list of dict

    Raises
    ------
    InvalidInputError
        If the file does not exist, holds no rows, or a row lacks a column the report
        needs (:data:`REPORT_COLUMNS`; the message names the row and the columns) or holds
        a value of the wrong type.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "other.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("n,d,memory,time\\n4,2,16,0.5\\n")
    >>> load_rows(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: ...other.csv: row 1 lacks the columns algorithms, regime, ...
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInputError(f"{path}: no such rows file")
    if path.is_dir():
        raise InvalidInputError(f"{path}: is a folder, not a rows file")
    rows = read_rows(path)
    if not rows:
        raise InvalidInputError(f"{path}: holds no rows to report on")
    unique: dict[Any, dict[str, Any]] = {}
    for i, row in enumerate(rows, start=1):
        problem = _row_problem(row)
        if problem is not None:
            hint = " (is it a `redblue sweep` rows file?)" if "lacks" in problem else ""
            raise InvalidInputError(f"{path}: row {i} {problem}{hint}")
        unique.setdefault(row.get("key", i), row)
    return list(unique.values())


def row_limits(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The limits the rows were computed under, in words, read from the rows themselves.

    Examples
    --------
    >>> limits = row_limits([{"max_moves": 0},
    ...                      {"max_moves": 3000000, "exact": True, "time_limit": 5.0}])
    >>> limits["time limit of each exact search"]
    '5 s'
    >>> print(limits["max moves replayed"])
    3,000,000 (larger schedules counted by the block counters); 0 in some rows: all counted
    """
    limits = sorted({r["time_limit"] for r in rows
                     if r.get("exact") and _is_number(r.get("time_limit"))})  # fmt: skip
    moves = sorted({r["max_moves"] for r in rows if _is_number(r.get("max_moves"))})
    replayed = ", ".join(f"{m:,}" for m in moves if m > 0)
    if replayed:
        replayed += " (larger schedules counted by the block counters)"
    if 0 in moves:  # max_moves 0: a grid measured by the counters alone
        replayed += ("; " if replayed else "") + "0 in some rows: all counted"
    return {
        "time limit of each exact search": ", ".join(f"{t:g} s" for t in limits)
        or "no exact search",
        "max moves replayed": replayed or "not recorded",
    }  # fmt: skip


def _memory() -> str:
    """The machine's physical memory, or "unknown" where the system does not say."""
    try:
        size = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return "unknown"
    return f"{size / 2**30:.1f} GiB"


def provenance(
    command: str | None = None,
    rows: Sequence[dict[str, Any]] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """What made a report: command, version, date, limits and machine.

    Parameters
    ----------
    command : str, optional
        The command line (default: "a library call").
    rows : sequence of dict, optional
        The rows reported on, for the limits they were computed under (:func:`row_limits`).
    extra : mapping, optional
        More facts, added after the limits (e.g. rows reused from an earlier run).

    Returns
    -------
    dict of str to str
        ``command``, ``redblue version``, ``date (UTC)``, the limits, ``platform``,
        ``Python``, ``CPUs``, ``memory``.

    Examples
    --------
    >>> facts = provenance("redblue paper --quick")
    >>> facts["command"], facts["redblue version"] == __version__
    ('redblue paper --quick', True)
    >>> facts["date (UTC)"].endswith("UTC")
    True
    """
    now = datetime.datetime.now(datetime.UTC)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cpus = os.cpu_count()
    facts = {
        "command": command or "a library call",
        "redblue version": __version__,
        "date (UTC)": now.strftime("%Y-%m-%d %H:%M:%S UTC"),
        **row_limits(rows),
        **{k: str(v) for k, v in (extra or {}).items()},
        "platform": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "CPUs": f"{cpus}" + (f" ({usable} usable)" if usable is not None and usable != cpus
                             else ""),
        "memory": _memory(),
    }  # fmt: skip
    return facts


def _lemma_table(counts: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return [[c["n"], c["d"], c["memory"], len(c["roots"]), max(c["roots"]), c["bound"],
             f"{max(c['roots']) / c['bound']:.2f}", c["unexplained"]]
            for c in counts]  # fmt: skip


# -- the exact optima's certificates, each as a viewer page (redblue.view) ---------------


def _certificate_views(rep: Report, out: Path, exact_rows: Sequence[dict[str, Any]]) -> None:
    """One viewer page a certificate of an exact optimum (``exact_moves`` of the rows),
    written next to the report and embedded in it."""
    rep.heading("Exact optima, move by move")
    rep.para("Each certificate below is the optimal strategy the search found, replayed: "
             "step through it, click a node for its history, switch on the segments of M "
             "I/O. Each viewer is also a page of its own.")  # fmt: skip
    for r in ordered(exact_rows):
        if not r.get("exact_moves"):
            continue
        n, d, m = r["n"], r["d"], r["memory"]
        name = f"view_n{n}_d{d}_m{m}.html"
        try:
            page = view(exact_dag(n, d), [tuple(move) for move in r["exact_moves"]], m,
                        title=f"exact optimum, attention N={n}, d={d}, M={m}: "
                        f"{r.get('exact_io')} I/O")  # fmt: skip
        except RedBlueError as exc:  # rows from elsewhere: say so, show the rest
            rep.para(f"The certificate of N={n}, d={d}, M={m} could not be shown: {exc}")
            continue
        page.save(out / name)
        rep.frame(name, f"N={n}, d={d}, M={m}: the optimum, {r.get('exact_io')} I/O, "
                  f"{len(r['exact_moves'])} moves")  # fmt: skip


def write_report(
    out_dir: str | os.PathLike[str],
    *,
    schedule_rows: Sequence[dict[str, Any]],
    exact_rows: Sequence[dict[str, Any]] = (),
    verdicts: Sequence[Verdict] = (),
    lemma_counts: Sequence[dict[str, Any]] = (),
    title: str = "redblue: the I/O complexity of attention, checked",
    facts: Mapping[str, Any] | None = None,
    failed_tasks: int = 0,
) -> Path:
    """Write ``report.md``, ``report.html`` and the figures into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Created if missing.
    schedule_rows : sequence of dict
        Rows of :func:`redblue.paper.measure_attention` for the I/O figures and tables.
    exact_rows : sequence of dict, optional
        Rows measured with ``exact=True``, for the exact-optimum figure and table.
    verdicts : sequence of Verdict, optional
        The verdict table at the top of the report (each ``checked``, ``FAILED`` or
        ``not checked``).
    lemma_counts : sequence of dict, optional
        Results of :func:`redblue.paper.lemma_3_3_counts`, for the Lemma 3.3 figure and
        table.
    title : str
    facts : mapping, optional
        What made the report (:func:`provenance`), shown as a table under the summary.
    failed_tasks : int, default 0
        Instances whose measurement raised, said in the summary line.

    Returns
    -------
    pathlib.Path
        The path of ``report.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plt = pyplot()
    rep = Report(title)
    if verdicts:
        rep.strong(summary_line(verdicts, failed_tasks) + ".")
    rep.para("Saha & Ye (ICML 2024): attention needs Theta(min(N^2 d^2/M, N^2 d/sqrt(M))) I/O; "
             "FlashAttention is optimal for M >= d^2 and square tiling below. Every schedule "
             "I/O here is exact: replayed move by move on the attention DAG, or counted by "
             "block counters that the tests prove equal to the replay.")  # fmt: skip
    if plt is None:
        rep.para("Figures skipped: matplotlib is not installed (pip install 'redblue[plot]').")
    if facts:
        rep.heading("How this report was made")
        rep.table(["item", "value"], [[k, v] for k, v in facts.items()])
    draw: list[Callable[[], None]] = []  # the figures, drawn after the text is laid out
    if verdicts:
        rep.heading("Verdicts")
        rep.table(["claim", "source", "instances", "verdict"],
                  [[v.claim, v.source, v.checked, v.status] for v in verdicts])  # fmt: skip
    algs = algorithms(schedule_rows)
    if schedule_rows:
        rep.heading("I/O of the schedules")
        if plt is not None:
            for stem, rows, what in figure_sets(schedule_rows):
                for name, ratio in ((f"io_vs_memory{stem}.png", False),
                                    (f"ratio_to_lower{stem}.png", True)):  # fmt: skip
                    draw.append(lambda r=rows, f=out / name, q=ratio: plot_io(plt, r, f, ratio=q))
                rep.image(f"io_vs_memory{stem}.png",
                          f"I/O against fast memory M, {what} (log-log); dotted: M = d²")
                rep.image(f"ratio_to_lower{stem}.png",
                          f"each schedule's I/O over the explicit lower bound, {what}")
        rep.table(["N", "d", "M", "regime", "lower (by)"] + algs + ["checked by"],
                  [[r["n"], r["d"], r["memory"], r["regime"], f"{r['lower']} ({r['lower_by']})"]
                   + [r.get(f"{a}_io") for a in algs]
                   + [", ".join(sorted({r[f"{a}_checked"] for a in algs
                                        if r.get(f"{a}_checked")}))]
                   for r in ordered(schedule_rows)])  # fmt: skip
    if exact_rows:
        rep.heading("Exact optima on small instances")
        if plt is not None:
            draw.append(lambda: plot_exact(plt, exact_rows, out / "exact.png"))
            rep.image("exact.png", "exact optimum (or proven bounds) against bounds and schedules")
        ealgs = algorithms(exact_rows)
        rep.table(["N", "d", "M", "lower bound", "optimum", "proven", "seconds"] + ealgs,
                  [[r["n"], r["d"], r["memory"], r["lower"],
                    r.get("exact_io") if r.get("exact_optimal")
                    else f"{r.get('exact_lower')}..{r.get('exact_upper')}",
                    "yes" if r.get("exact_optimal") else "no", r.get("exact_seconds")]
                   + [r.get(f"{a}_io") for a in ealgs]
                   for r in ordered(exact_rows)
                   if r.get("exact_upper") is not None])  # fmt: skip
    if any(r.get("exact_moves") for r in exact_rows):
        _certificate_views(rep, out, exact_rows)
    if lemma_counts:
        rep.heading("Lemma 3.3: QK^T roots per part of FlashAttention-2")
        if plt is not None:
            draw.append(lambda: plot_lemma_3_3(plt, lemma_counts, out / "lemma_3_3.png"))
            rep.image("lemma_3_3.png", "roots per part against the per-part bound")
        rep.table(["N", "d", "M", "parts", "most roots in a part", "bound", "ratio",
                   "unexplained"], _lemma_table(lemma_counts))  # fmt: skip
    if draw:
        with phase(f"figures ({len(draw)})"):
            for figure in draw:
                figure()
    with phase("writing the report"):
        (out / "report.md").write_text(rep.markdown(), encoding="utf-8")
        (out / "report.html").write_text(rep.html(), encoding="utf-8")
    return out / "report.md"
