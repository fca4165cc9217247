"""The best certified lower bound where one is shown: ``solve_certified`` starts the exact
search from it, ``attention_lower_bounds`` gives it at a point of the attention family."""

from __future__ import annotations

import time
from typing import Any

import networkx as nx

from redblue.checks import check_time_limit
from redblue.dags import attention_dag, attention_node_count
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.rules import get_rules
from redblue.lower.bound import METHODS, VARIANTS_COVERED, lower_bound
from redblue.lower.results import LowerBound
from redblue.search.solve import SearchResult, solve

__all__ = ["BOUND_SECONDS", "BOUND_SHARE", "MAX_POINT_NODES", "PROBE_SECONDS", "PROBE_SHARE",
           "attention_lower_bounds",
           "best_method", "bound_methods", "solve_certified"]

#: the share of a time limit the bounding methods may use before the search starts
BOUND_SHARE = 0.25
#: seconds the bounding methods may use when the call has no time limit
BOUND_SECONDS = 10.0
#: seconds of a first, short search (at most this share of a time limit): small instances
#: are solved by it before any bounding method runs
PROBE_SECONDS, PROBE_SHARE = 1.0, 0.1
#: the largest attention DAG :func:`attention_lower_bounds` builds
MAX_POINT_NODES = 100_000


def bound_methods(variant: str) -> list[str]:
    """The methods of :data:`~redblue.lower.METHODS` other than the search whose proofs
    cover ``variant``, in the order :func:`~redblue.lower.lower_bound` runs them.

    Examples
    --------
    >>> "trivial" in bound_methods("classic"), "spectral" in bound_methods("classic")
    (True, False)
    >>> "spectral" in bound_methods("no-recompute")
    True
    """
    name = get_rules(variant).name
    return [m for m in METHODS if m != "search" and name in VARIANTS_COVERED.get(m, ())]


def best_method(lb: LowerBound) -> str:
    """The name of the first method whose proven value is ``lb.lower`` (``"trivial"``
    when no method beat it)."""
    for m in lb.methods:
        if m.status != "not run" and m.value == lb.lower:
            return m.name
    return "trivial"


def solve_certified(
    G: nx.DiGraph | CompiledGraph,
    memory: int,
    variant: str = "classic",
    *,
    time_limit: float | None = None,
    **options: Any,
) -> SearchResult:
    """:func:`redblue.search.solve`, started from the best certified lower bound.

    A short search runs first (:data:`PROBE_SECONDS`, at most :data:`PROBE_SHARE` of the
    time limit): what it solves is returned at once. Otherwise the methods of
    :func:`bound_methods` run (at most :data:`BOUND_SHARE` of the time limit, or
    :data:`BOUND_SECONDS` without one), and the best of their bounds and the short
    search's is passed to ``solve`` as ``lower`` (with the short search's strategy as
    ``upper``), so the search stops as soon as a strategy meets it, and when it stops
    first, its ``lower`` is at least that bound.

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
    memory : int
    variant : {"classic", "no-recompute"}
    time_limit : float, optional
        Seconds for the whole call, the bounding methods included.
    **options
        Passed to :func:`~redblue.search.solve` (``method``, ``upper``, ``progress``, ...).

    Returns
    -------
    SearchResult
        As :func:`~redblue.search.solve`'s, with ``seconds`` for the whole call and in
        ``details``: ``lower_method`` (the method that proved ``lower``: ``"search"`` or
        one of :func:`bound_methods`), ``certified_lower`` (the methods' best bound) and
        ``lower_bounds`` (their :class:`~redblue.lower.LowerBound`, with witnesses); the
        last two None when the short search solved it.

    Raises
    ------
    InvalidInputError
        As :func:`~redblue.search.solve` and :func:`~redblue.lower.lower_bound`.

    Examples
    --------
    >>> from redblue.dags import fft_dag
    >>> r = solve_certified(fft_dag(16), 3, "no-recompute", time_limit=1)
    >>> r.lower >= 32, r.details["lower_method"] in ["search", *bound_methods("no-recompute")]
    (True, True)
    """
    t0 = time.monotonic()
    limit = check_time_limit(time_limit)
    graph = G if isinstance(G, CompiledGraph) else compile_graph(G)
    graph.check_memory(memory)
    probe_limit = PROBE_SECONDS if limit is None else min(PROBE_SECONDS, PROBE_SHARE * limit)
    probe = solve(graph, memory, variant, time_limit=probe_limit, **options)
    if probe.optimal or probe.stopped == "interrupted":  # solved, or Ctrl-C: at once
        probe.details.update(lower_method="search", certified_lower=None, lower_bounds=None)
        probe.seconds = time.monotonic() - t0
        return probe
    t1 = time.monotonic()
    share = BOUND_SECONDS if limit is None else BOUND_SHARE * limit
    try:
        lb = lower_bound(graph, memory, variant, methods=bound_methods(variant),
                         time_limit=share)  # fmt: skip
    except KeyboardInterrupt:  # Ctrl-C between the searches: stop as solve does
        probe.stopped = "interrupted"
        probe.details.update(lower_method="search", certified_lower=None, lower_bounds=None)
        probe.seconds = time.monotonic() - t0
        return probe
    bounds_seconds = time.monotonic() - t1
    left = None if limit is None else max(limit - (time.monotonic() - t0), 1e-3)
    options["upper"] = probe.strategy  # the best strategy so far (a given one seeded it)
    r = solve(graph, memory, variant, time_limit=left, lower=max(lb.lower, probe.lower),
              **options)  # fmt: skip
    given = r.details.get("lower_source") == "given" and lb.lower >= probe.lower
    r.details.update(lower_method=best_method(lb) if given else "search",
                     certified_lower=lb.lower, lower_bounds=lb)  # fmt: skip
    r.details.setdefault("phase_seconds", {}).update(
        {"short search": probe.seconds, "lower bounds": bounds_seconds})
    r.seconds = time.monotonic() - t0
    return r


def attention_lower_bounds(
    n: int,
    d: int,
    memory: int,
    *,
    sum: str = "tree",
    time_limit: float = 5.0,
    max_nodes: int = MAX_POINT_NODES,
) -> dict[str, Any]:
    """Certified lower bounds on Q for the attention DAG at ``(N, d, M)``, in both games.

    Parameters
    ----------
    n, d, memory : int
    sum : {"tree", "chain", "fma"}, default "tree"
        The DAG's summation shape (tree: the paper's DAG with binary sums).
    time_limit : float, default 5
        Seconds for both games together (half each), every method included.
    max_nodes : int, default :data:`MAX_POINT_NODES`
        A larger DAG is not built.

    Returns
    -------
    dict
        ``nodes`` (the DAG's node count), ``reason`` (why nothing was computed, else
        None), and for ``"classic"`` and ``"no-recompute"`` a :class:`LowerBound` (or None).

    Examples
    --------
    >>> out = attention_lower_bounds(2, 1, 4, time_limit=1)
    >>> out["nodes"], out["classic"].lower >= out["classic"].trivial, out["reason"]
    (26, True, None)
    >>> attention_lower_bounds(1024, 64, 4096)["reason"]
    'too large to build: 269,680,640 nodes (N^2 d = 67,108,864), more than 100,000'
    """
    limit = check_time_limit(time_limit)
    nodes = attention_node_count(n, d, sum=sum)
    out: dict[str, Any] = {"nodes": nodes, "reason": None, "classic": None,
                           "no-recompute": None}  # fmt: skip
    if nodes > max_nodes:
        out["reason"] = (f"too large to build: {nodes:,} nodes (N^2 d = {n * n * d:,}), "
                         f"more than {max_nodes:,}")  # fmt: skip
        return out
    graph = compile_graph(attention_dag(n, d, sum=sum))
    try:
        graph.check_memory(memory)
    except InvalidInputError as exc:
        out["reason"] = str(exc)
        return out
    for variant in ("classic", "no-recompute"):
        out[variant] = lower_bound(graph, memory, variant, time_limit=limit / 2)
    return out
