"""Every simulation of the paper check: the row measured on one instance, Lemma 3.3's counts.

:func:`measure_attention` is the sweep's measure (see :mod:`redblue.sweep`): for one
instance ``(N, d, M)`` it runs every requested schedule (replayed and verified when the
move count allows, else counted block by block by a counter the tests prove equal to the
replay), the project's explicit lower bounds, the paper's asymptotic bound, and, when
asked, the exact optimum by search (or its proven bounds when the time limit hits).

:func:`lemma_3_3_counts` replays a schedule and counts the QK^T roots in each part of its
Lemma 2.7 partition, for the report's Lemma 3.3 figure.

References
----------
.. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024 (Theorems 3.1, 3.2, 3.5; Lemma 3.3).
"""

from __future__ import annotations

import math
import time
from typing import Any

from redblue.analysis.partition import count_roots, segments
from redblue.bounds import explicit
from redblue.errors import InvalidInputError
from redblue.game import Strategy
from redblue.paper.grid import exact_dag, on_exact_dag
from redblue.strategies import count_io, estimated_moves, simulate

__all__ = ["CERTIFIED_SECONDS", "lemma_3_3_counts", "measure_attention", "paper_bound"]

#: seconds for the certified lower bounds of each exact instance (they are a sandwich
#: plot's middle line, not its proof: the search is)
CERTIFIED_SECONDS = 0.3


def paper_bound(n: int, d: int, memory: int) -> float:
    """``min(N^2 d^2 / M, N^2 d / sqrt(M))``: Theorem 3.1's rate, without constants."""
    return min(n * n * d * d / memory, n * n * d / math.sqrt(memory))


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
    """Measure one attention instance (the sweep's measure for
    :func:`redblue.paper.attention_tasks`).

    Returns
    -------
    dict
        ``regime`` (``"large"`` for M >= d^2), ``paper_bound``, ``lower`` (the best explicit
        lower bound) and ``lower_by``, ``trivial`` (4Nd); per algorithm ``{a}_io``,
        ``{a}_checked`` ("replay" or "counter") and ``{a}_note`` (why it could not run);
        with ``exact``: ``exact_optimal``, ``exact_io``, ``exact_lower``, ``exact_upper``,
        ``exact_seconds``, ``exact_states`` for the DAG the schedules run on, and
        ``exact_moves`` (the optimum's certificate as ``[kind, node]`` pairs, or None);
        ``certified_lower`` and ``certified_by``: the best lower bound of
        :mod:`redblue.lower`'s methods that cover the classic game, other than the search
        (:data:`CERTIFIED_SECONDS` seconds), and its method (checked against the search's
        certificate).

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
        from redblue.lower import lower_bound
        from redblue.lower.certified import best_method, bound_methods
        from redblue.search import solve

        try:
            lb = lower_bound(exact_dag(n, d), m, "classic", methods=bound_methods("classic"),
                             time_limit=CERTIFIED_SECONDS)  # fmt: skip
            row.update(certified_lower=lb.lower, certified_by=best_method(lb))
        except InvalidInputError:  # M below the DAG's smallest feasible memory
            row.update(certified_lower=None, certified_by=None)
        start = time.perf_counter()
        try:  # the schedules run on this DAG too; the best one seeds the search's bound
            r = solve(exact_dag(n, d), m, time_limit=task.get("time_limit"),
                      upper=best[1] if best else None)  # fmt: skip
            row.update(exact_optimal=r.optimal, exact_io=r.io, exact_lower=r.lower,
                       exact_upper=r.upper, exact_states=r.states)  # fmt: skip
            # the certificate, for the report's viewer (a few hundred moves at most here)
            row["exact_moves"] = ([[k, v] for k, v in r.strategy.moves]
                                  if r.optimal and r.strategy is not None else None)
        except InvalidInputError:  # M below the DAG's smallest feasible memory
            row.update(exact_optimal=None, exact_io=None, exact_lower=None, exact_upper=None,
                       exact_states=None, exact_moves=None)  # fmt: skip
        row["exact_seconds"] = round(time.perf_counter() - start, 3)
        upper = row.get("exact_upper")
        if row["certified_lower"] is not None and upper is not None and (
                row["certified_lower"] > upper):  # a method's proof is wrong: say so
            raise AssertionError(f"certified lower bound {row['certified_lower']} "
                                 f"({row['certified_by']}) > replayed strategy {upper}")
    return row


def lemma_3_3_counts(n: int, d: int, memory: int, algorithm: str = "flash2") -> dict[str, Any]:
    """QK^T roots per part of a schedule's Lemma 2.7 partition, with Lemma 3.3's bound.

    The schedule is simulated (its moves replayed), cut into segments of ``memory`` I/Os,
    and the roots ``S[i, j]`` first computed in each segment are counted.

    Returns
    -------
    dict
        ``n``, ``d``, ``memory``, ``algorithm`` (the instance), ``roots`` (list, one count
        per part), ``bound`` (the project's per-part bound ``2M + max(2M, M^2/d^2)`` for
        2M-partitions) and ``unexplained`` (roots outside the three classes of the proof;
        0 when the lemma's case analysis holds).

    Examples
    --------
    >>> c = lemma_3_3_counts(4, 2, 16)
    >>> max(c["roots"]) <= c["bound"], c["unexplained"]
    (True, 0)
    """
    sim = simulate(algorithm, n, d, memory)
    counts = count_roots(sim.graph, segments(sim.moves, memory), d, memory)
    return {
        "n": n,
        "d": d,
        "memory": memory,
        "algorithm": algorithm,
        "roots": [c.roots for c in counts],
        "bound": counts[0].bound,
        "unexplained": sum(c.unexplained for c in counts),
    }
