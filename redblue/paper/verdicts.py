"""Verdicts: the paper's claims checked on measured rows.

A :class:`Verdict` is one claim, the number of instances it was checked on, and the
instances where it failed. It reads one of three ways (:attr:`Verdict.status`):

``checked``
    checked on at least one instance and failed on none;
``FAILED``
    failed on at least one instance;
``not checked``
    no instance reached the claim's regime, so it was neither shown nor refuted.

A verdict is *required* when the instances were chosen to reach it (the paper check's
grid reaches every claim; a proof script must check something): a required claim that
no instance reached fails the run (:attr:`Verdict.fails`), and still reads
``not checked``, never ``FAILED``. An optional claim left unchecked fails nothing (rows
of the user's choosing, as in ``redblue report --from``, need not reach every regime).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redblue.paper.grid import on_exact_dag

__all__ = ["Verdict", "check_rows", "summary_line"]


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
    required : bool, default True
        Whether the claim must be checked on at least one instance: if it was checked on
        none, the run fails (:attr:`fails`).

    Examples
    --------
    >>> Verdict("x >= 0", "test", 3, []).status
    'checked'
    >>> unchecked = Verdict("x >= 0", "test", 0, [], required=False)
    >>> unchecked.status, unchecked.ok, unchecked.fails
    ('not checked', False, False)
    >>> Verdict("x >= 0", "test", 0, []).fails  # required, yet no instance reached it
    True
    """

    claim: str
    source: str
    checked: int
    failed: list[str]
    required: bool = True

    @property
    def ok(self) -> bool:
        """True when checked on at least one instance and failed on none."""
        return self.checked > 0 and not self.failed

    @property
    def status(self) -> str:
        """``"FAILED"`` (an instance failed), ``"checked"`` (:attr:`ok`) or
        ``"not checked"`` (no instance: never ``"FAILED"``, required or not)."""
        if self.failed:
            return "FAILED"
        return "checked" if self.checked > 0 else "not checked"

    @property
    def fails(self) -> bool:
        """True when the verdict fails its run: an instance failed, or the claim is
        required and was checked on none."""
        return bool(self.failed) or (self.required and self.checked == 0)

    def to_dict(self) -> dict[str, Any]:
        """The verdict as a JSON-ready dictionary."""
        return {"claim": self.claim, "source": self.source, "checked": self.checked,
                "failed": self.failed, "ok": self.ok, "status": self.status,
                "required": self.required}  # fmt: skip


def summary_line(verdicts: Sequence[Verdict], failed_tasks: int = 0) -> str:
    """The verdicts in one line: how many checked, failed and not checked.

    Parameters
    ----------
    verdicts : sequence of Verdict
    failed_tasks : int, default 0
        Instances whose measurement raised (they have no row); said when not 0.

    Returns
    -------
    str

    Examples
    --------
    >>> summary_line([Verdict("a", "s", 3, []), Verdict("b", "s", 0, [])])
    '1 of 2 results checked, 0 failed, 1 not checked'
    >>> summary_line([Verdict("a", "s", 3, ["N=1: broken"])], failed_tasks=2)
    '0 of 1 results checked, 1 failed, 0 not checked; 2 instances raised an error'
    """
    ok = sum(v.ok for v in verdicts)
    failed = sum(v.status == "FAILED" for v in verdicts)
    unchecked = sum(v.status == "not checked" for v in verdicts)
    line = f"{ok} of {len(verdicts)} results checked, {failed} failed, {unchecked} not checked"
    if failed_tasks:
        line += f"; {failed_tasks} instance{'s' if failed_tasks != 1 else ''} raised an error"
    return line


def _where(r: dict[str, Any]) -> str:
    return f"N={r['n']} d={r['d']} M={r['memory']}"


def check_rows(rows: Sequence[dict[str, Any]], *, required: bool = True) -> list[Verdict]:
    """The paper's claims checked on measured rows.

    Claims: every verified schedule costs at least the explicit lower bound; each exact
    optimum lies between the explicit lower bound and the I/O of every schedule that runs
    on the same DAG (:func:`redblue.paper.on_exact_dag`; this verdict is present only
    when some row holds an exact result);
    FlashAttention's I/O over ``N^2 d^2 / M`` stays within constant factors for
    ``d <= M <= N d`` (Theorem 3.2: the ratio's range over the instances is reported, and its
    largest value may be at most 8 times its smallest); the square tiling beats
    FlashAttention-2 when ``M < d^2 / 4`` and ``d >= 16`` (Theorem 3.5 against Theorem 3.2: its
    gain grows like ``d / sqrt(M)``).

    Parameters
    ----------
    rows : sequence of dict
        Rows of :func:`redblue.paper.measure_attention`, each merged with its task.
    required : bool, default True
        Whether each claim must be checked on at least one instance (see
        :class:`Verdict`): true when the rows come from a grid built to reach every claim
        (:func:`redblue.paper.paper_grid`), false for rows of any other choosing.

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
                            "Theorem 3.1 (project constants)", checked, failed,
                            required))  # fmt: skip

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
        verdicts.append(Verdict(claim, "Lemma 2.8 / Theorem 3.1 on exact instances", checked,
                                failed, required))  # fmt: skip

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
                                "Theorem 3.2", len(ratios), failed, required))  # fmt: skip

    small = [r for r in rows if r.get("tiling_io") is not None and r.get("flash2_io") is not None
             and 4 * r["memory"] < r["d"] ** 2 and r["d"] >= 16]  # fmt: skip
    failed = [f"{_where(r)}: tiling {r['tiling_io']} >= flash2 {r['flash2_io']}"
              for r in small if r["tiling_io"] >= r["flash2_io"]]  # fmt: skip
    verdicts.append(Verdict("square tiling beats FlashAttention-2 for M < d^2/4",
                            "Theorem 3.5 vs Theorem 3.2", len(small), failed,
                            required))  # fmt: skip
    return verdicts
