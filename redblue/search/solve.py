"""``solve``: the optimum Q(G, M) with a certificate, or proven bounds under a limit."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from redblue.checks import check_time_limit, check_whole
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.replay import replay
from redblue.game.rules import get_rules
from redblue.game.strategy import EncodedMoves, Strategy
from redblue.progress import note
from redblue.search.core import compiled_search, compiled_weighted_search, kernel_ready
from redblue.search.limits import Limits
from redblue.search.naive import naive_search
from redblue.search.problem import Problem
from redblue.search.rules import RULES
from redblue.search.symmetry import automorphisms
from redblue.strategies.greedy import cheapest_greedy_moves

__all__ = ["METHODS", "SearchResult", "solve", "solve_range", "check_memory",
           "prepare_search_core"]

#: weights of the weighted A* runs that seed the upper bound, most greedy first
SEED_WEIGHTS = (5, 3, 2)
#: states each weighted A* seed run may expand when ``solve`` has a state limit (in place
#: of its share of the time: the same call then finds the same seed on a loaded machine)
SEED_STATES = 30_000
#: seconds a first compile of the numba core is assumed to take (measured 45 to 200 s);
#: under a time limit shorter than twice this, an uncompiled core is not compiled and
#: the search reports the bounds of its seeds
COMPILE_SECONDS = 60.0

#: ``"astar"`` the primary method, ``"ilp"`` the independent time-indexed ILP,
#: ``"naive"`` the unpruned Dijkstra baseline, ``"sat"`` the independent SAT encoding,
#: ``"portfolio"`` astar then (no-recompute, left open) sat between its bounds.
METHODS = ("astar", "ilp", "naive", "sat", "portfolio")
#: share of the time limit astar gets in the portfolio (no-recompute); sat has the rest
PORTFOLIO_ASTAR_SHARE = 0.5


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
        The memory M as given (a memory above the node count n is searched as n:
        ``details["memory_searched"]``).
    states : int
        States expanded (astar, naive) or branch-and-bound nodes (ilp).
    seconds : float
        Wall time of the whole call.
    stopped : str or None
        Why the search stopped early: "time limit", "state limit", "interrupted"
        (Ctrl-C), or "memory limit" (its tables would have crossed a memory limit of the
        process, named by ``details["memory_limit"]``); None if it finished.
    details : dict
        Method-specific facts (the ILP horizon, the seed upper bound, the seconds of each
        phase in ``"phase_seconds"``, ...).
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

    def as_row(self) -> dict[str, Any]:
        """One row of scalars: :meth:`to_dict` without the moves.

        Examples
        --------
        >>> r = SearchResult(False, None, 3, 4, Strategy([("load", "a")] * 9, 2), "astar",
        ...                  "classic", 2, 1234, 0.5, "time limit")
        >>> r
        SearchResult(classic, M=2: io in [3, 4] (time limit), astar, 1,234 states, 0.50 s)
        >>> r.as_row()["lower"], r.as_row()["stopped"]
        (3, 'time limit')
        """
        return self.to_dict(moves=False)

    def __repr__(self) -> str:
        # one line: the certificate's moves and the details stay in their fields
        low, up = self.lower, self.upper
        io = f"optimal io={up:,}" if self.optimal else f"io in [{low:,}, {up:,}]"
        stopped = f" ({self.stopped})" if self.stopped else ""
        return (f"SearchResult({self.variant}, M={self.memory:,}: {io}{stopped}, {self.method}, "
                f"{self.states:,} states, {self.seconds:.2f} s)")


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
    lower: int | None = None,
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
        Seconds, counting every phase from the call on (seeds, automorphisms, the
        search, the ILP model, the final replay); on expiry the best proven bounds are
        returned with ``optimal=False``. Ctrl-C (SIGINT, caught while ``solve`` runs in
        the main thread) and the memory guard stop it the same way.
    state_limit : int, optional
        Most states to expand (astar, naive); same behaviour as ``time_limit``. Under
        it, each weighted A* seed run gets :data:`SEED_STATES` states rather than a
        share of the time, so the answer does not depend on the machine's load (within
        the time limit, which every phase keeps).
    method : {"astar", "ilp", "naive", "sat", "portfolio"}
        ``"astar"`` (default): A* over normal-form macro moves with dead-value pruning,
        an admissible heuristic and a greedy upper bound (:mod:`redblue.search.core`,
        its rules in :mod:`redblue.search.rules`).
        ``"ilp"``: the independent time-indexed integer program solved by HiGHS
        (:mod:`redblue.search.ilp`). ``"naive"``: Dijkstra over all configurations and
        all legal moves (the benchmark baseline). ``"sat"``: a time-indexed CNF asked
        "at most k I/O?" for k down from the seed (:mod:`redblue.search.sat`; its UNSAT
        answers are proofs in the no-recompute game only; in the classic game it only
        finds strategies), after windows around the seed that look for cheaper ones
        (:func:`redblue.search.sat.sat_neighbourhoods`, with room for recomputations in
        the classic game). ``"portfolio"``: astar (in
        the no-recompute game with :data:`PORTFOLIO_ASTAR_SHARE` of the time limit), then,
        if it left the optimum open, sat from its upper bound down to its lower one.
    upper : Strategy or move list, optional
        A known strategy (e.g. a FlashAttention schedule) to seed the upper bound; it
        is replayed first. The greedy schedule always seeds it too.
    rules : iterable of str
        The optional pruning rules of the astar method to use (default all of
        :data:`redblue.search.rules.RULES`); for testing each rule.
    progress : callable, optional
        Called now and then with a dict (states, lower, upper, seconds) during long
        searches.
    horizon : int, optional
        ILP and SAT only: number of time steps (default: see
        :func:`redblue.search.ilp.ilp_search`, :func:`redblue.search.sat.sat_search`).
    core : {"auto", "compiled"}
        astar only: the numba core of :mod:`redblue.search.core`, the only one (kept
        for compatibility; ``NUMBA_DISABLE_JIT=1`` runs the same code as plain Python).
        Under a time limit too short to compile it first, ``"auto"`` runs the naive
        search (plain Python, exact, slow) in the time left (``details["core_note"]``).
    lower : int, optional
        A proven lower bound on Q(G, M) from elsewhere (e.g. :func:`redblue.lower.lower_bound`,
        which :func:`redblue.lower.solve_certified` runs first): the search stops as soon as
        its upper bound meets the larger of it and its own bound, and
        ``details["lower_source"]`` says which of the two ``lower`` is (``"given"`` or
        ``"search"``). A strategy cheaper than it raises (it was no lower bound); an
        optimum found because a strategy meets it rests on its proof
        (``details["lower_source"] == "given"``).

    Returns
    -------
    SearchResult

    Raises
    ------
    InvalidInputError
        For an unknown variant, method, core or rule, an infeasible memory (the message
        gives the smallest feasible M), or a limit that is not a positive number of
        seconds (``time_limit``) or a whole number (``state_limit``, ``horizon``,
        ``lower``); or a given ``lower`` above the I/O of a replayed strategy (it was no
        lower bound).

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
    limits = Limits(check_time_limit(time_limit))
    if state_limit is not None:
        state_limit = check_whole(state_limit, "state_limit", minimum=0)
    rules_obj = get_rules(variant)
    if method not in METHODS:
        raise InvalidInputError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    if isinstance(rules, str):
        rules = (rules,)
    try:
        rules = set(rules)
    except TypeError:
        raise InvalidInputError(f"rules must be names of pruning rules, got {rules!r}") from None
    unknown = rules - set(RULES)
    if unknown:
        raise InvalidInputError(f"unknown pruning rule(s) {sorted(unknown, key=str)} "
                                f"(known: {RULES})")  # fmt: skip
    if core not in ("auto", "compiled"):
        raise InvalidInputError(f"unknown core {core!r} (expected auto or compiled)")
    if horizon is not None:
        horizon = check_whole(horizon, "horizon", minimum=1)
    if lower is not None:
        lower = check_whole(lower, "lower", minimum=0)
    if progress is not None and not callable(progress):
        raise InvalidInputError(f"progress must be callable, got {progress!r}")
    if upper is not None and not isinstance(upper, Strategy):
        try:
            upper = list(upper)
        except TypeError:
            raise InvalidInputError(
                f"upper must be a strategy or a move list, got {upper!r}") from None
    graph = G if isinstance(G, CompiledGraph) else compile_graph(G)
    check_memory(graph, memory)
    memory = int(memory)  # reported as given; the search clamps it to the node count
    with limits.catch_interrupts():
        return _solve(graph, memory, rules_obj, limits, state_limit, method, upper, rules,
                      progress, horizon, core, lower)  # fmt: skip


def _naive(graph, memory, no_recompute, state_limit, limits):
    """The naive Dijkstra: ``(proven lower bound, states, stopped, moves or None)``."""
    nout = naive_search(graph, memory, no_recompute, state_limit=state_limit, limits=limits)
    found = None
    if nout.moves is not None:
        found = EncodedMoves(graph, np.array([k for k, _ in nout.moves], np.int8),
                             np.array([v for _, v in nout.moves], np.int32))  # fmt: skip
    return nout.lower, nout.states, nout.stopped, found


def _solve(graph, memory, rules_obj, limits, state_limit, method, upper, rules, progress,
           horizon, core, given=None) -> SearchResult:  # fmt: skip
    """:func:`solve` after the checks, with Ctrl-C caught by ``limits``."""
    phases: dict[str, float] = {}
    clock = [time.monotonic()]

    def lap(name: str) -> None:
        now = time.monotonic()
        phases[name] = phases.get(name, 0.0) + now - clock[0]
        note(f"solve: {name} done in {now - clock[0]:.1f} s")  # at verbosity 2 (-v)
        clock[0] = now

    # M above the node count is the same game as M = n (n red pebbles hold every value)
    searched = min(memory, max(graph.n, 1))
    no_recompute = not rules_obj.allow_recompute

    # the seed upper bound: greedy in its cheapest order, or a given strategy if cheaper
    # (always computed: it is the certificate when every later phase is cut short)
    seed, order = cheapest_greedy_moves(graph, searched)
    seed_io = replay(graph, seed, searched, rules_obj).io
    seed_name = "greedy" if order == "topological" else f"greedy ({order})"
    if upper is not None:
        moves = upper.moves if isinstance(upper, Strategy) else upper
        enc = rules_obj.encode(graph, moves)
        io = replay(graph, enc, searched, rules_obj).io
        if io < seed_io:
            seed, seed_io, seed_name = enc, io, "given"
    details: dict[str, Any] = {"seed_upper": seed_io, "seed": seed_name}
    if searched != memory:
        details["memory_searched"] = searched
    problem = Problem(
        graph, searched, no_recompute, "dead" in rules, "stash" in rules, "forced" in rules
    )
    # the no-recompute game on the same graph: its strategies are valid classic ones
    nr_problem = Problem(graph, searched, True, "dead" in rules, forced="forced" in rules)
    floor = problem.start_bound()  # rule H at the start: a proven bound
    own_floor = floor
    if given is not None:  # a bound proven elsewhere: every phase stops once it is met
        floor = max(floor, given)
        details["lower_given"] = given
    lap("seed")
    # time kept for the certificate at the end (decoded, replayed twice): measured on
    # random DAGs of 10,000 nodes at about a tenth of the seed's time
    keep = min(0.05 + phases["seed"] / 4, 0.1 * limits.left()) if limits.deadline else 0.0

    found: EncodedMoves | None = None
    lower, states, stopped = floor, 0, None

    def offer(prob: Problem, macros: list, name: str) -> None:
        """Replay a strategy found by a seeding step; keep it if cheaper (rule B)."""
        nonlocal seed, seed_io
        kinds, nodes = prob.moves_of(macros)
        enc = EncodedMoves(graph, np.array(kinds, np.int8), np.array(nodes, np.int32))
        io = replay(graph, enc, searched, rules_obj).io
        if io < seed_io:
            seed, seed_io = enc, io
            details.update(seed_upper=io, seed=name)

    # the portfolio's astar phase (no-recompute) leaves the rest of the time to sat
    alim = limits
    if method == "portfolio" and no_recompute and limits.deadline is not None:
        alim = limits.within(PORTFOLIO_ASTAR_SHARE * limits.left())
    if method in ("astar", "portfolio"):
        details["core"] = "compiled"
        details["words"] = problem.nwords
        if "bound" in rules and seed_io <= floor:
            stopped = None  # the seed meets rule H's bound: optimal, nothing to search
        elif (core == "auto" and limits.deadline is not None and not kernel_ready(problem.nwords)
              and limits.left() < 2 * COMPILE_SECONDS):
            # compiling the kernel for this many words takes longer than the limit allows:
            # the exact naive search (plain Python, no compile) has the time instead
            details["core_note"] = (f"search core for {problem.nwords} words not compiled "
                                    "yet: the naive search (plain Python) instead")  # fmt: skip
            lower, states, stopped, found = _naive(graph, searched, no_recompute, state_limit,
                                                   alim.within(None, keep))  # fmt: skip
            lap("naive")
        else:
            search, weighted = compiled_search, compiled_weighted_search
            lower, states, stopped, found = _astar_phases(
                graph, problem, nr_problem, rules, alim, keep, state_limit, progress,
                search, weighted, offer, lambda: seed_io, floor, no_recompute, details, lap)
    elif method == "naive":
        lower, states, stopped, found = _naive(graph, searched, no_recompute, state_limit,
                                               limits.within(None, keep))  # fmt: skip
        lap("naive")
    elif method == "sat":
        from redblue.search.sat import CLASSIC_RECOMPUTES, sat_neighbourhoods, sat_search

        slim = limits.within(None, keep)
        hint, hint_io = seed, seed_io
        if horizon is None:
            # windows around the seed (classic: with room for recomputations) in half the
            # time, then k down from the best (classic: CLASSIC_RECOMPUTES extra steps;
            # no-recompute: its UNSAT is the proof)
            half = None if slim.deadline is None else slim.left() / 2
            nout = sat_neighbourhoods(graph, searched, no_recompute, seed,
                                      limits=slim.within(half))  # fmt: skip
            details.update(sat_neighbourhood_log=nout.details["sat_log"],
                           sat_windows=nout.details["sat_windows"])  # fmt: skip
            if nout.upper is not None and nout.upper < seed_io:
                hint, hint_io = nout.moves, nout.upper
        sout = sat_search(graph, searched, no_recompute, hint_io, horizon=horizon,
                          start=floor, limits=slim, hint=hint,
                          recomputes=0 if no_recompute else CLASSIC_RECOMPUTES)  # fmt: skip
        found = hint if sout.moves is None and hint is not seed else sout.moves
        lower, states, stopped = sout.lower, sout.conflicts, sout.stopped
        details.update(sout.details)
        lap("sat")
    else:
        from redblue.search.ilp import ilp_search  # scipy.optimize: imported when used

        iout = ilp_search(graph, searched, no_recompute, seed, horizon=horizon,
                          limits=limits.within(None, keep))  # fmt: skip
        found = iout.moves
        lower, states, stopped = iout.lower, iout.nodes, iout.stopped
        details.update(iout.details)
        lap("ilp")

    if method == "portfolio" and stopped == "time limit" and alim is not limits \
            and limits.reason() is None:  # fmt: skip
        found, lower, stopped = _portfolio_sat(graph, searched, found, seed_io, lower, limits,
                                               keep, rules_obj, details)  # fmt: skip
        lap("sat")
    best = seed
    best_io = seed_io
    if found is not None:
        io = replay(graph, found, searched, rules_obj).io  # re-verify the certificate
        if io <= best_io:
            best, best_io = found, io
    if given is not None and given > best_io:  # never an "optimum" below a proven bound
        raise InvalidInputError(f"the given lower bound {given} exceeds the I/O {best_io} "
                                "of a replayed strategy: it is not a lower bound")  # fmt: skip
    if given is not None:  # ``lower == floor``: no phase proved more than the start did
        own = own_floor if lower == floor else max(lower, own_floor)
        details["lower_source"] = "given" if given > own else "search"
    lower = min(max(lower, floor), best_io)
    optimal = lower == best_io
    strategy = Strategy(best.decode(), searched, rules_obj.name)
    check = replay(graph, rules_obj.encode(graph, strategy.moves), searched, rules_obj)
    if check.io != best_io:  # pragma: no cover - a bug, never a wrong certificate
        raise AssertionError("certificate does not replay to the reported cost")
    lap("certificate")
    details["phase_seconds"] = phases
    if stopped == "memory limit" and not optimal:
        details["memory_limit"] = limits.memory.tripped or "memory limit"
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
        seconds=limits.elapsed(),
        stopped=None if optimal else stopped,
        details=details,
    )


def _portfolio_sat(graph, searched, found, seed_io, lower, limits, keep, rules_obj, details):
    """The portfolio's sat phase: ``k`` down from the best strategy's I/O less one to
    astar's lower bound. Returns ``(found, lower, stopped)``."""
    from redblue.search.sat import sat_search  # python-sat: imported when used

    best_io = seed_io if found is None else replay(graph, found, searched, rules_obj).io
    if found is not None and best_io > seed_io:
        found, best_io = None, seed_io
    details["astar_bounds"] = f"{lower}..{best_io}"
    sout = sat_search(graph, searched, True, best_io, start=lower,
                      limits=limits.within(None, keep), hint=found)  # fmt: skip
    details.update(sout.details)
    if sout.moves is not None:
        found = sout.moves
    return found, max(lower, sout.lower), sout.stopped


def _astar_phases(graph, problem, nr_problem, rules, limits, keep, state_limit, progress,
                  search, weighted, offer, seed_cost, floor, no_recompute, details, lap):
    """The phases of ``method="astar"`` after the greedy seed: automorphisms, weighted A*
    and the no-recompute optimum (seeds of rule B), the exact search. Returns ``(lower,
    states, stopped, found)``."""
    limit = None if limits.deadline is None else limits.deadline - limits.t0
    if "symmetry" in rules:
        # found once for every search below, in at most a quarter of what is left
        share = None if limit is None else limits.left() / 4
        perms = automorphisms(graph, limits=limits.within(share, keep))
        problem.perms = nr_problem.perms = perms
        details["automorphisms"] = len(perms)
        lap("automorphisms")
    if "bound" in rules and seed_cost() > floor:
        # weighted A* in the no-recompute game (a no-recompute strategy is valid in both
        # games) finds good strategies fast where the exact search cannot finish; under a
        # state limit each run gets SEED_STATES states instead of a share of the time, so
        # the seed (and the answer) does not depend on the machine's load
        share = 3.0 if limit is None else min(3.0, limit / 10)
        lim = limits.within(share if state_limit is None else None, keep)
        budget = None if state_limit is None else SEED_STATES
        for weight in SEED_WEIGHTS:
            if seed_cost() <= floor or lim.reason() is not None:
                break
            found1 = weighted(nr_problem, weight, None, upper=seed_cost(), limits=lim,
                              state_limit=budget)  # fmt: skip
            if found1 is not None:
                offer(nr_problem, found1[1], f"weighted A* (w={weight})")
        lap("weighted A*")
    if "bound" in rules and not no_recompute and seed_cost() > floor:
        # a no-recompute strategy is a classic one: its optimum (fast to find) seeds rule B
        lim = limits.within(None if limit is None else limit / 4, keep)
        if lim.reason() is None:
            nr = search(nr_problem, upper=seed_cost(), state_limit=state_limit, limits=lim)
            if nr.macros is not None:
                offer(nr_problem, nr.macros, "no-recompute optimum")
        lap("no-recompute optimum")
    if "bound" in rules and seed_cost() <= floor:
        return floor, 0, None, None
    lim = limits.within(None, keep)
    if lim.reason() is not None:
        return floor, 0, lim.reason(), None
    out = search(
        problem,
        upper=seed_cost() if "bound" in rules else None,
        heuristic="heuristic" in rules,
        dominance="dominance" in rules,
        symmetry="symmetry" in rules,
        state_limit=state_limit,
        progress=progress,
        limits=lim,
    )
    found = None
    if out.macros is not None:
        kinds, nodes = problem.moves_of(out.macros)
        found = EncodedMoves(graph, np.array(kinds, np.int8), np.array(nodes, np.int32))
    lap("search")
    return out.lower, out.states, out.stopped, found


def solve_range(
    G: nx.DiGraph | CompiledGraph,
    memories: Iterable[int],
    variant: str = "classic",
    **options: Any,
) -> dict[int, SearchResult]:
    """:func:`solve` at several memories, each seeded by its neighbours.

    Q(G, M) never grows with M: a strategy with at most M red pebbles at a time is legal
    with M + 1, so (i) the certificate found at the next smaller memory is passed to the
    search at M as ``upper`` (replayed there by :func:`solve`; ``details["upper_from"]``
    names its memory when it set the seed), and (ii) a lower bound proven at a larger
    memory M' is one at M: after every memory is searched, each result's ``lower`` is
    raised to the largest proven at any larger memory (``details["lower_from"]`` names
    it; the result is optimal when that meets its certificate's cost).

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
    memories : iterable of int
        The memories M (each feasible, see :func:`solve`).
    variant : {"classic", "no-recompute"}
    **options
        Passed to every :func:`solve` call (``time_limit`` counts per memory); not
        ``upper`` or ``lower``, which this function sets.

    Returns
    -------
    dict of int to SearchResult
        One result per memory, in increasing order of M.

    Raises
    ------
    InvalidInputError
        As :func:`solve`, or for ``upper`` or ``lower`` among ``options``.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> rs = solve_range(pyramid_dag(3), [3, 4, 5])
    >>> [(M, r.io) for M, r in rs.items()]
    [(3, 11), (4, 7), (5, 5)]
    """
    if "upper" in options or "lower" in options:
        raise InvalidInputError("solve_range sets upper and lower itself")
    graph = G if isinstance(G, CompiledGraph) else compile_graph(G)
    try:
        ms = sorted({check_memory(graph, M) for M in memories})
    except TypeError:
        raise InvalidInputError(f"memories must be whole numbers, got {memories!r}") from None
    out: dict[int, SearchResult] = {}
    prev: SearchResult | None = None
    for M in ms:
        r = solve(graph, M, variant, upper=prev.strategy if prev else None, **options)
        if prev is not None and r.details.get("seed") == "given":
            r.details["upper_from"] = prev.memory
        out[M] = prev = r
    best, src = -1, None
    for M in reversed(ms):
        r = out[M]
        if best > r.lower:
            r.lower = best
            r.details["lower_from"] = src
            if r.lower > r.upper:  # cannot happen: Q(G, M) >= Q(G, M') >= lower(M')
                raise AssertionError(f"lower bound {best} at M = {src} above {r.upper} at M = {M}")
            if r.lower == r.upper:  # (what stopped its own search stays in details)
                r.details["stopped_before"] = r.stopped
                r.optimal, r.io, r.stopped = True, r.upper, None
        else:
            best, src = r.lower, M
    return out


#: set once :func:`prepare_search_core` has run in this process
_prepared = False


def prepare_search_core() -> None:
    """Load the exact search's compiled kernels for graphs of up to 64 vertices (or
    compile them: once, after which numba's cache on disk serves every process), with no
    time limit; later calls return at once.

    Under a time limit, loading a kernel counts against the limit
    (:func:`redblue.search.limits.load_within`), and a search stopped by it returns only
    the bounds of its seeds. A caller that gives many small searches a short budget each
    (the proof scripts' :func:`redblue.analysis.instances.exact`, the paper check) calls
    this first, so that each budget is spent searching and the answers do not depend on
    whether this process has loaded the kernels yet. The two searches below reach every
    kernel: the A* core and its no-recompute seed search, and rule H3's part tables.

    Examples
    --------
    >>> prepare_search_core()
    >>> prepare_search_core()  # nothing left to do
    """
    global _prepared
    if _prepared:
        return
    from redblue.dags import attention_dag

    solve(attention_dag(1, 1), 3)
    solve(attention_dag(2, 1), 4)  # big enough for rule H3's tables
    _prepared = True
