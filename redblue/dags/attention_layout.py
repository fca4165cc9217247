"""Where each node of :func:`~redblue.dags.attention_dag` is created, as arithmetic.

The builder adds the nodes of the (late-normalised, not stable) attention DAG in a fixed
order: the inputs ``Q``, ``K``, ``V``; the dot products ``S[i,j]`` pair by pair; row by
row ``A[i,:]`` and the row sum ``D[i]``; row by row ``R[i]`` and, column by column, the
sum ``U[i,c]`` and ``O[i,c]``. Every block has a size known from ``N``, ``d``, the
summation shape and the keys of each row, so the position of a node in that order (its
*builder id*) and its name are computed from each other without building anything.
:class:`AttentionLayout` holds that arithmetic; :class:`NodeNames` and
:class:`NodeIndex` turn it into the ``nodes`` / ``index`` of a compiled graph of tens of
millions of nodes with no string held per node (:mod:`redblue.dags.attention_arrays`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

import numpy as np

from redblue.dags.attention_masks import KeyPattern

__all__ = ["AttentionLayout", "NodeIndex", "NodeNames", "sum_template"]

#: Summation shapes as the compiled builder numbers them.
SHAPE_CODES = {"tree": 0, "chain": 1, "fma": 2}

_NAME = re.compile(r"([A-Z]+)\[(\d+(?:,\d+){0,2})\](?:\((\d+):(\d+)\))?")


@lru_cache(maxsize=4096)
def sum_template(k: int, shape: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``k - 1`` binary nodes of a summation of ``k`` terms, in creation order.

    Returns ``(left, right, lo, hi)``: node ``w`` adds ``left[w]`` and ``right[w]`` (a
    value ``>= 0`` is an earlier node of the template, ``-t - 1`` is term ``t``) and holds
    the terms ``lo[w]..hi[w]-1``, as :func:`redblue.dags._builder.reduce_terms` builds them
    (``"tree"``: post-order of the balanced split at ``(a + b) // 2``; otherwise a chain).

    Examples
    --------
    >>> [a.tolist() for a in sum_template(3, "tree")]
    [[-2, -1], [-3, 0], [1, 0], [3, 3]]
    >>> [a.tolist() for a in sum_template(3, "chain")]
    [[-1, 0], [-2, -3], [0, 0], [2, 3]]
    """
    if shape != "tree":
        w = np.arange(max(k - 1, 0))
        return (np.where(w == 0, -1, w - 1), -(w + 2), np.zeros_like(w), w + 2)
    left: list[int] = []
    right: list[int] = []
    lo: list[int] = []
    hi: list[int] = []

    def build(a: int, b: int) -> int:
        if b - a == 1:
            return -a - 1
        mid = (a + b) // 2
        x, y = build(a, mid), build(mid, b)
        left.append(x)
        right.append(y)
        lo.append(a)
        hi.append(b)
        return len(left) - 1

    build(0, k)
    return tuple(np.array(v, dtype=np.int64) for v in (left, right, lo, hi))


class AttentionLayout:
    """The builder order of ``attention_dag(n, d, sum=shape)`` on a key pattern.

    Parameters
    ----------
    n, d : int
        Query rows and head dimension.
    shape : {"tree", "chain", "fma"}
        The summation shape.
    pattern : KeyPattern
        The query-key pairs (all ``n x n``, causal, block mask, KV cache).

    Attributes
    ----------
    kptr, keys : numpy.ndarray
        The keys of row ``i``, ascending: ``keys[kptr[i]:kptr[i + 1]]`` (int64).
    count : int
        The number of nodes.
    """

    def __init__(self, n: int, d: int, shape: str, pattern: KeyPattern) -> None:
        self.n, self.d, self.shape, self.nk = n, d, shape, pattern.n_keys
        keep = pattern.dense()
        c = keep.sum(axis=1).astype(np.int64)
        self.c = c
        self.kptr = np.concatenate([[0], np.cumsum(c)]).astype(np.int64)
        self.keys = np.nonzero(keep)[1].astype(np.int64)
        pairs = int(self.kptr[-1])
        fma = shape == "fma"
        self.p_s = 1 if d == 1 else (d if fma else 2 * d - 1)  # nodes of one S[i,j]
        self.p_u = np.where(c == 1, 1, c if fma else 2 * c - 1)  # nodes of one U[i,c]
        self.base_s = (n + 2 * self.nk) * d
        self.base_ad = self.base_s + pairs * self.p_s
        self.ad_start = self.base_ad + 2 * self.kptr - np.arange(n + 1)  # A[i,:], D[i]
        self.base_ro = int(self.ad_start[-1])
        self.ro_start = self.base_ro + np.concatenate(
            [[0], np.cumsum(1 + d * (self.p_u + 1))]).astype(np.int64)  # R[i], U[i,:], O[i,:]
        self.count = int(self.ro_start[-1])
        self._spans: dict[int, dict[tuple[int, int], int]] = {}

    # -- builder id -> name ------------------------------------------------------------

    def _partial(self, root: str, k: int, w: int) -> str:
        """Name of node ``w`` of the binary summation of ``k`` terms into ``root``."""
        _, _, lo, hi = sum_template(k, "tree" if self.shape == "tree" else "chain")
        a, b = int(lo[w]), int(hi[w])
        return root if (a, b) == (0, k) else f"{root}({a}:{b})"

    def _dot(self, root: str, k: int, u: int, product: str) -> str:
        """Node ``u`` of the dot product of ``k`` terms into ``root``."""
        if k == 1:
            return root
        if self.shape == "fma":
            return root if u == k - 1 else f"{root}(0:{u + 1})"
        return product if u < k else self._partial(root, k, u - k)

    def name(self, b: int) -> str:
        """The name of builder id ``b``."""
        d = self.d
        if b < self.base_s:
            tensor, r = divmod(b, d)
            for x, rows in (("Q", self.n), ("K", self.nk), ("V", self.nk)):
                if tensor < rows:
                    return f"{x}[{tensor},{r}]"
                tensor -= rows
        if b < self.base_ad:
            q, u = divmod(b - self.base_s, self.p_s)
            i = int(np.searchsorted(self.kptr, q, side="right")) - 1
            j = int(self.keys[q])
            return self._dot(f"S[{i},{j}]", d, u, f"QK[{i},{j},{u}]")
        if b < self.base_ro:
            i = int(np.searchsorted(self.ad_start, b, side="right")) - 1
            t, c = b - int(self.ad_start[i]), int(self.c[i])
            if t < c:
                return f"A[{i},{int(self.keys[self.kptr[i] + t])}]"
            return self._partial(f"D[{i}]", c, t - c)
        i = int(np.searchsorted(self.ro_start, b, side="right")) - 1
        t = b - int(self.ro_start[i])
        if t == 0:
            return f"R[{i}]"
        c, p = int(self.c[i]), int(self.p_u[i])
        col, u = divmod(t - 1, p + 1)
        if u == p:
            return f"O[{i},{col}]"
        key = int(self.keys[self.kptr[i] + u]) if u < c else -1
        return self._dot(f"U[{i},{col}]", c, u, f"AV[{i},{key},{col}]")

    # -- name -> builder id ------------------------------------------------------------

    def _pair(self, i: int, j: int) -> int:
        """The index of pair ``(i, j)`` among all pairs, or -1."""
        if not (0 <= i < self.n):
            return -1
        lo, hi = int(self.kptr[i]), int(self.kptr[i + 1])
        t = lo + int(np.searchsorted(self.keys[lo:hi], j))
        return t if t < hi and int(self.keys[t]) == j else -1

    def _span(self, k: int, a: int, b: int) -> int:
        """The template node holding terms ``a..b-1`` of ``k``, or -1."""
        if self.shape != "tree":
            return b - 2 if a == 0 and 2 <= b <= k else -1
        spans = self._spans.get(k)
        if spans is None:
            _, _, lo, hi = sum_template(k, "tree")
            spans = self._spans[k] = {(int(x), int(y)): w for w, (x, y) in
                                      enumerate(zip(lo.tolist(), hi.tolist(), strict=True))}
        return spans.get((a, b), -1)

    def _dot_pos(self, k: int, span: tuple[int, int] | None) -> int:
        """Position in a dot product of ``k`` terms of its root or partial ``span``."""
        if span is None:
            return (1 if k == 1 else k if self.shape == "fma" else 2 * k - 1) - 1
        if k == 1 or span[0] != 0 and self.shape == "fma":
            return -1
        if self.shape == "fma":
            return span[1] - 1 if 1 <= span[1] < k else -1
        w = self._span(k, *span)
        return -1 if w < 0 else k + w

    def builder_id(self, name: object) -> int:
        """The builder id of the node called ``name``, or -1 if there is none."""
        m = _NAME.fullmatch(name) if isinstance(name, str) else None
        if m is None:
            return -1
        x, idx = m.group(1), [int(v) for v in m.group(2).split(",")]
        span = None if m.group(3) is None else (int(m.group(3)), int(m.group(4)))
        b = self._locate(x, idx, span)
        # the arithmetic above accepts e.g. "Q[01,0]": only the canonical name is the node
        return b if 0 <= b < self.count and self.name(b) == name else -1

    def _locate(self, x: str, idx: list[int], span: tuple[int, int] | None) -> int:
        n, d = self.n, self.d
        if x in ("Q", "K", "V") and len(idx) == 2 and span is None:
            r, c = idx
            rows = n if x == "Q" else self.nk
            base = {"Q": 0, "K": n * d, "V": (n + self.nk) * d}[x]
            return base + r * d + c if r < rows and c < d else -1
        if x in ("S", "QK") and len(idx) == (2 if x == "S" else 3):
            q = self._pair(idx[0], idx[1])
            if q < 0:
                return -1
            u = self._dot_pos(d, span) if x == "S" else (idx[2] if span is None else -1)
            return -1 if u < 0 else self.base_s + q * self.p_s + u
        i = idx[0]
        if not (0 <= i < n):
            return -1
        c = int(self.c[i])
        if x == "A" and len(idx) == 2 and span is None:
            q = self._pair(i, idx[1])
            return -1 if q < 0 else int(self.ad_start[i]) + q - int(self.kptr[i])
        if x == "D" and len(idx) == 1:
            w = c - 2 if span is None else self._span(c, *span)
            return -1 if w < 0 else int(self.ad_start[i]) + c + w
        if x == "R" and len(idx) == 1 and span is None:
            return int(self.ro_start[i])
        if x in ("U", "O", "AV") and len(idx) == (3 if x == "AV" else 2):
            col = idx[-1]
            if not (0 <= col < d):
                return -1
            p = int(self.p_u[i])
            start = int(self.ro_start[i]) + 1 + col * (p + 1)
            if x == "O":
                return start + p if span is None else -1
            if x == "U":
                u = self._dot_pos(c, span)
                return -1 if u < 0 else start + u
            q = self._pair(i, idx[1])
            return start + q - int(self.kptr[i]) if q >= 0 and c > 1 and span is None \
                and self.shape != "fma" else -1
        return -1


class NodeNames(Sequence):
    """``nodes`` of a compiled attention graph: integer id -> name, computed on demand.

    ``order[k]`` is the builder id of integer id ``k``; the name is the layout's.
    """

    def __init__(self, layout: AttentionLayout, order: np.ndarray, rank: np.ndarray) -> None:
        self.layout, self.order, self.rank = layout, order, rank

    def __len__(self) -> int:
        return int(self.order.shape[0])

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[v] for v in range(*k.indices(len(self)))]
        k = int(k)
        if k < 0:
            k += len(self)
        if not (0 <= k < len(self)):
            raise IndexError(k)
        return self.layout.name(int(self.order[k]))

    def index(self, name, start: int = 0, stop: int | None = None) -> int:  # type: ignore[override]
        b = self.layout.builder_id(name)
        if b < 0:
            raise ValueError(f"{name!r} is not a node")
        return int(self.rank[b])

    def __contains__(self, name: object) -> bool:
        return self.layout.builder_id(name) >= 0

    def __iter__(self) -> Iterator[str]:
        name, order = self.layout.name, self.order
        return (name(int(b)) for b in order)

    def __repr__(self) -> str:
        return f"<NodeNames of {len(self):,} attention nodes>"


class NodeIndex(Mapping):
    """``index`` of a compiled attention graph: name -> integer id, computed on demand."""

    def __init__(self, names: NodeNames) -> None:
        self.names = names

    def __getitem__(self, name):
        b = self.names.layout.builder_id(name)
        if b < 0:
            raise KeyError(name)
        return int(self.names.rank[b])

    def __contains__(self, name: object) -> bool:
        return self.names.layout.builder_id(name) >= 0

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __repr__(self) -> str:
        return f"<NodeIndex of {len(self):,} attention nodes>"
