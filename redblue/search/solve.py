"""``solve``: the optimum Q(G, M) with a certificate, or proven bounds under a limit."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.replay import replay
from redblue.game.rules import get_rules
from redblue.game.strategy import EncodedMoves, Strategy
from redblue.search.astar import RULES, Problem, astar_search, weighted_search
from redblue.search.core import (
    MAX_NODES,
    compiled_search,
    compiled_weighted_search,
)
from redblue.search.naive import naive_search
from redblue.strategies.greedy import greedy_moves

__all__ = ["METHODS", "SearchResult", "solve", "check_memory"]

#: weights of the weighted A* runs that seed the upper bound, most greedy first
SEED_WEIGHTS = (5, 3, 2)

#: ``"astar"`` the primary method, ``"ilp"`` the independent time-indexed ILP,
#: ``"naive"`` the unpruned Dijkstra baseline.
METHODS = ("astar", "ilp", "naive")


@dataclass
class SearchResult:
    """The outcome of :func:`solve`.

    Attributes
    ----------
    optimal : bool
        True when ``lower == upper`` is proven.
    io : int or None
        The optimum Q(G, M) when proven, else None.
    lower, upper : int
        Proven bounds: no complete calculation costs less than ``lower``; the
        ``strategy`` costs exactly ``upper``.
    strategy : Strategy
        The certificate: replays (re-verified before returning) to ``upper`` I/O.
    method, variant : str
    memory : int
    states : int
        States expanded (astar, naive) or branch-and-bound nodes (ilp).
    seconds : float
    stopped : str or None
        Why the search stopped early ("time limit", "state limit", or "memory limit" when
        its stored states would fill half the machine's memory), None if it finished.
    details : dict
        Method-specific facts (the ILP horizon, the seed upper bound, ...).
    """

    optimal: bool
    io: int | None
    lower: int
    upper: int
    strategy: Strategy
    method: str
    variant: str
    memory: int
    states: int
    seconds: float
    stopped: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, moves: bool = False) -> dict[str, Any]:
        """JSON-ready summary (the moves only when ``moves`` is True)."""
        d = {
            "optimal": self.optimal,
            "io": self.io,
            "lower": self.lower,
            "upper": self.upper,
            "method": self.method,
            "variant": self.variant,
            "memory": self.memory,
            "states": self.states,
            "seconds": round(self.seconds, 4),
            "stopped": self.stopped,
            **{k: v for k, v in self.details.items() if isinstance(v, int | float | str)},
        }
        if moves:
            d["moves"] = [[k, v if isinstance(v, str | int) else str(v)]
                          for k, v in self.strategy.moves]  # fmt: skip
        return d


def check_memory(graph: CompiledGraph, memory: Any) -> int:
    """``memory`` if it is a whole number at least the smallest feasible M, else raise
    (see :meth:`CompiledGraph.check_memory`)."""
    return graph.check_memory(memory)


def solve(
    G: nx.DiGraph | CompiledGraph,
    memory: int,
    variant: str = "classic",
    *,
    time_limit: float | None = None,
    state_limit: int | None = None,
    method: str = "astar",
    upper: Strategy | Iterable | None = None,
    rules: Iterable[str] = RULES,
    progress: Callable[[dict], None] | None = None,
    horizon: int | None = None,
    core: str = "auto",
) -> SearchResult:
    """The optimal I/O Q(G, M) of the red-blue pebble game, with a certificate.

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
        The computation DAG; sources are inputs, outputs as in :func:`compile_graph`.
    memory : int
        The red-pebble limit M, at least the largest in-degree plus one.
    variant : {"classic", "no-recompute"}
    time_limit : float, optional
        Seconds; on expiry the best proven bounds are returned with ``optimal=False``.
    state_limit : int, optional
        Most states to expand (astar, naive); same behaviour as ``time_limit``.
    method : {"astar", "ilp", "naive"}
        ``"astar"`` (default): A* over normal-form macro moves with dead-value pruning,
        an admissible heuristic and a greedy upper bound (:mod:`redblue.search.astar`).
        ``"ilp"``: the independent time-indexed integer program solved by HiGHS
        (:mod:`redblue.search.ilp`). ``"naive"``: Dijkstra over all configurations and
        all legal moves (the benchmark baseline).
    upper : Strategy or move list, optional
        A known strategy (e.g. a FlashAttention schedule) to seed the upper bound; it
        is replayed first. The greedy schedule always seeds it too.
    rules : iterable of str
        The optional pruning rules of the astar method to use (default all of
        :data:`redblue.search.astar.RULES`); for testing each rule.
    progress : callable, optional
        Called now and then with a dict (states, lower, upper, seconds) during long
        searches.
    horizon : int, optional
        ILP only: number of time steps (default: see :func:`redblue.search.ilp.ilp_search`).
    core : {"auto", "compiled", "python"}
        astar only: the numba core of :mod:`redblue.search.core` (graphs of at most
        :data:`~redblue.search.core.MAX_NODES` nodes; what ``"auto"`` picks there) or the
        pure-Python one of :mod:`redblue.search.astar` (same search, same states; the
        reference the compiled core is tested against).

    Returns
    -------
    SearchResult

    Raises
    ------
    InvalidInputError
        For an unknown variant or method, or an infeasible memory (the message gives
        the smallest feasible M).

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> r = solve(chain_dag(5), memory=2)
    >>> r.optimal, r.io, r.strategy.io()
    (True, 2, 2)

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981.
    .. [2] P. E. Hart, N. J. Nilsson and B. Raphael, "A formal basis for the heuristic
       determination of minimum cost paths", IEEE Trans. SSC 4(2), 1968 (A*).
    """
    t0 = time.monotonic()
    rules_obj = get_rules(variant)
    if method not in METHODS:
        raise InvalidInputError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    rules = set(rules)
    unknown = rules - set(RULES)
    if unknown:
        raise InvalidInputError(f"unknown pruning rule(s) {sorted(unknown)} (known: {RULES})")
    graph = G if isinstance(G, CompiledGraph) else compile_graph(G)
    memory = check_memory(graph, memory)
    no_recompute = not rules_obj.allow_recompute
    if core not in ("auto", "compiled", "python"):
        raise InvalidInputError(f"unknown core {core!r} (expected auto, compiled or python)")
    if core == "compiled" and graph.n > MAX_NODES:
        raise InvalidInputError(
            f"the compiled core handles at most {MAX_NODES} nodes; this graph has {graph.n}"
        )
    compiled = core == "compiled" or (core == "auto" and graph.n <= MAX_NODES)
    search = compiled_search if compiled else astar_search
    weighted = compiled_weighted_search if compiled else weighted_search

    # the seed upper bound: greedy, or a given strategy if cheaper
    seed = greedy_moves(graph, memory)
    seed_io = replay(graph, seed, memory, rules_obj).io
    seed_name = "greedy"
    if upper is not None:
        moves = upper.moves if isinstance(upper, Strategy) else list(upper)
        enc = rules_obj.encode(graph, moves)
        io = replay(graph, enc, memory, rules_obj).io
        if io < seed_io:
            seed, seed_io, seed_name = enc, io, "given"
    details: dict[str, Any] = {"seed_upper": seed_io, "seed": seed_name}
    if method == "astar":
        details["core"] = "compiled" if compiled else "python"

    found: EncodedMoves | None = None

    def offer(prob: Problem, macros: list, name: str) -> None:
        """Replay a strategy found by a seeding step; keep it if cheaper (rule B)."""
        nonlocal seed, seed_io
        kinds, nodes = prob.moves_of(macros)
        enc = EncodedMoves(graph, np.array(kinds, np.int8), np.array(nodes, np.int32))
        io = replay(graph, enc, memory, rules_obj).io
        if io < seed_io:
            seed, seed_io = enc, io
            details.update(seed_upper=io, seed=name)

    problem = Problem(
        graph, memory, no_recompute, "dead" in rules, "stash" in rules, "forced" in rules
    )
    # the no-recompute game on the same graph: its strategies are valid classic ones
    nr_problem = Problem(graph, memory, True, "dead" in rules, forced="forced" in rules)
    seeding = method == "astar" and "bound" in rules
    floor = problem.heuristic(*problem.start())
    if seeding and seed_io > floor:
        # weighted A* in the no-recompute game (a no-recompute strategy is valid in both
        # games) finds good strategies fast where the exact search cannot finish
        deadline = time.monotonic() + (3.0 if time_limit is None else min(3.0, time_limit / 10))
        for weight in SEED_WEIGHTS:
            left = deadline - time.monotonic()
            if seed_io <= floor or left <= 0:
                break
            found1 = weighted(nr_problem, weight, left, upper=seed_io)
            if found1 is not None:
                offer(nr_problem, found1[1], f"weighted A* (w={weight})")
    if seeding and not no_recompute:
        # a no-recompute strategy is a classic one: its optimum (fast to find) seeds rule B
        budget = None
        if time_limit is not None:  # a quarter of the limit, within what is left of it
            budget = max(0.0, min(time_limit / 4, time_limit - (time.monotonic() - t0)))
        nr = search(nr_problem, upper=seed_io, time_limit=budget, state_limit=state_limit)
        if nr.macros is not None:
            offer(nr_problem, nr.macros, "no-recompute optimum")
    if method == "astar":
        left = None if time_limit is None else max(0.0, time_limit - (time.monotonic() - t0))
        out = search(
            problem,
            upper=seed_io if "bound" in rules else None,
            heuristic="heuristic" in rules,
            dominance="dominance" in rules,
            symmetry="symmetry" in rules,
            time_limit=left,
            state_limit=state_limit,
            progress=progress,
        )
        if out.macros is not None:
            kinds, nodes = problem.moves_of(out.macros)
            found = EncodedMoves(graph, np.array(kinds, np.int8), np.array(nodes, np.int32))
        lower, states, stopped = out.lower, out.states, out.stopped
    elif method == "naive":
        nout = naive_search(
            graph, memory, no_recompute, time_limit=time_limit, state_limit=state_limit
        )
        if nout.moves is not None:
            found = EncodedMoves(
                graph,
                np.array([k for k, _ in nout.moves], np.int8),
                np.array([v for _, v in nout.moves], np.int32),
            )
        lower, states, stopped = nout.lower, nout.states, nout.stopped
    else:
        from redblue.search.ilp import ilp_search

        iout = ilp_search(graph, memory, no_recompute, seed, time_limit=time_limit,
                          horizon=horizon)  # fmt: skip
        found = iout.moves
        lower, states, stopped = iout.lower, iout.nodes, iout.stopped
        details.update(iout.details)

    best = seed
    best_io = seed_io
    if found is not None:
        io = replay(graph, found, memory, rules_obj).io  # re-verify the certificate
        if io <= best_io:
            best, best_io = found, io
    lower = min(lower, best_io)
    optimal = lower == best_io
    strategy = Strategy(best.decode(), memory, rules_obj.name)
    check = replay(graph, rules_obj.encode(graph, strategy.moves), memory, rules_obj)
    if check.io != best_io:  # pragma: no cover - a bug, never a wrong certificate
        raise AssertionError("certificate does not replay to the reported cost")
    return SearchResult(
        optimal=optimal,
        io=best_io if optimal else None,
        lower=lower,
        upper=best_io,
        strategy=strategy,
        method=method,
        variant=rules_obj.name,
        memory=memory,
        states=states,
        seconds=time.monotonic() - t0,
        stopped=None if optimal else stopped,
        details=details,
    )
