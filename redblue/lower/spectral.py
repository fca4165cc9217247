"""The spectral lower bound of Jain and Zaharia, rederived for redblue's game.

The argument (Jain & Zaharia, SPAA 2020, Sec. 3-4, here in redblue's conventions):

1. In a complete calculation of the *no-recompute* game, order the needed vertices (see
   :mod:`redblue.lower.needed`; ``n`` of them) by the move that first puts a red pebble
   on them: an input's first load, a non-input's one compute. This is a topological
   order. Cut it into ``k`` consecutive segments ``V_1..V_k`` of ``floor(n/k)`` or
   ``ceil(n/k)`` vertices; segment ``j`` spans the moves from the first red pebble on
   its first vertex to just before the first on ``V_{j+1}``.
2. *Loads.* Let ``in_j`` be the vertices of earlier segments with an edge into ``V_j``.
   Each is red when its successor in ``V_j`` is computed; at most ``M`` were red when
   segment ``j`` began, and the others cannot be recomputed, so each needs a load inside
   segment ``j``. Such a load is never an input's first load (the vertex was red
   before), so loads >= (needed inputs) + sum_j (in_j - M)+.
3. *Stores.* Let ``out_j`` be the vertices of ``V_j`` that are neither inputs nor
   outputs and have an edge to a later segment. Each must be red again later; at most
   ``M`` are still red when segment ``j`` ends, and each other one is loaded later, so
   was stored (no recompute) in a store that is not an output's. So stores >=
   (non-input outputs) + sum_j (out_j - M)+.
4. Weight an edge ``u -> v`` by ``w = (1 + [u is neither input nor output]) / outdeg(u)``
   (out-degree within the needed graph). All the edges out of one ``u`` weigh
   ``1 + [...]`` together, and a ``u`` with any edge cut adds at least that much to
   ``sum_j in_j + out_j`` (1 to the ``in`` of a later segment, and 1 to the ``out`` of
   its own when it is internal). So ``sum_j in_j + out_j >= C``, the weight of the edges
   cut by the partition, and ``in_1 = out_k = 0``. Hence
   ``Q >= trivial + C - 2 (k - 1) M``.
5. Donath-Hoffman: for any partition of the vertices into parts of sizes
   ``m_1 >= ... >= m_k``, ``C >= 1/2 sum_p m_p lambda_p``, with ``lambda_1 <= lambda_2
   <= ...`` the eigenvalues of the weighted Laplacian ``L = D - W`` of the undirected
   graph (``x_p^T L x_p`` is twice the weight leaving part ``p``; with ``y_p`` the
   normalised indicators, Ky Fan's minimum principle bounds ``sum_p m_p y_p^T L y_p``).
   With ``q, r = divmod(n, k)`` this is ``1/2 (q S(k) + S(r))``, ``S(i)`` the sum of the
   ``i`` smallest eigenvalues.

So ``Q >= trivial + max_k ceil(1/2 (q S(k) + S(r)) - 2 (k - 1) M)``. This file proves
only lower bounds on ``S``:

- up to :data:`DENSE_MAX` needed vertices, every eigenvalue by LAPACK (``eigvalsh``,
  backward stable: each computed value is within ``c n eps ||L||`` of the true one),
  each lowered by :data:`DENSE_MARGIN` ``* n * eps * ||L||_1`` and clamped at 0 (``L``
  is positive semidefinite);
- above, ``S(k) >= sum_j (t_j - t_{j-1}) (k - N(t_j))+`` for thresholds
  ``0 = t_0 < t_1 < ...``, where ``N(t)`` is the number of eigenvalues below ``t``
  (``lambda_i >= t_j`` for ``i > N(t_j)``). ``N(t)`` is counted exactly by Sylvester's
  law of inertia: the negative pivots of a symmetric LDL^T factorisation of ``L - tI``
  (SuperLU in symmetric mode with no pivoting; a factorisation that does not keep the
  symmetric order is not used). ARPACK's eigenvalue estimates (``eigsh``, shift-invert)
  only place the thresholds just below each cluster: an eigenvalue ARPACK misses (it
  can, at high multiplicity) makes the counts larger and the bound smaller, never wrong.
  The assumption left is that the pivots' signs are exact; thresholds sit a relative
  :data:`GAP` below computed eigenvalues so that rounding does not flip one. ARPACK
  cannot be interrupted: under a deadline shorter than :data:`SECONDS_PER_NODE` per
  vertex the sparse route does not start (status "stopped", bound 0 on top of trivial).

Which variants: the proof uses that a vertex, once evicted without a blue pebble, is
never red again (step 2 and 3). That holds in the ``no-recompute`` game only; in the
classic game a value can be recomputed instead of loaded, so the method does not run
there. Jain and Zaharia charge neither an input's first load nor an output's store; here
those are ``trivial``, and their bound is the ``extra`` term.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from redblue.lower.needed import NeededGraph
from redblue.search.limits import Limits

__all__ = [
    "DENSE_MAX",
    "DENSE_MARGIN",
    "EIGENVALUES",
    "GAP",
    "SECONDS_PER_NODE",
    "THRESHOLDS",
    "edge_weights",
    "laplacian",
    "partition_bound",
    "spectral_extra",
]

#: needed vertices up to which every eigenvalue is computed densely (LAPACK)
DENSE_MAX = 500
#: dense eigenvalues are lowered by this many ``n * eps * ||L||_1`` before use
DENSE_MARGIN = 64
#: eigenvalue estimates asked of ARPACK above DENSE_MAX (the thresholds come from them)
EIGENVALUES = 48
#: inertia counts (one sparse factorisation each) at most, above DENSE_MAX
THRESHOLDS = 12
#: seconds the sparse route is expected to need per needed vertex (measured about 2.5 ms on
#: the 53,248-node FFT, 2 busy cores); with less time left it does not start
SECONDS_PER_NODE = 1e-3
#: a threshold sits this relative distance below the eigenvalue estimate it stands for
GAP = 1e-5


def edge_weights(H: NeededGraph) -> np.ndarray:
    """Weight of each needed edge ``u -> v``: ``(1 + [u internal]) / outdeg(u)``.

    The edges out of one ``u`` weigh ``1 + [u internal]`` together, which is the least
    a ``u`` with a cut edge adds to the loads and stores of step 4 (one load in a later
    segment; one store in its own when internal): hence the division by the out-degree.
    """
    u = H.src
    return (1.0 + H.internal[u]) / H.outdeg[u]


def laplacian(H: NeededGraph, weights: np.ndarray) -> sp.csc_matrix:
    """The weighted Laplacian ``D - W`` of the undirected needed graph."""
    n = H.n
    W = sp.coo_matrix((weights, (H.src, H.dst)), shape=(n, n)).tocsr()
    W = W + W.T
    return (sp.diags(np.asarray(W.sum(axis=1)).ravel()) - W).tocsc()


def partition_bound(S: np.ndarray, memory: int) -> tuple[float, int]:
    """``max_k 1/2 (q S(k) + S(r)) - 2 (k - 1) M`` and its ``k`` (step 5).

    ``S[i]`` is a lower bound on the sum of the ``i`` smallest eigenvalues
    (``S[0] = 0``, nondecreasing), for ``i = 0..n``.

    Examples
    --------
    >>> import numpy as np
    >>> partition_bound(np.array([0.0, 0.0, 1.0, 3.0]), memory=0)   # n = 3
    (1.5, 3)
    """
    n = S.size - 1
    k = np.arange(1, n + 1)
    q, r = np.divmod(n, k)
    values = 0.5 * (q * S[k] + S[r]) - 2.0 * (k - 1) * float(memory)
    best = int(np.argmax(values))
    return float(values[best]), int(k[best])


def _dense_sums(L: sp.csc_matrix) -> tuple[np.ndarray, dict[str, Any]]:
    n = L.shape[0]
    lam = np.linalg.eigvalsh(L.toarray())
    norm = float(abs(L).sum(axis=0).max()) if n else 0.0
    margin = DENSE_MARGIN * n * np.finfo(float).eps * norm
    low = np.maximum(np.sort(lam) - margin, 0.0)
    S = np.concatenate([[0.0], np.cumsum(low)])
    return S, {"route": "dense", "margin": margin}


def _count_below(L: sp.csc_matrix, t: float) -> int | None:
    """Eigenvalues of ``L`` below ``t`` by Sylvester's law of inertia, or None if the
    factorisation did not keep a symmetric order (then nothing is claimed)."""
    from scipy.sparse.linalg import splu

    n = L.shape[0]
    A = (L - t * sp.identity(n, format="csc")).tocsc()
    try:
        lu = splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                  options={"SymmetricMode": True})  # fmt: skip
    except RuntimeError:  # exactly singular: t is an eigenvalue
        return None
    d = lu.U.diagonal()
    if not np.array_equal(lu.perm_r, lu.perm_c) or not np.all(np.isfinite(d)) or np.any(d == 0):
        return None
    return int(np.count_nonzero(d < 0))


def _sparse_sums(L: sp.csc_matrix, limits: Limits) -> tuple[np.ndarray, dict[str, Any], bool]:
    """Lower bounds on every ``S(k)`` from inertia counts at thresholds (the staircase);
    returns ``(S, witness, stopped)``."""
    from scipy.sparse.linalg import (
        ArpackError,
        ArpackNoConvergence,
        LinearOperator,
        eigsh,
        splu,
    )

    n = L.shape[0]
    degree = float(L.diagonal().mean())
    sigma = -1e-3 * max(degree, 1e-12)
    lu = splu((L - sigma * sp.identity(n, format="csc")).tocsc(), permc_spec="MMD_AT_PLUS_A",
              diag_pivot_thresh=0.0, options={"SymmetricMode": True})  # fmt: skip
    op = LinearOperator((n, n), matvec=lu.solve, dtype=float)
    k = min(EIGENVALUES, n - 2)
    try:
        est = eigsh(L, k=k, sigma=sigma, which="LM", OPinv=op, tol=1e-8,
                    return_eigenvectors=False)  # fmt: skip
    except ArpackNoConvergence as exc:  # the estimates only place thresholds: keep some
        est = exc.eigenvalues
    except ArpackError:  # no estimates: no thresholds, so the sums stay 0 (sound, weak)
        est = np.zeros(0)
    est = np.sort(np.asarray(est, float))
    floor = 1e-9 * max(degree, 1e-12)
    clusters = []
    for x in est:
        if x > floor and (not clusters or x > clusters[-1] * (1 + 100 * GAP)):
            clusters.append(float(x))
    if len(clusters) > THRESHOLDS:  # keep an even spread, always the largest
        pick = np.unique(np.linspace(0, len(clusters) - 1, THRESHOLDS).round().astype(int))
        clusters = [clusters[i] for i in pick]
    steps: list[tuple[float, int]] = []
    stopped = False
    for c in clusters:
        if limits.reason() is not None:
            stopped = True
            break
        t = c * (1 - GAP)
        count = _count_below(L, t)
        if count is not None and count < n:
            steps.append((t, count))
    S = np.zeros(n + 1)
    kk = np.arange(n + 1)
    prev = 0.0
    for t, count in steps:
        S += (t - prev) * np.maximum(kk - count, 0)
        prev = t
    witness = {"route": "sparse", "estimates": [float(x) for x in est],
               "thresholds": [[t, c] for t, c in steps]}  # fmt: skip
    return S, witness, stopped


def spectral_extra(
    H: NeededGraph, memory: int, limits: Limits, weights: np.ndarray | None = None
) -> tuple[int, dict[str, Any], bool]:
    """The proven bound on ``Q - trivial`` (no-recompute game), its witness, and whether
    the deadline cut the eigenvalue counts short.

    Parameters
    ----------
    H : NeededGraph
    memory : int
        M (at most the node count: a larger M is the same game).
    limits : Limits
        The deadline; checked between factorisations (a stop keeps what is counted).
    weights : numpy.ndarray, optional
        Edge weights (default :func:`edge_weights`); another choice is not a proven
        bound, it is there so that tests can plant one and see it fail.

    Returns
    -------
    extra : int
        ``max(0, ceil(max_k 1/2 (q S(k) + S(r)) - 2 (k - 1) M))``.
    witness : dict
        ``k``, the part sizes, the eigenvalue sum used, the memory term and how the
        eigenvalues were bounded (``route`` "dense" with its ``margin``; or "sparse" with
        ``thresholds`` ``[t, N(t)]`` and ARPACK's ``estimates``).
    stopped : bool

    Examples
    --------
    >>> from redblue.dags import fft_dag
    >>> from redblue.game import compile_graph
    >>> from redblue.lower.needed import needed_graph
    >>> extra, w, stopped = spectral_extra(needed_graph(compile_graph(fft_dag(64))), 3,
    ...                                    Limits())
    >>> extra, w["k"], w["route"]
    (4, 2, 'dense')
    """
    t0 = time.monotonic()
    n = H.n
    if n < 2:
        return 0, {"route": "none", "k": 1}, False
    w = edge_weights(H) if weights is None else weights
    L = laplacian(H, w)
    stopped = False
    left = limits.left()
    if n <= DENSE_MAX:
        S, witness = _dense_sums(L)
    elif left is not None and left < SECONDS_PER_NODE * n:
        # the eigensolver cannot be interrupted: do not start what cannot end in time
        S, stopped = np.zeros(n + 1), True
        witness = {"route": "none",
                   "reason": f"{left:.1f} s left, the eigensolver needs about "
                             f"{SECONDS_PER_NODE * n:.0f} s"}  # fmt: skip
    else:
        S, witness, stopped = _sparse_sums(L, limits)
    best, k = partition_bound(S, memory)
    q, r = divmod(n, k)
    # a real lower bound on an integer: round up, after a hair for summation rounding
    extra = max(0, math.ceil(best - 1e-9 * (1.0 + abs(best)))) if best > 0 else 0
    witness.update(
        k=k,
        part_sizes=[q + 1] * r + [q] * (k - r),
        eigenvalue_sum_lower={"k": float(S[k]), "r": float(S[r])},
        cut_lower=0.5 * (q * float(S[k]) + float(S[r])),
        memory_term=2 * (k - 1) * int(memory),
        formula="extra = ceil(1/2 (q S(k) + S(r)) - 2 (k - 1) M), q, r = divmod(n, k)",
        needed_vertices=n,
        seconds=round(time.monotonic() - t0, 4),
    )
    if witness["route"] == "dense" and n <= 64:
        witness["eigenvalues_lower"] = [float(x) for x in np.diff(S)]
    return extra, witness, stopped
