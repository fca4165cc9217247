"""Strategy verification: replay a move sequence and score it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx

from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.rules import Rules, get_rules
from redblue.game.strategy import EncodedMoves, Strategy, check_memory_size

__all__ = ["ReplayResult", "replay"]


@dataclass(frozen=True)
class ReplayResult:
    """The score of a valid strategy.

    Attributes
    ----------
    valid : bool
        Always True: an invalid strategy raises instead.
    variant : str
        The rules the strategy was checked under.
    memory : int
        The red-pebble limit M.
    moves : int
        Number of moves played.
    loads, stores : int
        R1 and R2 moves; ``io = loads + stores``.
    io : int
        The I/O cost.
    peak_red : int
        The most red pebbles on the graph at once.
    computes : int
        R3 moves, recomputations included.
    recomputations : int
        R3 moves on a vertex computed before.
    """

    valid: bool
    variant: str
    memory: int
    moves: int
    loads: int
    stores: int
    io: int
    peak_red: int
    computes: int
    recomputations: int

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dictionary."""
        return asdict(self)

    def as_row(self) -> dict[str, Any]:
        """The result as one row of scalars (``pandas.DataFrame([r.as_row() for r in rs])``).

        Examples
        --------
        >>> import networkx as nx
        >>> r = replay(nx.DiGraph([("a", "b")]),
        ...            [("load", "a"), ("compute", "b"), ("store", "b")], memory=2)
        >>> r
        ReplayResult(classic, M=2: io=2, loads=1, stores=1, peak=2, 3 moves)
        >>> r.as_row()["io"], r.as_row()["peak_red"]
        (2, 2)
        """
        return asdict(self)

    def __repr__(self) -> str:
        return (f"ReplayResult({self.variant}, M={self.memory:,}: io={self.io:,}, "
                f"loads={self.loads:,}, stores={self.stores:,}, peak={self.peak_red:,}, "
                f"{self.moves:,} moves)")


def _memory_of(memory: int | None, strategy: Any) -> int:
    """The memory size to replay with: the argument, else the strategy's own, checked."""
    if memory is None and isinstance(strategy, Strategy):
        memory = strategy.memory
    if memory is None:
        raise InvalidInputError("no memory size given and the strategy does not state one")
    return check_memory_size(memory)


def replay(
    G: nx.DiGraph | CompiledGraph,
    strategy: Strategy | EncodedMoves | Iterable[Sequence[Any]],
    memory: int | None = None,
    variant: str | Rules | None = None,
    *,
    outputs: Iterable[Hashable] | None = None,
    check_outputs: bool = True,
) -> ReplayResult:
    """Verify a strategy move by move and count its I/O.

    Every move is checked against the rules of the variant and the red-pebble limit;
    at the end every output must hold a blue pebble.

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
        The computation DAG (compiled once here if given as a networkx graph).
    strategy : Strategy, EncodedMoves or sequence of (kind, node)
        The moves to play, from the start configuration (blue on every input).
        EncodedMoves must be replayed on the CompiledGraph they were encoded against.
    memory : int, optional
        The red-pebble limit M. Default: the strategy's own ``memory``. Any whole
        number >= 1: a memory above the number of nodes is played as that number (the
        same game: there are never more red pebbles than nodes), and the result reports
        the memory given.
    variant : str or Rules, optional
        ``"classic"`` (recomputation allowed) or ``"no-recompute"``. Default: the
        strategy's own variant, else ``"classic"``.
    outputs : iterable of nodes, optional
        Nodes that must end blue when ``G`` is a networkx graph (default: nodes marked
        ``output``, else the sinks).
    check_outputs : bool, default True
        Whether to require the end condition; False checks a prefix of a strategy.

    Returns
    -------
    ReplayResult

    Raises
    ------
    IllegalMoveError
        At the first illegal move, with its index, kind, node, the rule broken and the
        reason, e.g. ``move 3: compute c: predecessor b holds no red pebble (R3 compute)``.
    InvalidInputError
        For a strategy that is not a sequence of moves (None, a number, a string),
        moves that are not ``(kind, node)`` pairs, unknown nodes or move kinds, encoded
        moves out of range, a missing or impossible memory size (not a whole number, or
        below 1), or an unknown variant.
    InvalidGraphError
        If ``G`` is not a DAG.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> moves = [("load", "a"), ("compute", "b"), ("delete", "a"),
    ...          ("compute", "c"), ("store", "c")]
    >>> r = replay(G, moves, memory=2)
    >>> r.io, r.peak_red
    (2, 2)
    >>> replay(G, moves, memory=1)
    Traceback (most recent call last):
    ...
    redblue.errors.IllegalMoveError: move 1: compute b: no free red pebble (1 of M = 1 \
in use) (red-pebble limit)

    References
    ----------
    .. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game",
       STOC 1981 (rules R1-R4).
    .. [2] B. Saha and C. Ye, "The I/O complexity of attention, or how optimal is
       FlashAttention?", ICML 2024, Sec. 2 (the model used here).
    """
    mem = _memory_of(memory, strategy)
    if variant is None:
        variant = strategy.variant if isinstance(strategy, Strategy) else "classic"
    rules = get_rules(variant)
    if isinstance(strategy, EncodedMoves):
        if strategy.graph is not G:
            raise InvalidInputError("encoded moves must be replayed on the graph they encode")
        encoded = strategy.checked()
    else:
        graph = G if isinstance(G, CompiledGraph) else compile_graph(G, outputs)
        moves = strategy.moves if isinstance(strategy, Strategy) else strategy
        encoded = rules.encode(graph, moves)
    outcome = rules.play(encoded, mem, check_outputs)
    if outcome.code != 0:
        raise rules.explain(encoded, mem, outcome)
    return ReplayResult(
        valid=True,
        variant=rules.name,
        memory=mem,
        moves=len(encoded),
        loads=outcome.loads,
        stores=outcome.stores,
        io=outcome.loads + outcome.stores,
        peak_red=outcome.peak_red,
        computes=outcome.computes,
        recomputations=outcome.recomputations,
    )
