"""The report's matplotlib figures, drawn from rows and counts computed beforehand.

Nothing here simulates or searches: each function plots numbers it is given. Every
function takes the ``pyplot`` module that :func:`pyplot` returns (``None`` when
matplotlib, the ``plot`` extra, is missing: the report then has tables only).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redblue.paper.grid import on_exact_dag

__all__ = ["algorithms", "by_nd", "figure_sets", "ordered", "plot_exact", "plot_io",
           "plot_lemma_3_3", "pyplot"]  # fmt: skip

_STYLE = {"flash1": "C0", "flash2": "C1", "standard": "C2", "tiling": "C3", "greedy": "C4"}


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the file-only Agg backend, or None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, no screen
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def algorithms(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The schedules the rows ran, in order of first appearance."""
    seen: list[str] = []
    for r in rows:
        for a in r.get("algorithms", []):
            if a not in seen:
                seen.append(a)
    return seen


def ordered(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows sorted by ``(N, d, M)``."""
    return sorted(rows, key=lambda r: (r["n"], r["d"], r["memory"]))


def by_nd(rows: Sequence[dict[str, Any]]) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """The rows grouped by ``(N, d)``, each group sorted by M."""
    groups: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for r in ordered(rows):
        groups.setdefault((r["n"], r["d"]), []).append(r)
    return groups


def figure_sets(rows: Sequence[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]], str]]:
    """Rows split into figures: counted (large N) and replayed (small N) instances, each as
    (file-name stem suffix, rows, caption words)."""
    counted = [r for r in rows if any(r.get(f"{a}_checked") == "counter" for a in r["algorithms"])]
    replayed = [r for r in rows if r not in counted]
    sets = []
    if counted:
        sets.append(("", counted, "block counters (large N)"))
    if replayed:
        sets.append(("_replayed" if counted else "", replayed, "replayed strategies"))
    return sets


def _panels(plt: Any, count: int) -> tuple[Any, list[Any]]:
    """A figure with ``count`` panels, at most three a row (spare panels hidden)."""
    cols = min(3, count)
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.2 * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


def _save(plt: Any, fig: Any, axes: list[Any], path: Path) -> None:
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_io(plt: Any, rows: Sequence[dict[str, Any]], path: Path, ratio: bool) -> None:
    """Each schedule's I/O against M (log-log; ``ratio``: over the explicit lower bound),
    one panel per (N, d), with the bounds and the regime line M = d^2."""
    groups = by_nd(rows)
    fig, axes = _panels(plt, len(groups))
    for ax, ((n, d), group) in zip(axes, groups.items(), strict=True):
        ms = [r["memory"] for r in group]
        for a in algorithms(group):
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
    _save(plt, fig, axes, path)


def plot_exact(plt: Any, rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Exact optima (or proven bounds) against M, with the lower bounds (explicit, and the
    best certified one of :mod:`redblue.lower` where the rows have it) and the schedules."""
    groups = by_nd(rows)
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
        cert = [r for r in group if r.get("certified_lower") is not None]
        if cert:  # between the explicit bounds and the schedules
            by = ", ".join(sorted({r["certified_by"] for r in cert}))
            ax.plot([r["memory"] for r in cert], [r["certified_lower"] for r in cert], "s:",
                    ms=3, color="C5", label=f"certified lower bound ({by})")  # fmt: skip
        for a in algorithms(group):
            pts = [(r["memory"], r[f"{a}_io"]) for r in group if r.get(f"{a}_io") is not None]
            if pts:
                label = a if on_exact_dag(a) else f"{a} (early-normalised DAG)"
                ax.plot(*zip(*pts, strict=True), marker="x", ls="--", color=_STYLE.get(a),
                        label=label)  # fmt: skip
        ax.set_xlabel("fast memory M (words)")
        ax.set_ylabel("I/O (words)")
        ax.set_title(f"attention N = {n}, d = {d} (sum = chain)")
        ax.grid(True, alpha=0.3)
    _save(plt, fig, axes, path)


def plot_lemma_3_3(plt: Any, counts: Sequence[dict[str, Any]], path: Path) -> None:
    """Roots per part against Lemma 3.3's bound, one panel per
    :func:`redblue.paper.lemma_3_3_counts` result."""
    fig, axes = _panels(plt, len(counts))
    for ax, c in zip(axes, counts, strict=True):
        ax.bar(range(len(c["roots"])), c["roots"], color="C1", label="QK^T roots in the part")
        ax.axhline(c["bound"], color="k", ls="--", label="Lemma 3.3 bound 2M + max(2M, M²/d²)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("part (segment of M I/Os)")
        ax.set_ylabel("roots S[i,j] computed")
        ax.set_title(f"{c['algorithm']}, N = {c['n']}, d = {c['d']}, M = {c['memory']}")
    _save(plt, fig, axes, path)
