"""Pieces the block schedules share: I/O counts, parameter checks, move assembly.

A schedule is written as a sequence of *segments*. A segment is a move pattern repeated
over ``p`` independent instances (for example ``p`` query-key pairs): an int8 array
``kinds`` of length ``L`` and an int32 array ``nodes`` of shape ``(p, L)``; the moves are
instance 0's ``L`` moves, then instance 1's, and so on. Building the moves this way keeps
the Python work per block, not per move, and the result is an
:class:`~redblue.game.strategy.EncodedMoves` ready for the replay kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redblue.dags._builder import check_int
from redblue.dags.attention_masks import MAX_ROWS, KeyPattern, key_pattern
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE, EncodedMoves

__all__ = ["IOCount", "ceil_div"]

#: Summation shapes the block schedules run on (accumulation needs a left-to-right chain).
BLOCK_SHAPES = ("chain", "fma")

Segment = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class IOCount:
    """The I/O of a schedule, counted block by block without moves.

    Attributes
    ----------
    algorithm : str
        The schedule's name.
    loads, stores : int
        R1 and R2 moves the schedule makes.
    blocks : dict
        The block sizes the schedule uses (names depend on the algorithm).
    """

    algorithm: str
    loads: int
    stores: int
    blocks: dict[str, Any] = field(default_factory=dict)

    @property
    def io(self) -> int:
        """``loads + stores``."""
        return self.loads + self.stores

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``io`` included)."""
        return {
            "algorithm": self.algorithm,
            "io": self.io,
            "loads": self.loads,
            "stores": self.stores,
            "blocks": dict(self.blocks),
        }


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for positive ints."""
    return -(-a // b)


def check_sizes(n: int, d: int, memory: int) -> tuple[int, int, int]:
    """Validate ``n``, ``d`` (>= 1) and ``memory`` (>= 1) as ints."""
    return check_int("n", n, 1), check_int("d", d, 1), check_int("memory", memory, 1)


def check_shape(shape: Any) -> str:
    """Return ``shape`` if a block schedule can run on it ("chain" or "fma")."""
    if shape not in BLOCK_SHAPES:
        raise InvalidInputError(
            f"sum must be 'chain' or 'fma' for a block schedule (accumulation over blocks "
            f"is a left-to-right chain), got {shape!r}"
        )
    return shape


def check_pattern(n: int, pattern: KeyPattern | None) -> KeyPattern:
    """The key pattern of a schedule on ``n`` query rows (None: all pairs)."""
    if pattern is None:
        return key_pattern(n)
    if not isinstance(pattern, KeyPattern) or pattern.n != n:
        raise InvalidInputError(f"pattern must be a KeyPattern of {n} query rows")
    return pattern


def _pad(keep: np.ndarray, br: int, bc: int) -> np.ndarray:
    n, nk = keep.shape
    out = np.zeros((ceil_div(n, br) * br, ceil_div(nk, bc) * bc), dtype=bool)
    out[:n, :nk] = keep
    return out


def tile_rows(keep: np.ndarray, br: int, bc: int) -> np.ndarray:
    """``[I, J]``: rows of query block ``I`` (``br`` rows) with a kept key in key block
    ``J`` (``bc`` keys)."""
    pad = _pad(keep, br, bc)
    tr, tc = pad.shape[0] // br, pad.shape[1] // bc
    return pad.reshape(tr, br, tc, bc).any(axis=3).sum(axis=1)


def tile_keys(keep: np.ndarray, br: int, bc: int) -> np.ndarray:
    """``[I, J]``: keys of key block ``J`` kept by some row of query block ``I``."""
    pad = _pad(keep, br, bc)
    tr, tc = pad.shape[0] // br, pad.shape[1] // bc
    return pad.reshape(tr, br, tc, bc).any(axis=1).sum(axis=2)


def causal_tiles(n: int, br: int, bc: int) -> tuple[int, int]:
    """On the causal pattern with query blocks of ``br`` rows and key blocks of ``bc``:
    ``(sum_I (e_I + 1), kept tiles)``, ``e_I`` the last row of block ``I``. Query block
    ``I`` sees keys ``0..e_I``, i.e. ``e_I // bc + 1`` key blocks. O(N / br), no pattern."""
    ends = np.minimum(np.arange(1, ceil_div(n, br) + 1, dtype=np.int64) * br, n)
    return int(ends.sum()), int(((ends - 1) // bc + 1).sum())


def _as_mask(p: KeyPattern) -> tuple[np.ndarray, int]:
    """``(block mask, B)`` of any pattern: the unmasked and plain causal ones are a single
    ``1 x 1`` block of side ``max(N_q, N_k)``. Refuses more than ``MAX_ROWS`` query rows
    (the block-level counts hold a few numbers per row)."""
    if p.n > MAX_ROWS:
        raise InvalidInputError(f"a block-masked pattern of {p.n:,} query rows is too large "
                                f"to count row by row (limit {MAX_ROWS:,} rows)")
    if p.block_mask is None:
        return np.ones((1, 1), dtype=bool), max(p.n, p.n_keys)
    return p.block_mask, p.block_size


def _spans(p: KeyPattern) -> tuple[np.ndarray, np.ndarray]:
    """First and last key (inclusive) of each mask column."""
    mask, b = _as_mask(p)
    lo = np.arange(mask.shape[1], dtype=np.int64) * b
    return lo, np.minimum(lo + b, p.n_keys) - 1


def blocks_hit(used: np.ndarray, lo: np.ndarray, end: Any, size: int) -> np.ndarray:
    """Per row of ``used``: the key blocks of ``size`` keys met by the intervals
    ``[lo[c], end[c]]`` of the columns ``c`` it uses (sorted and disjoint).

    Each interval meets ``end // size - lo // size + 1`` blocks; an interval that starts
    in the block where the previous used one ends shares that block, counted once.
    """
    used = np.atleast_2d(used)
    end = np.broadcast_to(end, used.shape)
    cols = np.arange(used.shape[1])
    last = np.maximum.accumulate(np.where(used, cols, -1), axis=1)  # last used column <= c
    prev = np.concatenate([np.full((used.shape[0], 1), -1), last[:, :-1]], axis=1)
    end_prev = np.take_along_axis(end, np.maximum(prev, 0), axis=1)
    shared = used & (prev >= 0) & (lo // size == end_prev // size)
    return (used * (end // size - lo // size + 1)).sum(axis=1) - shared.sum(axis=1)


def row_hits(p: KeyPattern, size: int) -> np.ndarray:
    """Per query row: the key blocks of ``size`` keys in which it sees a key.

    Rows of one mask row see the same kept blocks; under ``causal`` the diagonal block is
    cut at the row itself, so row ``i`` meets ``i // size - rB // size + 1`` blocks there
    (one fewer if the first is shared with the last kept block to its left). O(N_q +
    mask entries).
    """
    mask, b = _as_mask(p)
    lo, hi = _spans(p)
    i = np.arange(p.n, dtype=np.int64)
    r = i // b
    if not p.causal:
        return blocks_hit(mask, lo, hi, size)[r]
    rr = np.arange(mask.shape[0])
    left = mask & (rr[None, :] < rr[:, None])  # kept blocks left of the diagonal
    base = blocks_hit(left, lo, hi, size)
    prev = np.where(left.any(axis=1), mask.shape[1] - 1 - np.argmax(left[:, ::-1], axis=1), -1)
    shared = (prev >= 0) & (lo[rr] // size == hi[np.maximum(prev, 0)] // size)
    diag = mask[rr, rr]
    return base[r] + diag[r] * (i // size - lo[r] // size + 1 - shared[r])


def _query_unions(p: KeyPattern, br: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For query blocks of ``br`` rows: the last row of each, whether it lies in one mask
    row, and for the others (in order) the keys their rows see together, as per-column
    intervals ``[lo, end]`` of the used columns: ``(ends, within, (used, end))``."""
    mask, b = _as_mask(p)
    lo, hi = _spans(p)
    a = np.arange(0, p.n, br, dtype=np.int64)
    e = np.minimum(a + br, p.n) - 1
    within = a // b == e // b  # the rows' key sets are equal, or nested (causal)
    a, e = a[~within], e[~within]
    r0, r1 = a // b, e // b
    if not p.causal:
        cum = np.concatenate([np.zeros((1, mask.shape[1]), np.int64), np.cumsum(mask, 0)])
        used = cum[r1 + 1] > cum[r0]
        end = np.broadcast_to(hi, used.shape)
    else:  # the last kept mask row in range reaches the furthest key of the column
        rows = np.arange(mask.shape[0])[:, None]
        last = np.maximum.accumulate(np.where(mask, rows, -1), axis=0)[r1]
        end = np.minimum(hi[None, :], np.minimum(e[:, None], last * b + b - 1))
        used = (last >= r0[:, None]) & (end >= lo[None, :])
    ends = np.minimum(np.arange(0, p.n, br, dtype=np.int64) + br, p.n) - 1
    return ends, within, (used, end)


def block_keys(p: KeyPattern, br: int) -> int:
    """Sum over query blocks of ``br`` rows of the keys some row of the block sees
    (what FlashAttention-2 loads K and V for): ``tile_keys(p.dense(), br, *).sum()``
    block by block, O(N_q + mask entries)."""
    ends, within, (used, end) = _query_unions(p, br)
    lo = _spans(p)[0]
    inside = int(p.row_counts()[ends[within]].sum())  # a block in one mask row: its last row
    return inside + int((used * (end - lo + 1)).sum())


def tiles_kept(p: KeyPattern, br: int, bc: int) -> int:
    """Tiles of ``br`` query rows x ``bc`` keys with a kept pair:
    ``(tile_keys(p.dense(), br, bc) > 0).sum()`` block by block."""
    ends, within, (used, end) = _query_unions(p, br)
    inside = int(row_hits(p, bc)[ends[within]].sum())
    return inside + int(blocks_hit(used, _spans(p)[0], end, bc).sum())


def plain_causal(pattern: KeyPattern) -> bool:
    """True for the causal pattern without a block mask (counted in closed form)."""
    return pattern.causal and pattern.block_mask is None


def too_small(algorithm: str, memory: int, smallest: int, why: str) -> InvalidInputError:
    """The error for a memory the algorithm cannot run in."""
    return InvalidInputError(
        f"memory M = {memory} is too small for {algorithm}: it needs M >= {smallest} ({why})"
    )


def blocks_of(n: int, size: int) -> list[np.ndarray]:
    """``range(n)`` cut into consecutive blocks of ``size`` (the last may be short)."""
    return [np.arange(a, min(a + size, n)) for a in range(0, n, size)]


def interleave(entries: Sequence[tuple[int, np.ndarray]]) -> Segment:
    """A segment from ``(kind, nodes)`` entries, each ``nodes`` of shape ``(p, m)``.

    For each instance, column ``c`` of every entry is played in entry order, for
    ``c = 0, 1, ..., m - 1``: the moves ``e_0[c], e_1[c], ...`` then column ``c + 1``.
    """
    kinds = np.array([k for k, _ in entries], dtype=np.int8)
    arr = np.stack([np.asarray(a) for _, a in entries], axis=2)  # (p, m, E)
    p, m, e = arr.shape
    return np.tile(kinds, m), arr.reshape(p, m * e)


def step(
    shape: str, term: np.ndarray | None, new: np.ndarray, old: np.ndarray | None
) -> Segment:
    """Add one term to running sums: the moves of one step of a chain or fma summation.

    ``new`` holds the partial sums after the step, ``old`` before it (None for the first
    term, whose partial sum is the term itself for ``"chain"``); ``term`` holds the
    product nodes (``"chain"`` only). All are ``(p, m)`` arrays: ``m`` steps in sequence.

    ``"chain"``: compute the product, compute the new sum, delete the old sum and the
    product (peak 3 red above the other values: old, product, new). ``"fma"``: compute
    the new sum, delete the old one (peak 2).
    """
    if shape == "chain":
        if old is None:
            return interleave([(COMPUTE, term)])
        return interleave([(COMPUTE, term), (COMPUTE, new), (DELETE, old), (DELETE, term)])
    if old is None:
        return interleave([(COMPUTE, new)])
    return interleave([(COMPUTE, new), (DELETE, old)])


def dot_segments(shape: str, term: np.ndarray | None, acc: np.ndarray) -> list[Segment]:
    """All steps of ``p`` dot products computed from scratch, one after another.

    ``acc[:, t]`` is the partial sum after ``t + 1`` terms (the root at ``t = k - 1``),
    ``term[:, t]`` the ``t``-th product (``"chain"``).
    """
    segs = [step(shape, None if term is None else term[:, :1], acc[:, :1], None)]
    if acc.shape[1] > 1:
        t = None if term is None else term[:, 1:]
        segs.append(step(shape, t, acc[:, 1:], acc[:, :-1]))
    return segs


def single(kind: int, nodes: np.ndarray) -> Segment:
    """One move per instance: ``nodes`` of shape ``(p,)``."""
    return interleave([(kind, np.asarray(nodes).reshape(-1, 1))])


def concat(segments: Sequence[Segment]) -> Segment:
    """Segments over the same instances, played one after the other per instance."""
    kinds = np.concatenate([k for k, _ in segments])
    nodes = np.concatenate([v for _, v in segments], axis=1)
    return kinds, nodes


class MoveBuffer:
    """Collects moves as numpy chunks and returns them as EncodedMoves."""

    def __init__(self) -> None:
        self._kinds: list[np.ndarray] = []
        self._nodes: list[np.ndarray] = []

    def flat(self, kind: int, nodes: np.ndarray) -> None:
        """The same move kind on every node of ``nodes`` (any shape, C order)."""
        ids = np.asarray(nodes, dtype=np.int32).ravel()
        self._kinds.append(np.full(ids.size, kind, dtype=np.int8))
        self._nodes.append(ids)

    def load(self, nodes: np.ndarray) -> None:
        self.flat(LOAD, nodes)

    def store(self, nodes: np.ndarray) -> None:
        self.flat(STORE, nodes)

    def delete(self, nodes: np.ndarray) -> None:
        self.flat(DELETE, nodes)

    def segment(self, seg: Segment) -> None:
        """Play a segment (a pattern over its instances)."""
        kinds, nodes = seg
        p = nodes.shape[0]
        self._kinds.append(np.tile(kinds, p))
        self._nodes.append(nodes.astype(np.int32, copy=False).ravel())

    def segments(self, segs: Sequence[Segment]) -> None:
        """Segments over the same instances, interleaved per instance."""
        self.segment(concat(segs))

    def encoded(self, graph: CompiledGraph) -> EncodedMoves:
        kinds = np.concatenate(self._kinds) if self._kinds else np.zeros(0, np.int8)
        nodes = np.concatenate(self._nodes) if self._nodes else np.zeros(0, np.int32)
        return EncodedMoves(graph, kinds.astype(np.int8, copy=False), nodes)


def lookup(graph: CompiledGraph, names: list[str], shape: tuple[int, ...]) -> np.ndarray:
    """Integer ids of ``names`` (node ids of ``graph``) as an int32 array of ``shape``."""
    index = graph.index
    try:
        ids = np.fromiter(map(index.__getitem__, names), dtype=np.int32, count=len(names))
    except KeyError as exc:
        raise InvalidInputError(
            f"the graph has no node {exc.args[0]!r}: it is not the DAG this schedule runs on"
        ) from None
    return ids.reshape(shape)


def partial_name(root: str, t: int, k: int) -> str:
    """Name of the partial sum after ``t + 1`` of ``k`` terms (``t >= 1``), as the builder."""
    return root if t + 1 == k else f"{root}(0:{t + 1})"
