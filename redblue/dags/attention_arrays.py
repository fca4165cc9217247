"""The attention DAG built straight into flat arrays: no networkx, no name per node.

:func:`attention_arrays` gives what :func:`~redblue.game.compile_graph` would make of
``attention_dag(n, d, sum=shape, ...)`` (late normalisation, not stable): the same
integer ids (networkx's topological order), the same CSR predecessors in operand order
and the same input and output masks, for graphs far past what networkx can hold (the
attention DAG at ``N = 512``, ``d = 64`` has 67 million nodes). Three passes of one
compiled walk over the builder's order (:mod:`redblue.dags.attention_layout`) count the
degrees, list the successors and finally write the predecessors renumbered; in between,
Kahn's algorithm runs exactly as :func:`~redblue.dags.validate.topological_order`
(sources in builder order, then each node's successors in the order their edges were
added, which is the builder order), so the ids agree. Names are computed from the ids
on demand (:class:`~redblue.dags.attention_layout.NodeNames`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from redblue.dags._builder import (
    MAX_NODES,
    SUM_SHAPES,
    check_choice,
    check_int,
    check_node_count,
    number,
)
from redblue.dags.attention import attention_node_count
from redblue.dags.attention_layout import (
    SHAPE_CODES,
    AttentionLayout,
    NodeIndex,
    NodeNames,
    sum_template,
)
from redblue.dags.attention_masks import key_pattern
from redblue.errors import InvalidInputError

__all__ = ["AttentionArrays", "attention_arrays"]

COUNT, SUCCESSORS, PREDECESSORS = 0, 1, 2  # the three passes of the walk

# The walk's functions allocate nothing, so they run without numba's reference counting
# (``_nrt=False``): counting every array handed from one function to the next cost 20
# times the work itself. Under NUMBA_DISABLE_JIT=1 (numba's switch) they run as plain
# Python, the same walk, slowly.


@dataclass(frozen=True, eq=False)
class AttentionArrays:
    """The compiled attention DAG as arrays (see :class:`~redblue.game.CompiledGraph`).

    ``pred_ptr`` (int64), ``pred_idx`` (int32): predecessors in CSR form, operand order;
    ``is_input``, ``is_output``: masks; ``names``/``index``: id <-> name on demand.
    """

    pred_ptr: np.ndarray
    pred_idx: np.ndarray
    is_input: np.ndarray
    is_output: np.ndarray
    names: NodeNames
    index: NodeIndex

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (names included: two int32 per node)."""
        arrays = (self.pred_ptr, self.pred_idx, self.is_input, self.is_output,
                  self.names.order, self.names.rank)
        return sum(a.nbytes for a in arrays)


@njit(cache=True, nogil=True, _nrt=False)
def _emit(mode, b, p0, p1, p2, m, deg, succ_ptr, succ_idx, rank, new_ptr, new_idx):
    """Node ``b`` with the ``m`` operands ``p0, p1, p2`` (builder ids), in one pass."""
    if mode == COUNT:
        deg[b] = m
        succ_ptr[p0 + 1] += 1
        if m > 1:
            succ_ptr[p1 + 1] += 1
        if m > 2:
            succ_ptr[p2 + 1] += 1
    elif mode == SUCCESSORS:  # succ_ptr[p] is p's next free slot
        succ_idx[succ_ptr[p0]] = b
        succ_ptr[p0] += 1
        if m > 1:
            succ_idx[succ_ptr[p1]] = b
            succ_ptr[p1] += 1
        if m > 2:
            succ_idx[succ_ptr[p2]] = b
            succ_ptr[p2] += 1
    else:
        e = new_ptr[rank[b]]
        new_idx[e] = rank[p0]
        if m > 1:
            new_idx[e + 1] = rank[p1]
        if m > 2:
            new_idx[e + 2] = rank[p2]


@njit(cache=True, nogil=True, _nrt=False)
def _reduce(mode, b, k, first, tptr, tleft, tright, deg, succ_ptr, succ_idx, rank, new_ptr,
            new_idx):
    """The ``k - 1`` nodes from ``b`` on summing the terms ``first..first+k-1``."""
    s = tptr[k]
    for w in range(k - 1):
        x, y = tleft[s + w], tright[s + w]
        px = first - x - 1 if x < 0 else b + x
        py = first - y - 1 if y < 0 else b + y
        _emit(mode, b + w, px, py, 0, 2, deg, succ_ptr, succ_idx, rank, new_ptr, new_idx)


@njit(cache=True, nogil=True, _nrt=False)
def _dot(mode, b, k, fma, xb, yb, ys, keys, koff, tptr, tleft, tright, deg, succ_ptr,
         succ_idx, rank, new_ptr, new_idx):
    """The dot product of ``x_t = xb + t`` and ``y_t = yb + ys * key(t)`` from ``b``
    (``key(t) = keys[koff + t]``, or ``t`` when ``koff < 0``); returns the next free id."""
    for t in range(k):
        y = yb + ys * (t if koff < 0 else keys[koff + t])
        if t == 0 or not fma:
            _emit(mode, b + t, xb + t, y, 0, 2, deg, succ_ptr, succ_idx, rank, new_ptr,
                  new_idx)
        else:
            _emit(mode, b + t, b + t - 1, xb + t, y, 3, deg, succ_ptr, succ_idx, rank,
                  new_ptr, new_idx)
    if fma or k == 1:
        return b + k
    _reduce(mode, b + k, k, b, tptr, tleft, tright, deg, succ_ptr, succ_idx, rank, new_ptr,
            new_idx)
    return b + 2 * k - 1


@njit(cache=True, nogil=True, _nrt=False)
def _walk(mode, n, nk, d, fma, kptr, keys, tptr, tleft, tright, deg, succ_ptr, succ_idx,
          rank, new_ptr, new_idx, is_output):
    """Every non-input node of the attention DAG in builder order (see the layout)."""
    base_k, base_v = n * d, (n + nk) * d
    b = (n + 2 * nk) * d
    p_s = 1 if d == 1 else (d if fma else 2 * d - 1)
    base_s = b
    for i in range(n):  # S[i,j] = sum_t Q[i,t] K[j,t]
        for q in range(kptr[i], kptr[i + 1]):
            b = _dot(mode, b, d, fma, i * d, base_k + keys[q] * d, 1, keys, -1, tptr, tleft,
                     tright, deg, succ_ptr, succ_idx, rank, new_ptr, new_idx)
    base_ad = b
    for i in range(n):  # A[i,j] = exp(S[i,j]); D[i] = sum_j A[i,j]
        c = kptr[i + 1] - kptr[i]
        for t in range(c):
            s = base_s + (kptr[i] + t) * p_s + p_s - 1
            _emit(mode, b + t, s, 0, 0, 1, deg, succ_ptr, succ_idx, rank, new_ptr, new_idx)
        _reduce(mode, b + c, c, b, tptr, tleft, tright, deg, succ_ptr, succ_idx, rank,
                new_ptr, new_idx)
        b += 2 * c - 1
    for i in range(n):  # R[i] = 1 / D[i]; U[i,c] = sum_j A[i,j] V[j,c]; O = R U
        c = kptr[i + 1] - kptr[i]
        a0 = base_ad + 2 * kptr[i] - i
        r = b
        _emit(mode, r, a0 + 2 * c - 2, 0, 0, 1, deg, succ_ptr, succ_idx, rank, new_ptr,
              new_idx)
        b += 1
        for col in range(d):
            b = _dot(mode, b, c, fma, a0, base_v + col, d, keys, kptr[i], tptr, tleft,
                     tright, deg, succ_ptr, succ_idx, rank, new_ptr, new_idx)
            _emit(mode, b, r, b - 1, 0, 2, deg, succ_ptr, succ_idx, rank, new_ptr, new_idx)
            if mode == PREDECESSORS:
                is_output[rank[b]] = True
            b += 1
    return b


@njit(cache=True, nogil=True)
def _kahn(deg, succ_ptr, succ_idx, order):
    """networkx's topological order: sources in id order, then successors as listed."""
    n = deg.shape[0]
    remaining = deg.copy()
    tail = 0
    for v in range(n):
        if deg[v] == 0:
            order[tail] = v
            tail += 1
    head = 0
    while head < tail:
        v = order[head]
        head += 1
        for e in range(succ_ptr[v], succ_ptr[v + 1]):
            w = succ_idx[e]
            remaining[w] -= 1
            if remaining[w] == 0:
                order[tail] = w
                tail += 1
    return tail


@njit(cache=True, nogil=True, _nrt=False)
def _shift(ptr):
    """``ptr[v] = ptr[v - 1]``, ``ptr[0] = 0``, in place: after the successor pass each
    list's slot stands at the start of the next list."""
    for v in range(ptr.shape[0] - 1, 0, -1):
        ptr[v] = ptr[v - 1]
    ptr[0] = 0


@njit(cache=True, nogil=True, _nrt=False)
def _renumber(deg, order, rank, new_ptr, is_input):
    """``rank`` (inverse of ``order``), the new CSR offsets and the input mask."""
    new_ptr[0] = 0
    for k in range(order.shape[0]):
        v = order[k]
        rank[v] = k
        new_ptr[k + 1] = new_ptr[k] + deg[v]
        is_input[k] = deg[v] == 0


def _templates(layout: AttentionLayout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every summation template the walk needs, packed: ``tptr[k]`` starts ``k``'s."""
    shape = "tree" if layout.shape == "tree" else "chain"
    sizes = sorted({layout.d, *np.unique(layout.c).tolist()})
    tptr = np.zeros(max(sizes) + 2, dtype=np.int64)
    parts_l, parts_r, at = [], [], 0
    for k in sizes:
        left, right, _, _ = sum_template(k, shape)
        tptr[k] = at
        parts_l.append(left)
        parts_r.append(right)
        at += left.size
    return tptr, np.concatenate(parts_l), np.concatenate(parts_r)


def attention_arrays(
    n: int,
    d: int,
    *,
    sum: str = "tree",  # shadows the builtin, as in attention_dag
    causal: bool = False,
    n_keys: int | None = None,
    block_mask: Any = None,
    block_size: int | None = None,
    max_nodes: int | None = MAX_NODES,
) -> AttentionArrays:
    """The compiled form of ``attention_dag(n, d, sum=sum, ...)``, built as arrays.

    Equal, id for id, to ``compile_graph(attention_dag(n, d, sum=sum, causal=causal,
    n_keys=n_keys, block_mask=block_mask, block_size=block_size))`` (late normalisation,
    not stable; ``scale`` changes no structure), in O(V) time and, with chain or tree
    sums, 26 bytes a node at the peak and held (int64 offsets, two int32 operands, two
    masks, and two int32 for the names; fma sums have three operands to most nodes).

    Parameters
    ----------
    n, d : int
        Query rows and head dimension.
    sum : {"tree", "chain", "fma"}, default "tree"
    causal, n_keys, block_mask, block_size
        The key pattern, as in :func:`~redblue.dags.attention_dag`.
    max_nodes : int or None, default :data:`~redblue.dags.MAX_NODES`
        Refuse a larger graph before building it; None for no limit.

    Returns
    -------
    AttentionArrays

    Raises
    ------
    InvalidInputError
        On the parameters :func:`~redblue.dags.attention_dag` refuses, more than
        ``max_nodes`` nodes, or more than 2^31 - 1 edges (int32 operands).

    Examples
    --------
    >>> a = attention_arrays(2, 1)
    >>> a.pred_ptr.size - 1, a.names[a.pred_idx[a.pred_ptr[-2]]], a.names[-1]
    (26, 'R[1]', 'O[1,0]')
    >>> a.index["S[0,1]"], a.names[a.index["S[0,1]"]]
    (8, 'S[0,1]')

    References
    ----------
    .. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
       FlashAttention?", ICML 2024, Fig. 1 (the DAG).
    .. [2] A. B. Kahn, "Topological sorting of large networks", CACM 5(11), 1962.
    """
    n = check_int("n", n, 1)
    d = check_int("d", d, 1)
    shape = check_choice("sum", sum, SUM_SHAPES)
    pattern = key_pattern(n, n_keys=n_keys, causal=bool(causal), block_mask=block_mask,
                          block_size=block_size)
    count = attention_node_count(n, d, sum=shape, causal=bool(causal), n_keys=n_keys,
                                 block_mask=pattern.block_mask, block_size=block_size)
    check_node_count(f"attention N={number(n)}, d={number(d)}", count, max_nodes)
    layout = AttentionLayout(n, d, shape, pattern)
    assert layout.count == count, (layout.count, count)
    tptr, tleft, tright = _templates(layout)
    fma = SHAPE_CODES[shape] == 2
    none32, none64 = np.zeros(0, np.int32), np.zeros(0, np.int64)  # a pass's unused arrays
    nobool = np.zeros(0, np.bool_)
    common = (n, layout.nk, d, fma, layout.kptr, layout.keys, tptr, tleft, tright)

    deg = np.zeros(count, dtype=np.int8)
    succ_ptr = np.zeros(count + 1, dtype=np.int32)  # int32: fewer pages to touch
    _walk(COUNT, *common, deg, succ_ptr, none32, none32, none64, none32, nobool)
    edges = int(deg.sum(dtype=np.int64))
    if edges >= 2**31:
        raise InvalidInputError(f"attention N={number(n)}, d={number(d)} has {edges:,} "
                                "edges, past the int32 operand arrays")
    np.cumsum(succ_ptr, out=succ_ptr)
    succ_idx = np.empty(edges, dtype=np.int32)
    _walk(SUCCESSORS, *common, deg, succ_ptr, succ_idx, none32, none64, none32, nobool)
    _shift(succ_ptr)
    order = np.empty(count, dtype=np.int32)
    placed = _kahn(deg, succ_ptr, succ_idx, order)
    assert placed == count
    # the successor lists are done with: their memory becomes rank and the operands
    # (same sizes and types; fresh pages cost more than the passes on a busy machine)
    rank, pred_idx = succ_ptr[:count], succ_idx
    del succ_ptr, succ_idx
    pred_ptr = np.empty(count + 1, dtype=np.int64)
    is_input = np.empty(count, dtype=np.bool_)
    _renumber(deg, order, rank, pred_ptr, is_input)
    del deg
    is_output = np.zeros(count, dtype=np.bool_)
    _walk(PREDECESSORS, *common, none32.astype(np.int8), none32, none32, rank, pred_ptr,
          pred_idx, is_output)
    names = NodeNames(layout, order, rank)
    return AttentionArrays(pred_ptr, pred_idx, is_input, is_output, names, NodeIndex(names))
