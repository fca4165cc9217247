"""Big inputs for the viewer: nodes aggregated by tensor, moves by block.

A browser draws a node a pixel and steps a move at a time comfortably up to
:data:`NODE_LIMIT` nodes and :data:`MOVE_LIMIT` moves (the page draws on a canvas above
:data:`SVG_NODE_LIMIT` nodes). Above either limit the viewer shows the DAG as one box a
tensor (the groups of :func:`redblue.view.layout.node_groups`), with how many of its nodes
hold red and blue pebbles, and steps through the strategy a block of moves at a time
(at most :data:`MAX_BLOCKS` blocks), the counters read at each block's end; the page
says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from redblue.game.strategy import COMPUTE, DELETE, DELETE_BLUE, LOAD, STORE
from redblue.view.frames import Frames

__all__ = ["MAX_BLOCKS", "MOVE_LIMIT", "NODE_LIMIT", "SVG_NODE_LIMIT", "Aggregate",
           "aggregate_frames", "needs_aggregation"]  # fmt: skip

#: Above this many nodes the page draws nodes on a canvas instead of as SVG elements.
SVG_NODE_LIMIT = 2_000
#: Above this many nodes the page shows one box a tensor instead of one dot a node.
NODE_LIMIT = 50_000
#: Above this many moves the page steps a block of moves at a time.
MOVE_LIMIT = 1_000_000
#: The most blocks an aggregated strategy is cut into.
MAX_BLOCKS = 10_000


def needs_aggregation(nodes: int, moves: int = 0) -> bool:
    """Whether a DAG of ``nodes`` nodes and a strategy of ``moves`` moves is aggregated.

    Examples
    --------
    >>> needs_aggregation(35_000, 100_000), needs_aggregation(60_000), \
needs_aggregation(10, 2_000_000)
    (False, True, True)
    """
    return nodes > NODE_LIMIT or moves > MOVE_LIMIT


@dataclass(frozen=True, eq=False)
class Aggregate:
    """A strategy seen a block of moves at a time and a tensor at a time.

    Attributes
    ----------
    block : int
        Moves per block (the last block may be shorter).
    ends : numpy.ndarray
        int64, per block the number of moves played at its end.
    red, loads, stores, io, peak : numpy.ndarray
        int64, per block the counters after its last move (``peak``: the most red
        pebbles in use up to then).
    group_red, group_blue : numpy.ndarray
        int64 of shape (blocks, groups): nodes of each group holding red (blue) at the
        end of each block.
    """

    block: int
    ends: np.ndarray
    red: np.ndarray
    loads: np.ndarray
    stores: np.ndarray
    io: np.ndarray
    peak: np.ndarray
    group_red: np.ndarray
    group_blue: np.ndarray


def aggregate_frames(frames: Frames, group_of: np.ndarray, groups: int,
                     max_blocks: int | None = None) -> Aggregate:  # fmt: skip
    """Cut a strategy into at most ``max_blocks`` blocks and count pebbles per group.

    Parameters
    ----------
    frames : Frames
        The strategy, verified (:func:`redblue.view.frames.strategy_frames`).
    group_of : numpy.ndarray
        Per compiled node id, its group number in ``0..groups-1``.
    groups : int
    max_blocks : int, optional
        Default: :data:`MAX_BLOCKS`.

    Returns
    -------
    Aggregate

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> from redblue.view.frames import strategy_frames
    >>> f = strategy_frames(chain_dag(2), [("load", "x[0]"), ("compute", "x[1]"),
    ...                                    ("store", "x[1]")], memory=2)
    >>> a = aggregate_frames(f, np.array([0, 0]), 1, max_blocks=2)
    >>> a.block, a.ends.tolist(), a.io.tolist(), a.group_red.tolist(), a.group_blue.tolist()
    (2, [2, 3], [1, 2], [[2], [2]], [[1], [2]])
    """
    t = len(frames)
    max_blocks = MAX_BLOCKS if max_blocks is None else max_blocks
    block = max(1, math.ceil(t / max(1, max_blocks)))
    ends = np.minimum(np.arange(block, t + block, block), t).astype(np.int64)
    last = ends - 1
    kinds, nodes = frames.kinds, frames.nodes
    red_delta = np.zeros(5, np.int64)
    red_delta[[LOAD, COMPUTE, DELETE]] = (1, 1, -1)
    blue_delta = np.zeros(5, np.int64)
    blue_delta[[STORE, DELETE_BLUE]] = (1, -1)
    cell = (np.arange(t) // block) * groups + group_of[nodes]
    size = ends.size * groups

    def counts(delta: np.ndarray) -> np.ndarray:
        per_block = np.bincount(cell, weights=delta[kinds], minlength=size)
        return np.cumsum(per_block.reshape(ends.size, groups), axis=0).round().astype(np.int64)

    blue0 = np.bincount(group_of[frames.compiled.is_input.astype(bool)], minlength=groups)
    return Aggregate(block, ends, frames.red[last], frames.loads[last], frames.stores[last],
                     frames.io[last], np.maximum.accumulate(frames.red)[last],
                     counts(red_delta), counts(blue_delta) + blue0)  # fmt: skip
