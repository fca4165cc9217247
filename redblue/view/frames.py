"""A verified strategy as compact per-move arrays, for the viewer to step through.

:func:`strategy_frames` replays a strategy (through :func:`redblue.game.trace.move_columns`,
so an illegal move raises exactly as replay does) and keeps, per move, its kind, its node
id and the counters after it (red pebbles in use, loads, stores, I/O), plus what the
overlays need: where each Hong-Kung segment of ``M`` I/O moves starts
(the cut of :func:`redblue.analysis.partition.segments`, Lemma 2.7) and, for a FlashAttention
schedule whose block sizes are given, the ``B_r x B_c`` tile each node and each move
belong to. :data:`RULES` says, per move kind, the rule that made a valid move legal.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981
   (rules R1-R4; the partition of a strategy into segments of M I/O moves).
.. [2] B. Saha and C. Ye, ICML 2024, Lemma 2.7 (segments) and Section 3 (FlashAttention's
   blocks ``B_r``, ``B_c``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.rules import get_rules
from redblue.game.strategy import COMPUTE, LOAD, STORE, EncodedMoves, Strategy
from redblue.game.trace import move_columns
from redblue.view.layout import node_groups, node_index

__all__ = ["RULES", "TILE_GROUPS", "Frames", "segment_starts", "strategy_frames", "tile_of_nodes"]

#: Why a move of each kind was legal (the rule of Hong and Kung's game it plays), in
#: :data:`~redblue.game.strategy.MOVE_KINDS` order; ``{node}`` is filled in by the viewer.
RULES: tuple[str, ...] = (
    "R1 load: {node} held a blue pebble and no red one, and a red pebble was free",
    "R2 store: {node} held a red pebble and no blue one",
    "R3 compute: every predecessor of {node} held a red pebble, {node} none, and a red "
    "pebble was free",
    "R4 delete: {node} held a red pebble; it is removed",
    "R4 delete: {node} held a blue pebble; it is removed",
)

#: The node groups (tensors) of an attention DAG that live on the ``N x N`` score grid:
#: their first two indices ``(i, j)`` place them in FlashAttention's tile
#: ``(i // B_r, j // B_c)``.
TILE_GROUPS: frozenset[str] = frozenset({"S", "A", "QK", "AV", "P", "E", "C"})


@dataclass(frozen=True, eq=False)
class Frames:
    """A valid strategy as arrays, one entry a move (built by :func:`strategy_frames`).

    Attributes
    ----------
    compiled : CompiledGraph
        The graph the node ids refer to.
    kinds : numpy.ndarray
        uint8, the move kind (an index into :data:`~redblue.game.strategy.MOVE_KINDS`).
    nodes : numpy.ndarray
        int32 compiled node ids.
    red, loads, stores, io : numpy.ndarray
        int64, after each move: red pebbles in use, loads, stores and I/O so far.
    memory : int
    variant : str
    segment_starts : numpy.ndarray
        int64, the first move of each Hong-Kung segment of ``memory`` I/O moves.
    blocks : dict
        The FlashAttention block sizes given (``B_r``, ``B_c``, ...), or empty.
    node_tile : numpy.ndarray or None
        int32, per node its tile ``(i // B_r) * T_c + j // B_c``, -1 off the score grid;
        None without ``blocks``.
    tile_starts, tiles : numpy.ndarray or None
        The first move of each run of moves in one tile, and that tile.
    """

    compiled: CompiledGraph
    kinds: np.ndarray
    nodes: np.ndarray
    red: np.ndarray
    loads: np.ndarray
    stores: np.ndarray
    io: np.ndarray
    memory: int
    variant: str
    segment_starts: np.ndarray
    blocks: dict
    node_tile: np.ndarray | None
    tile_starts: np.ndarray | None
    tiles: np.ndarray | None

    def __len__(self) -> int:
        return int(self.kinds.size)

    @property
    def peak(self) -> int:
        """The most red pebbles in use at once."""
        return int(self.red.max(initial=0))

    def __repr__(self) -> str:
        io, k = (int(self.io[-1]) if len(self) else 0), self.segment_starts.size
        return (f"Frames({len(self):,} moves, M={self.memory:,}, io={io:,}, "
                f"peak={self.peak:,}, {k:,} segment{'' if k == 1 else 's'})")


def _encode(C: CompiledGraph, strategy: Any, variant: str) -> EncodedMoves:
    if isinstance(strategy, EncodedMoves):
        if strategy.graph is not C:  # moves of another compiled graph: decode and re-encode
            strategy = strategy.decode()
        else:
            return strategy.checked()
    moves = strategy.moves if isinstance(strategy, Strategy) else strategy
    return get_rules(variant).encode(C, moves)


def segment_starts(kinds: np.ndarray, memory: int) -> np.ndarray:
    """The first move of each Hong-Kung segment: a segment holds ``memory`` I/O moves, and
    the next starts at the I/O move after them (the cut of
    :func:`redblue.analysis.partition.segments`, found with numpy).

    Examples
    --------
    >>> segment_starts(np.array([0, 2, 1, 0, 3, 0], np.uint8), 2).tolist()
    [0, 3]
    """
    io_moves = np.flatnonzero((kinds == LOAD) | (kinds == STORE))
    return np.concatenate(([0], io_moves[memory::memory])).astype(np.int64)


def tile_of_nodes(
    G: nx.DiGraph, compiled: CompiledGraph, blocks: Mapping[str, int]
) -> tuple[np.ndarray, int]:
    """Per compiled node id, its FlashAttention tile, or -1 off the score grid.

    Parameters
    ----------
    G : networkx.DiGraph
    compiled : CompiledGraph
    blocks : mapping
        ``B_r`` and ``B_c`` (rows of Q and of K, V in a block), as
        :func:`redblue.strategies.block_sizes` gives them.

    Returns
    -------
    tiles : numpy.ndarray
        int32; tile ``(i // B_r) * T_c + j // B_c`` of a node of :data:`TILE_GROUPS` with
        indices ``(i, j, ...)``.
    t_c : int
        ``T_c``, the number of column blocks (0 when no node is on the score grid).

    Raises
    ------
    InvalidInputError
        Without positive whole ``B_r`` and ``B_c``.

    Examples
    --------
    >>> from redblue.dags import attention_dag
    >>> from redblue.game.compiled import compile_graph
    >>> G = attention_dag(4, 1)
    >>> C = compile_graph(G)
    >>> t, t_c = tile_of_nodes(G, C, {"B_r": 2, "B_c": 4})
    >>> int(t[C.index["S[0,3]"]]), int(t[C.index["S[3,0]"]]), int(t[C.index["Q[0,0]"]]), t_c
    (0, 1, -1, 1)
    """
    try:
        b_r, b_c = int(blocks["B_r"]), int(blocks["B_c"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInputError(
            "blocks need whole B_r and B_c, e.g. {'B_r': 2, 'B_c': 2}") from None
    if b_r < 1 or b_c < 1:
        raise InvalidInputError(f"block sizes must be at least 1, got B_r={b_r}, B_c={b_c}")
    groups = node_groups(G, compiled.nodes)
    cells = [(v, node_index(name)) for v, (name, g) in enumerate(zip(compiled.nodes, groups,
             strict=True)) if g in TILE_GROUPS]  # fmt: skip
    cells = [(v, ix) for v, ix in cells if len(ix) >= 2]
    out = np.full(compiled.n, -1, np.int32)
    if not cells:
        return out, 0
    width = max(ix[1] for _, ix in cells) + 1  # N, the number of keys
    t_c = math.ceil(width / b_c)
    for v, ix in cells:
        out[v] = (ix[0] // b_r) * t_c + ix[1] // b_c
    return out, t_c


def strategy_frames(
    G: nx.DiGraph,
    strategy: Strategy | EncodedMoves | Any,
    memory: int | None = None,
    variant: str | None = None,
    *,
    compiled: CompiledGraph | None = None,
    blocks: Mapping[str, int] | None = None,
) -> Frames:
    """Replay a strategy and keep it as per-move arrays, with its segments and tiles.

    Parameters
    ----------
    G : networkx.DiGraph
    strategy : Strategy, EncodedMoves or sequence of (kind, node)
    memory : int, optional
        The red-pebble limit M (default: the strategy's own).
    variant : str, optional
        The game (default: the strategy's own, else ``"classic"``).
    compiled : CompiledGraph, optional
        ``compile_graph(G)`` when already built.
    blocks : mapping, optional
        FlashAttention block sizes (``B_r``, ``B_c``), for the tile overlay.

    Returns
    -------
    Frames

    Raises
    ------
    IllegalMoveError
        If the strategy breaks a rule (with the move index, as replay says it).
    InvalidInputError
        As replay: no or a bad memory size, unknown nodes, an unknown variant; bad blocks.

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> f = strategy_frames(chain_dag(2), [("load", "x[0]"), ("compute", "x[1]"),
    ...                                    ("store", "x[1]")], memory=2)
    >>> f
    Frames(3 moves, M=2, io=2, peak=2, 1 segment)
    >>> f.io.tolist(), f.red.tolist(), f.segment_starts.tolist()
    ([1, 1, 2], [1, 2, 2], [0])
    """
    if isinstance(strategy, Strategy):
        memory = strategy.memory if memory is None else memory
        variant = strategy.variant if variant is None else variant
    variant = get_rules("classic" if variant is None else variant).name
    C = compiled if compiled is not None else compile_graph(G)
    node_tile = tile_starts = tiles = None
    if blocks:  # bad blocks are refused before the replay
        node_tile, t_c = tile_of_nodes(G, C, blocks)
        blocks = {**blocks, "T_c": t_c}  # the page names tiles (row, column)
    encoded = _encode(C, strategy, variant)
    cols = move_columns(C, encoded, memory, variant)  # verifies; raises as replay
    M = int(memory)  # move_columns checked it
    kinds = encoded.kinds.astype(np.uint8)
    nodes = encoded.nodes.astype(np.int32)
    starts = segment_starts(kinds, M)
    if node_tile is not None:
        move_tile = np.where(kinds == COMPUTE, node_tile[nodes], -1)
        known = np.flatnonzero(move_tile >= 0)
        if known.size:  # each move in the tile of the last tile node computed (the first
            # tile before that)
            last = np.maximum.accumulate(np.where(move_tile >= 0, np.arange(kinds.size), -1))
            filled = np.where(last >= 0, move_tile[np.maximum(last, 0)], move_tile[known[0]])
            change = np.flatnonzero(np.diff(filled)) + 1
            tile_starts = np.concatenate(([0], change)).astype(np.int64)
            tiles = filled[tile_starts].astype(np.int32)
        else:
            tile_starts = np.zeros(0, np.int64)
            tiles = np.zeros(0, np.int32)
    return Frames(C, kinds, nodes, cols["red"], cols["loads"], cols["stores"], cols["io"],
                  M, variant, starts, dict(blocks or {}), node_tile, tile_starts, tiles)

