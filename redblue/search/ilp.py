"""The independent cross-check: a time-indexed integer program solved by HiGHS.

It shares no code with the A* search: it reads only the :class:`CompiledGraph` and
hands a 0/1 program to :func:`scipy.optimize.milp` (HiGHS). Binary variables for every
vertex ``v`` and step ``t``: ``r[v,t]``, ``b[v,t]`` (red, blue after step ``t``) and
``l, s, c[v,t]`` (load, store, compute during step ``t``), with ``r[., 0] = 0`` and
``b[., 0]`` = the inputs. A step may hold several moves:

- ``r[v,t] <= r[v,t-1] + l[v,t] + c[v,t]`` (red appears only by load or compute; it may
  vanish freely: R4),
- ``b[v,t] <= b[v,t-1] + s[v,t]``,  ``l[v,t] <= b[v,t-1]``,  ``s[v,t] <= r[v,t-1]``,
- ``c[v,t] <= r[u,t]`` for every predecessor ``u`` (operands red at the end of the
  step), ``c = 0`` on inputs,
- ``b[v,t] >= b[v,t-1]`` (blue pebbles are never deleted: dropping every delete-blue,
  and the stores it made illegal, keeps a strategy valid and no dearer),
- symmetry breaking: ``done[t] <= b[o,t]`` for every output ``o`` and, for every step,
  ``done[t-1] + sum_v (l + s + c)[v,t] >= 1``: no idle step before the outputs are done
  (idle steps could otherwise sit anywhere, multiplying equivalent solutions),
- ``sum_v r[v,t] <= M``;  ``b[o,T] = 1`` on outputs;  no-recompute: ``sum_t c[v,t] <= 1``;
- minimise ``sum l + s``.

A step plays as: its stores, then the deletions (red at ``t-1``, not at ``t``), then its
loads, then its computes in topological order. An operand of a compute is red at the end
of the step, so it is red before the step and not deleted, or loaded or computed earlier
in the step; the red count never exceeds ``|red at t| <= M``: every solution is a valid
strategy of at most its objective's cost (:func:`_extract` builds it; ``solve`` replays it).

The horizon ``T``: a normal-form strategy (see :mod:`redblue.search.rules`) of ``m``
computes fits in ``m + 1`` steps (each macro move, evictions, stores, loads and the
compute, in one step; the last output store in one more). In no-recompute ``m`` is at
most the number of non-input vertices ``k``, so the default ``T = k + 1`` makes the
program exact and its optimum a proven Q(G, M). In the classic game an optimal strategy
may recompute, so the program with ``T = max(k, m_seed) + 1`` is exact only over
strategies of that many steps: its value is an upper bound and an independent check of
the search, but only the trivial bound is reported as proven lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE, EncodedMoves
from redblue.progress import note
from redblue.search.limits import Limits, Stopped

__all__ = ["IlpOutcome", "ilp_search", "program_size", "trivial_lower_bound"]


@dataclass
class IlpOutcome:
    lower: int
    moves: EncodedMoves | None
    nodes: int
    stopped: str | None
    details: dict[str, Any] = field(default_factory=dict)


def trivial_lower_bound(graph: CompiledGraph) -> int:
    """Inputs that are ancestors of a non-input output, plus the non-input outputs.

    The first red pebble on a non-input vertex comes from a compute (it holds no blue
    before), so every ancestor of a computed vertex is red at some time, and an input
    only by a load; each non-input output needs a store.
    """
    n = graph.n
    need = graph.is_output & ~graph.is_input
    outs = int(need.sum())
    for v in range(n - 1, -1, -1):
        if need[v]:
            need[graph.predecessors(v)] = True
    return int((need & graph.is_input).sum()) + outs


#: measured cost of building the program in Python: seconds and bytes per nonzero
BUILD_SECONDS_PER_NONZERO = 0.6e-6
BUILD_BYTES_PER_NONZERO = 60
#: seconds between two looks at the clock while HiGHS runs in its own process
POLL_SECONDS = 0.05
#: seconds between two progress lines while HiGHS runs (at verbosity 1, as the A* search's)
PROGRESS_SECONDS = 5.0


def program_size(graph: CompiledGraph, horizon: int) -> int:
    """Nonzeros of the program with ``horizon`` steps (what building it costs).

    Per step and vertex: 13 for the red, blue, load and store rows plus 2 per operand;
    per step: the memory row (``n``), the no-idle row (``3n + 1``) and 2 per output.

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> from redblue.game import compile_graph
    >>> program_size(compile_graph(chain_dag(3)), 4)   # n = 3, 2 edges, 1 output
    232
    """
    n = graph.n
    edges = int(graph.pred_idx.size)
    outs = int(graph.is_output.sum())
    return horizon * (17 * n + 1 + 2 * edges + 2 * outs)


def _milp_child(conn, args: dict) -> None:  # pragma: no cover - runs in a child process
    """Solve the program (``scipy.optimize.milp``) and send back what ``ilp_search`` reads."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        res = milp(**args)
        conn.send({"status": res.status, "x": res.x, "fun": res.fun, "message": res.message,
                   "mip_node_count": getattr(res, "mip_node_count", 0),
                   "mip_dual_bound": getattr(res, "mip_dual_bound", None)})  # fmt: skip
    except BaseException as exc:
        conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def _run_milp(args: dict, lim: Limits, label: str = "") -> dict | str:
    """``milp(**args)`` within ``lim``: its result as a dict, or why it was stopped.

    HiGHS gets the time left as its own limit but does not always keep it (presolve and
    the root relaxation ran 4 s past a 5 s limit at 100 vertices), and it cannot see
    Ctrl-C; so it runs in a forked process that is killed at the deadline or on Ctrl-C
    (the bounds it had are then lost). Where processes cannot be forked it runs here.
    """
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():  # pragma: no cover - not on Linux
        res = milp(**args)
        return {"status": res.status, "x": res.x, "fun": res.fun, "message": res.message,
                "mip_node_count": getattr(res, "mip_node_count", 0),
                "mip_dual_bound": getattr(res, "mip_dual_bound", None)}  # fmt: skip
    ctx = mp.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_milp_child, args=(there, args), daemon=True)
    child.start()
    there.close()
    last = lim.elapsed()
    try:
        while True:
            if lim.elapsed() - last >= PROGRESS_SECONDS:  # what a long run has reached
                last = lim.elapsed()
                note(f"ilp: HiGHS running, {label}{last:.1f} s", level=1)
            why = lim.reason()
            if why is not None:
                return why
            if here.poll(POLL_SECONDS):
                try:
                    out = here.recv()
                except EOFError:
                    return "solver process died"
                if "error" in out:
                    return out["error"]
                return out
            if not child.is_alive() and not here.poll():
                return "solver process died"
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        here.close()


def ilp_search(
    graph: CompiledGraph,
    memory: int,
    no_recompute: bool,
    seed: EncodedMoves,
    *,
    time_limit: float | None = None,
    horizon: int | None = None,
    limits: Limits | None = None,
) -> IlpOutcome:
    """Solve the time-indexed program; see the module docstring.

    Every phase counts against ``time_limit`` (seconds) and ``limits`` (the caller's
    deadline and Ctrl-C): a program whose estimated build time
    (:func:`program_size` times :data:`BUILD_SECONDS_PER_NONZERO`) exceeds the time left,
    or whose size would cross a memory limit, is not built; the build looks at the clock
    every step; HiGHS runs as described in :func:`_run_milp`. A stopped run returns the
    trivial bound (or HiGHS's dual bound when it stopped itself) with ``stopped`` set.
    """
    lim = Limits(time_limit) if limits is None else limits.within(time_limit)
    n = graph.n
    k = int((~graph.is_input).sum())
    m_seed = int((seed.kinds == COMPUTE).sum())
    exact = no_recompute
    if horizon is None:
        T = (k if no_recompute else max(k, m_seed)) + 1
    else:
        T = int(horizon)
        exact = no_recompute and T >= k + 1
    trivial = trivial_lower_bound(graph)
    size = program_size(graph, T)
    details: dict[str, Any] = {"horizon": T, "ilp_exact": exact, "ilp_nonzeros": size}
    left = lim.left()
    if left is not None and size * BUILD_SECONDS_PER_NONZERO > left:
        details["ilp_skipped"] = (f"building {size} nonzeros would take about "
                                  f"{size * BUILD_SECONDS_PER_NONZERO:.1f} s")  # fmt: skip
        return IlpOutcome(trivial, None, 0, "time limit", details)
    if lim.memory.exceeded(size * BUILD_BYTES_PER_NONZERO) is not None:
        details["ilp_skipped"] = f"{size} nonzeros would not fit in memory"
        return IlpOutcome(trivial, None, 0, "memory limit", details)
    # variable layout: five blocks of (T + 1) x n, index t * n + v
    S = (T + 1) * n
    R, B, L, ST, C = (i * S for i in range(5))
    D = 5 * S  # done[t], t = 0..T: every output blue after step t
    nvar = D + T + 1
    outs = np.flatnonzero(graph.is_output).tolist()

    def ix(block: int, t: int, v: int) -> int:
        return block + t * n + v

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    ub: list[float] = []
    row = 0

    def add(terms: list[tuple[int, float]], upper: float) -> None:
        nonlocal row
        for c_, a in terms:
            rows.append(row)
            cols.append(c_)
            vals.append(a)
        ub.append(upper)
        row += 1

    preds = [graph.predecessors(v).tolist() for v in range(n)]
    try:
        for t in range(1, T + 1):
            lim.check()
            for v in range(n):
                add([(ix(R, t, v), 1), (ix(R, t - 1, v), -1), (ix(L, t, v), -1),
                     (ix(C, t, v), -1)], 0)  # fmt: skip
                add([(ix(B, t, v), 1), (ix(B, t - 1, v), -1), (ix(ST, t, v), -1)], 0)
                add([(ix(B, t - 1, v), 1), (ix(B, t, v), -1)], 0)  # blue kept (N1)
                add([(ix(L, t, v), 1), (ix(B, t - 1, v), -1)], 0)
                add([(ix(ST, t, v), 1), (ix(R, t - 1, v), -1)], 0)
                for u in preds[v]:
                    add([(ix(C, t, v), 1), (ix(R, t, u), -1)], 0)
            add([(ix(R, t, v), 1) for v in range(n)], memory)
            # no idle step before the end: done[t-1] + (loads, computes, stores at t) >= 1
            add([(D + t - 1, -1)] + [(ix(blk, t, v), -1) for blk in (L, ST, C)
                                     for v in range(n)], -1)  # fmt: skip
            for o in outs:
                add([(D + t, 1), (ix(B, t, o), -1)], 0)
        if no_recompute:
            for v in range(n):
                add([(ix(C, t, v), 1) for t in range(1, T + 1)], 1)
        A = coo_array((vals, (rows, cols)), shape=(row, nvar)).tocsr()
        rows, cols, vals = [], [], []  # (freed before HiGHS runs)
        lim.check()
    except Stopped as stop:
        details["ilp_skipped"] = "stopped while building the program"
        return IlpOutcome(trivial, None, 0, stop.reason, details)
    lo = np.zeros(nvar)
    hi = np.ones(nvar)
    hi[D] = 1.0 if not outs or all(graph.is_input[o] for o in outs) else 0.0
    for v in range(n):
        hi[ix(R, 0, v)] = 0
        lo[ix(B, 0, v)] = hi[ix(B, 0, v)] = 1.0 if graph.is_input[v] else 0.0
        for blk in (L, ST, C):
            hi[ix(blk, 0, v)] = 0
        if graph.is_input[v]:
            for t in range(T + 1):
                hi[ix(C, t, v)] = 0
        if graph.is_output[v]:
            lo[ix(B, T, v)] = 1
    cost = np.zeros(nvar)
    cost[L : L + S] = 1
    cost[ST : ST + S] = 1
    options: dict[str, Any] = {"disp": False}
    left = lim.left()
    if left is not None:
        options["time_limit"] = max(0.05, left - 0.1)  # HiGHS stops itself, if it can
    details.update(ilp_variables=nvar, ilp_rows=row)
    seed_io = int((seed.kinds == LOAD).sum() + (seed.kinds == STORE).sum())
    label = f"lower {trivial}, upper {seed_io}, {T} steps, {nvar:,} variables, "
    res = _run_milp(dict(c=cost, integrality=np.ones(nvar), bounds=Bounds(lo, hi),
                         constraints=LinearConstraint(A, -np.inf, np.array(ub)),
                         options=options), lim, label)  # fmt: skip
    if isinstance(res, str):
        return IlpOutcome(trivial, None, 0, res, details)
    nodes = int(res.get("mip_node_count") or 0)
    stopped = None if res["status"] == 0 else ("time limit" if res["status"] == 1
                                               else res["message"])  # fmt: skip
    moves = None
    if res["x"] is not None:
        x = np.rint(res["x"]).astype(np.int64)
        moves = _extract(graph, x, T, (R, B, L, ST, C))
        details["horizon_value"] = int(round(res["fun"]))
    lower = trivial
    if exact:
        if res["status"] == 0:
            lower = max(trivial, int(round(res["fun"])))
        elif res.get("mip_dual_bound") is not None:
            lower = max(trivial, int(np.ceil(res["mip_dual_bound"] - 1e-6)))
    return IlpOutcome(lower, moves, nodes, stopped, details)


def _extract(graph: CompiledGraph, x: np.ndarray, T: int, blocks) -> EncodedMoves:
    """The move sequence of a solution: per step stores, deletions, loads, computes."""
    n = graph.n
    R, B, L, ST, C = blocks

    def val(block: int, t: int, v: int) -> int:
        return int(x[block + t * n + v])

    kinds: list[int] = []
    nodes: list[int] = []
    blue = graph.is_input.copy()
    for t in range(1, T + 1):
        for v in range(n):
            if val(ST, t, v) and not blue[v]:
                kinds.append(STORE)
                nodes.append(v)
                blue[v] = True
        for v in range(n):
            if val(R, t - 1, v) and not val(R, t, v):
                kinds.append(DELETE)
                nodes.append(v)
        new = [v for v in range(n) if val(R, t, v) and not val(R, t - 1, v)]
        for v in new:  # loads first, then computes in topological order
            if not val(C, t, v):
                kinds.append(LOAD)
                nodes.append(v)
        for v in new:
            if val(C, t, v):
                kinds.append(COMPUTE)
                nodes.append(v)
    return EncodedMoves(graph, np.array(kinds, np.int8), np.array(nodes, np.int32))
