"""The pytest plugin redblue.testing: its fixtures (used here as a user would) and assertions."""

from __future__ import annotations

import pytest
import sympy as sp

from redblue.strategies import greedy_strategy
from redblue.testing import assert_bound_holds, assert_io_at_most, assert_valid_strategy


def test_fixtures_come_from_the_plugin(redblue_attention, redblue_matmul, redblue_chain):
    assert redblue_attention.number_of_nodes() == 26
    assert redblue_matmul.number_of_nodes() == 20
    assert redblue_chain.number_of_nodes() == 5


def test_factory_fixture(redblue_dag):
    assert redblue_dag("attention", 3, 2).number_of_nodes() == 99
    assert redblue_dag("attention", 2, 1, sum="fma").number_of_nodes() == 24
    with pytest.raises(ValueError, match="unknown DAG family 'ring'"):
        redblue_dag("ring", 3)


def test_valid_strategy_returns_the_score(redblue_attention):
    result = assert_valid_strategy(redblue_attention, greedy_strategy(redblue_attention, 5))
    assert result.peak_red <= 5 and result.io >= 8


def test_invalid_strategy_message_names_move_and_rule(redblue_attention):
    moves = greedy_strategy(redblue_attention, 5).moves
    broken = moves[:3] + moves[4:]  # drop one move: some later move must fail
    with pytest.raises(AssertionError, match=r"invalid strategy: move \d+: .*\(R\d|limit|end"):
        assert_valid_strategy(redblue_attention, broken, memory=5)


def test_io_at_most(redblue_chain):
    s = greedy_strategy(redblue_chain, 2)
    assert assert_io_at_most(redblue_chain, s, 2).io == 2
    with pytest.raises(AssertionError, match="io 2 exceeds the bound 1.5"):
        assert_io_at_most(redblue_chain, s, 1.5)


def test_bound_holds_with_expressions_and_callables():
    N, d = sp.symbols("N d", positive=True)
    rows = [{"N": 2, "d": 1, "io": 8}, {"N": 3, "d": 2, "io": 30}]
    assert assert_bound_holds(4 * N * d, rows) == 2
    assert assert_bound_holds(lambda N, d: 5 * N * d, rows, kind="upper") == 2
    with pytest.raises(AssertionError, match=r"fails on \{'N': 3, 'd': 2\}: measured io 30 < "):
        assert_bound_holds(4 * N * d**2, rows)
    with pytest.raises(AssertionError, match="upper bound"):
        assert_bound_holds(lambda N, d: 4 * N * d, rows, kind="upper")
    with pytest.raises(AssertionError, match="needs M"):
        assert_bound_holds(N * d / sp.Symbol("M"), rows)
    with pytest.raises(AssertionError, match="no instance"):
        assert_bound_holds(4 * N * d, [])
