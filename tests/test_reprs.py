"""Results that fit a notebook: one-line reprs however big the result, rows of scalars.

The docs' N = 64 FlashAttention-2 simulation holds 288,256 moves; its default dataclass
repr was 10 MB. Every repr here must stay one short line, and ``==`` must mean what it
meant before (the reprs and rows are additions, not new fields to compare).
"""

from __future__ import annotations

import dataclasses

import pytest

from redblue.dags import chain_dag
from redblue.game import Strategy, replay
from redblue.game.trace import diff_strategies
from redblue.search import SearchResult, solve
from redblue.strategies import simulate

SCALARS = (int, float, str, bool, type(None))


@pytest.fixture(scope="module")
def big():
    return simulate("flash2", 64, 8, 256)


def short(x) -> str:
    text = repr(x)
    assert len(text) < 200 and "\n" not in text, text[:300]
    return text


def scalar_row(row: dict) -> dict:
    assert row and all(isinstance(k, str) for k in row)
    assert all(isinstance(v, SCALARS) for v in row.values()), row
    return row


def test_simulation(big):
    assert len(big.moves) > 250_000
    assert short(big) == ("Simulation(flash2, N=64, d=8, M=256: io=9,216, loads=8,704, "
                          "stores=512, peak=251, 288,256 moves)")  # fmt: skip
    row = scalar_row(big.as_row())
    assert (row["algorithm"], row["n"], row["d"], row["memory"], row["sum"]) == (
        "flash2", 64, 8, 256, "chain")
    assert {k: row[k] for k in big.result.as_row()} == big.result.as_row()
    assert {k: row[k] for k in big.blocks} == big.blocks
    # n, d, sum and stable are not compared: == is what it was
    assert dataclasses.replace(big, n=None, d=None) == big


def test_moves_and_replay_result(big):
    assert short(big.moves) == "EncodedMoves(288,256 moves on a graph of 136,704 nodes)"
    assert short(big.result) == ("ReplayResult(classic, M=256: io=9,216, loads=8,704, "
                                 "stores=512, peak=251, 288,256 moves)")  # fmt: skip
    assert scalar_row(big.result.as_row()) == big.result.to_dict()
    assert big.result == dataclasses.replace(big.result)
    assert big.result != dataclasses.replace(big.result, io=0)


def test_strategy(big):
    s = Strategy(big.moves.decode(), 256)
    assert short(s) == "Strategy(288,256 moves, memory=256, variant='classic')"
    assert replay(big.compiled, s).io == 9216
    # equality still compares the moves, memory and variant
    assert s == Strategy(list(s.moves), 256) and s != Strategy(s.moves[:-1], 256)
    assert s != Strategy(s.moves, 255) and s != Strategy(s.moves, 256, "no-recompute")
    assert short(Strategy(moves=[("load", "x")] * 3, memory=10**500, variant="v" * 500))


def test_search_result(big):
    r = solve(chain_dag(5), memory=2)
    assert short(r).startswith("SearchResult(classic, M=2: optimal io=2, astar, ")
    assert scalar_row(r.as_row()) == r.to_dict()
    huge = dataclasses.replace(r, strategy=Strategy(big.moves.decode(), 256),
                               optimal=False, io=None, lower=1, stopped="time limit")  # fmt: skip
    assert "io in [1, 2] (time limit)" in short(huge)
    assert huge != r and dataclasses.replace(huge) == huge
    assert isinstance(huge, SearchResult)


def test_strategy_diff(big):
    d = diff_strategies(big.compiled, big.moves, big.moves, 256)
    assert short(d).endswith("0 differing nodes; same moves)")


def test_claim_check_rows():
    from redblue.claims import check_claim

    c = check_claim("Q >= 1", n=[1], d=[1], memory=[3, 4])
    rows = [scalar_row(r) for r in c.as_rows()]
    assert [(r["claim"], r["N"], r["M"], r["verdict"]) for r in rows] == [
        ("Q >= 1", 1, 3, "confirmed"), ("Q >= 1", 1, 4, "confirmed")]
    assert short(c).startswith("ClaimCheck('Q >= 1': 2 confirmed")
