"""The red-blue pebble game: compiled graphs, rules, strategies and replay.

Strategy files are read and written by :mod:`redblue.readwrite`.
"""

from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.reference import replay_reference
from redblue.game.replay import ReplayResult, replay
from redblue.game.rules import VARIANTS, ClassicRules, NoRecomputeRules, Rules, get_rules
from redblue.game.strategy import (
    MOVE_KINDS,
    EncodedMoves,
    Strategy,
    encode_moves,
)

__all__ = [
    "CompiledGraph",
    "compile_graph",
    "replay",
    "replay_reference",
    "ReplayResult",
    "Rules",
    "ClassicRules",
    "NoRecomputeRules",
    "VARIANTS",
    "get_rules",
    "MOVE_KINDS",
    "Strategy",
    "EncodedMoves",
    "encode_moves",
]
