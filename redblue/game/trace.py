"""A strategy move by move, and two strategies side by side.

:func:`move_columns` and :func:`move_table` give, for every move of a strategy, the red
pebbles in use after it and the loads, stores and I/O so far; :func:`diff_strategies`
compares two strategies on one DAG (their scores, the nodes they load or store a
different number of times, the first move where they part). :func:`format_table` prints
either as aligned text, CSV or markdown.

Both replay the strategies first (:func:`redblue.game.replay`), so an invalid strategy
raises :class:`~redblue.errors.IllegalMoveError` exactly as replay does, and the rules
live in one place. The counters are then read off the accepted moves with numpy: in a
valid sequence a load or a compute always adds a red pebble (the rules refuse either on
a node that holds red) and a delete always removes one, so the red pebbles in use are a
running sum, checked against the replay's own peak and totals.
"""

from __future__ import annotations

import csv
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import networkx as nx
import numpy as np

from redblue.checks import check_whole
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.replay import ReplayResult, replay
from redblue.game.rules import Rules, get_rules
from redblue.game.strategy import (
    COMPUTE,
    DELETE,
    LOAD,
    MOVE_KINDS,
    STORE,
    EncodedMoves,
    Strategy,
)

__all__ = [
    "MOVE_COLUMNS",
    "TABLE_FORMATS",
    "StrategyDiff",
    "diff_strategies",
    "format_table",
    "move_columns",
    "move_table",
    "table_lines",
]

#: The columns of :func:`move_table`: the move's index (from 0), kind and node, then the
#: red pebbles in use after it and the loads, stores and I/O up to and including it.
MOVE_COLUMNS: tuple[str, ...] = ("index", "move", "node", "red", "loads", "stores", "io")

#: The formats :func:`format_table` writes.
TABLE_FORMATS: tuple[str, ...] = ("text", "csv", "markdown")

# red pebbles a move adds, indexed by kind code (MOVE_KINDS order); delete-blue adds none
_RED_DELTA = np.zeros(len(MOVE_KINDS), np.int64)
_RED_DELTA[[LOAD, COMPUTE, DELETE]] = (1, 1, -1)

Moves = Strategy | EncodedMoves | Iterable[Sequence[Any]]


def _verified(
    graph: nx.DiGraph | CompiledGraph,
    strategy: Moves,
    memory: int | None,
    variant: str | Rules | None,
) -> tuple[EncodedMoves, ReplayResult]:
    """The moves as replay accepted them, and the replay's result (raises as replay)."""
    if isinstance(strategy, Strategy):  # replay's own defaults, made explicit here
        memory = strategy.memory if memory is None else memory
        variant = strategy.variant if variant is None else variant
    rules = get_rules("classic" if variant is None else variant)
    if isinstance(strategy, EncodedMoves):
        result = replay(graph, strategy, memory, rules)  # refuses moves of another graph
        return strategy.checked(), result
    if not isinstance(graph, CompiledGraph):
        graph = compile_graph(graph)
    encoded = rules.encode(graph, strategy.moves if isinstance(strategy, Strategy) else strategy)
    return encoded, replay(graph, encoded, memory, rules)


def _object_array(values: Sequence[Any]) -> np.ndarray:
    """``values`` as a 1-D object array (tuple node ids stay whole, not a 2-D array)."""
    return np.fromiter(values, dtype=object, count=len(values))


def move_columns(
    G: nx.DiGraph | CompiledGraph,
    strategy: Moves,
    memory: int | None = None,
    variant: str | Rules | None = None,
) -> dict[str, np.ndarray]:
    """The per-move table of a strategy as columns: one numpy array per :data:`MOVE_COLUMNS`.

    The columnar form of :func:`move_table`, for long strategies (a few arrays instead of
    a dictionary a move); ``pandas.DataFrame(move_columns(G, s))`` takes it as is.

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
        The computation DAG (a CompiledGraph when ``strategy`` is EncodedMoves on it).
    strategy : Strategy, EncodedMoves or sequence of (kind, node)
        The moves, replayed and verified first.
    memory : int, optional
        The red-pebble limit M. Default: the strategy's own.
    variant : str or Rules, optional
        Default: the strategy's own, else ``"classic"``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``index``, ``red``, ``loads``, ``stores``, ``io`` as int64 arrays; ``move`` (the
        kind) and ``node`` (the node id) as object arrays.

    Raises
    ------
    IllegalMoveError
        If the strategy breaks a rule (as :func:`~redblue.game.replay` raises it).
    InvalidInputError
        As :func:`~redblue.game.replay`: moves that are not moves, unknown nodes, no or
        a bad memory size, an unknown variant.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b")])
    >>> cols = move_columns(G, [("load", "a"), ("compute", "b"), ("store", "b")], memory=2)
    >>> cols["red"].tolist(), cols["io"].tolist()
    ([1, 2, 2], [1, 1, 2])
    """
    encoded, result = _verified(G, strategy, memory, variant)
    kinds = encoded.kinds
    red = np.cumsum(_RED_DELTA[kinds])
    loads = np.cumsum(kinds == LOAD, dtype=np.int64)
    stores = np.cumsum(kinds == STORE, dtype=np.int64)
    tally = (int(red.max(initial=0)), int(loads[-1]) if loads.size else 0,
             int(stores[-1]) if stores.size else 0)  # fmt: skip
    if tally != (result.peak_red, result.loads, result.stores):
        # a variant whose moves place or lift pebbles differently from R1-R4
        raise NotImplementedError(
            f"per-move counters of the {result.variant} game: the running sums give "
            f"(peak, loads, stores) = {tally}, the replay "
            f"{(result.peak_red, result.loads, result.stores)}"
        )
    return {
        "index": np.arange(kinds.size, dtype=np.int64),
        "move": _object_array(MOVE_KINDS)[kinds],
        "node": _object_array(encoded.graph.nodes)[encoded.nodes],
        "red": red,
        "loads": loads,
        "stores": stores,
        "io": loads + stores,
    }


def move_table(
    G: nx.DiGraph | CompiledGraph,
    strategy: Moves,
    memory: int | None = None,
    variant: str | Rules | None = None,
) -> list[dict[str, Any]]:
    """The strategy move by move: one row (a dict of :data:`MOVE_COLUMNS`) a move.

    Parameters and errors as :func:`move_columns`, of which this is the row form.

    Returns
    -------
    list of dict
        ``index``, ``move``, ``node``, then after the move: ``red`` (red pebbles in use),
        ``loads``, ``stores`` and ``io`` so far.

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> moves = [("load", "x[0]"), ("compute", "x[1]"), ("delete", "x[0]"),
    ...          ("store", "x[1]")]
    >>> for row in move_table(chain_dag(2), moves, memory=2):
    ...     print(row)
    {'index': 0, 'move': 'load', 'node': 'x[0]', 'red': 1, 'loads': 1, 'stores': 0, 'io': 1}
    {'index': 1, 'move': 'compute', 'node': 'x[1]', 'red': 2, 'loads': 1, 'stores': 0, 'io': 1}
    {'index': 2, 'move': 'delete', 'node': 'x[0]', 'red': 1, 'loads': 1, 'stores': 0, 'io': 1}
    {'index': 3, 'move': 'store', 'node': 'x[1]', 'red': 1, 'loads': 1, 'stores': 1, 'io': 2}
    >>> move_table(chain_dag(2), moves, memory=1)
    Traceback (most recent call last):
    ...
    redblue.errors.IllegalMoveError: move 1: compute x[1]: no free red pebble (1 of M = 1 \
in use) (red-pebble limit)
    """
    return _rows(move_columns(G, strategy, memory, variant))


def _rows(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Columns of equal length as a list of row dictionaries (Python scalars)."""
    names = list(columns)
    lists = [c.tolist() if isinstance(c, np.ndarray) else list(c) for c in columns.values()]
    # map, not a comprehension: no Python frame a row (a third faster on long tables)
    return list(map(dict, map(zip, repeat(names), zip(*lists, strict=True))))


@dataclass(frozen=True, eq=False)
class StrategyDiff:
    """Two valid strategies on one DAG, compared (built by :func:`diff_strategies`).

    Attributes
    ----------
    a, b : ReplayResult
        The replays of the two strategies.
    divergence : int or None
        The first move index where the two sequences differ (the length of the shorter
        one when it is a prefix of the other); None when they are the same moves.
    move_a, move_b : (str, node) or None
        The moves each plays at ``divergence``; None for one that has ended there.
    nodes : tuple
        The nodes loaded or stored a different number of times, largest difference
        first (``|loads| + |stores|``, then the topological order).
    loads_a, loads_b, stores_a, stores_b : numpy.ndarray
        Per node of ``nodes``: how often each strategy loads and stores it.
    """

    a: ReplayResult
    b: ReplayResult
    divergence: int | None
    move_a: tuple[str, Hashable] | None
    move_b: tuple[str, Hashable] | None
    nodes: tuple[Hashable, ...]
    loads_a: np.ndarray
    loads_b: np.ndarray
    stores_a: np.ndarray
    stores_b: np.ndarray

    #: the scores :meth:`as_rows` puts side by side (fields of ReplayResult)
    MEASURES = ("io", "loads", "stores", "peak_red", "moves", "computes", "recomputations")

    @property
    def identical(self) -> bool:
        """Whether the two strategies are the same moves."""
        return self.divergence is None

    def as_rows(self) -> list[dict[str, Any]]:
        """The scores side by side: one row a measure, ``measure``, ``a``, ``b``, ``b - a``."""
        pairs = ((m, getattr(self.a, m), getattr(self.b, m)) for m in self.MEASURES)
        return [{"measure": m, "a": x, "b": y, "b - a": y - x} for m, x, y in pairs]

    def node_rows(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The nodes that differ (at most ``limit``, largest difference first), one row a
        node: ``node``, ``loads a``, ``loads b``, ``stores a``, ``stores b``."""
        stop = len(self.nodes) if limit is None else check_whole(limit, "limit", 0)
        columns = {"node": self.nodes[:stop], "loads a": self.loads_a[:stop],
                   "loads b": self.loads_b[:stop], "stores a": self.stores_a[:stop],
                   "stores b": self.stores_b[:stop]}  # fmt: skip
        return _rows(columns)

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        """JSON-ready: both replays, the first divergence, the differing nodes (at most
        ``limit`` of them, node ids that are not str or int as text)."""

        def plain(node: Any) -> Any:
            return node if isinstance(node, str | int) else str(node)

        def move(m: tuple[str, Hashable] | None) -> list | None:
            return None if m is None else [m[0], plain(m[1])]

        rows = self.node_rows(limit)
        for row in rows:
            row["node"] = plain(row["node"])
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "identical": self.identical,
            "divergence": None if self.identical else
            {"index": self.divergence, "a": move(self.move_a), "b": move(self.move_b)},
            "nodes_differing": len(self.nodes),
            "nodes": rows,
        }

    def __repr__(self) -> str:
        a, b = self.a, self.b
        where = "same moves" if self.identical else f"first divergence at move {self.divergence:,}"
        return (f"StrategyDiff(io {a.io:,} vs {b.io:,}, loads {a.loads:,} vs {b.loads:,}, "
                f"stores {a.stores:,} vs {b.stores:,}, peak {a.peak_red:,} vs {b.peak_red:,}; "
                f"{len(self.nodes):,} differing node{'' if len(self.nodes) == 1 else 's'}; "
                f"{where})")


def diff_strategies(
    G: nx.DiGraph | CompiledGraph,
    a: Moves,
    b: Moves,
    memory: int | None = None,
    variant: str | Rules | None = None,
) -> StrategyDiff:
    """Compare two strategies on one DAG: scores, per-node loads and stores, divergence.

    Both are replayed and verified first; each with its own memory and variant unless
    ``memory`` or ``variant`` is given (then both use it).

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
        The computation DAG, compiled once for both.
    a, b : Strategy, EncodedMoves or sequence of (kind, node)
        The two strategies.
    memory : int, optional
        The red-pebble limit M for both. Default: each strategy's own.
    variant : str or Rules, optional
        The rules for both. Default: each strategy's own, else ``"classic"``.

    Returns
    -------
    StrategyDiff

    Raises
    ------
    IllegalMoveError
        If either strategy breaks a rule; a note on the error (``exc.__notes__``) says
        which one, ``"strategy a"`` or ``"strategy b"``.
    InvalidInputError
        As :func:`~redblue.game.replay`, for either strategy.

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> G = chain_dag(2)
    >>> direct = [("load", "x[0]"), ("compute", "x[1]"), ("store", "x[1]")]
    >>> spill = [("load", "x[0]"), ("store", "x[0]")] + direct[1:]
    >>> diff_strategies(G, direct, spill, memory=2)
    Traceback (most recent call last):
    ...
    redblue.errors.IllegalMoveError: move 1: store x[0]: it already holds a blue pebble \
(R2 store)
    strategy b
    >>> spill = [("load", "x[0]"), ("delete", "x[0]"), ("load", "x[0]")] + direct[1:]
    >>> d = diff_strategies(G, direct, spill, memory=2)
    >>> d
    StrategyDiff(io 2 vs 3, loads 1 vs 2, stores 1 vs 1, peak 2 vs 2; 1 differing node; \
first divergence at move 1)
    >>> d.move_a, d.move_b, d.node_rows()
    (('compute', 'x[1]'), ('delete', 'x[0]'), [{'node': 'x[0]', 'loads a': 1, 'loads b': 2, \
'stores a': 0, 'stores b': 0}])
    """
    graph = G if isinstance(G, CompiledGraph) else compile_graph(G)
    played = []
    for name, strategy in (("a", a), ("b", b)):
        try:
            played.append(_verified(graph, strategy, memory, variant))
        except IllegalMoveError as exc:
            exc.add_note(f"strategy {name}")
            raise
    (ea, ra), (eb, rb) = played  # both on ``graph`` (replay refuses moves of another)
    n = graph.n

    def per_node(enc: EncodedMoves, kind: int) -> np.ndarray:
        return np.bincount(enc.nodes[enc.kinds == kind], minlength=n)

    la, lb = per_node(ea, LOAD), per_node(eb, LOAD)
    sa, sb = per_node(ea, STORE), per_node(eb, STORE)
    score = np.abs(la - lb) + np.abs(sa - sb)
    differ = np.flatnonzero(score)
    differ = differ[np.lexsort((differ, -score[differ]))]  # largest first, then by id
    divergence = _first_difference(ea, eb)
    at = (None, None) if divergence is None else tuple(
        enc.move(divergence) if divergence < len(enc) else None for enc in (ea, eb))
    return StrategyDiff(
        ra, rb, divergence, at[0], at[1], tuple(graph.nodes[v] for v in differ.tolist()),
        la[differ], lb[differ], sa[differ], sb[differ],
    )


def _first_difference(a: EncodedMoves, b: EncodedMoves) -> int | None:
    """The first index where two move sequences differ; None if they are equal."""
    common = min(len(a), len(b))
    unequal = (a.kinds[:common] != b.kinds[:common]) | (a.nodes[:common] != b.nodes[:common])
    hits = np.flatnonzero(unequal)
    if hits.size:
        return int(hits[0])
    return None if len(a) == len(b) else common


def format_table(
    table: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]],
    format: str = "text",
) -> str:
    """A table as aligned text, CSV or markdown (one line a row, a header first).

    Parameters
    ----------
    table : list of dict, or dict of columns
        Rows of one set of keys (:func:`move_table`, :meth:`StrategyDiff.as_rows`), or
        columns of one length (:func:`move_columns`).
    format : {"text", "csv", "markdown"}, default "text"
        Text aligns the columns (numbers to the right); markdown escapes ``|``.

    Returns
    -------
    str
        The table, ending with a newline.

    Raises
    ------
    InvalidInputError
        For an unknown format, or rows with different keys.

    Examples
    --------
    >>> rows = [{"node": "x[0]", "loads": 1}, {"node": "x[1]", "loads": 12}]
    >>> print(format_table(rows), end="")
    node  loads
    x[0]      1
    x[1]     12
    >>> print(format_table(rows, "markdown"), end="")
    | node | loads |
    |---|---:|
    | x[0] | 1 |
    | x[1] | 12 |
    """
    return "".join(line + "\n" for line in table_lines(table, format))


def table_lines(
    table: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]],
    format: str = "text",
) -> Iterator[str]:
    """The lines of :func:`format_table`, without newlines, one at a time.

    Columns given as numpy arrays are turned into Python values a chunk of rows at a
    time, so a table of millions of moves is written without a list of millions of rows.
    Parameters and errors as :func:`format_table`.

    Examples
    --------
    >>> list(table_lines({"move": ["load", "store"], "io": np.array([1, 2])}, "csv"))
    ['move,io', 'load,1', 'store,2']
    """
    if format not in TABLE_FORMATS:
        raise InvalidInputError(
            f"unknown table format {format!r} (expected one of {', '.join(TABLE_FORMATS)})"
        )
    columns = table if isinstance(table, Mapping) else _columns(table)
    names, values = list(columns), list(columns.values())
    lengths = {len(v) for v in values}
    if len(lengths) > 1:
        raise InvalidInputError(f"table columns of different lengths {sorted(lengths)}")
    rows = _chunked_rows(values, lengths.pop() if lengths else 0)
    if format == "csv":
        return _csv_lines(names, rows)
    numeric = [_numeric(v) for v in values]
    if format == "markdown":
        return _markdown_lines(names, numeric, rows)
    widths = [max(len(str(name)), _width(v)) for name, v in zip(names, values, strict=True)]
    return _text_lines(names, numeric, widths, rows)


_CHUNK = 1 << 16


def _chunked_rows(values: list[Sequence[Any]], count: int) -> Iterator[tuple]:
    for start in range(0, count, _CHUNK):
        part = [v[start : start + _CHUNK] for v in values]
        yield from zip(*(c.tolist() if isinstance(c, np.ndarray) else c for c in part),
                       strict=True)


def _numeric(column: Sequence[Any]) -> bool:
    """Whether every value is a number (right-aligned); an empty column is not."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "iuf":
        return column.size > 0
    return len(column) > 0 and all(
        isinstance(x, int | float | np.number) and not isinstance(x, bool) for x in column
    )


def _width(column: Sequence[Any]) -> int:
    """The widest value of a column as text (integer arrays by their extremes)."""
    if not len(column):
        return 0
    if isinstance(column, np.ndarray) and column.dtype.kind in "iu":
        return max(len(str(column.min())), len(str(column.max())))
    return max(map(len, map(str, column)))


def _columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Rows of one set of keys as columns."""
    if not rows:
        return {}
    names = list(rows[0])
    for t, row in enumerate(rows):
        if list(row) != names:
            raise InvalidInputError(f"table row {t} has keys {list(row)}, row 0 has {names}")
    return {name: [row[name] for row in rows] for name in names}


class _Line:
    """A file object for csv.writer that keeps the last line written."""

    text = ""

    def write(self, text: str) -> None:
        self.text = text


def _csv_lines(names: list[str], rows: Iterable[tuple]) -> Iterator[str]:
    line = _Line()
    writer = csv.writer(line, lineterminator="")
    writer.writerow(names)
    yield line.text
    for row in rows:
        writer.writerow(row)
        yield line.text


def _markdown_lines(
    names: list[str], numeric: list[bool], rows: Iterable[tuple]
) -> Iterator[str]:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    yield "| " + " | ".join(map(cell, names)) + " |"
    yield "|" + "|".join("---:" if num else "---" for num in numeric) + "|"
    for row in rows:
        yield "| " + " | ".join(map(cell, row)) + " |"


def _text_lines(
    names: list[str], numeric: list[bool], widths: list[int], rows: Iterable[tuple]
) -> Iterator[str]:
    def line(cells: Iterable[Any]) -> str:
        parts = (str(c).rjust(w) if num else str(c).ljust(w)
                 for c, w, num in zip(cells, widths, numeric, strict=True))  # fmt: skip
        return "  ".join(parts).rstrip()

    yield line(names)
    for row in rows:
        yield line(row)
