"""Which keys each query row of attention sees: full, causal, block-sparse, decode.

A :class:`KeyPattern` is the boolean ``N_q x N_k`` matrix of the query-key pairs the
attention DAG has a score for: all of them (the paper's graph), the lower triangle
(``causal``), the pairs whose (query block, key block) is set in a block mask
(block-sparse attention, Dao et al. 2022, Sec. 3.3), or any of these with ``N_q`` query
rows against ``N_k`` cached keys (decoding with a KV cache). Row ``i`` sees the keys
``j`` with ``pattern[i, j]``, in increasing order; a row that sees no key is refused
(``softmax`` of an empty row is 0/0, and the DAG would have no node for ``O[i,:]``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from redblue.dags._builder import check_int
from redblue.errors import InvalidInputError

__all__ = ["KeyPattern", "key_pattern", "parse_block_mask"]

#: The largest ``N_q x N_k`` pattern held as a dense boolean array (64 MB); the masked
#: counters and builders refuse larger ones (the unmasked counters need no pattern).
MAX_PATTERN = 1 << 26

#: The largest block mask accepted (entries).
MAX_MASK = 1 << 22

#: The most query rows of a masked pattern counted block by block (one number per row).
MAX_ROWS = 1 << 24


@dataclass(frozen=True, eq=False)
class KeyPattern:
    """The query-key pairs of an attention DAG (see :func:`key_pattern`).

    Attributes
    ----------
    n, n_keys : int
        Query rows ``N_q`` and keys ``N_k``.
    causal : bool
        Row ``i`` sees only keys ``j <= i``.
    block_mask : numpy.ndarray or None
        Boolean ``ceil(N_q / B) x ceil(N_k / B)``: block ``(a, b)`` of ``B x B`` pairs kept.
    block_size : int or None
        ``B``.
    """

    n: int
    n_keys: int
    causal: bool = False
    block_mask: np.ndarray | None = None
    block_size: int | None = None

    @property
    def full(self) -> bool:
        """True when every row sees every key (the paper's graph)."""
        return not self.causal and (self.block_mask is None or bool(self.block_mask.all()))

    def dense(self) -> np.ndarray:
        """The boolean ``N_q x N_k`` matrix (refused above :data:`MAX_PATTERN` entries)."""
        if self.n * self.n_keys > MAX_PATTERN:
            raise InvalidInputError(
                f"a masked attention pattern of {self.n:,} x {self.n_keys:,} pairs is too "
                f"large to count pair by pair (limit {MAX_PATTERN:,} pairs)"
            )
        keep = np.ones((self.n, self.n_keys), dtype=bool)
        if self.block_mask is not None:
            b = self.block_size
            keep &= np.repeat(np.repeat(self.block_mask, b, 0), b, 1)[: self.n, : self.n_keys]
        if self.causal:
            keep &= np.tri(self.n, self.n_keys, dtype=bool)
        return keep

    def pairs(self) -> int:
        """The number ``C`` of query-key pairs (closed form when unmasked or causal)."""
        if self.block_mask is None:
            n, k = self.n, self.n_keys
            return n * (n + 1) // 2 if self.causal else n * k
        return int(self.row_counts().sum())

    def row_counts(self) -> np.ndarray:
        """The keys each query row sees (int64, length ``N_q``), block by block: a row of
        mask row ``r`` sees the kept key blocks whole, and under ``causal`` the diagonal
        block up to itself. O(N_q + mask entries), no pair-by-pair matrix.

        Raises
        ------
        InvalidInputError
            Above :data:`MAX_ROWS` query rows with a block mask.

        Examples
        --------
        >>> key_pattern(5, block_mask="1,0,0;1,1,0;0,1,1", block_size=2,
        ...             causal=True).row_counts().tolist()
        [1, 2, 3, 4, 3]
        """
        n, nk, i = self.n, self.n_keys, np.arange(self.n, dtype=np.int64)
        if self.block_mask is None:
            return i + 1 if self.causal else np.full(n, nk, dtype=np.int64)
        if n > MAX_ROWS:
            raise InvalidInputError(f"a block-masked pattern of {n:,} query rows is too large "
                                    f"to count row by row (limit {MAX_ROWS:,} rows)")
        b, mask = self.block_size, self.block_mask
        lo = np.arange(mask.shape[1], dtype=np.int64) * b
        kept = mask * (np.minimum(lo + b, nk) - lo)  # keys of each kept block
        r = i // b
        if not self.causal:
            return kept.sum(axis=1)[r]
        before = np.cumsum(kept, axis=1) - kept  # kept keys of blocks left of each block
        return before[r, r] + mask[r, r] * (i - r * b + 1)

    def keys(self, i: int) -> range | np.ndarray:
        """The keys row ``i`` sees, in increasing order."""
        if self.block_mask is None:
            return range(i + 1) if self.causal else range(self.n_keys)
        return np.flatnonzero(self.dense()[i])

    def describe(self) -> str:
        """A short text for graph names and messages."""
        parts = []
        if self.n_keys != self.n:
            parts.append(f"n_keys={self.n_keys}")
        if self.block_mask is not None:
            rows = ";".join(",".join("1" if v else "0" for v in r) for r in self.block_mask)
            parts.append(f"block_mask={rows!r}, block_size={self.block_size}")
        return ", ".join(parts)


def parse_block_mask(text: Any) -> np.ndarray:
    """A block mask from text: JSON rows of 0/1 (``"[[1,0],[1,1]]"``) or ``"1,0;1,1"``.

    Rows are separated by ``;`` (or newlines), entries by ``,``. Parsed, never evaluated.

    Parameters
    ----------
    text : str

    Returns
    -------
    numpy.ndarray
        A 2-D boolean array.

    Raises
    ------
    InvalidInputError
        If the text is not rows of 0/1 of equal length, or has more than 4M entries.

    Examples
    --------
    >>> parse_block_mask("1,0;1,1").astype(int).tolist()
    [[1, 0], [1, 1]]
    >>> parse_block_mask("[[1, 1]]").tolist()
    [[True, True]]
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"a block mask must be text, got {type(text).__name__}")
    body = text.strip()
    if len(body) > 4 * MAX_MASK:
        raise InvalidInputError("block mask text too long")
    if body.startswith("["):
        try:
            rows = json.loads(body)
        except ValueError as exc:
            raise InvalidInputError(f"block mask is not valid JSON: {exc}") from None
    else:
        rows = [[c.strip() for c in r.split(",")] for r in body.replace("\n", ";").split(";")
                if r.strip()]
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise InvalidInputError("block mask must be a non-empty list of rows of 0/1")
    out = []
    for r in rows:
        row = []
        for v in r:
            if v in (0, 1, "0", "1") and not isinstance(v, (bool, float)):
                row.append(int(v) == 1)
            else:
                raise InvalidInputError(f"block mask entries must be 0 or 1, got {v!r}")
        out.append(row)
    if len({len(r) for r in out}) != 1 or not out[0]:
        raise InvalidInputError("block mask rows must be non-empty and of equal length")
    return np.array(out, dtype=bool)


def key_pattern(
    n: int,
    *,
    n_keys: int | None = None,
    causal: bool = False,
    block_mask: Any = None,
    block_size: int | None = None,
) -> KeyPattern:
    """The query-key pairs of attention with ``n`` query rows: full, causal, block-sparse.

    Parameters
    ----------
    n : int
        Query rows ``N_q``, at least 1.
    n_keys : int or None, default None
        Keys ``N_k`` (the KV cache when decoding); None means ``n``.
    causal : bool, default False
        Row ``i`` sees keys ``j <= i`` only (needs ``n_keys == n``).
    block_mask : array_like of bool or 0/1, or str, or None
        Block ``(a, b)`` keeps the pairs of query rows ``aB..aB+B-1`` and keys
        ``bB..bB+B-1``; shape ``(ceil(N_q / B), ceil(N_k / B))``. Text is parsed by
        :func:`parse_block_mask`.
    block_size : int or None
        ``B``; required with ``block_mask``.

    Returns
    -------
    KeyPattern

    Raises
    ------
    InvalidInputError
        On a bad size, a mask of the wrong shape or not 0/1, ``block_size`` without a
        mask (or the reverse), ``causal`` with ``n_keys != n``, or a row with no key.

    Examples
    --------
    >>> p = key_pattern(4, causal=True)
    >>> p.pairs(), list(p.keys(2))
    (10, [0, 1, 2])
    >>> q = key_pattern(4, block_mask="1,0;1,1", block_size=2)
    >>> q.dense().astype(int).tolist()
    [[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1]]
    >>> key_pattern(4, block_mask="0,1;1,1", block_size=2, causal=True)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: query row 0 sees no key (block mask and causal mask \
leave its row empty): every row needs at least one key
    """
    n = check_int("n", n, 1)
    n_keys = n if n_keys is None else check_int("n_keys", n_keys, 1)
    causal = bool(causal)
    if causal and n_keys != n:
        raise InvalidInputError(f"causal needs as many keys as queries, got N_q = {n} and "
                                f"N_k = {n_keys}")
    if block_mask is None:
        if block_size is not None:
            raise InvalidInputError("block_size needs a block_mask")
        return KeyPattern(n, n_keys, causal)
    if block_size is None:
        raise InvalidInputError("a block_mask needs block_size (the rows and keys per block)")
    block_size = check_int("block_size", block_size, 1)
    mask = parse_block_mask(block_mask) if isinstance(block_mask, str) else block_mask
    try:
        arr = np.asarray(mask)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"block_mask must be an array of 0/1: {exc}") from None
    if arr.ndim != 2 or arr.size > MAX_MASK or not np.isin(arr, (0, 1)).all():
        raise InvalidInputError(f"block_mask must be a 2-D array of 0/1 (at most "
                                f"{MAX_MASK:,} entries), got shape {arr.shape}")
    want = (-(-n // block_size), -(-n_keys // block_size))
    if arr.shape != want:
        raise InvalidInputError(
            f"block_mask has shape {arr.shape[0]} x {arr.shape[1]}, but N_q = {n}, "
            f"N_k = {n_keys} in blocks of {block_size} need {want[0]} x {want[1]}"
        )
    pattern = KeyPattern(n, n_keys, causal, arr.astype(bool), block_size)
    # a mask row with no kept block (causal: none left of or on the diagonal) leaves its
    # rows empty, the first of them at r * block_size
    seen = np.maximum.accumulate(arr, axis=1).diagonal() if causal else arr.any(axis=1)
    empty = np.flatnonzero(~seen.astype(bool)) * block_size
    if empty.size:
        why = "block mask and causal mask leave" if causal else "block mask leaves"
        raise InvalidInputError(f"query row {empty[0]} sees no key ({why} its row empty): "
                                f"every row needs at least one key")
    return pattern
