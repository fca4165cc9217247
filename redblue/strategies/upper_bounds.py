"""One entry point for the attention upper-bound schedules: DAG, moves, replay, counts.

=============  =========================================================  ==============
algorithm      DAG it runs on                                             counter
=============  =========================================================  ==============
``flash1``     ``attention_dag(n, d, sum=s)``, late normalisation         closed form
``flash2``     ``attention_dag(n, d, sum=s)``, late normalisation         closed form
``standard``   ``attention_dag(n, d, sum=s, normalize="early")``          closed form
``tiling``     ``attention_dag(n, d, sum=s)``, late normalisation         closed form
``greedy``     ``attention_dag(n, d, sum=s)`` (any shape, tree included)  none (moves)
=============  =========================================================  ==============

``s`` is ``"chain"`` (default) or ``"fma"``: the block schedules accumulate sums over
blocks in order, which is a left-to-right chain. With ``stable=True`` (``flash1``,
``flash2`` and ``greedy``) the DAG is ``attention_dag(n, d, sum=s, stable=True,
online=True)``: FlashAttention's online softmax, a running maximum per row and the
rescaling of the running sums by ``c = exp(m_old - m_new)`` at each key. Every DAG here
evaluates to attention (``tests/test_strategies_*.py`` checks it against numpy).

Every function also takes the attention variant: ``causal``, a block mask
(``block_mask``, ``block_size``: block-sparse attention) and ``n_keys`` (``n`` query rows
against ``n_keys`` cached keys: decoding with a KV cache); see
:func:`~redblue.dags.attention_masks.key_pattern`. The block schedules then skip the
fully masked blocks and load only the rows and keys a block uses, and their counters
count exactly that (``docs/attention-variants.md``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import networkx as nx

from redblue.dags import MAX_NODES, attention_dag, attention_node_count
from redblue.dags._builder import amount, check_int, number
from redblue.dags.attention_decode import split_decode_dag, split_decode_node_count
from redblue.dags.attention_masks import KeyPattern, key_pattern
from redblue.dags.multihead import multihead_attention_dag, multihead_node_count
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.compiled_attention import compile_attention
from redblue.game.replay import ReplayResult, replay
from redblue.game.strategy import EncodedMoves
from redblue.progress import note
from redblue.strategies._common import IOCount, check_shape, check_sizes
from redblue.strategies.flash import (
    flash1_io,
    flash1_moves,
    flash2_io,
    flash2_moves,
)
from redblue.strategies.flash_decoding import split_decode_io, split_decode_moves
from redblue.strategies.greedy import greedy_moves
from redblue.strategies.multihead import gqa_io, gqa_moves
from redblue.strategies.standard import standard_io, standard_moves
from redblue.strategies.tiling import tiling_io, tiling_moves

__all__ = ["ALGORITHMS", "MAX_MOVES", "Simulation", "algorithm_dag", "block_sizes",
           "check_simulation_size", "count_io", "schedule_moves", "simulate",
           "estimated_moves", "simulate_split_decode", "count_gqa", "simulate_gqa"]

#: The most moves :func:`simulate` generates unless told otherwise (``max_moves=``,
#: ``--max-moves``): about 1 GB of move arrays, and a DAG of at most half as many
#: vertices (every vertex is computed and deleted at least once), some minutes of work.
MAX_MOVES = 20_000_000

#: The attention schedules, in the order the CLI lists them.
ALGORITHMS: tuple[str, ...] = ("flash1", "flash2", "standard", "tiling", "greedy")

_COUNTERS = {"flash1": flash1_io, "flash2": flash2_io, "standard": standard_io,
             "tiling": tiling_io}
_MOVES = {"flash1": flash1_moves, "flash2": flash2_moves, "standard": standard_moves,
          "tiling": tiling_moves}


def _check_algorithm(algorithm: Any) -> str:
    if algorithm not in ALGORITHMS:
        raise InvalidInputError(
            f"unknown algorithm {algorithm!r} (expected one of {', '.join(ALGORITHMS)})"
        )
    return algorithm


_STABLE = ("flash1", "flash2", "greedy")


def _check_stable(algorithm: str, stable: Any) -> bool:
    stable = bool(stable)
    if stable and algorithm not in _STABLE:
        raise InvalidInputError(
            f"stable=True (online softmax) is available for {', '.join(_STABLE)}, "
            f"not {algorithm}"
        )
    return stable


def _check_sum(algorithm: str, sum: Any) -> str:
    if algorithm == "greedy":
        if sum not in ("tree", "chain", "fma"):
            raise InvalidInputError(f"sum must be 'tree', 'chain' or 'fma', got {sum!r}")
        return sum
    return check_shape(sum)


def _variant(n: Any, causal: Any, block_mask: Any, block_size: Any,
             n_keys: Any) -> KeyPattern:
    return key_pattern(n, n_keys=n_keys, causal=causal, block_mask=block_mask,
                       block_size=block_size)


def _variant_kwargs(p: KeyPattern) -> dict[str, Any]:
    return {"causal": p.causal, "block_mask": p.block_mask, "block_size": p.block_size,
            "n_keys": p.n_keys}


def algorithm_dag(
    algorithm: str,
    n: int,
    d: int,
    *,
    sum: str = "chain",
    stable: bool = False,
    max_nodes: int | None = MAX_NODES,
    causal: bool = False,
    block_mask: Any = None,
    block_size: int | None = None,
    n_keys: int | None = None,
) -> nx.DiGraph:
    """The attention DAG ``algorithm`` runs on (see the module table).

    Parameters
    ----------
    algorithm : {"flash1", "flash2", "standard", "tiling", "greedy"}
    n, d : int
        Sequence length and head dimension.
    sum : {"chain", "fma"} (``"tree"`` too for greedy), default "chain"
    stable : bool, default False
        The online-softmax graph (flash1, flash2, greedy).
    max_nodes : int or None, default 5,000,000
        Passed to :func:`~redblue.dags.attention_dag`: refuse a larger graph before
        building it; None for no limit.
    causal, block_mask, block_size, n_keys
        The attention variant (see the module notes).

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    InvalidInputError
        On an unknown algorithm, a summation shape it cannot run on, or a graph of more
        than ``max_nodes`` nodes.

    Examples
    --------
    >>> algorithm_dag("standard", 2, 1).graph["name"]
    "attention_dag(n=2, d=1, sum='chain', normalize='early', causal=False, stable=False, \
scale=None)"
    """
    algorithm = _check_algorithm(algorithm)
    shape = _check_sum(algorithm, sum)
    variant = {"causal": causal, "block_mask": block_mask, "block_size": block_size,
               "n_keys": n_keys}
    if _check_stable(algorithm, stable):
        return attention_dag(n, d, sum=shape, stable=True, online=True, max_nodes=max_nodes,
                             **variant)  # fmt: skip
    normalize = "early" if algorithm == "standard" else "late"
    return attention_dag(n, d, sum=shape, normalize=normalize, max_nodes=max_nodes, **variant)


def count_io(
    algorithm: str, n: int, d: int, memory: int, *, sum: str = "chain", stable: bool = False,
    causal: bool = False, block_mask: Any = None, block_size: int | None = None,
    n_keys: int | None = None,
) -> IOCount:
    """Exact I/O of a block schedule without generating moves (closed forms).

    Equal to the replayed I/O of :func:`schedule_moves` (the tests check it on a grid
    with ragged edges); runs in microseconds for any size.

    Parameters
    ----------
    algorithm : {"flash1", "flash2", "standard", "tiling"}
    n, d, memory : int
    sum : {"chain", "fma"}, default "chain"
    stable : bool, default False
        The online-softmax schedule (flash1, flash2).
    causal, block_mask, block_size, n_keys
        The attention variant (see the module notes). Unmasked and causal counts are
        closed forms (any size); a block-mask count goes block by block (a few numbers
        per query row and mask entry), refused above 2^24 query rows.

    Returns
    -------
    IOCount
        ``loads``, ``stores``, ``io`` and the block sizes.

    Raises
    ------
    InvalidInputError
        For ``"greedy"`` (its I/O depends on the eviction choices: no closed form), an
        unknown algorithm, or a memory too small for the algorithm.

    Examples
    --------
    >>> c = count_io("flash2", 65536, 128, 131072)
    >>> c.io, c.blocks["B_r"]
    (4311744512, 256)
    >>> count_io("flash2", 1024, 64, 16384).io, count_io("flash2", 1024, 64, 16384,
    ...                                                  causal=True).io
    (2228224, 1245184)

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024, Theorems 3.2 and 3.5.
    """
    algorithm = _check_algorithm(algorithm)
    if algorithm == "greedy":
        raise InvalidInputError("greedy has no block-level counter: its I/O comes from "
                                "replaying its moves (run without --count-only)")
    shape = _check_sum(algorithm, sum)
    pattern = _variant(n, causal, block_mask, block_size, n_keys)
    if _check_stable(algorithm, stable):
        return _COUNTERS[algorithm](n, d, memory, sum=shape, stable=True, pattern=pattern)
    return _COUNTERS[algorithm](n, d, memory, sum=shape, pattern=pattern)


def schedule_moves(
    algorithm: str,
    graph: CompiledGraph,
    n: int,
    d: int,
    memory: int,
    *,
    sum: str = "chain",
    stable: bool = False,
    causal: bool = False,
    block_mask: Any = None,
    block_size: int | None = None,
    n_keys: int | None = None,
) -> EncodedMoves:
    """The moves of ``algorithm`` on ``graph`` (compiled :func:`algorithm_dag`).

    Parameters
    ----------
    algorithm : {"flash1", "flash2", "standard", "tiling", "greedy"}
    graph : CompiledGraph
    n, d, memory : int
    sum : str, default "chain"
        The shape ``graph`` was built with.
    stable : bool, default False
        Whether ``graph`` is the online-softmax graph.
    causal, block_mask, block_size, n_keys
        The attention variant ``graph`` was built with.

    Returns
    -------
    EncodedMoves

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small for the algorithm.
    """
    algorithm = _check_algorithm(algorithm)
    shape = _check_sum(algorithm, sum)
    if algorithm == "greedy":
        return greedy_moves(graph, memory)
    pattern = _variant(n, causal, block_mask, block_size, n_keys)
    if _check_stable(algorithm, stable):
        return _MOVES[algorithm](graph, n, d, memory, sum=shape, stable=True, pattern=pattern)
    return _MOVES[algorithm](graph, n, d, memory, sum=shape, pattern=pattern)


def block_sizes(
    algorithm: str, n: int, d: int, memory: int, *, sum: str = "chain", stable: bool = False,
    **variant: Any,
) -> dict:
    """The block sizes ``algorithm`` uses (empty for greedy); ``variant``: ``causal``,
    ``block_mask``, ``block_size``, ``n_keys`` as in :func:`count_io`."""
    if _check_algorithm(algorithm) == "greedy":
        return {}
    return dict(count_io(algorithm, n, d, memory, sum=sum, stable=stable, **variant).blocks)


def estimated_moves(
    algorithm: str, n: int, d: int, memory: int, *, sum: str = "chain", stable: bool = False,
    **variant: Any,
) -> int:
    """About how many moves :func:`simulate` would generate (a size guard).

    Every vertex is computed and deleted at least once, so ``2 x nodes + io`` (the
    block counter's io; ``nodes`` for greedy) is a lower estimate. ``variant``:
    ``causal``, ``block_mask``, ``block_size``, ``n_keys`` as in :func:`count_io`.
    """
    algorithm = _check_algorithm(algorithm)
    n, d, memory = check_sizes(n, d, memory)
    shape = _check_sum(algorithm, sum)
    stable = _check_stable(algorithm, stable)
    normalize = "early" if algorithm == "standard" else "late"
    kw = _variant_kwargs(_variant(n, **_unpack(variant)))
    nodes = attention_node_count(n, d, sum=shape, normalize=normalize, stable=stable,
                                 online=stable, **kw)  # fmt: skip
    io = nodes if algorithm == "greedy" else count_io(
        algorithm, n, d, memory, sum=shape, stable=stable, **kw).io
    return 2 * nodes + io


def _unpack(variant: dict[str, Any]) -> dict[str, Any]:
    """The variant keywords, refusing unknown ones."""
    known = ("causal", "block_mask", "block_size", "n_keys")
    extra = sorted(set(variant) - set(known))
    if extra:
        raise TypeError(f"unexpected keyword argument {extra[0]!r}")
    return {"causal": variant.get("causal", False), "block_mask": variant.get("block_mask"),
            "block_size": variant.get("block_size"), "n_keys": variant.get("n_keys")}


def check_simulation_size(
    algorithm: str,
    n: int,
    d: int,
    memory: int,
    *,
    sum: str = "chain",
    stable: bool = False,
    max_moves: int | None = MAX_MOVES,
    **variant: Any,
) -> int:
    """The :func:`estimated_moves` of a run, refused when above ``max_moves``.

    The estimate comes from the block structure (closed forms, microseconds at any
    size), so a run that would take hours is refused before the DAG is built.

    Parameters
    ----------
    algorithm, n, d, memory, sum, stable
        As in :func:`simulate`.
    max_moves : int or None, default :data:`MAX_MOVES` (20,000,000)
        The limit; None for no limit.
    **variant
        ``causal``, ``block_mask``, ``block_size``, ``n_keys`` as in :func:`count_io`.

    Returns
    -------
    int
        The estimated number of moves.

    Raises
    ------
    InvalidInputError
        If the estimate is above ``max_moves`` (the message gives both), ``max_moves``
        is not a positive int or None, or a parameter is bad (as :func:`simulate`).

    Examples
    --------
    >>> check_simulation_size("flash2", 8, 2, 24)
    1408
    >>> check_simulation_size("flash2", 100000, 64, 1024)
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: flash2 on attention N=100000, d=64 would generate \
about 5.5e12 moves; the limit is 20,000,000 (raise it with --max-moves, or max_moves= in \
Python; --count-only counts the I/O without moves)
    """
    expected = estimated_moves(algorithm, n, d, memory, sum=sum, stable=stable, **variant)
    if max_moves is None:
        return expected
    limit = check_int("max_moves", max_moves, 1)
    if expected > limit:
        hint = "" if algorithm == "greedy" else "; --count-only counts the I/O without moves"
        raise InvalidInputError(
            f"{algorithm} on attention N={number(n)}, d={number(d)} would generate about "
            f"{amount(expected)} moves; the limit is {limit:,} (raise it with --max-moves, "
            f"or max_moves= in Python{hint})"
        )
    return expected


@dataclass(frozen=True)
class Simulation:
    """A schedule run and verified: the DAG, its moves and the replay's verdict.

    Attributes
    ----------
    algorithm : str
    graph : networkx.DiGraph
        The DAG the moves run on; built on first use when :func:`simulate` compiled the
        DAG directly (:func:`~redblue.game.compiled_attention.compile_attention`).
    dag_name : str
        The DAG's name, without building a graph the run did without.
    compiled : CompiledGraph
    moves : EncodedMoves
    result : ReplayResult
        The replay (valid, else :func:`simulate` raised).
    blocks : dict
        The block sizes used.
    n, d : int or None
        Sequence length and head dimension; ``sum`` and ``stable`` the DAG's shape
        (set by :func:`simulate`; not compared by ``==``).
    """

    algorithm: str
    _graph: nx.DiGraph | None
    compiled: CompiledGraph
    moves: EncodedMoves
    result: ReplayResult
    blocks: dict
    n: int | None = field(default=None, compare=False)
    d: int | None = field(default=None, compare=False)
    sum: str | None = field(default=None, compare=False)
    stable: bool | None = field(default=None, compare=False)
    _dag: Callable[[], nx.DiGraph] | None = field(default=None, compare=False, repr=False)
    _dag_name: str | None = field(default=None, compare=False, repr=False)

    @property
    def graph(self) -> nx.DiGraph:
        """The DAG the moves run on (built here the first time, after a direct compile)."""
        if self._graph is None and self._dag is not None:
            object.__setattr__(self, "_graph", self._dag())
        return self._graph

    @property
    def dag_name(self) -> str:
        """The DAG's name, without building a networkx graph the run did without."""
        if self._graph is None and self._dag_name is not None:
            return self._dag_name
        return self.graph.graph.get("name", "the DAG")

    def to_dict(self) -> dict[str, Any]:
        """``algorithm``, the replay's fields (``io``, ``loads``, ``stores``,
        ``peak_red``, ...) and ``blocks``."""
        return {"algorithm": self.algorithm, **self.result.to_dict(), "blocks": self.blocks}

    def as_row(self) -> dict[str, Any]:
        """One row of scalars: ``algorithm``, ``n``, ``d``, ``sum``, ``stable``, the
        replay's fields and the block sizes (``B_r``, ``B_c``, ...).

        Examples
        --------
        >>> s = simulate("flash2", 8, 2, 24)
        >>> s
        Simulation(flash2, N=8, d=2, M=24: io=160, loads=144, stores=16, peak=21, 1,456 moves)
        >>> row = s.as_row()
        >>> row["n"], row["io"], row["B_r"]
        (8, 160, 2)
        """
        return {"algorithm": self.algorithm, "n": self.n, "d": self.d, "sum": self.sum,
                "stable": self.stable, **self.result.as_row(), **self.blocks}  # fmt: skip

    def __repr__(self) -> str:
        # one line: the default would print every move and the whole graph (megabytes)
        r, size = self.result, "" if self.n is None else f"N={self.n:,}, d={self.d:,}, "
        return (f"Simulation({self.algorithm}, {size}M={r.memory:,}: io={r.io:,}, "
                f"loads={r.loads:,}, stores={r.stores:,}, peak={r.peak_red:,}, "
                f"{r.moves:,} moves)")


def simulate(
    algorithm: str,
    n: int,
    d: int,
    memory: int,
    *,
    sum: str = "chain",
    stable: bool = False,
    max_moves: int | None = MAX_MOVES,
    causal: bool = False,
    block_mask: Any = None,
    block_size: int | None = None,
    n_keys: int | None = None,
    compiled: bool | None = None,
) -> Simulation:
    """Build the DAG, generate the schedule's moves and verify them by replay.

    Parameters
    ----------
    algorithm : {"flash1", "flash2", "standard", "tiling", "greedy"}
    n, d : int
        Sequence length and head dimension.
    memory : int
        The red-pebble limit M.
    sum : {"chain", "fma"} (``"tree"`` too for greedy), default "chain"
    stable : bool, default False
        Run on the online-softmax graph (flash1, flash2, greedy).
    max_moves : int or None, default :data:`MAX_MOVES` (20,000,000)
        Refuse, before building anything, a run of more moves than this
        (:func:`check_simulation_size`); None for no limit. It bounds the DAG too: a
        run of ``m`` moves has at most ``m / 2`` vertices.
    causal, block_mask, block_size, n_keys
        The attention variant (see the module notes): causal, block-sparse, or ``n``
        query rows against ``n_keys`` cached keys.
    compiled : bool or None, default None
        Build the compiled DAG straight from arrays
        (:func:`~redblue.game.compiled_attention.compile_attention`, the same ids and
        operands as compiling the networkx graph, a hundred times faster and 40
        times smaller) instead of through networkx. None: whenever it can, i.e. on the
        late-normalised, non-stable DAG (every algorithm but ``standard``, without
        ``stable``); the networkx graph is then built only if ``graph`` is read.

    Returns
    -------
    Simulation

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small for the algorithm (the message gives the smallest M),
        the run would generate more than ``max_moves`` moves, or ``compiled=True`` asks
        for a DAG the array builder does not make (``standard``, ``stable``).
    IllegalMoveError
        If the schedule broke a rule (a bug: replay never trusts a schedule).

    Examples
    --------
    >>> s = simulate("flash2", 8, 2, 24)
    >>> s.result.io, s.result.peak_red <= 24, s.blocks["B_r"]
    (160, True, 2)
    >>> simulate("flash2", 8, 2, 24, causal=True).result.io
    112

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024, Theorem 3.2 (FlashAttention), Theorem 3.5
       (Algorithm 1).
    """
    algorithm = _check_algorithm(algorithm)
    n, d, memory = check_sizes(n, d, memory)
    shape = _check_sum(algorithm, sum)
    stable = _check_stable(algorithm, stable)
    kw = _variant_kwargs(_variant(n, causal, block_mask, block_size, n_keys))
    blocks = block_sizes(algorithm, n, d, memory, sum=shape, stable=stable, **kw)  # M check
    check_simulation_size(algorithm, n, d, memory, sum=shape, stable=stable,
                          max_moves=max_moves, **kw)  # fmt: skip
    # the move limit bounds the DAG (moves >= 2 x vertices): no second limit on nodes
    dag = partial(algorithm_dag, algorithm, n, d, sum=shape, stable=stable, max_nodes=None,
                  **kw)
    direct = algorithm != "standard" and not stable  # what compile_attention builds
    if compiled and not direct:
        raise InvalidInputError("compiled=True builds the late-normalised attention DAG "
                                "without stable softmax: not the one of "
                                f"{algorithm}{' with stable' if stable else ''}")
    G = None
    if direct and compiled is not False:
        start = time.perf_counter()
        graph = compile_attention(n, d, sum=shape, max_nodes=None, **kw)
        took = max(time.perf_counter() - start, 1e-9)
        note(f"built the attention DAG as arrays: {graph.n:,} nodes in {took:.2f} s "
             f"({graph.n / took:,.0f} nodes/s)")
    else:
        G = dag()
        graph = compile_graph(G)
    moves = schedule_moves(algorithm, graph, n, d, memory, sum=shape, stable=stable, **kw)
    result = replay(graph, moves, memory, "classic")
    name = None if G is not None else (
        f"attention_dag(n={n}, d={d}, sum={shape!r}{_described(kw, n)}) built as arrays")
    return Simulation(algorithm, G, graph, moves, result, blocks, n, d, shape, stable, dag,
                      name)


def _described(kw: dict[str, Any], n: int) -> str:
    pattern = _variant(n, **kw)
    extra = ", ".join(p for p in ("causal=True" if pattern.causal else "", pattern.describe()) if p)
    return f", {extra}" if extra else ""


def simulate_split_decode(
    n: int,
    d: int,
    memory: int,
    *,
    n_keys: int,
    chunks: int,
    sum: str = "chain",
    max_moves: int | None = MAX_MOVES,
) -> Simulation:
    """Split-K decoding ("flash-decoding"): build its DAG, generate the moves, replay.

    Parameters
    ----------
    n, d : int
        Query rows ``N_q`` and head dimension.
    memory : int
        The red-pebble limit M.
    n_keys, chunks : int
        Cached keys ``N_k`` and the number of key chunks.
    sum : {"chain", "fma"}, default "chain"
    max_moves : int or None, default :data:`MAX_MOVES`
        Refuse, before building anything, a run of more moves than this.

    Returns
    -------
    Simulation
        ``algorithm`` is ``"split-decode"``; the I/O equals
        :func:`~redblue.strategies.flash_decoding.split_decode_io`.

    Raises
    ------
    InvalidInputError
        On bad sizes, a memory too small, more chunks than keys, or too many moves.

    Examples
    --------
    >>> s = simulate_split_decode(1, 4, 64, n_keys=32, chunks=4)
    >>> s.result.io, s.blocks["chunks"]
    (324, 4)
    """
    shape = check_shape(sum)
    count = split_decode_io(n, d, memory, n_keys=n_keys, chunks=chunks, sum=shape)
    nodes = split_decode_node_count(n, d, n_keys=n_keys, chunks=chunks, sum=shape)
    if max_moves is not None and 2 * nodes + count.io > check_int("max_moves", max_moves, 1):
        raise InvalidInputError(
            f"split-K decoding of N_q={number(n)}, N_k={number(n_keys)}, d={number(d)} would "
            f"generate about {amount(2 * nodes + count.io)} moves; the limit is "
            f"{max_moves:,} (raise it with --max-moves; --count-only counts without moves)"
        )
    G = split_decode_dag(n, d, n_keys=n_keys, chunks=chunks, sum=shape, max_nodes=None)
    compiled = compile_graph(G)
    moves = split_decode_moves(compiled, n, d, memory, n_keys=n_keys, chunks=chunks, sum=shape)
    result = replay(compiled, moves, memory, "classic")
    return Simulation("split-decode", G, compiled, moves, result, dict(count.blocks), n, d,
                      shape, False)


def count_gqa(
    n: int, d: int, memory: int, *, heads: int, kv_heads: int, grouped: bool = True,
    sum: str = "chain", causal: bool = False, block_mask: Any = None,
    block_size: int | None = None, n_keys: int | None = None, stable: bool = False,
) -> IOCount:
    """Exact I/O of FlashAttention-2 over ``heads`` query heads sharing ``kv_heads`` K/V
    heads, a group at a time (``grouped``) or a head at a time
    (:func:`~redblue.strategies.multihead.gqa_io`); the variant keywords and ``stable``
    (the online-softmax graph) as :func:`count_io`.

    Examples
    --------
    >>> count_gqa(1, 64, 4096, heads=8, kv_heads=1, n_keys=1024).io
    132096
    """
    pattern = _variant(n, causal, block_mask, block_size, n_keys)
    return gqa_io(n, d, memory, heads=heads, kv_heads=kv_heads, grouped=grouped,
                  sum=check_shape(sum), pattern=pattern, stable=bool(stable))


def simulate_gqa(
    n: int, d: int, memory: int, *, heads: int, kv_heads: int, grouped: bool = True,
    sum: str = "chain", max_moves: int | None = MAX_MOVES, causal: bool = False,
    block_mask: Any = None, block_size: int | None = None, n_keys: int | None = None,
    stable: bool = False,
) -> Simulation:
    """Grouped-query attention: build the multi-head DAG, generate FlashAttention-2's
    moves (a group or a head at a time), replay them. ``stable``: on the online-softmax
    graph (``stable=True, online=True``: a running maximum per row).

    Returns
    -------
    Simulation
        ``algorithm`` is ``"flash2-grouped"`` or ``"flash2-per-head"``; the I/O equals
        :func:`count_gqa`.

    Raises
    ------
    InvalidInputError
        If ``kv_heads`` does not divide ``heads``, on a bad variant, a memory too small,
        or more than ``max_moves`` moves.

    Examples
    --------
    >>> s = simulate_gqa(4, 2, 60, heads=4, kv_heads=2)
    >>> s.result.io == count_gqa(4, 2, 60, heads=4, kv_heads=2).io
    True
    """
    shape = check_shape(sum)
    kw = _variant_kwargs(_variant(n, causal, block_mask, block_size, n_keys))
    stable = bool(stable)
    count = count_gqa(n, d, memory, heads=heads, kv_heads=kv_heads, grouped=grouped,
                      sum=shape, stable=stable, **kw)  # fmt: skip
    nodes = multihead_node_count(n, d, heads=heads, kv_heads=kv_heads, sum=shape,
                                 stable=stable, online=stable, **kw)  # fmt: skip
    if max_moves is not None and 2 * nodes + count.io > check_int("max_moves", max_moves, 1):
        raise InvalidInputError(
            f"grouped-query attention of H={number(heads)}, N={number(n)}, d={number(d)} "
            f"would generate about {amount(2 * nodes + count.io)} moves; the limit is "
            f"{max_moves:,} (raise it with --max-moves; --count-only counts without moves)"
        )
    G = multihead_attention_dag(n, d, heads=heads, kv_heads=kv_heads, sum=shape,
                                stable=stable, online=stable, max_nodes=None, **kw)  # fmt: skip
    compiled = compile_graph(G)
    moves = gqa_moves(compiled, n, d, memory, heads=heads, kv_heads=kv_heads, grouped=grouped,
                      sum=shape, pattern=key_pattern(n, **kw), stable=stable)  # fmt: skip
    result = replay(compiled, moves, memory, "classic")
    return Simulation(count.algorithm, G, compiled, moves, result, dict(count.blocks), n, d,
                      shape, stable)
