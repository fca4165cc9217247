"""Assertions and fixtures for checking pebbling strategies and bounds in pytest suites.

Installed as a pytest plugin (entry point ``pytest11``), so in any project that has
redblue installed the fixtures below are available without imports, and the assertions
can be imported from :mod:`redblue.testing`. Each assertion raises ``AssertionError``
with a message that says what broke: the move index and rule of an invalid strategy, the
measured and allowed I/O, the instance on which a bound fails.

Fixtures
--------
redblue_attention
    The paper's attention DAG for N = 2, d = 1 (26 nodes).
redblue_matmul
    The 2 x 2 x 2 matrix-multiplication DAG.
redblue_chain
    A chain of 5 nodes (Q = 2 for every M >= 2).
redblue_dag
    A factory: ``redblue_dag("attention", 3, 2, sum="fma")`` builds any family of
    :mod:`redblue.dags` by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from redblue import dags
from redblue.bounds.expressions import evaluate
from redblue.errors import IllegalMoveError
from redblue.game import CompiledGraph, EncodedMoves, ReplayResult, Strategy, replay

__all__ = ["assert_bound_holds", "assert_io_at_most", "assert_valid_strategy"]

Moves = Strategy | EncodedMoves | Iterable[Sequence[Any]]


def assert_valid_strategy(
    G: nx.DiGraph | CompiledGraph,
    moves: Moves,
    memory: int | None = None,
    variant: str | None = None,
) -> ReplayResult:
    """Assert that ``moves`` is a complete calculation of ``G`` with ``memory`` red pebbles.

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
    moves : Strategy, EncodedMoves or sequence of (kind, node)
    memory : int, optional
        The red-pebble limit (default: the strategy's own).
    variant : str, optional
        ``"classic"`` or ``"no-recompute"`` (default: the strategy's, else classic).

    Returns
    -------
    ReplayResult
        The verified score, for further checks.

    Raises
    ------
    AssertionError
        If a move breaks a rule; the message gives the move index, the move, the rule
        and the reason, as :class:`redblue.errors.IllegalMoveError` does.

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> G = chain_dag(2)
    >>> assert_valid_strategy(G, [("load", "x[0]"), ("compute", "x[1]"),
    ...                           ("store", "x[1]")], memory=2).io
    2
    >>> assert_valid_strategy(G, [("compute", "x[1]")], memory=2)
    Traceback (most recent call last):
    ...
    AssertionError: invalid strategy: move 0: compute x[1]: predecessor x[0] holds no red \
pebble (R3 compute)
    """
    try:
        return replay(G, moves, memory, variant)
    except IllegalMoveError as exc:
        raise AssertionError(f"invalid strategy: {exc}") from None


def assert_io_at_most(
    G: nx.DiGraph | CompiledGraph,
    moves: Moves,
    bound: float,
    memory: int | None = None,
    variant: str | None = None,
) -> ReplayResult:
    """Assert that ``moves`` is valid and moves at most ``bound`` words.

    Parameters
    ----------
    G, moves, memory, variant
        As in :func:`assert_valid_strategy`.
    bound : float
        The largest acceptable I/O (loads plus stores).

    Returns
    -------
    ReplayResult

    Raises
    ------
    AssertionError
        If the strategy is invalid, or its I/O exceeds ``bound`` (the message gives both
        numbers, the loads and stores, and M).

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> from redblue.strategies import greedy_strategy
    >>> G = chain_dag(4)
    >>> assert_io_at_most(G, greedy_strategy(G, 2), 2).io
    2
    >>> assert_io_at_most(G, greedy_strategy(G, 2), 1)
    Traceback (most recent call last):
    ...
    AssertionError: io 2 exceeds the bound 1 (loads 1, stores 1, M = 2, classic game)
    """
    result = assert_valid_strategy(G, moves, memory, variant)
    if result.io > bound:
        raise AssertionError(
            f"io {result.io} exceeds the bound {bound} (loads {result.loads}, stores "
            f"{result.stores}, M = {result.memory}, {result.variant} game)"
        )
    return result


def _value_of(bound: Any, instance: Mapping[str, Any]) -> float:
    """The bound evaluated at an instance: a callable of the parameters, or an expression."""
    params = {k: v for k, v in instance.items() if k != "io"}
    if callable(bound) and not hasattr(bound, "free_symbols"):
        return float(bound(**params))
    missing = sorted(str(s) for s in bound.free_symbols if str(s) not in params)
    if missing:
        raise AssertionError(f"the bound {bound} needs {', '.join(missing)}; instance {params}")
    return float(evaluate(bound, params))


def assert_bound_holds(
    bound: Any,
    instances: Iterable[Mapping[str, Any]],
    *,
    kind: str = "lower",
) -> int:
    """Assert that a bound holds on every instance: ``bound <= io`` (or ``>=`` for upper).

    Parameters
    ----------
    bound : sympy expression or callable
        A sympy expression in symbols named like the instance keys (``N``, ``d``, ``M``,
        ...), or a function taking the instance's parameters as keyword arguments.
    instances : iterable of mapping
        Each maps parameter names to values and ``"io"`` to the measured I/O (an exact
        optimum for a lower bound, an algorithm's verified I/O for an upper bound).
    kind : {"lower", "upper"}, default "lower"

    Returns
    -------
    int
        The number of instances checked.

    Raises
    ------
    AssertionError
        On the first instance where the bound fails (the message gives the instance, the
        measured I/O and the bound's value), or when there is no instance to check.
    ValueError
        If ``kind`` is neither "lower" nor "upper".

    Examples
    --------
    >>> import sympy as sp
    >>> N, d = sp.symbols("N d", positive=True)
    >>> assert_bound_holds(4 * N * d, [{"N": 2, "d": 1, "io": 9}, {"N": 3, "d": 1, "io": 12}])
    2
    >>> assert_bound_holds(4 * N * d, [{"N": 2, "d": 2, "io": 15}])
    Traceback (most recent call last):
    ...
    AssertionError: lower bound 4*N*d fails on {'N': 2, 'd': 2}: measured io 15 < bound 16
    """
    if kind not in ("lower", "upper"):
        raise ValueError(f"kind must be 'lower' or 'upper', got {kind!r}")
    checked = 0
    for instance in instances:
        if "io" not in instance:
            raise AssertionError(f"instance {dict(instance)} has no measured 'io'")
        io, value = instance["io"], _value_of(bound, instance)
        params = {k: v for k, v in instance.items() if k != "io"}
        if kind == "lower" and io < value:
            raise AssertionError(
                f"lower bound {bound} fails on {params}: measured io {io} < bound {value:g}"
            )
        if kind == "upper" and io > value:
            raise AssertionError(
                f"upper bound {bound} fails on {params}: measured io {io} > bound {value:g}"
            )
        checked += 1
    if not checked:
        raise AssertionError("no instance to check the bound on")
    return checked


_FAMILIES: dict[str, Callable[..., nx.DiGraph]] = {
    "attention": dags.attention_dag,
    "matmul": dags.matmul_dag,
    "chain": dags.chain_dag,
    "pyramid": dags.pyramid_dag,
    "fft": dags.fft_dag,
    "random": dags.random_dag,
}


def build_dag(family: str, *args: Any, **kwargs: Any) -> nx.DiGraph:
    """Build a DAG of :mod:`redblue.dags` by family name (what ``redblue_dag`` returns).

    Raises
    ------
    ValueError
        For an unknown family name.
    """
    try:
        builder = _FAMILIES[family]
    except KeyError:
        raise ValueError(f"unknown DAG family {family!r} (one of {', '.join(_FAMILIES)})") from None
    return builder(*args, **kwargs)


try:  # the fixtures exist only where pytest does (it loads this module as a plugin)
    import pytest
except ImportError:  # pragma: no cover
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def redblue_attention() -> nx.DiGraph:
        """The attention DAG of Saha & Ye Fig. 1 for N = 2, d = 1 (26 nodes)."""
        return dags.attention_dag(2, 1)

    @pytest.fixture
    def redblue_matmul() -> nx.DiGraph:
        """The 2 x 2 x 2 matrix-multiplication DAG."""
        return dags.matmul_dag(2, 2, 2)

    @pytest.fixture
    def redblue_chain() -> nx.DiGraph:
        """A chain of 5 nodes."""
        return dags.chain_dag(5)

    @pytest.fixture
    def redblue_dag() -> Callable[..., nx.DiGraph]:
        """A factory building any DAG family by name, e.g. ``redblue_dag("fft", 8)``."""
        return build_dag
