"""The instances of the paper check: sweep tasks, the paper's default grid, the exact DAG.

:func:`attention_tasks` turns sizes into sweep tasks (one dictionary per ``(N, d, M)``,
see :mod:`redblue.sweep`), :func:`attention_columns` names the columns of their rows,
:func:`paper_grid` is the grid ``redblue paper`` runs, and :func:`exact_dag` /
:func:`on_exact_dag` say on which DAG the exact search runs and which schedules share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from redblue.checks import check_time_limit
from redblue.dags import attention_dag
from redblue.errors import InvalidInputError
from redblue.strategies import ALGORITHMS, algorithm_dag

__all__ = [
    "SCHEDULES",
    "PaperGrid",
    "attention_columns",
    "attention_tasks",
    "exact_dag",
    "on_exact_dag",
    "paper_grid",
]

#: The block schedules of the paper check (greedy is available on request).
SCHEDULES: tuple[str, ...] = ("flash1", "flash2", "standard", "tiling")

#: Seconds for each exact search of ``redblue paper`` unless ``--time-limit`` says
#: otherwise: (quick, full).
EXACT_TIME_LIMIT = (3.0, 5.0)

#: Schedules with at most this many moves are replayed move by move; longer ones counted.
MAX_MOVES = 3_000_000


def attention_tasks(
    n_values: Iterable[int],
    d_values: Iterable[int],
    memory_values: Iterable[int],
    *,
    algorithms: Sequence[str] = SCHEDULES,
    exact: bool = False,
    time_limit: float = 10.0,
    max_moves: int = MAX_MOVES,
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
                 "exact_states", "exact_moves", "certified_lower", "certified_by"]  # fmt: skip
    return cols


def exact_dag(n: int, d: int) -> nx.DiGraph:
    """The DAG the exact search solves: the paper's graph with chain sums, on which the
    block schedules run too (they accumulate in order)."""
    return attention_dag(n, d, sum="chain")


def on_exact_dag(algorithm: str) -> bool:
    """Whether ``algorithm`` runs on :func:`exact_dag` (standard attention does not: it
    materialises P = A / D, the early-normalised graph), so its I/O bounds that optimum."""
    return algorithm_dag(algorithm, 1, 1).graph["name"] == exact_dag(1, 1).graph["name"]


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
    time_limit : float
        Seconds for each exact search.
    max_moves : int
        Schedules of the replayed grid with more moves than this are counted instead.
    """

    replayed: list[dict[str, Any]]
    counted: list[dict[str, Any]]
    exact: list[dict[str, Any]]
    lemma_points: list[tuple[int, int, int]]
    time_limit: float = EXACT_TIME_LIMIT[1]
    max_moves: int = MAX_MOVES


def _powers_of_two(lo: int, hi: int) -> list[int]:
    out, m = [], 1
    while m <= hi:
        if m >= lo:
            out.append(m)
        m *= 2
    return out


def paper_grid(quick: bool = False, time_limit: float | None = None) -> PaperGrid:
    """The default instances of ``redblue paper`` (``quick``: a smaller set, about a minute).

    The counted grid spans M from d to N d in powers of two for N = 4096 (quick: 1024),
    across the regime boundary M = d^2; the replayed grid is N = 16 (quick: 8); the exact
    grid is the attention DAG (sum = chain) for (N, d) = (2, 1), (2, 2), (3, 1) (quick:
    (2, 1)) at every M from 3 to 3Nd + Nd + 2. Every claim of
    :func:`redblue.paper.check_rows` has instances in this grid, so
    :func:`redblue.paper.paper_check` requires each of them to be checked.

    Parameters
    ----------
    quick : bool, default False
    time_limit : float, optional
        Seconds for each exact search (default :data:`EXACT_TIME_LIMIT`: 3 quick, 5 full).
        The limit is part of each exact task, so rows computed under another limit are not
        reused.

    Returns
    -------
    PaperGrid

    Raises
    ------
    InvalidInputError
        For a time limit that is not a positive finite number of seconds.
    """
    limit = check_time_limit(time_limit, "the time limit")
    if limit is None:
        limit = EXACT_TIME_LIMIT[0 if quick else 1]
    n_big, ds_big = (1024, (16, 64)) if quick else (4096, (16, 64, 128))
    counted = [t for d in ds_big for t in attention_tasks(
        [n_big], [d], _powers_of_two(d, n_big * d), max_moves=0)]  # fmt: skip
    n_small = 8 if quick else 16
    replayed = attention_tasks([n_small], [2, 4, 8], _powers_of_two(8, 16 * n_small),
                               max_moves=MAX_MOVES)  # fmt: skip
    exact = []
    for n, d in ((2, 1),) if quick else ((2, 1), (2, 2), (3, 1)):
        top = 4 * n * d + 2
        exact += attention_tasks([n], [d], range(3, top + 1), algorithms=(*SCHEDULES, "greedy"),
                                 exact=True, time_limit=limit)  # fmt: skip
    lemma = [(8, 2, 16), (8, 4, 64)] if quick else [(16, 2, 32), (16, 4, 64), (16, 8, 128)]
    return PaperGrid(replayed, counted, exact, lemma, limit, MAX_MOVES)
