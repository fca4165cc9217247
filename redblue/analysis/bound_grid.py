"""One helper for every bound-versus-instances check of the proof scripts, made to fail.

A lower bound ``L(N, d, M) <= Q`` is compared with the I/O of a valid strategy (a
replayed schedule, a block counter proven equal to replay, an exact optimum). A
comparison with a bound of 0 tests nothing, so :func:`check_bound_on_grid` counts the
points where the bound is non-zero and fails when there are none (a *vacuous* check),
and reports how close the bound comes to the strategies: the minimum ratio
``measure / bound`` per regime (for an upper bound ``bound / measure``). A constant
changed in a bound shows up as a violation once that ratio is below the change.

References
----------
.. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024: Lemma 3.4 and Theorems 3.7, 4.8, 4.14 (lower bounds),
   Theorems 3.2 and 3.5 (upper bounds), each checked this way by ``proofs/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GridCheck", "check_bound_on_grid"]

Point = tuple


@dataclass
class GridCheck:
    """The outcome of :func:`check_bound_on_grid`.

    Attributes
    ----------
    name : str
        The bound's name.
    kind : {"lower", "upper"}
    points : int
        Points with a measurement.
    nonzero : int
        Of them, points where the bound is non-zero (what a lower bound is tested on).
    violations : list of (point, bound, measure, label)
    worst : dict
        Per regime, ``(ratio, point, bound, measure, label)`` with the least ratio.
    rows : list of (point, bound, measure, label)
        Every comparison made.
    """

    name: str
    kind: str
    points: int = 0
    nonzero: int = 0
    violations: list[tuple[Point, Any, Any, str]] = field(default_factory=list)
    worst: dict[str, tuple[float, Point, Any, Any, str]] = field(default_factory=dict)
    rows: list[tuple[Point, Any, Any, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations and self.nonzero > 0

    def min_ratio(self) -> float:
        """The least ratio over all regimes (inf if nothing was compared)."""
        return min((w[0] for w in self.worst.values()), default=float("inf"))

    def summary(self) -> str:
        parts = []
        for regime, (r, pt, b, m, label) in sorted(self.worst.items()):
            where = f"{label} " if label else ""
            parts.append(f"[{regime}] min ratio {r:.3g} at {pt} ({where}{m} vs {b})")
        return "; ".join(parts) or "nothing compared"


def _split(measured: Any) -> tuple[Any, str]:
    if isinstance(measured, tuple):
        return measured[0], str(measured[1])
    return measured, ""


def check_bound_on_grid(
    p: Any,
    name: str,
    bound_fn: Callable[..., Any],
    points: Iterable[Point],
    measure_fn: Callable[..., Any],
    *,
    kind: str = "lower",
    regime: Callable[..., str] | None = None,
    source: str = "schedules",
    show: int = 3,
) -> GridCheck:
    """Compare a bound with a measurement at every point; record the verdict on ``p``.

    Parameters
    ----------
    p : redblue.bounds.proof.Proof
        Where the steps are recorded.
    name : str
        The bound's name (in the step text).
    bound_fn, measure_fn : callable
        Called with the point's coordinates (``f(*point)``). ``measure_fn`` returns a
        number, ``(number, label)`` (the label says which strategy), or None (nothing to
        compare at this point: skipped).
    points : iterable of tuple
    kind : {"lower", "upper"}
        ``bound <= measure`` (lower bound) or ``measure <= bound`` (upper bound).
    regime : callable, optional
        ``regime(*point)`` labels the point; the minimum ratio is reported per label.
    source : str
        What the measurements are (in the step text).
    show : int
        Violations recorded as steps of their own, one per point; the rest are counted.

    Returns
    -------
    GridCheck

    Notes
    -----
    Recorded steps: one failing step per violating point (the first ``show`` of them);
    one step "bound vs source at K points" (fails on any violation; its detail gives the
    minimum ratio per regime); for a lower bound, one step "non-zero at K' points" that
    fails when K' = 0: a lower bound that only ever met 0 tested nothing.

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024 (the bounds the proof scripts check).
    """
    if kind not in ("lower", "upper"):
        raise ValueError(f"kind must be 'lower' or 'upper', got {kind!r}")
    out = GridCheck(name, kind)
    for pt in points:
        measured = measure_fn(*pt)
        if measured is None:
            continue
        value, label = _split(measured)
        if value is None:
            continue
        bound = bound_fn(*pt)
        out.points += 1
        out.rows.append((pt, bound, value, label))
        if kind == "lower":
            if bound <= 0:
                continue
            out.nonzero += 1
            ok, ratio = bound <= value, value / bound
        else:
            out.nonzero += 1
            ok = value <= bound
            ratio = bound / value if value > 0 else float("inf")
        if not ok:
            out.violations.append((pt, bound, value, label))
        key = regime(*pt) if regime is not None else "all"
        if key not in out.worst or ratio < out.worst[key][0]:
            out.worst[key] = (ratio, pt, bound, value, label)
    rel = "<=" if kind == "lower" else ">="
    for pt, bound, value, label in out.violations[:show]:
        p.check(f"{name} = {bound} {rel} {label or source} = {value} at {pt}", False)
    more = len(out.violations) - min(show, len(out.violations))
    text = f"{name} {rel} {source} at all {out.points} points"
    detail = out.summary() + (f"; {more} more violations" if more > 0 else "")
    p.check(text, not out.violations and out.points > 0, detail)
    if kind == "lower":
        p.check(
            f"{name}: compared where it is non-zero at {out.nonzero} of {out.points} points",
            out.nonzero > 0,
            "" if out.nonzero else "vacuous: the bound was 0 at every point compared",
        )
    return out
