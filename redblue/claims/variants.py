"""The attention variant a claim is checked on: its DAG, and its schedules' counts and moves.

``redblue check`` takes the variant options of ``redblue simulate``: a causal mask, a block
mask (block-sparse attention), ``N_q`` decode rows against a KV cache of ``N`` keys,
``H`` query heads over ``H_kv`` key/value heads (grouped-query attention), or the
backward pass. :class:`AttentionVariant` holds them and answers, for one ``(N, d)``, what
the claim needs: the DAG Q refers to, which schedules run on it, and each schedule's
counted I/O, estimated moves and moves (replayed by the caller, never trusted).

=================  ===========================================  ==========================
variant            DAG (Q refers to it)                         schedules ``io(ALG)``
=================  ===========================================  ==========================
plain, masked,     ``attention_dag`` with the key pattern       flash1, flash2, tiling on
decode                                                          it; standard on its early-
                                                                normalised twin; greedy
heads              ``multihead_attention_dag``                  flash2 (a group at a
                                                                time), greedy
backward           ``attention_backward_dag``                   flash2, tiling (backward
                                                                schedules), greedy
=================  ===========================================  ==========================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from redblue.dags import attention_node_count
from redblue.dags.attention_backward import attention_backward_dag, attention_backward_node_count
from redblue.dags.attention_masks import key_pattern, parse_block_mask
from redblue.dags.multihead import check_heads, multihead_attention_dag, multihead_node_count
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import EncodedMoves
from redblue.strategies import count_gqa, count_io, estimated_moves, simulate
from redblue.strategies._common import IOCount
from redblue.strategies.backward import count_backward_io
from redblue.strategies.flash_backward import flash2_backward_moves
from redblue.strategies.multihead import gqa_moves
from redblue.strategies.tiling_backward import tiling_backward_moves
from redblue.strategies.upper_bounds import Simulation, algorithm_dag, schedule_moves

__all__ = ["AttentionVariant", "attention_variant"]

_BACKWARD_MOVES = {"flash2": flash2_backward_moves, "tiling": tiling_backward_moves}


@dataclass(frozen=True, eq=False)
class AttentionVariant:
    """Which attention DAG the instances of a check are on (see the module table).

    Attributes
    ----------
    causal : bool
    block_mask : numpy.ndarray or None
        With ``block_size``: block ``(a, b)`` keeps query rows ``aB..aB+B-1`` x keys
        ``bB..bB+B-1``.
    block_size : int or None
    decode_rows : int or None
        ``N_q`` query rows against the ``N`` keys of a KV cache (``N`` is then the
        cache length).
    heads, kv_heads : int or None
        ``H`` query heads sharing ``H_kv`` K/V heads.
    backward : bool
        The backward pass (dQ, dK, dV from dO).
    """

    causal: bool = False
    block_mask: np.ndarray | None = None
    block_size: int | None = None
    decode_rows: int | None = None
    heads: int | None = None
    kv_heads: int | None = None
    backward: bool = False

    @property
    def plain(self) -> bool:
        """The paper's graph: single head, every pair, forward."""
        return self.describe() == {}

    def describe(self) -> dict[str, Any]:
        """The options set, JSON-ready (empty for the paper's graph)."""
        out: dict[str, Any] = {}
        if self.causal:
            out["causal"] = True
        if self.block_mask is not None:
            out["block_mask"] = ";".join(",".join("1" if v else "0" for v in r)
                                         for r in self.block_mask)  # fmt: skip
            out["block_size"] = self.block_size
        if self.decode_rows is not None:
            out["decode_rows"] = self.decode_rows
        if self.heads is not None:
            out["heads"], out["kv_heads"] = self.heads, self.kv_heads
        if self.backward:
            out["backward"] = True
        return out

    def variables(self) -> dict[str, int]:
        """The claim variables the variant adds: ``Nq`` (decode rows), ``H``, ``Hkv``."""
        out = {} if self.decode_rows is None else {"Nq": self.decode_rows}
        if self.heads is not None:
            out.update(H=self.heads, Hkv=self.kv_heads)
        return out

    def label(self) -> str:
        """A file-name suffix, e.g. ``"-causal"`` or ``"-H8kv2"`` (empty when plain)."""
        parts = []
        if self.causal:
            parts.append("causal")
        if self.block_mask is not None:
            parts.append(f"mask{self.block_size}")
        if self.decode_rows is not None:
            parts.append(f"q{self.decode_rows}")
        if self.heads is not None:
            parts.append(f"H{self.heads}kv{self.kv_heads}")
        if self.backward:
            parts.append("backward")
        return "".join(f"-{p}" for p in parts)

    def pattern(self, n: int) -> dict[str, Any]:
        """The variant keywords of :mod:`redblue.strategies` at sequence length ``n``:
        ``n`` (query rows), ``causal``, ``block_mask``, ``block_size``, ``n_keys``."""
        rows, keys = (n, None) if self.decode_rows is None else (self.decode_rows, n)
        return {"n": rows, "causal": self.causal, "block_mask": self.block_mask,
                "block_size": self.block_size, "n_keys": keys}

    def check_instance(self, n: int) -> None:
        """Raise InvalidInputError if the variant has no DAG at sequence length ``n``
        (a mask of the wrong shape, a row that sees no key)."""
        if not self.backward:
            key_pattern(**self.pattern(n))

    def schedules(self, sum: str) -> tuple[str, ...]:
        """The schedules that run on the instance's own DAG (their I/O bounds Q)."""
        if sum not in ("chain", "fma"):
            return ("greedy",)
        if self.backward:
            return ("flash2", "tiling", "greedy")
        if self.heads is not None:
            return ("flash2", "greedy")
        return ("flash1", "flash2", "tiling", "greedy")

    def check_schedule(self, algorithm: str) -> None:
        """Raise InvalidInputError (one line) if ``io(algorithm)`` has no schedule here."""
        if self.backward and algorithm not in ("flash2", "tiling", "greedy"):
            raise InvalidInputError(f"io({algorithm}) has no backward schedule (the backward "
                                    "pass has flash2, tiling and greedy)")  # fmt: skip
        if self.heads is not None and algorithm not in ("flash2", "greedy"):
            raise InvalidInputError(f"io({algorithm}) does not run on several heads (--heads "
                                    "has flash2, a group at a time, and greedy)")  # fmt: skip

    def dag(self, n: int, d: int, sum: str) -> nx.DiGraph:
        """The DAG Q refers to (late normalisation; no node limit: the caller checked)."""
        if self.backward:
            return attention_backward_dag(n, d, sum=sum, max_nodes=None)
        kw = self.pattern(n)
        rows = kw.pop("n")
        if self.heads is not None:
            return multihead_attention_dag(rows, d, heads=self.heads, kv_heads=self.kv_heads,
                                           sum=sum, max_nodes=None, **kw)  # fmt: skip
        return algorithm_dag("greedy", rows, d, sum=sum, max_nodes=None, **kw)

    def node_count(self, n: int, d: int, sum: str) -> int:
        """The node count of :meth:`dag`, in closed form."""
        if self.backward:
            return attention_backward_node_count(n, d, sum=sum)
        kw = self.pattern(n)
        rows = kw.pop("n")
        if self.heads is not None:
            return multihead_node_count(rows, d, heads=self.heads, kv_heads=self.kv_heads,
                                        sum=sum, **kw)  # fmt: skip
        return attention_node_count(rows, d, sum=sum, **kw)

    def count(self, algorithm: str, n: int, d: int, memory: int, sum: str) -> IOCount:
        """The schedule's I/O by its block counter (raises if M is too small for it)."""
        self.check_schedule(algorithm)
        if self.backward:
            return count_backward_io(algorithm, n, d, memory, sum=sum)
        kw = self.pattern(n)
        rows = kw.pop("n")
        if self.heads is not None:
            return count_gqa(rows, d, memory, heads=self.heads, kv_heads=self.kv_heads,
                             sum=sum, **kw)  # fmt: skip
        return count_io(algorithm, rows, d, memory, sum=sum, **kw)

    def estimated_moves(self, algorithm: str, n: int, d: int, memory: int, sum: str) -> int:
        """About how many moves the schedule makes (raises if it cannot run)."""
        if self.backward or self.heads is not None:
            io = self.count(algorithm, n, d, memory, sum).io
            return 2 * self.node_count(n, d, sum) + 2 * io
        kw = self.pattern(n)
        rows = kw.pop("n")
        return estimated_moves(algorithm, rows, d, memory, sum=sum, **kw)

    def moves(self, algorithm: str, graph: CompiledGraph, n: int, d: int, memory: int,
              sum: str) -> EncodedMoves:
        """The moves of a schedule of :meth:`schedules` on ``graph`` (compiled
        :meth:`dag`), to be replayed."""
        self.check_schedule(algorithm)
        if self.backward:
            return _BACKWARD_MOVES[algorithm](graph, n, d, memory, sum=sum)
        kw = self.pattern(n)
        rows = kw.pop("n")
        if self.heads is not None:
            return gqa_moves(graph, rows, d, memory, heads=self.heads, kv_heads=self.kv_heads,
                             sum=sum, pattern=key_pattern(rows, **kw))  # fmt: skip
        return schedule_moves(algorithm, graph, rows, d, memory, sum=sum, **kw)

    def simulate_elsewhere(self, algorithm: str, n: int, d: int, memory: int,
                           sum: str) -> Simulation:
        """A schedule that runs on another DAG (standard attention: early normalisation),
        built and replayed."""
        kw = self.pattern(n)
        rows = kw.pop("n")
        return simulate(algorithm, rows, d, memory, sum=sum, max_moves=None, **kw)


def attention_variant(
    *, causal: bool = False, block_mask: Any = None, block_size: int | None = None,
    decode_rows: int | None = None, heads: int | None = None, kv_heads: int | None = None,
    backward: bool = False,
) -> AttentionVariant:
    """The variant of a check, its options checked together.

    Raises
    ------
    InvalidInputError
        On a combination with no DAG or no schedule here (one line): ``block_mask``
        without ``block_size`` or the reverse, ``heads`` without ``kv_heads``,
        ``decode_rows`` with ``causal``, ``backward`` with any other option.

    Examples
    --------
    >>> attention_variant(causal=True).describe()
    {'causal': True}
    >>> attention_variant(backward=True, causal=True)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: the backward pass is checked plain: no causal, \
block_mask, decode_rows or heads with backward
    """
    mask = None
    if block_mask is not None:
        if block_size is None:
            raise InvalidInputError("block_mask needs block_size (--block-mask and "
                                    "--block-size go together)")  # fmt: skip
        try:
            mask = parse_block_mask(block_mask) if isinstance(block_mask, str) else (
                np.asarray(block_mask))
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"block_mask must be rows of 0/1: {exc}") from None
        if mask.ndim != 2 or not np.isin(mask, (0, 1)).all():
            raise InvalidInputError(f"block_mask must be 2-D rows of 0/1, got shape "
                                    f"{mask.shape}")  # fmt: skip
        mask = mask.astype(bool)
    elif block_size is not None:
        raise InvalidInputError("block_size needs a block_mask (--block-mask and "
                                "--block-size go together)")  # fmt: skip
    if (heads is None) != (kv_heads is None):
        raise InvalidInputError("heads and kv_heads go together (--heads, --kv-heads)")
    if heads is not None:
        heads, kv_heads = check_heads(heads, kv_heads)
    if decode_rows is not None:
        if isinstance(decode_rows, bool) or not isinstance(decode_rows, (int, np.integer)) \
                or decode_rows < 1:
            raise InvalidInputError(f"decode_rows must be a whole number >= 1, got "
                                    f"{decode_rows!r}")  # fmt: skip
        if causal:
            raise InvalidInputError("decode_rows and causal do not combine (decode rows see "
                                    "the whole KV cache)")  # fmt: skip
    v = AttentionVariant(bool(causal), mask, block_size, decode_rows, heads, kv_heads,
                         bool(backward))  # fmt: skip
    if v.backward and len(v.describe()) > 1:
        raise InvalidInputError("the backward pass is checked plain: no causal, block_mask, "
                                "decode_rows or heads with backward")  # fmt: skip
    return v
