"""The largest part a 2M-partition can have: lemmas over *all* parts, checked over all.

Lemma 3.3 (roots of QK^T per part) and Lemma 3.6 (products per part) are statements
about every vertex set ``S`` of a 2M-partition: ``S`` has a dominator set ``D`` with
``|D| <= 2M`` (every path from an input to a vertex of ``S`` meets ``D``) and a minimum
set ``Min(S)`` (vertices of ``S`` with no successor in ``S``) with ``|Min(S)| <= 2M``.
Strategies only show the parts they happen to produce; here the maximum over every such
``S`` of the number of target vertices (roots, products) in it is computed exactly on
small graphs, to be compared with the lemma's bound.

The integer program (:func:`max_part`, HiGHS through :func:`scipy.optimize.milp`).
Binary variables for each vertex ``v``: ``x_v`` (``v`` in ``S``), ``y_v`` (``v`` in
``D``), ``r_v`` (an input reaches ``v`` by a path with no vertex in ``D``), ``z_v``
(``v`` in ``Min(S)``). Constraints:

1. ``x_v = 0`` for every input (parts hold computed vertices; an input in ``S`` can
   only add to ``Min(S)``, never remove a minimum vertex: inputs are nobody's
   successor);
2. ``r_u + y_u >= 1`` for every input ``u``;
3. ``r_v >= r_u - y_v`` for every edge ``u -> v``;
4. ``x_v + r_v <= 1`` for every vertex;
5. ``z_v >= x_v - sum_{w in succ(v)} x_w``;
6. ``sum_v y_v <= 2M`` and ``sum_v z_v <= 2M``;

maximise ``sum_{v in targets} x_v``.

Why (2)-(4) say exactly "``D`` dominates ``S``". If a solution has a path
``u_0 -> ... -> u_k`` from an input with no vertex in ``D`` and ``u_k`` in ``S``, then
(2) gives ``r_{u_0} = 1``, (3) carries ``r = 1`` along the path (each ``y = 0``), so
``r_{u_k} = 1`` and ``x_{u_k} = 1`` break (4). Conversely, if ``D`` dominates ``S``, set
``r_v = 1`` exactly for the vertices reached from an input by a path avoiding ``D``:
(2) holds (an input not in ``D`` is reached by itself), (3) holds (if ``r_u = 1`` and
``v`` is not in ``D`` the path extends to ``v``), and (4) holds because no vertex of ``S``
is so reached. Why (5) says "``z_v = 1`` if ``v`` is in ``Min(S)``": its right side is 1
exactly for ``v`` in ``S`` with no successor in ``S`` (else it is <= 0), and ``z`` only
appears in ``sum z <= 2M``, so some solution has ``z`` equal to that indicator. Every
optimum is therefore the maximum over all pairs ``(S, D)`` with ``D`` dominating ``S``,
``|D| <= 2M`` and ``|Min(S)| <= 2M``.

The optimum part is certified independently (:func:`certify`): its smallest
dominator by a minimum vertex cut (:func:`redblue.analysis.partition.min_dominator_size`,
networkx) and its minimum set, recounted. :func:`max_part_bruteforce` enumerates every
``S`` on graphs with few computed vertices, as a cross-check of the program.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981
   (S-partitions: dominator and minimum sets).
.. [2] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024, Lemma 3.3 (roots per part) and Lemma 3.6 (matmul).
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np

__all__ = ["PartOptimum", "max_part", "max_part_upper", "max_part_bruteforce", "part_program",
           "certify"]


@dataclass
class PartOptimum:
    """The largest number of targets in one part, with a part that attains it."""

    value: int
    part: frozenset
    dominator: frozenset
    optimal: bool  # False: the solver stopped at its time limit (value is a lower bound)
    method: str
    seconds: float
    upper: float  # proven upper bound (= value when optimal)


def _index(G: nx.DiGraph) -> tuple[list[Hashable], dict[Hashable, int]]:
    nodes = list(nx.topological_sort(G))
    return nodes, {v: i for i, v in enumerate(nodes)}


def max_part(
    G: nx.DiGraph, memory: int, targets: Iterable[Hashable], *, time_limit: float = 20.0
) -> PartOptimum:
    """Maximise the targets in a vertex set with a dominator and a minimum set of <= 2M.

    Parameters
    ----------
    G : networkx.DiGraph
    memory : int
        M; the sets are bounded by ``2M``.
    targets : iterable of nodes
        What is counted (e.g. the roots ``S[i,j]``).
    time_limit : float
        Seconds for HiGHS.

    Returns
    -------
    PartOptimum

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024, Lemmas 3.3 and 3.6 (the module docstring gives
       the program and why it is exact).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    start = time.perf_counter()
    nodes, cost, A, lo, hi, upper = part_program(G, memory, targets)
    n = len(nodes)
    if n == 0:  # HiGHS refuses an empty program; the empty part is the only one
        return PartOptimum(0, frozenset(), frozenset(), True, "ilp", 0.0, 0)
    X, Y = 0, n
    res = milp(
        cost,
        constraints=LinearConstraint(A, lo, hi),
        integrality=np.ones(4 * n),
        bounds=Bounds(np.zeros(4 * n), upper),
        options={"time_limit": float(time_limit), "disp": False},
    )
    if res.x is None:
        raise RuntimeError(f"the part program found no solution: {res.message}")
    x = np.round(res.x).astype(int)
    part = frozenset(nodes[i] for i in range(n) if x[X + i])
    dom = frozenset(nodes[i] for i in range(n) if x[Y + i])
    value = int(round(-res.fun))
    bound = getattr(res, "mip_dual_bound", None)
    upper_bound = float(-bound) if bound is not None and np.isfinite(bound) else np.inf
    optimal = res.status == 0
    return PartOptimum(value, part, dom, optimal, "ilp", time.perf_counter() - start,
                       value if optimal else upper_bound)  # fmt: skip


def part_program(G: nx.DiGraph, memory: int, targets: Iterable[Hashable]) -> tuple:
    """The program of the module docstring: ``(nodes, cost, A, lo, hi, upper)``, the
    variables in blocks ``x, y, r, z`` of ``len(nodes)`` each (minimise ``cost``)."""
    from scipy.sparse import coo_array

    nodes, idx = _index(G)
    n = len(nodes)
    X, Y, R, Z = 0, n, 2 * n, 3 * n  # variable blocks
    rows, cols, vals, lo, hi = [], [], [], [], []

    def constraint(terms: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(lo)
        for c, v in terms:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lo.append(low)
        hi.append(high)

    upper = np.ones(4 * n)
    for v in nodes:
        i = idx[v]
        if G.in_degree(v) == 0:
            upper[X + i] = upper[Z + i] = 0  # (1)
            constraint([(R + i, 1), (Y + i, 1)], 1, np.inf)  # (2)
        constraint([(X + i, 1), (R + i, 1)], -np.inf, 1)  # (4)
        succ = [(X + idx[w], 1) for w in G.successors(v)]
        constraint([(Z + i, 1), (X + i, -1)] + succ, 0, np.inf)  # (5)
    for u, v in G.edges:
        constraint([(R + idx[v], 1), (R + idx[u], -1), (Y + idx[v], 1)], 0, np.inf)  # (3)
    constraint([(Y + i, 1) for i in range(n)], -np.inf, 2 * memory)  # (6)
    constraint([(Z + i, 1) for i in range(n)], -np.inf, 2 * memory)
    cost = np.zeros(4 * n)
    for v in set(targets):
        cost[X + idx[v]] = -1.0
    A = coo_array((vals, (rows, cols)), shape=(len(lo), 4 * n)).tocsr()
    return nodes, cost, A, lo, hi, upper


def max_part_upper(
    G: nx.DiGraph, memory: int, targets: Iterable[Hashable], *, time_limit: float = 20.0
) -> tuple[int, bool]:
    """A proven *upper* bound on :func:`max_part`'s optimum: ``(bound, exact)``.

    The bound is the solver's dual bound (never its incumbent), solved with a relative
    gap of 0 and rounded down with a 1e-3 tolerance (the optimum is an integer);
    ``exact`` says HiGHS proved it optimal. With no dual bound by the time limit, the
    bound is the number of targets.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d")])
    >>> max_part_upper(G, 1, ["c", "d"])
    (2, True)
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    nodes, cost, A, lo, hi, upper = part_program(G, memory, targets)
    count = int(-cost.sum())
    if not nodes:  # as in max_part: nothing to count
        return 0, True
    res = milp(
        cost,
        constraints=LinearConstraint(A, lo, hi),
        integrality=np.ones_like(cost),
        bounds=Bounds(np.zeros_like(cost), upper),
        options={"time_limit": float(time_limit), "disp": False, "mip_rel_gap": 0.0},
    )
    bound = getattr(res, "mip_dual_bound", None)
    if bound is None or not np.isfinite(bound):
        return count, False
    return min(count, int(np.floor(-bound + 1e-3))), res.status == 0


def _disjoint_paths(G: nx.DiGraph, sinks: set, cap: int) -> int:
    """Vertex-disjoint input-to-``sinks`` paths (min dominator size), counted up to ``cap``."""
    inputs = [v for v in G if G.in_degree(v) == 0]
    flow: dict[tuple, int] = {}
    src, dst = ("s",), ("t",)

    def residual(a: tuple) -> list[tuple]:
        kind, v = a if a not in (src, dst) else (None, None)
        out = []
        if a == src:
            out = [("in", u) for u in inputs]
        elif kind == "in":
            out = [("out", v)]
        elif kind == "out":
            out = [("in", w) for w in G.successors(v)] + ([dst] if v in sinks else [])
        # forward edges with capacity 1 left, then reverse edges with flow on them
        fwd = [b for b in out if flow.get((a, b), 0) == 0]
        back = [b for (b, c), f in flow.items() if c == a and f > 0]
        return fwd + back

    total = 0
    while total < cap:
        prev = {src: None}
        queue = [src]
        while queue and dst not in prev:
            a = queue.pop(0)
            for b in residual(a):
                if b not in prev:
                    prev[b] = a
                    queue.append(b)
        if dst not in prev:
            break
        b = dst
        while prev[b] is not None:
            a = prev[b]
            if flow.get((b, a), 0) > 0:
                flow[(b, a)] -= 1
            else:
                flow[(a, b)] = flow.get((a, b), 0) + 1
            b = a
        total += 1
    return total


def max_part_bruteforce(
    G: nx.DiGraph, memory: int, targets: Iterable[Hashable], *, max_free: int = 16
) -> PartOptimum:
    """:func:`max_part` by enumerating every set of computed vertices (small graphs).

    Raises
    ------
    ValueError
        If the graph has more than ``max_free`` non-input vertices.
    """
    start = time.perf_counter()
    free = [v for v in nx.topological_sort(G) if G.in_degree(v) > 0]
    if len(free) > max_free:
        raise ValueError(f"{len(free)} computed vertices: too many to enumerate")
    bit = {v: 1 << i for i, v in enumerate(free)}
    succ = [sum(bit[w] for w in G.successors(v)) for v in free]
    want = sum(bit[v] for v in set(targets) if v in bit)
    best, best_part = -1, 0
    for mask in range(1 << len(free)):
        value = (mask & want).bit_count()
        if value <= best:
            continue
        minimum = sum(1 for i in range(len(free)) if mask >> i & 1 and not succ[i] & mask)
        if minimum > 2 * memory:
            continue
        part = {free[i] for i in range(len(free)) if mask >> i & 1}
        if _disjoint_paths(G, part, 2 * memory + 1) <= 2 * memory:
            best, best_part = value, mask
    part = frozenset(free[i] for i in range(len(free)) if best_part >> i & 1)
    return PartOptimum(best, part, frozenset(), True, "enumeration",
                       time.perf_counter() - start, best)  # fmt: skip


def certify(G: nx.DiGraph, part: Iterable[Hashable]) -> tuple[int, int]:
    """``(smallest dominator size, |Min(part)|)`` of a vertex set, computed independently.

    The dominator by a minimum vertex cut in networkx
    (:func:`redblue.analysis.partition.min_dominator_size`), the minimum set by
    definition.
    """
    from redblue.analysis.partition import min_dominator_size

    S = set(part)
    minimum = sum(1 for v in S if not any(w in S for w in G.successors(v)))
    return min_dominator_size(G, S), minimum
