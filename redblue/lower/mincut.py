"""The convex min-cut lower bound of Elango et al., rederived for redblue's game.

The argument (Elango, Rastello, Pouchet, Ramanujam and Sadayappan, SPAA 2014, the
"wavefront" of a convex cut, here in redblue's conventions):

1. In a complete calculation of the *no-recompute* game, fix a needed vertex ``x`` (see
   :mod:`redblue.lower.needed`) and the move ``tau`` that first puts a red pebble on it.
   Let ``S`` be the needed vertices that were red at some time up to ``tau`` and ``T``
   the others. ``S`` holds ``x`` and is closed under predecessors (a vertex is computed
   only when its operands are red); ``T`` holds every successor of ``x``.
2. The *wavefront* ``F`` is the set of vertices of ``S`` with a successor in ``T``: each
   must be red again after ``tau``. Right after move ``tau`` at most ``M`` are red. Each
   other one is loaded after ``tau`` (it cannot be recomputed), and that load is not an
   input's first load (the vertex was red before). If it is neither an input nor an
   output it was also stored, in a store that is not an output's.
3. So ``Q >= trivial + (W(x) - M)+ + (W'(y) - M)+`` for any ``x`` and ``y``, where ``W(x)``
   is the smallest ``|F|`` over all such cuts for ``x`` (extra loads) and ``W'(y)`` the
   smallest number of vertices of ``F`` that are neither inputs nor outputs (extra
   stores). The two minima are taken separately, over the cuts the calculation could
   have made, since the calculation is unknown.
4. Each minimum is a maximum flow (scipy's Dinic): vertex ``u`` becomes ``u -> u'`` of
   capacity 1 (or ``[u internal]`` for ``W'``); an edge ``u -> v`` becomes ``u' -> v``
   (infinite: ``u`` pays when ``v`` is in ``T``) and ``v -> u`` (infinite: ``S`` is
   closed under predecessors); the source feeds ``x`` and every successor of ``x``
   drains to the sink. The witness names ``x`` and the vertices of the minimum cut.

Any ``x`` gives a valid bound, so under a deadline the method keeps the best ``x`` found
so far; on large graphs it tries the vertices halfway down the DAG first (equal longest
paths from the inputs and to the outputs), where wavefronts are widest.

Which variants: step 2 uses that an evicted value is never recomputed, so the method runs
on the ``no-recompute`` game only. Elango et al. charge ``2 (W - M)`` (a store and a load
per evicted value); that charge is sound only for values that are neither inputs (never
stored) nor outputs (stored anyway): here those count once, in ``W``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from redblue.lower.needed import NeededGraph
from redblue.search.limits import Limits

__all__ = ["ALL_VERTICES", "SAMPLE", "wavefront", "mincut_extra", "candidates"]

#: up to this many needed vertices, every vertex is tried as ``x``
ALL_VERTICES = 300
#: above, this many vertices are tried (the middle of the DAG first), time permitting
SAMPLE = 64


def _network(H: NeededGraph, x: int, capacity: np.ndarray) -> tuple[sp.csr_matrix, int, int]:
    n = H.n
    inf = n + 1  # more than any finite cut (at most n vertex edges of capacity <= 1)
    s, t = 2 * n, 2 * n + 1
    succ = H.dst[H.src == x]
    rows = np.concatenate([np.arange(n), n + H.src, H.dst, [s], succ])
    cols = np.concatenate([n + np.arange(n), H.dst, H.src, [x], np.full(succ.size, t)])
    caps = np.concatenate([capacity.astype(np.int32),
                           np.full(2 * H.src.size + 1 + succ.size, inf, np.int32)])  # fmt: skip
    C = sp.csr_matrix((caps, (rows, cols)), shape=(2 * n + 2, 2 * n + 2), dtype=np.int32)
    return C, s, t


def wavefront(H: NeededGraph, x: int, capacity: np.ndarray) -> tuple[int, list[int]]:
    """The least wavefront of a convex cut for ``x`` and the vertices of one.

    ``capacity[u]`` is what vertex ``u`` costs when it is on the wavefront (1 for
    ``W``, ``[u internal]`` for ``W'``).

    Examples
    --------
    >>> import numpy as np
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph
    >>> from redblue.lower.needed import needed_graph
    >>> H = needed_graph(compile_graph(pyramid_dag(3)))
    >>> x = H.graph.index["P[1,1]"]         # the middle node of the second level
    >>> W, front = wavefront(H, x, np.ones(H.n, int))
    >>> W, [H.name(u) for u in front]       # both its operands wait for P[1,0] or P[1,2]
    (3, ['P[0,1]', 'P[0,2]', 'P[1,1]'])
    """
    C, s, t = _network(H, x, capacity)
    res = maximum_flow(C, s, t, method="dinic")
    residual = (C - res.flow).tocsr()
    residual.data = np.where(residual.data > 0, 1, 0).astype(np.int32)
    residual.eliminate_zeros()
    reach = np.zeros(C.shape[0], bool)
    reach[breadth_first_order(residual, s, directed=True, return_predecessors=False)] = True
    n = H.n
    front = np.flatnonzero(reach[:n] & ~reach[n : 2 * n] & (capacity > 0))
    return int(res.flow_value), [int(u) for u in front]


def candidates(H: NeededGraph) -> np.ndarray:
    """The vertices tried as ``x``, in order: all of them on small graphs, else those
    whose longest paths from the inputs and to the outputs are closest first."""
    n = H.n
    if n <= ALL_VERTICES:
        return np.arange(n)
    depth = np.zeros(n, np.int64)
    height = np.zeros(n, np.int64)
    order = np.argsort(H.dst, kind="stable")
    src, dst = H.src[order], H.dst[order]
    for e in range(src.size):  # ids are topological: edges sorted by head
        depth[dst[e]] = max(depth[dst[e]], depth[src[e]] + 1)
    order = np.argsort(-H.src, kind="stable")
    src, dst = H.src[order], H.dst[order]
    for e in range(src.size):
        height[src[e]] = max(height[src[e]], height[dst[e]] + 1)
    rank = np.lexsort((np.arange(n) % 7, np.abs(depth - height)))
    return rank[: SAMPLE]


def mincut_extra(
    H: NeededGraph, memory: int, limits: Limits, count_twice: bool = False
) -> tuple[int, dict[str, Any], bool]:
    """The proven bound on ``Q - trivial`` (no-recompute game), its witness, and whether
    the deadline stopped the search over ``x``.

    Parameters
    ----------
    H : NeededGraph
    memory : int
        M (at most the node count: a larger M is the same game).
    limits : Limits
        The deadline, checked between maximum flows.
    count_twice : bool
        Charge ``2 (W - M)`` as Elango et al. do, for every vertex of the wavefront. Not
        a proven bound in redblue's conventions (an input on the wavefront is reloaded,
        never stored); it is there so that tests can plant it and see it fail.

    Returns
    -------
    extra : int
        ``max_x (W(x) - M)+ + max_y (W'(y) - M)+``.
    witness : dict
        For loads and stores: the vertex ``x``, the flow value ``W`` and the wavefront
        (node ids); and ``tried``, the number of vertices tried.
    stopped : bool

    Examples
    --------
    >>> from redblue.dags import fft_dag
    >>> from redblue.game import compile_graph
    >>> from redblue.lower.needed import needed_graph
    >>> extra, w, _ = mincut_extra(needed_graph(compile_graph(fft_dag(64))), 3, Limits())
    >>> extra, w["loads"]["W"], w["stores"]["W"]       # (8 - 3) + (4 - 3)
    (6, 8, 4)
    """
    t0 = time.monotonic()
    ones = np.ones(H.n, np.int64)
    internal = H.internal.astype(np.int64)
    best = {"loads": (0, -1, []), "stores": (0, -1, [])}
    tried, stopped = 0, False
    for x in candidates(H):
        if limits.reason() is not None:
            stopped = True
            break
        for kind, cap in (("loads", ones), ("stores", internal)):
            if kind == "stores" and (count_twice or not internal.any()):
                continue
            W, front = wavefront(H, int(x), cap)
            if W > best[kind][0]:
                best[kind] = (W, int(x), front)
        tried += 1
    M = int(memory)
    W, Ws = best["loads"][0], best["stores"][0]
    extra = 2 * max(0, W - M) if count_twice else max(0, W - M) + max(0, Ws - M)
    witness: dict[str, Any] = {"tried": tried, "needed_vertices": H.n,
                               "formula": "extra = (W - M)+ + (W' - M)+"}  # fmt: skip
    for kind, (w, x, front) in best.items():
        witness[kind] = {
            "x": H.name(x) if x >= 0 else None,
            "W": w,
            "wavefront": [H.name(u) for u in front[:200]],
        }
    witness["seconds"] = round(time.monotonic() - t0, 4)
    return extra, witness, stopped
