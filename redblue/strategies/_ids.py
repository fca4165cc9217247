"""Integer-id tables of the attention and matmul DAGs (chain and fma summations).

The block schedules address nodes by position (row ``i``, key ``j``, column ``l``), so
they first translate the builder's node names into integer ids of the compiled graph,
once, into numpy arrays. The naming rules are those of :mod:`redblue.dags._builder`:
the partial sum after ``t + 1`` of ``k`` terms of ``X`` is ``X(0:t+1)``, the last is
``X`` itself, a chain's first partial sum is its first term, and an fma chain's first
node is ``X(0:1)`` (``X`` when ``k = 1``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from redblue.dags.attention_masks import KeyPattern, key_pattern
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph
from redblue.strategies._common import lookup, partial_name


def _dot_tables(
    graph: CompiledGraph,
    roots: list[str],
    k: int | np.ndarray,
    shape: str,
    product: Callable[[int, int], str] | None,
    lead: tuple[int, ...],
) -> tuple[np.ndarray | None, np.ndarray]:
    """(terms, partial sums) of the chain or fma sums ``roots`` with ``k`` terms each.

    Only the roots are looked up by name; the partial sums and terms are found by walking
    each chain backwards through the compiled predecessor lists, vectorised over all
    roots: a chain node ``add(acc, term)`` / ``fma(acc, x, y)`` lists its operands in
    ``args`` order (the builder adds one edge per operand in order). A sample of the
    walked ids is checked against the builder's names (``product(r, t)`` is the name of
    term ``t`` of root ``r``; None skips the terms). Returns arrays of shape ``lead + (k,)``;
    terms is None for ``"fma"``. ``k`` may be an array, one length per root (the rows
    of a masked DAG have different numbers of keys): row ``r`` then fills columns
    ``0..k[r]-1`` of a ``max(k)``-wide table padded with -1.
    """
    lengths = np.broadcast_to(np.asarray(k, dtype=np.int64), (len(roots),))
    kmax = int(lengths.max()) if len(roots) else 1
    acc = np.full((len(roots), kmax), -1, dtype=np.int32)
    acc[np.arange(len(roots)), lengths - 1] = lookup(graph, roots, (len(roots),))
    chain = shape != "fma"
    term = np.full_like(acc, -1) if chain else None
    ptr, idx = graph.pred_ptr, graph.pred_idx
    want = 2 if chain else 3
    for t in range(kmax - 1, 0, -1):
        live = np.flatnonzero(lengths > t)
        cur = acc[live, t]
        start = ptr[cur]
        if np.any(ptr[cur + 1] - start != want):
            raise InvalidInputError("the graph's summations do not have the expected shape")
        acc[live, t - 1] = idx[start]
        if chain:
            term[live, t] = idx[start + 1]
    if chain:
        term[:, 0] = acc[:, 0]
    _spot_check(graph, roots, lengths, acc, term, product)
    shaped = lead + (kmax,)
    return (None if term is None else term.reshape(shaped)), acc.reshape(shaped)


def _spot_check(graph, roots, lengths, acc, term, product) -> None:
    """Compare a few walked ids with the names the builder gives those nodes."""
    rng = np.random.default_rng(len(roots) * 31 + int(lengths.max(initial=1)))
    for r in rng.integers(0, len(roots), size=min(len(roots), 16)).tolist():
        k = int(lengths[r])
        for t in sorted({0, 1, k // 2, k - 1}):
            if t >= k:
                continue
            names = {partial_name(roots[r], t, k)} if t > 0 or term is None else set()
            if t > 0 or term is None:
                if str(graph.nodes[int(acc[r, t])]) not in names:
                    raise InvalidInputError(
                        f"the graph's node {graph.nodes[int(acc[r, t])]!r} is not "
                        f"{partial_name(roots[r], t, k)!r}: not the DAG this schedule runs on"
                    )
            if term is not None and product is not None and k > 1:
                expected = product(r, t)
                if str(graph.nodes[int(term[r, t])]) != expected:
                    raise InvalidInputError(
                        f"the graph's node {graph.nodes[int(term[r, t])]!r} is not "
                        f"{expected!r}: not the DAG this schedule runs on"
                    )


@dataclass(frozen=True)
class Pairs:
    """The query-key pairs of a (masked) attention DAG, as the schedules index them.

    ``keep[i, j]``: the pair exists; ``ii``, ``jj``: the pairs row by row, keys in
    increasing order; ``rank[i, j]``: the position of key ``j`` among row ``i``'s keys
    (-1 if absent); ``prev[i, j]``: row ``i``'s key before ``j`` (-1 for its first key or
    an absent pair); ``count``, ``first``, ``last``: keys per row, first and last key.
    """

    keep: np.ndarray
    ii: np.ndarray
    jj: np.ndarray
    rank: np.ndarray
    prev: np.ndarray
    count: np.ndarray
    first: np.ndarray
    last: np.ndarray


def pairs_of(pattern: KeyPattern) -> Pairs:
    """The :class:`Pairs` of a key pattern."""
    keep = pattern.dense()
    ii, jj = np.nonzero(keep)
    count = keep.sum(axis=1)
    rank = np.full(keep.shape, -1, dtype=np.int64)
    rank[ii, jj] = np.arange(ii.size) - np.repeat(np.cumsum(count) - count, count)
    prev = np.full(keep.shape, -1, dtype=np.int64)
    later = rank[ii, jj] > 0
    prev[ii[later], jj[later]] = jj[np.flatnonzero(later) - 1]
    first = jj[np.cumsum(count) - count]
    last = jj[np.cumsum(count) - 1]
    return Pairs(keep, ii, jj, rank, prev, count, first, last)


def _scatter(pairs: Pairs, table: np.ndarray, d: int | None) -> np.ndarray:
    """Ragged chain tables (one row per query row, or per (row, column) when ``d``) in
    chain position order, scattered to ``[i, j]`` (or ``[i, j, l]``) key indexing."""
    n, nk = pairs.keep.shape
    ii, jj, t = pairs.ii, pairs.jj, pairs.rank[pairs.ii, pairs.jj]
    if d is None:
        out = np.full((n, nk), -1, dtype=np.int32)
        out[ii, jj] = table[ii, t]
        return out
    out = np.full((n, nk, d), -1, dtype=np.int32)
    cols = np.arange(d)
    out[ii[:, None], jj[:, None], cols] = table[ii[:, None] * d + cols, t[:, None]]
    return out


@dataclass(frozen=True)
class AttentionIds:
    """Integer ids of the nodes of ``attention_dag(n, d, sum=shape, normalize=...)``.

    ``s_term[i, j, l]``/``s_acc[i, j, l]``: products and partial sums of ``S[i,j]``
    (``s_acc[i, j, d-1]`` is ``S[i,j]``); ``d_acc[i, j]``: the row sum of ``A[i, :j+1]``;
    ``u_term``/``u_acc[i, j, l]``: the products ``A[i,j] V[j,l]`` and the partial sums
    of ``U[i,l]`` (late) or, for ``normalize="early"``, the products ``P[i,j] V[j,l]``
    and partial sums of ``O[i,l]``. ``s_term``/``u_term`` are None for ``"fma"``.
    On a masked DAG (``pairs``), ``[i, j]`` entries exist for kept pairs only (-1
    elsewhere) and the running sums after key ``j`` are those after row ``i``'s keys
    up to ``j``; ``pairs.prev[i, j]`` is the key before.
    """

    n: int
    d: int
    shape: str
    normalize: str
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    s_term: np.ndarray | None
    s_acc: np.ndarray
    A: np.ndarray
    d_acc: np.ndarray
    u_term: np.ndarray | None
    u_acc: np.ndarray
    R: np.ndarray | None  # late only
    out: np.ndarray
    P: np.ndarray | None  # early only
    pairs: Pairs


def _same(name: str) -> str:
    return name


def _inputs(graph: CompiledGraph, n: int, nk: int, d: int,
            rename: Callable[[str], str] = _same) -> list[np.ndarray]:
    return [lookup(graph, [rename(f"{x}[{r},{c}]") for r in range(rows) for c in range(d)],
                   (rows, d))
            for x, rows in (("Q", n), ("K", nk), ("V", nk))]  # fmt: skip


def _pair_table(graph: CompiledGraph, pairs: Pairs, fmt: str,
                rename: Callable[[str], str] = _same) -> np.ndarray:
    """Ids of the per-pair nodes ``fmt.format(i, j)``, -1 for absent pairs."""
    out = np.full(pairs.keep.shape, -1, dtype=np.int32)
    out[pairs.ii, pairs.jj] = lookup(
        graph, [rename(fmt.format(i, j)) for i, j in
                zip(pairs.ii.tolist(), pairs.jj.tolist(), strict=True)], (pairs.ii.size,))
    return out


def _score_tables(graph: CompiledGraph, pairs: Pairs, d: int, shape: str,
                  rename: Callable[[str], str] = _same):
    """``s_term``, ``s_acc`` indexed ``[i, j, l]`` (-1 for absent pairs)."""
    ii, jj = pairs.ii.tolist(), pairs.jj.tolist()
    term, acc = _dot_tables(graph, [rename(f"S[{i},{j}]") for i, j in zip(ii, jj, strict=True)],
                            d, shape, lambda r, t: rename(f"QK[{ii[r]},{jj[r]},{t}]"),
                            (len(ii),))
    shaped = pairs.keep.shape + (d,)
    s_acc = np.full(shaped, -1, dtype=np.int32)
    s_acc[pairs.ii, pairs.jj] = acc
    if term is None:
        return None, s_acc
    s_term = np.full(shaped, -1, dtype=np.int32)
    s_term[pairs.ii, pairs.jj] = term
    return s_term, s_acc


def _pattern(n: int, pattern: KeyPattern | None) -> KeyPattern:
    return key_pattern(n) if pattern is None else pattern


def attention_ids(
    graph: CompiledGraph, n: int, d: int, shape: str, normalize: str = "late",
    pattern: KeyPattern | None = None, rename: Callable[[str], str] = _same,
) -> AttentionIds:
    """Id tables of the (non-stable) attention DAG; see :class:`AttentionIds`.

    ``pattern``: the DAG's query-key pairs (None: all ``n x n``); ``rename``: maps the
    single-head node names to the graph's (one head of a multi-head graph)."""
    pattern = _pattern(n, pattern)
    pairs = pairs_of(pattern)
    rows = range(n)
    Q, K, V = _inputs(graph, n, pattern.n_keys, d, rename)
    s_term, s_acc = _score_tables(graph, pairs, d, shape, rename)
    A = _pair_table(graph, pairs, "A[{},{}]", rename)
    # a row with one key has no D node: its row sum is A[i,j] itself
    d_roots = [rename(f"D[{i}]" if k > 1 else f"A[{i},{j}]")
               for i, k, j in zip(rows, pairs.count.tolist(), pairs.first.tolist(), strict=True)]
    _, d_rag = _dot_tables(graph, d_roots, pairs.count, "chain", None, (n,))
    d_acc = _scatter(pairs, d_rag, None)
    late = normalize == "late"
    u_roots = [rename(f"{'U' if late else 'O'}[{i},{c}]") for i in rows for c in range(d)]
    prod = "AV" if late else "PV"
    keys = [ks.tolist() for ks in np.split(pairs.jj, np.cumsum(pairs.count)[:-1])]
    u_term, u_acc = _dot_tables(
        graph, u_roots, np.repeat(pairs.count, d), shape,
        lambda r, t: rename(f"{prod}[{r // d},{keys[r // d][t]},{r % d}]"), (n * d,))
    u_acc = _scatter(pairs, u_acc, d)
    if u_term is not None:
        u_term = _scatter(pairs, u_term, d)
    out = lookup(graph, [rename(f"O[{i},{c}]") for i in rows for c in range(d)], (n, d))
    R = P = None
    if normalize == "late":
        R = lookup(graph, [rename(f"R[{i}]") for i in rows], (n,))
    else:
        P = _pair_table(graph, pairs, "P[{},{}]", rename)
    return AttentionIds(n, d, shape, normalize, Q, K, V, s_term, s_acc, A, d_acc, u_term,
                        u_acc, R, out, P, pairs)


@dataclass(frozen=True)
class MatmulIds:
    """Integer ids of ``matmul_dag(m, k, n, sum=shape)``: ``A[i,p]``, ``B[p,j]``, and
    ``term``/``acc[i, j, p]``, the products and partial sums of ``C[i,j]``."""

    A: np.ndarray
    B: np.ndarray
    term: np.ndarray | None
    acc: np.ndarray


def matmul_ids(graph: CompiledGraph, m: int, k: int, n: int, shape: str) -> MatmulIds:
    """Id tables of :func:`redblue.dags.matmul_dag`; see :class:`MatmulIds`."""
    A = lookup(graph, [f"A[{i},{p}]" for i in range(m) for p in range(k)], (m, k))
    B = lookup(graph, [f"B[{p},{j}]" for p in range(k) for j in range(n)], (k, n))
    roots = [f"C[{i},{j}]" for i in range(m) for j in range(n)]
    term, acc = _dot_tables(graph, roots, k, shape,
                            lambda r, p: f"AB[{r // n},{r % n},{p}]", (m, n))
    return MatmulIds(A, B, term, acc)


@dataclass(frozen=True)
class OnlineIds:
    """Integer ids of ``attention_dag(n, d, sum=shape, stable=True, online=True)``.

    Indexed ``[i, j]`` or ``[i, j, l]``; running values after key ``j``: ``m_acc``
    (maximum; ``S[i,j]`` at the row's first key), ``d_acc`` (row sum; ``A[i,j]`` at the
    first key), ``u_acc`` (``U[i,l]`` partial sums). ``dm``, ``c`` and ``W`` exist after
    the first key only (-1 elsewhere, and for absent pairs of a masked DAG).
    """

    n: int
    d: int
    shape: str
    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    s_term: np.ndarray | None
    s_acc: np.ndarray
    T: np.ndarray
    A: np.ndarray
    m_acc: np.ndarray
    dm: np.ndarray
    c: np.ndarray
    d_acc: np.ndarray
    W: np.ndarray
    u_acc: np.ndarray
    R: np.ndarray
    out: np.ndarray
    pairs: Pairs


def online_ids(graph: CompiledGraph, n: int, d: int, shape: str,
               pattern: KeyPattern | None = None,
               rename: Callable[[str], str] = _same) -> OnlineIds:
    """Id tables of the online-softmax attention DAG; see :class:`OnlineIds`.
    ``rename``: maps the single-head node names to the graph's (one head of a multi-head
    graph)."""
    pattern = _pattern(n, pattern)
    pairs = pairs_of(pattern)
    rows = range(n)
    Q, K, V = _inputs(graph, n, pattern.n_keys, d, rename)
    s_term, s_acc = _score_tables(graph, pairs, d, shape, rename)
    T = _pair_table(graph, pairs, "T[{},{}]", rename)
    A = _pair_table(graph, pairs, "A[{},{}]", rename)
    ii, jj = pairs.ii, pairs.jj
    t = pairs.rank[ii, jj]
    k = pairs.count[ii]
    later = t > 0
    li, lj, lt, lk = ii[later].tolist(), jj[later].tolist(), t[later].tolist(), k[later].tolist()

    def running(name: str, at_first: np.ndarray) -> np.ndarray:
        out = at_first.copy()
        out[ii[later], jj[later]] = lookup(
            graph, [rename(partial_name(name.format(i), r, q))
                    for i, r, q in zip(li, lt, lk, strict=True)],
            (len(li),))
        return out

    def later_table(fmt: str) -> np.ndarray:
        out = np.full(pairs.keep.shape, -1, dtype=np.int32)
        names = [rename(fmt.format(i, j)) for i, j in zip(li, lj, strict=True)]
        out[ii[later], jj[later]] = lookup(graph, names, (len(li),))
        return out

    m_acc = running("m[{}]", np.where(t_first := (pairs.rank == 0), s_acc[:, :, -1], -1))
    d_acc = running("D[{}]", np.where(t_first, A, -1))
    dm, c = later_table("dm[{},{}]"), later_table("c[{},{}]")
    W = np.full(pairs.keep.shape + (d,), -1, np.int32)
    W[ii[later], jj[later]] = lookup(
        graph, [rename(f"W[{i},{j},{col}]") for i, j in zip(li, lj, strict=True)
                for col in range(d)],
        (len(li), d))
    u_acc = np.full(pairs.keep.shape + (d,), -1, np.int32)
    u_acc[ii, jj] = lookup(
        graph, [rename(partial_name(f"U[{i},{col}]", r, q)) for i, r, q in
                zip(ii.tolist(), t.tolist(), k.tolist(), strict=True) for col in range(d)],
        (ii.size, d))
    R = lookup(graph, [rename(f"R[{i}]") for i in rows], (n,))
    out = lookup(graph, [rename(f"O[{i},{col}]") for i in rows for col in range(d)], (n, d))
    return OnlineIds(n, d, shape, Q, K, V, s_term, s_acc, T, A, m_acc.astype(np.int32), dm, c,
                     d_acc.astype(np.int32), W, u_acc, R, out, pairs)


@dataclass(frozen=True)
class SplitDecodeIds:
    """Integer ids of :func:`~redblue.dags.attention_decode.split_decode_dag`.

    ``online``: an :class:`OnlineIds` of the chunk phase (running values within a chunk;
    ``pairs.prev`` is -1 at each chunk's first key), so the FlashAttention pair moves run
    on it unchanged. Reduction, indexed ``[i, c]`` / ``[i, c, l]``: ``m``, ``D``, ``U``
    the chunks' partial results, ``M[i, t]`` the running maximum over chunks ``0..t``
    (column 0 is ``m[i, 0]``), ``x``, ``e``, and the running sums ``L``, ``Y``; then
    ``R[i]``, ``out[i, l]``.
    """

    chunks: list
    online: OnlineIds
    m: np.ndarray
    D: np.ndarray
    U: np.ndarray
    M: np.ndarray
    x: np.ndarray
    e: np.ndarray
    L: np.ndarray
    Y: np.ndarray
    R: np.ndarray
    out: np.ndarray


def split_decode_ids(graph: CompiledGraph, n: int, d: int, n_keys: int, chunks: list,
                     shape: str) -> SplitDecodeIds:
    """Id tables of the split-K decoding DAG with key ``chunks`` (a list of ranges)."""
    pattern = key_pattern(n, n_keys=n_keys)
    full = pairs_of(pattern)
    Q, K, V = _inputs(graph, n, n_keys, d)
    s_term, s_acc = _score_tables(graph, full, d, shape)
    T = _pair_table(graph, full, "T[{},{}]")
    A = _pair_table(graph, full, "A[{},{}]")
    where = np.empty(n_keys, dtype=np.int64)  # chunk of each key
    pos = np.empty(n_keys, dtype=np.int64)  # position in its chunk
    size = np.empty(n_keys, dtype=np.int64)  # its chunk's length
    for c, keys in enumerate(chunks):
        where[keys.start:keys.stop], size[keys.start:keys.stop] = c, len(keys)
        pos[keys.start:keys.stop] = np.arange(len(keys))
    prev = np.broadcast_to(np.where(pos > 0, np.arange(n_keys) - 1, -1), (n, n_keys)).copy()
    pairs = Pairs(full.keep, full.ii, full.jj, np.broadcast_to(pos, (n, n_keys)).copy(), prev,
                  full.count, full.first, full.last)
    rows = range(n)

    def run(fmt: str, first: str) -> np.ndarray:
        """The running value after key ``j``: the ``first`` node at a chunk's first key."""
        return lookup(graph, [first.format(i=i, j=j) if pos[j] == 0 else
                              _chunk_name(fmt.format(i=i, c=where[j]), pos[j], size[j])
                              for i in rows for j in range(n_keys)], (n, n_keys))

    m_acc = run("m[{i},{c}]", "S[{i},{j}]")
    d_acc = run("D[{i},{c}]", "A[{i},{j}]")
    u_acc = lookup(graph, [_chunk_name(f"U[{i},{where[j]},{col}]", pos[j], size[j])
                           for i in rows for j in range(n_keys) for col in range(d)],
                   (n, n_keys, d))
    later = [(i, j) for i in rows for j in range(n_keys) if pos[j] > 0]
    dm = np.full((n, n_keys), -1, np.int32)
    cc = np.full((n, n_keys), -1, np.int32)
    W = np.full((n, n_keys, d), -1, np.int32)
    if later:
        li, lj = (np.array(v) for v in zip(*later, strict=True))
        dm[li, lj] = lookup(graph, [f"dm[{i},{j}]" for i, j in later], (len(later),))
        cc[li, lj] = lookup(graph, [f"c[{i},{j}]" for i, j in later], (len(later),))
        W[li, lj] = lookup(graph, [f"W[{i},{j},{col}]" for i, j in later for col in range(d)],
                           (len(later), d))
    R = lookup(graph, [f"R[{i}]" for i in rows], (n,))
    out = lookup(graph, [f"O[{i},{col}]" for i in rows for col in range(d)], (n, d))
    online = OnlineIds(n, d, shape, Q, K, V, s_term, s_acc, T, A, m_acc, dm, cc, d_acc, W,
                       u_acc, R, out, pairs)
    ends = np.array([keys.stop - 1 for keys in chunks])
    k = len(chunks)
    M = np.concatenate([m_acc[:, ends[:1]], lookup(
        graph, [_chunk_name(f"M[{i}]", t, k) for i in rows for t in range(1, k)],
        (n, k - 1))], axis=1)
    x = lookup(graph, [f"x[{i},{c}]" for i in rows for c in range(k)], (n, k))
    e = lookup(graph, [f"e[{i},{c}]" for i in rows for c in range(k)], (n, k))
    L = lookup(graph, [_chunk_name(f"L[{i}]", c, k) for i in rows for c in range(k)], (n, k))
    Y = lookup(graph, [_chunk_name(f"Y[{i},{col}]", c, k) for i in rows for c in range(k)
                       for col in range(d)], (n, k, d))
    return SplitDecodeIds(chunks, online, m_acc[:, ends], d_acc[:, ends], u_acc[:, ends], M,
                          x, e, L, Y, R, out)


def _chunk_name(root: str, t: int, k: int) -> str:
    """The running value after ``t + 1`` of ``k`` steps (``t = 0`` included)."""
    return root if t == k - 1 else f"{root}(0:{t + 1})"
