"""Hong & Kung's 2M-partition bound, with the largest part bounded by an integer program.

The bound. Let ``V'`` be the needed non-input vertices (:mod:`redblue.lower.needed`) and
``U`` an upper bound on ``|S|`` over the vertex sets ``S`` of computed vertices of the
needed subgraph that have a dominator set of at most ``2M`` vertices and a minimum set
of at most ``2M``. Then, in the classic game and in the game without recomputation,

    Q(G, M) >= M (ceil(|V'| / U) - 1).

Proof. Q(G, M) is attained by a *normalised* complete calculation (one with no useless
move, :mod:`redblue.analysis.normalize`: dropping the useless moves of any valid
calculation keeps it valid, with no more I/O and no more red pebbles, and a calculation
without recomputation stays one). Cut a normalised optimal calculation into ``h``
segments of ``M`` I/O moves each, the last one possibly shorter and holding every move
after the last full segment, so that ``M (h - 1) <= Q``. Let ``V_i`` be the vertices
first computed in segment ``i``. By Lemma 2.7 as this project proves it
(``proofs/lemma_2_7_2_8.py``), ``V_i`` has a dominator set ``D_i`` (red at the start
of the segment, or loaded in it) with ``|D_i| <= 2M``, and ``|Min(V_i)| <= 2M`` (red at
the end of the segment, or stored in it).

Every ``V_i`` lies in the needed subgraph ``H``. A vertex ``w`` outside ``H`` is not a
non-input output, and neither is any of its descendants (they are outside ``H`` too).
Take the last useful compute of such a vertex: what it creates must be used by a later
useful move, a compute of a successor (outside ``H``: a later useful compute of such a
vertex, impossible) or a store of ``w``, whose blue pebble is not the final one of an
output and so must be used by a useful load of ``w``, whose red pebble must be used in
turn, and so on: the chain never ends, so there is no such compute. Then ``V_i`` is a
feasible part of the program below on ``H``: a path of ``H`` from one of its sources
(needed inputs) is a path of ``G`` from an input, so it meets ``D_i``, and ``D_i``
restricted to ``H`` dominates ``V_i`` in ``H``; the successors of a vertex of ``V_i``
that lie in ``V_i`` are the same in ``H`` and ``G``, so ``Min(V_i)`` is the same set.
Hence ``|V_i| <= U``.

Every vertex of ``V'`` is computed by every complete calculation (a non-input output
must be stored, so computed, so its operands were red, and so on up to the inputs; a
non-input vertex turns red only by a compute), so it lies in exactly one ``V_i``:
``|V'| <= h U``, ``h >= ceil(|V'| / U)`` and ``Q >= M (h - 1) >= M (ceil(|V'| / U) - 1)``.
A calculation without recomputation is a classic one with the same I/O, so the bound
holds in both games. Nothing else is added: the segments' I/O already counts every
load and store, the compulsory ones included, so the trivial bound cannot be added on
top (:func:`redblue.lower.lower_bound` keeps the best of the two instead).

Bounding ``U``. Any upper bound on the optimum of the exact program of
:func:`redblue.analysis.extremal.max_part` (every non-input vertex of ``H`` a target)
keeps the bound sound; a *lower* estimate, such as a feasible part found before a time
limit, does not (``tests/test_lower_hong_kung.py`` shows one below the true maximum
exceeding an optimum). ``U`` is the smaller of two upper bounds, each rounded down
(the optimum is an integer): the optimum of the program's linear relaxation (cheap,
certified here by weak duality from the solver's dual values, :func:`relaxation_upper`)
and the HiGHS dual bound of the integer program with the time left
(:func:`redblue.analysis.extremal.max_part_upper`: the optimum when HiGHS proves it,
else the dual bound reached at the time limit).

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981,
   Lemmas 2.7 and 2.8 (S-partitions).
.. [2] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Lemma 2.7 (the 2M-partition lemma as used there).
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from redblue.analysis.extremal import max_part_upper, part_program
from redblue.lower.needed import NeededGraph
from redblue.lower.results import MethodResult
from redblue.search.limits import Limits

__all__ = ["DEFAULT_SECONDS", "hong_kung_bound", "largest_part_upper", "relaxation_upper"]

#: seconds the relaxation and the integer program share when the call has no time limit
DEFAULT_SECONDS = 10.0
#: needed vertices above which the integer program is not tried (the relaxation still is):
#: above it HiGHS rarely moves its dual bound below the relaxation's in a minute
MIP_MAX_NODES = 2_000


def relaxation_upper(G: nx.DiGraph, memory: int, targets: list, time_limit: float) -> int | None:
    """An upper bound on :func:`~redblue.analysis.extremal.max_part` from its linear
    relaxation, certified by weak duality (None if HiGHS did not finish in time).

    The program is ``min c.x`` subject to ``A_ub x <= b`` and ``0 <= x <= u``. For any
    multipliers ``l >= 0`` and any such ``x``, ``c.x >= (c + A_ub^T l).x - l.b >=
    sum_j min(0, (c + A_ub^T l)_j) u_j - l.b``: a lower bound on the minimum, whatever
    the solver's tolerances, recomputed here from the interior-point method's duals
    (clipped to be feasible) rather than read from its objective. Its negation, rounded
    down after a margin for the float sums, bounds the largest part.
    """
    from scipy.optimize import linprog
    from scipy.sparse import vstack

    _, cost, A, lo, hi, upper = part_program(G, memory, targets)
    lo, hi = np.asarray(lo), np.asarray(hi)
    A_ub = vstack([A[np.isfinite(hi)], -A[np.isfinite(lo)]]).tocsr()
    b_ub = np.concatenate([hi[np.isfinite(hi)], -lo[np.isfinite(lo)]])
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=np.c_[np.zeros_like(upper), upper],
                  method="highs-ipm", options={"time_limit": float(time_limit)})  # fmt: skip
    if res.status != 0 or res.ineqlin is None:
        return None
    mult = -np.minimum(res.ineqlin.marginals, 0.0)  # scipy's marginals are <= 0 here
    reduced = cost + A_ub.T @ mult
    bound = np.minimum(reduced, 0.0) @ upper - mult @ b_ub
    margin = 1e-9 * (1.0 + np.abs(reduced) @ upper + mult @ np.abs(b_ub))
    return int(math.floor(-bound + margin))


def _as_networkx(H: NeededGraph) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(H.n))
    G.add_edges_from(zip(H.src.tolist(), H.dst.tolist(), strict=True))
    return G


def largest_part_upper(H: NeededGraph, memory: int, limits: Limits) -> tuple[int, dict]:
    """An upper bound ``U`` on the non-input vertices of one part of a 2M-partition of ``H``.

    Parameters
    ----------
    H : NeededGraph
    memory : int
        M (parts have a dominator set and a minimum set of at most ``2M``).
    limits : Limits
        The deadline; without one the two solves share :data:`DEFAULT_SECONDS`.

    Returns
    -------
    U : int
        At least 1 when ``H`` has a non-input vertex.
    how : dict
        ``lp`` (the relaxation's bound, or None), ``mip`` (the program's dual bound, or
        None), ``mip_optimal``, ``stopped`` (a solve hit the deadline) and ``method``.

    Examples
    --------
    >>> from redblue.dags import fft_dag
    >>> from redblue.game import compile_graph
    >>> from redblue.lower.needed import needed_graph
    >>> U, how = largest_part_upper(needed_graph(compile_graph(fft_dag(8))), 3, Limits(30))
    >>> U, how["method"]
    (16, 'integer program, optimal')
    """
    G = _as_networkx(H)
    targets = [i for i in range(H.n) if not H.is_input[i]]
    how = {"lp": None, "mip": None, "mip_optimal": False, "stopped": False,
           "method": "number of non-input vertices (no solve finished)"}  # fmt: skip
    U = len(targets)
    if not targets:
        return 0, how

    if limits.left() is None:
        limits = limits.within(DEFAULT_SECONDS)

    def seconds() -> float:
        # HiGHS overshoots its limit by up to a few tenths of a second: keep a margin
        return max(0.0, 0.8 * (limits.left() or 0.0) - 0.05)

    if seconds() > 0.01:
        lp = relaxation_upper(G, memory, targets, seconds())
        how["lp"] = lp
        if lp is not None and lp < U:
            U, how["method"] = lp, "linear relaxation"
    if H.n <= MIP_MAX_NODES and seconds() > 0.01 and U > 1:
        mip, optimal = max_part_upper(G, memory, targets, time_limit=seconds())
        how["mip"], how["mip_optimal"] = mip, optimal
        how["stopped"] = not optimal
        if mip <= U:
            U = mip
            how["method"] = ("integer program, optimal" if optimal
                             else "integer program, dual bound at the time limit")  # fmt: skip
    elif U > 1:
        how["stopped"] = how["lp"] is None  # out of time before or during the relaxation
    return max(U, 1), how


def hong_kung_bound(H: NeededGraph, memory: int, limits: Limits) -> MethodResult:
    """``M (ceil(|V'| / U) - 1)``, proven in the module docstring, with its witness.

    Parameters
    ----------
    H : NeededGraph
        The needed subgraph (:func:`redblue.lower.needed.needed_graph`).
    memory : int
        M.
    limits : Limits

    Returns
    -------
    MethodResult
        Named ``"hong-kung"``; status "stopped" when the program hit the deadline
        before proving its optimum (the bound, from its dual bound, is still proven).

    Examples
    --------
    >>> from redblue.dags import fft_dag
    >>> from redblue.game import compile_graph
    >>> from redblue.lower.needed import needed_graph
    >>> r = hong_kung_bound(needed_graph(compile_graph(fft_dag(8))), 3, Limits(30))
    >>> r.value, r.witness["formula"]
    (3, '3 * (ceil(24 / 16) - 1) = 3')

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, STOC 1981, Lemmas 2.7 and 2.8.
    """
    computed = int((~H.is_input).sum())
    U, how = largest_part_upper(H, memory, limits)
    parts = math.ceil(computed / U) if U else 0
    value = memory * max(parts - 1, 0)
    witness = {
        "U": U,
        "U_method": how["method"],
        "lp_bound": how["lp"],
        "mip_bound": how["mip"],
        "mip_optimal": how["mip_optimal"],
        "needed_computed": computed,
        "M": memory,
        "parts_at_least": parts,
        "formula": f"{memory} * (ceil({computed} / {U}) - 1) = {value}",
    }
    status, reason = ("stopped", "time limit") if how["stopped"] else ("ok", None)
    return MethodResult("hong-kung", value, 0.0, status, reason, witness)
