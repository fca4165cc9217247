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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from redblue.dags import MAX_NODES, attention_dag, attention_node_count
from redblue.dags._builder import amount, check_int, number
from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.replay import ReplayResult, replay
from redblue.game.strategy import EncodedMoves
from redblue.strategies._common import IOCount, check_shape, check_sizes
from redblue.strategies.flash import (
    flash1_io,
    flash1_moves,
    flash2_io,
    flash2_moves,
)
from redblue.strategies.greedy import greedy_moves
from redblue.strategies.standard import standard_io, standard_moves
from redblue.strategies.tiling import tiling_io, tiling_moves

__all__ = ["ALGORITHMS", "MAX_MOVES", "Simulation", "algorithm_dag", "block_sizes",
           "check_simulation_size", "count_io", "schedule_moves", "simulate",
           "estimated_moves"]

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


def algorithm_dag(
    algorithm: str,
    n: int,
    d: int,
    *,
    sum: str = "chain",
    stable: bool = False,
    max_nodes: int | None = MAX_NODES,
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
    if _check_stable(algorithm, stable):
        return attention_dag(n, d, sum=shape, stable=True, online=True, max_nodes=max_nodes)
    normalize = "early" if algorithm == "standard" else "late"
    return attention_dag(n, d, sum=shape, normalize=normalize, max_nodes=max_nodes)


def count_io(
    algorithm: str, n: int, d: int, memory: int, *, sum: str = "chain", stable: bool = False
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

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024, Theorems 3.2 and 3.5.
    """
    algorithm = _check_algorithm(algorithm)
    if algorithm == "greedy":
        raise InvalidInputError("greedy has no block-level counter: its I/O comes from "
                                "replaying its moves (run without --count-only)")
    shape = _check_sum(algorithm, sum)
    if _check_stable(algorithm, stable):
        return _COUNTERS[algorithm](n, d, memory, sum=shape, stable=True)
    return _COUNTERS[algorithm](n, d, memory, sum=shape)


def schedule_moves(
    algorithm: str,
    graph: CompiledGraph,
    n: int,
    d: int,
    memory: int,
    *,
    sum: str = "chain",
    stable: bool = False,
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
    if _check_stable(algorithm, stable):
        return _MOVES[algorithm](graph, n, d, memory, sum=shape, stable=True)
    return _MOVES[algorithm](graph, n, d, memory, sum=shape)


def block_sizes(
    algorithm: str, n: int, d: int, memory: int, *, sum: str = "chain", stable: bool = False
) -> dict:
    """The block sizes ``algorithm`` uses (empty for greedy)."""
    if _check_algorithm(algorithm) == "greedy":
        return {}
    return dict(count_io(algorithm, n, d, memory, sum=sum, stable=stable).blocks)


def estimated_moves(
    algorithm: str, n: int, d: int, memory: int, *, sum: str = "chain", stable: bool = False
) -> int:
    """About how many moves :func:`simulate` would generate (a size guard).

    Every vertex is computed and deleted at least once, so ``2 x nodes + io`` (the
    block counter's io; ``nodes`` for greedy) is a lower estimate.
    """
    algorithm = _check_algorithm(algorithm)
    n, d, memory = check_sizes(n, d, memory)
    shape = _check_sum(algorithm, sum)
    stable = _check_stable(algorithm, stable)
    normalize = "early" if algorithm == "standard" else "late"
    nodes = attention_node_count(n, d, sum=shape, normalize=normalize, stable=stable,
                                 online=stable)
    io = nodes if algorithm == "greedy" else count_io(
        algorithm, n, d, memory, sum=shape, stable=stable).io
    return 2 * nodes + io


def check_simulation_size(
    algorithm: str,
    n: int,
    d: int,
    memory: int,
    *,
    sum: str = "chain",
    stable: bool = False,
    max_moves: int | None = MAX_MOVES,
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
    expected = estimated_moves(algorithm, n, d, memory, sum=sum, stable=stable)
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
        The DAG the moves run on.
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
    graph: nx.DiGraph
    compiled: CompiledGraph
    moves: EncodedMoves
    result: ReplayResult
    blocks: dict
    n: int | None = field(default=None, compare=False)
    d: int | None = field(default=None, compare=False)
    sum: str | None = field(default=None, compare=False)
    stable: bool | None = field(default=None, compare=False)

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

    Returns
    -------
    Simulation

    Raises
    ------
    InvalidInputError
        If ``memory`` is too small for the algorithm (the message gives the smallest M),
        or the run would generate more than ``max_moves`` moves.
    IllegalMoveError
        If the schedule broke a rule (a bug: replay never trusts a schedule).

    Examples
    --------
    >>> s = simulate("flash2", 8, 2, 24)
    >>> s.result.io, s.result.peak_red <= 24, s.blocks["B_r"]
    (160, True, 2)

    References
    ----------
    .. [1] B. Saha and C. Ye, ICML 2024, Theorem 3.2 (FlashAttention), Theorem 3.5
       (Algorithm 1).
    """
    algorithm = _check_algorithm(algorithm)
    n, d, memory = check_sizes(n, d, memory)
    shape = _check_sum(algorithm, sum)
    stable = _check_stable(algorithm, stable)
    blocks = block_sizes(algorithm, n, d, memory, sum=shape, stable=stable)  # M check
    check_simulation_size(algorithm, n, d, memory, sum=shape, stable=stable,
                          max_moves=max_moves)  # fmt: skip
    # the move limit bounds the DAG (moves >= 2 x vertices): no second limit on nodes
    G = algorithm_dag(algorithm, n, d, sum=shape, stable=stable, max_nodes=None)
    compiled = compile_graph(G)
    moves = schedule_moves(algorithm, compiled, n, d, memory, sum=shape, stable=stable)
    result = replay(compiled, moves, memory, "classic")
    return Simulation(algorithm, G, compiled, moves, result, blocks, n, d, shape, stable)
