"""The paper-check report: markdown and HTML pages with tables and matplotlib figures.

:func:`write_report` takes sweep rows (see :mod:`redblue.paper`) and writes, into one
folder, ``report.md``, ``report.html`` and the PNG figures they show:

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

import html
import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redblue.errors import InvalidInputError
from redblue.paper import Verdict, on_exact_dag
from redblue.sweep import read_rows

__all__ = ["REPORT_COLUMNS", "Report", "lemma_3_3_counts", "load_rows", "write_report"]

#: The columns every row of a report's rows file needs (what :func:`write_report` and
#: :func:`redblue.paper.check_rows` read); ``redblue sweep`` writes them all.
REPORT_COLUMNS = ("n", "d", "memory", "algorithms", "regime", "lower", "lower_by", "paper_bound")

_STYLE = {"flash1": "C0", "flash2": "C1", "standard": "C2", "tiling": "C3", "greedy": "C4"}


@dataclass
class Report:
    """A report as a list of blocks, rendered to markdown and HTML alike.

    Each block is ``("h", level, text)``, ``("p", text)``, ``("table", header, rows)`` or
    ``("img", path, caption)``.
    """

    title: str
    blocks: list[tuple[Any, ...]] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(("h", level, text))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.blocks.append(("table", list(header), [list(map(_fmt, r)) for r in rows]))

    def image(self, path: str, caption: str) -> None:
        self.blocks.append(("img", path, caption))

    def markdown(self) -> str:
        """The report as markdown."""
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            if block[0] == "h":
                out += ["#" * block[1] + " " + block[2], ""]
            elif block[0] == "p":
                out += [block[1], ""]
            elif block[0] == "table":
                header, rows = block[1], block[2]
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "---|" * len(header))
                out += ["| " + " | ".join(r) + " |" for r in rows]
                out.append("")
            else:
                out += [f"![{block[2]}]({block[1]})", "", f"*{block[2]}*", ""]
        return "\n".join(out)

    def html(self) -> str:
        """The report as a standalone HTML page."""
        e = html.escape
        out = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'>",
               f"<title>{e(self.title)}</title>",
               "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
               "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
               "img{max-width:100%}</style></head><body>", f"<h1>{e(self.title)}</h1>"]  # fmt: skip
        for block in self.blocks:
            if block[0] == "h":
                out.append(f"<h{block[1]}>{e(block[2])}</h{block[1]}>")
            elif block[0] == "p":
                out.append(f"<p>{e(block[1])}</p>")
            elif block[0] == "table":
                out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in block[1]) + "</tr>")
                for r in block[2]:
                    out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>")
                out.append("</table>")
            else:
                out.append(f"<figure><img src='{e(block[1])}' alt='{e(block[2])}'>"
                           f"<figcaption>{e(block[2])}</figcaption></figure>")  # fmt: skip
        out.append("</body></html>")
        return "\n".join(out)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, no screen
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def _algorithms(rows: Sequence[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for r in rows:
        for a in r.get("algorithms", []):
            if a not in seen:
                seen.append(a)
    return seen


def _ordered(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["n"], r["d"], r["memory"]))


def _by_nd(rows: Sequence[dict[str, Any]]) -> dict[tuple[int, int], list[dict[str, Any]]]:
    groups: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for r in _ordered(rows):
        groups.setdefault((r["n"], r["d"]), []).append(r)
    return groups


def _panels(plt: Any, count: int) -> tuple[Any, list[Any]]:
    """A figure with ``count`` panels, at most three a row (spare panels hidden)."""
    cols = min(3, count)
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.2 * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


def _plot_io(plt: Any, rows: Sequence[dict[str, Any]], path: Path, ratio: bool) -> None:
    groups = _by_nd(rows)
    fig, axes = _panels(plt, len(groups))
    for ax, ((n, d), group) in zip(axes, groups.items(), strict=True):
        ms = [r["memory"] for r in group]
        for a in _algorithms(group):
            pts = [(r["memory"], r[f"{a}_io"] / (r["lower"] if ratio else 1)) for r in group
                   if r.get(f"{a}_io") is not None and (r["lower"] > 0 or not ratio)]  # fmt: skip
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", ms=3, color=_STYLE.get(a), label=a)
        if ratio:
            ax.axhline(1, color="k", lw=0.8, ls=":", label="lower bound")
            ax.set_ylabel("io / explicit lower bound")
        else:
            lower = [r["lower"] for r in group]
            ax.plot(ms, lower, color="k", lw=1.5, label="explicit lower bound")
            ax.plot(ms, [r["paper_bound"] for r in group], color="gray", ls="--",
                    label="min(N²d²/M, N²d/√M)")  # fmt: skip
            ax.set_ylabel("I/O (words)")
        ax.axvline(d * d, color="purple", ls=":", lw=1.2, label="M = d²")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("fast memory M (words)")
        ax.set_title(f"N = {n}, d = {d}")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _figure_sets(rows: Sequence[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]], str]]:
    """Rows split into figures: counted (large N) and replayed (small N) instances."""
    counted = [r for r in rows if any(r.get(f"{a}_checked") == "counter" for a in r["algorithms"])]
    replayed = [r for r in rows if r not in counted]
    sets = []
    if counted:
        sets.append(("", counted, "block counters (large N)"))
    if replayed:
        sets.append(("_replayed" if counted else "", replayed, "replayed strategies"))
    return sets


def _plot_exact(plt: Any, rows: Sequence[dict[str, Any]], path: Path) -> None:
    groups = _by_nd(rows)
    fig, axes = _panels(plt, len(groups))
    for ax, ((n, d), group) in zip(axes, groups.items(), strict=True):
        group = [r for r in group if r.get("exact_upper") is not None]
        ms = [r["memory"] for r in group]
        lo = [r["exact_lower"] for r in group]
        hi = [r["exact_upper"] for r in group]
        ax.fill_between(ms, lo, hi, color="C1", alpha=0.25, step="mid", label="optimum bounds")
        opt = [(r["memory"], r["exact_io"]) for r in group if r.get("exact_optimal")]
        if opt:
            ax.plot(*zip(*opt, strict=True), "o", color="C1", label="exact optimum Q(G, M)")
        ax.plot(ms, [r["lower"] for r in group], "k-", label="explicit lower bound")
        for a in _algorithms(group):
            pts = [(r["memory"], r[f"{a}_io"]) for r in group if r.get(f"{a}_io") is not None]
            if pts:
                label = a if on_exact_dag(a) else f"{a} (early-normalised DAG)"
                ax.plot(*zip(*pts, strict=True), marker="x", ls="--", color=_STYLE.get(a),
                        label=label)  # fmt: skip
        ax.set_xlabel("fast memory M (words)")
        ax.set_ylabel("I/O (words)")
        ax.set_title(f"attention N = {n}, d = {d} (sum = chain)")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def lemma_3_3_counts(n: int, d: int, memory: int, algorithm: str = "flash2") -> dict[str, Any]:
    """QK^T roots per part of a schedule's Lemma 2.7 partition, with Lemma 3.3's bound.

    Returns
    -------
    dict
        ``roots`` (list, one count per part), ``bound`` (the project's per-part bound
        ``2M + max(2M, M^2/d^2)`` for 2M-partitions) and ``unexplained`` (roots outside
        the three classes of the proof; 0 when the lemma's case analysis holds).

    Examples
    --------
    >>> c = lemma_3_3_counts(4, 2, 16)
    >>> max(c["roots"]) <= c["bound"], c["unexplained"]
    (True, 0)
    """
    from redblue.analysis.partition import count_roots, segments
    from redblue.strategies import simulate

    sim = simulate(algorithm, n, d, memory)
    counts = count_roots(sim.graph, segments(sim.moves, memory), d, memory)
    return {
        "roots": [c.roots for c in counts],
        "bound": counts[0].bound,
        "unexplained": sum(c.unexplained for c in counts),
    }


def _plot_lemma_3_3(plt: Any, points: Sequence[tuple[int, int, int]], path: Path) -> list[list]:
    fig, axes = _panels(plt, len(points))
    table = []
    for ax, (n, d, m) in zip(axes, points, strict=True):
        c = lemma_3_3_counts(n, d, m)
        ax.bar(range(len(c["roots"])), c["roots"], color="C1", label="QK^T roots in the part")
        ax.axhline(c["bound"], color="k", ls="--", label="Lemma 3.3 bound 2M + max(2M, M²/d²)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("part (segment of M I/Os)")
        ax.set_ylabel("roots S[i,j] computed")
        ax.set_title(f"flash2, N = {n}, d = {d}, M = {m}")
        table.append([n, d, m, len(c["roots"]), max(c["roots"]), c["bound"],
                      f"{max(c['roots']) / c['bound']:.2f}", c["unexplained"]])  # fmt: skip
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return table


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


def write_report(
    out_dir: str | os.PathLike[str],
    *,
    schedule_rows: Sequence[dict[str, Any]],
    exact_rows: Sequence[dict[str, Any]] = (),
    verdicts: Sequence[Verdict] = (),
    lemma_points: Sequence[tuple[int, int, int]] = (),
    title: str = "redblue: the I/O complexity of attention, checked",
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
        The verdict table at the top of the report.
    lemma_points : sequence of (N, d, M), optional
        Instances for the Lemma 3.3 per-part figure.
    title : str

    Returns
    -------
    pathlib.Path
        The path of ``report.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plt = _pyplot()
    rep = Report(title)
    rep.para("Saha & Ye (ICML 2024): attention needs Theta(min(N^2 d^2/M, N^2 d/sqrt(M))) I/O; "
             "FlashAttention is optimal for M >= d^2 and square tiling below. Every schedule "
             "I/O here is exact: replayed move by move on the attention DAG, or counted by "
             "block counters that the tests prove equal to the replay.")  # fmt: skip
    if plt is None:
        rep.para("Figures skipped: matplotlib is not installed (pip install 'redblue[plot]').")
    if verdicts:
        rep.heading("Verdicts")
        rep.table(["claim", "source", "instances", "verdict"],
                  [[v.claim, v.source, v.checked, "checked" if v.ok else "FAILED"]
                   for v in verdicts])  # fmt: skip
    algs = _algorithms(schedule_rows)
    if schedule_rows:
        rep.heading("I/O of the schedules")
        if plt is not None:
            for stem, rows, what in _figure_sets(schedule_rows):
                _plot_io(plt, rows, out / f"io_vs_memory{stem}.png", ratio=False)
                rep.image(f"io_vs_memory{stem}.png",
                          f"I/O against fast memory M, {what} (log-log); dotted: M = d²")
                _plot_io(plt, rows, out / f"ratio_to_lower{stem}.png", ratio=True)
                rep.image(f"ratio_to_lower{stem}.png",
                          f"each schedule's I/O over the explicit lower bound, {what}")
        rep.table(["N", "d", "M", "regime", "lower (by)"] + algs + ["checked by"],
                  [[r["n"], r["d"], r["memory"], r["regime"], f"{r['lower']} ({r['lower_by']})"]
                   + [r.get(f"{a}_io") for a in algs]
                   + [", ".join(sorted({r[f"{a}_checked"] for a in algs
                                        if r.get(f"{a}_checked")}))]
                   for r in _ordered(schedule_rows)])  # fmt: skip
    if exact_rows:
        rep.heading("Exact optima on small instances")
        if plt is not None:
            _plot_exact(plt, exact_rows, out / "exact.png")
            rep.image("exact.png", "exact optimum (or proven bounds) against bounds and schedules")
        ealgs = _algorithms(exact_rows)
        rep.table(["N", "d", "M", "lower bound", "optimum", "proven", "seconds"] + ealgs,
                  [[r["n"], r["d"], r["memory"], r["lower"],
                    r.get("exact_io") if r.get("exact_optimal")
                    else f"{r.get('exact_lower')}..{r.get('exact_upper')}",
                    "yes" if r.get("exact_optimal") else "no", r.get("exact_seconds")]
                   + [r.get(f"{a}_io") for a in ealgs]
                   for r in _ordered(exact_rows)
                   if r.get("exact_upper") is not None])  # fmt: skip
    if lemma_points and plt is not None:
        rep.heading("Lemma 3.3: QK^T roots per part of FlashAttention-2")
        table = _plot_lemma_3_3(plt, lemma_points, out / "lemma_3_3.png")
        rep.image("lemma_3_3.png", "roots per part against the per-part bound")
        rep.table(["N", "d", "M", "parts", "most roots in a part", "bound", "ratio",
                   "unexplained"], table)  # fmt: skip
    (out / "report.md").write_text(rep.markdown(), encoding="utf-8")
    (out / "report.html").write_text(rep.html(), encoding="utf-8")
    return out / "report.md"
