"""``lower_bound``: every proven lower bound on Q(G, M) a method can give, and the best."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import networkx as nx

from redblue.checks import check_time_limit
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.rules import get_rules
from redblue.lower.hong_kung import hong_kung_bound
from redblue.lower.mincut import mincut_extra
from redblue.lower.needed import needed_graph
from redblue.lower.parts import parts_lower_bound
from redblue.lower.results import LowerBound, MethodResult
from redblue.lower.spectral import spectral_extra
from redblue.search.ilp import trivial_lower_bound
from redblue.search.limits import Limits
from redblue.search.solve import solve

__all__ = ["METHODS", "PLANNED", "SEARCH_SECONDS", "VARIANTS_COVERED", "lower_bound"]

#: the methods that run, in the order they run (search last: it uses whatever time is left)
METHODS = ("trivial", "spectral", "mincut", "hong-kung", "parts", "search")
#: methods named by the plan but not built yet: listed as "not run" only when asked for
PLANNED: tuple[str, ...] = ()
#: the game variants each method's proof covers
VARIANTS_COVERED = {
    "trivial": ("classic", "no-recompute"),
    "search": ("classic", "no-recompute"),
    "spectral": ("no-recompute",),
    "mincut": ("no-recompute",),
    "hong-kung": ("classic", "no-recompute"),
    "parts": ("classic", "no-recompute"),
}
#: seconds the exact search gets when the call has no time limit (it is exponential)
SEARCH_SECONDS = 10.0


def _trivial(graph: CompiledGraph, memory: int, variant: str, limits: Limits) -> MethodResult:
    value = trivial_lower_bound(graph)
    H = needed_graph(graph)
    witness = {"needed_inputs": int(H.is_input.sum()),
               "non_input_outputs": int((graph.is_output & ~graph.is_input).sum()),
               "formula": "needed inputs (each loaded once) + non-input outputs (each "
                          "stored once)"}  # fmt: skip
    return MethodResult("trivial", value, 0.0, "ok", None, witness)


def _search(graph: CompiledGraph, memory: int, variant: str, limits: Limits) -> MethodResult:
    left = limits.left()
    seconds = SEARCH_SECONDS if left is None else left
    if seconds < 0.05:
        return MethodResult("search", 0, 0.0, "stopped", "no time left", {})
    r = solve(graph, memory, variant, time_limit=seconds)
    witness = {"optimal": r.optimal, "lower": r.lower, "upper": r.upper,
               "states": r.states, "method": r.method}  # fmt: skip
    if r.optimal:
        return MethodResult("search", r.lower, 0.0, "ok", None, witness)
    return MethodResult("search", r.lower, 0.0, "stopped", r.stopped, witness)


def _extra_method(name: str, fn: Callable) -> Callable:
    def run(graph: CompiledGraph, memory: int, variant: str, limits: Limits) -> MethodResult:
        trivial = trivial_lower_bound(graph)
        extra, witness, stopped = fn(needed_graph(graph), memory, limits)
        witness = {"trivial": trivial, "extra": extra, **witness}
        status, reason = ("stopped", "time limit") if stopped else ("ok", None)
        return MethodResult(name, trivial + extra, 0.0, status, reason, witness)

    return run


_RUN: dict[str, Callable[..., MethodResult]] = {
    "trivial": _trivial,
    "search": _search,
    "spectral": _extra_method("spectral", spectral_extra),
    "mincut": _extra_method("mincut", mincut_extra),
    "hong-kung": lambda graph, memory, variant, limits: hong_kung_bound(
        needed_graph(graph), memory, limits),
    "parts": lambda graph, memory, variant, limits: parts_lower_bound(
        needed_graph(graph), memory, variant, limits),
}


def _check_methods(methods: Iterable[str] | str | None) -> list[str]:
    if methods is None:
        return list(METHODS)
    if isinstance(methods, str):
        methods = [methods]
    try:
        names = list(dict.fromkeys(methods))
    except TypeError:
        raise InvalidInputError(f"methods must be method names, got {methods!r}") from None
    for name in names:
        if name not in METHODS and name not in PLANNED:
            raise InvalidInputError(f"unknown method {name!r} (expected one of "
                                    f"{', '.join(METHODS + PLANNED)})")  # fmt: skip
    # run in the fixed order (search last), whatever order they were asked in
    return sorted(names, key=lambda m: (METHODS + PLANNED).index(m))


def lower_bound(
    G: nx.DiGraph | CompiledGraph,
    memory: int,
    variant: str = "classic",
    *,
    methods: Iterable[str] | None = None,
    time_limit: float | None = None,
) -> LowerBound:
    """Proven lower bounds on the optimal I/O Q(G, M), one per method, and the best.

    Each method proves its own bound (its docstring holds the argument) and runs only on
    the game variants its proof covers; elsewhere it is reported as "not run", with the
    reason. No method reports a bound it has not proven: one cut short by the deadline
    reports what it had proven by then ("stopped").

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
        The computation DAG (sources are inputs; outputs as in
        :func:`~redblue.game.compile_graph`).
    memory : int
        The red-pebble limit M, at least the largest in-degree plus one.
    variant : {"classic", "no-recompute"}
    methods : iterable of str, optional
        Any of ``"trivial"`` (needed inputs plus non-input outputs,
        :func:`redblue.search.ilp.trivial_lower_bound`), ``"spectral"``
        (:mod:`redblue.lower.spectral`, no-recompute game), ``"mincut"``
        (:mod:`redblue.lower.mincut`, no-recompute game), ``"hong-kung"``
        (:mod:`redblue.lower.hong_kung`, both games), ``"parts"``
        (:mod:`redblue.lower.parts`, both games) and ``"search"`` (the proven lower
        bound of :func:`redblue.search.solve` under the time left). Default: all six.
    time_limit : float, optional
        Seconds for the whole call, shared: each method may use the time left divided
        by the number of methods still to run (the search, last, what remains). Without
        a limit every method runs to the end, except the search, which gets
        :data:`SEARCH_SECONDS`, and the part sum, which gets
        :data:`redblue.lower.parts.SECONDS`.

    Returns
    -------
    LowerBound
        ``lower`` (the best bound), ``trivial``, and ``methods`` (name, value, seconds,
        status, reason, witness); ``as_dict()`` for JSON.

    Raises
    ------
    InvalidInputError
        For an unknown variant or method, a memory that is not a whole number at least
        the largest in-degree plus one, or a time limit that is not a positive number.
    InvalidGraphError
        For a graph that is not a DAG.

    Examples
    --------
    >>> from redblue.dags import fft_dag
    >>> lb = lower_bound(fft_dag(64), 3, "no-recompute", methods=["trivial", "mincut"])
    >>> lb.trivial, lb.lower, [(m.name, m.value, m.status) for m in lb.methods]
    (128, 134, [('trivial', 128, 'ok'), ('mincut', 134, 'ok')])
    >>> lower_bound(fft_dag(8), 3, methods=["mincut"]).method("mincut").reason
    'its proof covers the no-recompute game only'

    References
    ----------
    .. [1] S. Jain and M. Zaharia, "Spectral lower bounds on the I/O complexity of
       computation graphs", SPAA 2020.
    .. [2] V. Elango, F. Rastello, L.-N. Pouchet, J. Ramanujam and P. Sadayappan, "On
       characterizing the data movement complexity of computational DAGs for parallel
       execution", SPAA 2014.
    .. [3] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981.
    """
    limits = Limits(check_time_limit(time_limit))
    rules = get_rules(variant)
    names = _check_methods(methods)
    graph = G if isinstance(G, CompiledGraph) else compile_graph(G)
    M = graph.check_memory(memory)  # min(memory, n): the same game, and no overflow
    results: list[MethodResult] = []
    for i, name in enumerate(names):
        t0 = time.monotonic()
        if name in PLANNED:
            results.append(MethodResult(name, 0, 0.0, "not run", "not implemented yet"))
            continue
        if rules.name not in VARIANTS_COVERED[name]:
            only = " and ".join(VARIANTS_COVERED[name])
            results.append(MethodResult(name, 0, 0.0, "not run",
                                        f"its proof covers the {only} game only"))  # fmt: skip
            continue
        left = limits.left()
        running = sum(1 for m in names[i:] if m not in PLANNED)
        share = None if left is None or name == "search" else left / running
        if left is not None and left <= 0:
            results.append(MethodResult(name, 0, 0.0, "stopped", "time limit"))
            continue
        try:
            result = _RUN[name](graph, M, rules.name, limits.within(share))
        except MemoryError:  # what it held is freed with its frames; it proved nothing
            result = MethodResult(name, 0, 0.0, "stopped", "memory limit")
        result.seconds = time.monotonic() - t0
        results.append(result)
    trivial = trivial_lower_bound(graph)
    proven = [m.value for m in results if m.status != "not run"]
    return LowerBound(
        lower=max([trivial, *proven]),
        trivial=trivial,
        memory=int(memory),
        variant=rules.name,
        nodes=graph.n,
        methods=results,
    )

