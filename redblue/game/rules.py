"""Rules objects: one per variant of the red-blue pebble game.

A :class:`Rules` object encodes moves, plays them and explains violations. Replay
(:func:`redblue.game.replay.replay`) only asks the rules for these three things, so a
new variant, such as the partial-computation game PRBP of Papp, Sobczyk and Yzelman
(2025), is a new subclass registered in :data:`VARIANTS`, with no change to replay.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981.
.. [2] E. D. Demaine and Q. C. Liu, "Red-blue pebbling revisited: near optimal
   parallel matrix-matrix multiplication", and the no-recomputation hardness results.
.. [3] P. A. Papp, A. Sobczyk and A. N. Yzelman, "Partial-computation red-blue
   pebbling", arXiv 2506.10854, 2025.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from redblue.checks import short_repr
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import kernel as K
from redblue.game.compiled import CompiledGraph
from redblue.game.strategy import EncodedMoves, encode_moves

__all__ = ["Outcome", "Rules", "ClassicRules", "NoRecomputeRules", "VARIANTS", "get_rules"]


@dataclass(frozen=True)
class Outcome:
    """What a rules object reports after playing a move sequence."""

    code: int
    index: int
    detail: int
    loads: int
    stores: int
    computes: int
    recomputations: int
    peak_red: int
    red_at_failure: int


class Rules:
    """Base class of game variants.

    Subclasses set :attr:`name` and :attr:`description` and implement :meth:`play`.
    """

    name: str = ""
    description: str = ""

    def encode(self, graph: CompiledGraph, moves: Iterable[Sequence[Any]]) -> EncodedMoves:
        """Encode ``(kind, node)`` moves for :meth:`play` (raises InvalidInputError)."""
        return encode_moves(graph, moves)

    def play(self, moves: EncodedMoves, memory: int, check_outputs: bool = True) -> Outcome:
        """Play the moves from the start configuration (blue on every input)."""
        raise NotImplementedError

    def explain(self, moves: EncodedMoves, memory: int, outcome: Outcome) -> IllegalMoveError:
        """The error describing a failed :class:`Outcome`."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class ClassicRules(Rules):
    """Hong and Kung's game: R1 load, R2 store, R3 compute, R4 delete; recomputation allowed.

    Moves are strict: a move must change the configuration, so loading or computing a
    node that already holds red, or storing one that already holds blue, is illegal
    (such moves only waste I/O and usually reveal a bug in a schedule).
    """

    name = "classic"
    description = "Hong-Kung red-blue pebble game, recomputation allowed"
    allow_recompute = True

    def play(self, moves: EncodedMoves, memory: int, check_outputs: bool = True) -> Outcome:
        """Play the moves in the compiled kernel.

        The kernel gets ``min(memory, nodes)``: no configuration holds more red pebbles
        than there are nodes, so the game is the same, and a memory such as ``10**26``
        (past int64) never reaches the compiled code.
        """
        g = moves.graph
        limit = min(int(memory), g.n)
        result = K.play_classic(
            moves.kinds, moves.nodes, g.pred_ptr, g.pred_idx, g.is_input, g.is_output,
            limit, bool(self.allow_recompute), bool(check_outputs),
        )  # fmt: skip
        return Outcome(*(int(x) for x in result))

    def explain(self, moves: EncodedMoves, memory: int, outcome: Outcome) -> IllegalMoveError:
        g, code, t = moves.graph, outcome.code, outcome.index
        if code == K.OUTPUT_NOT_BLUE:
            node = g.nodes[outcome.detail]
            return IllegalMoveError(
                t, None, node, "end condition", f"output {node} holds no blue pebble"
            )
        kind, node = moves.move(t)
        red = outcome.red_at_failure
        rule, reason = {
            K.LOAD_NO_BLUE: ("R1 load", "it holds no blue pebble"),
            K.LOAD_HAS_RED: ("R1 load", "it already holds a red pebble"),
            K.STORE_NO_RED: ("R2 store", "it holds no red pebble"),
            K.STORE_HAS_BLUE: ("R2 store", "it already holds a blue pebble"),
            K.COMPUTE_INPUT: ("R3 compute", "it is an input; inputs are loaded, not computed"),
            K.COMPUTE_HAS_RED: ("R3 compute", "it already holds a red pebble"),
            K.DELETE_NO_RED: ("R4 delete", "it holds no red pebble"),
            K.DELETE_BLUE_NO_BLUE: ("R4 delete", "it holds no blue pebble"),
            K.RED_LIMIT: (
                "red-pebble limit",
                f"no free red pebble ({red} of M = {memory} in use)",
            ),
        }.get(code, (None, None))
        if code == K.COMPUTE_PRED_NOT_RED:
            pred = g.nodes[outcome.detail]
            rule, reason = "R3 compute", f"predecessor {pred} holds no red pebble"
        elif code == K.COMPUTE_AGAIN:
            rule = "no recomputation"
            reason = f"it was already computed at move {outcome.detail}"
        elif rule is None:
            rule, reason = "unknown move", f"move code {int(moves.kinds[t])} is not a move kind"
        return IllegalMoveError(t, kind, node, rule, reason)


class NoRecomputeRules(ClassicRules):
    """The classic game in which each vertex may be computed at most once."""

    name = "no-recompute"
    description = "red-blue pebble game, each vertex computed at most once"
    allow_recompute = False


VARIANTS: dict[str, Rules] = {r.name: r for r in (ClassicRules(), NoRecomputeRules())}


def get_rules(variant: str | Rules) -> Rules:
    """The rules object of a variant name (``"classic"`` or ``"no-recompute"``).

    Raises
    ------
    InvalidInputError
        For an unknown variant name.
    """
    if isinstance(variant, Rules):
        return variant
    try:
        return VARIANTS[variant]
    except (KeyError, TypeError):
        raise InvalidInputError(
            f"unknown game variant {short_repr(variant)} (expected one of "
            f"{', '.join(VARIANTS)})"
        ) from None
