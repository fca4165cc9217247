"""The blocked FFT schedule (redblue/strategies/fft.py) and the schedules that seed the
record table (``_schedule`` in benchmarks/records.py).

Planted errors these tests caught (each reverted): the counter's boundary term off by one
(``- len(passes)``), the last butterfly stage of a half-block dropped (``range(1, j)``),
one pebble too few in the block footprint (``kept = memory - half - 1``). Mutation testing
(benchmarks/mutation_score.py, target ``counters``) added the plan against every split of
the stages priced by the docstring, the counter's ``blocks`` and each refusal's message.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import pytest
from helpers import records_script
from networkx.algorithms.isomorphism import DiGraphMatcher

from redblue.dags import fft_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import compile_graph, replay
from redblue.records import build_instance
from redblue.strategies.fft import fft_block_footprint, fft_io, fft_moves, fft_passes

ROOT = Path(__file__).resolve().parent.parent
GAMES = ("no-recompute", "classic")


@pytest.mark.parametrize("size", [2, 4, 8, 16, 32])
def test_counter_equals_the_replayed_io_at_every_feasible_memory(size):
    C = compile_graph(fft_dag(size))
    levels = size.bit_length() - 1
    for memory in range(3, size + 4):
        moves = fft_moves(C, size, memory)
        count = fft_io(size, memory)
        passes = fft_passes(size, memory)
        assert sum(j for j, _ in passes) == levels
        for game in GAMES:
            r = replay(C, moves, memory, game)
            assert (r.loads, r.stores) == (count.loads, count.stores), (size, memory)
            assert r.recomputations == 0 and r.peak_red <= memory
        # a block that spills uses every pebble it is given: the footprint is tight
        if any(s for _, s in passes):
            assert r.peak_red == memory
            with pytest.raises(IllegalMoveError):
                replay(C, moves, memory - 1)


def test_footprint_is_two_to_the_j_plus_two_both_outputs_reading_both_inputs():
    # a block of j >= 2 stages held whole needs 2^j + 2 pebbles: at that M the 2^j-point
    # FFT is one pass at the trivial I/O, one pebble fewer it spills or takes two passes
    for j in (2, 3, 4):
        size, memory = 2**j, fft_block_footprint(j)
        assert fft_passes(size, memory) == ((j, 0),)
        assert fft_io(size, memory).io == 2 * size  # every input loaded, output stored
        assert fft_io(size, memory - 1).io > 2 * size
        C = compile_graph(fft_dag(size))
        assert replay(C, fft_moves(C, size, memory), memory).peak_red == memory
    # one stage: both inputs and the output being stored, and nothing runs in one fewer
    assert fft_block_footprint(1) == 3
    C = compile_graph(fft_dag(2))
    assert replay(C, fft_moves(C, 2, 3), 3).peak_red == 3
    with pytest.raises(InvalidInputError):
        fft_passes(2, 2)


def _spill_from_the_notes(j, memory):
    """Values a block of ``j`` stages spills, from the module notes: a block keeps
    ``M - 2^(j-1) - 2`` first-half values red (all of them if that many fit); None if it
    cannot keep even none. One stage needs both inputs and the output."""
    if j == 1:
        return 0 if memory >= 3 else None
    half = 2 ** (j - 1)
    kept = memory - half - 2
    return None if kept < 0 else max(half - kept, 0)


def _compositions(levels):
    if levels == 0:
        yield ()
    for j in range(1, levels + 1):
        for rest in _compositions(levels - j):
            yield (j, *rest)


@pytest.mark.parametrize("size", [4, 8, 64, 128])
def test_passes_minimise_the_io_of_the_docstring_over_every_split_of_the_stages(size):
    # the oracle: every way to cut log2(n) stages into passes, each pass costing 2n plus
    # 2 (n / 2^j) s_j, less 2 at each boundary (fft_passes' docstring); the plan must
    # reach the least cost, with the fewest passes among those, longer passes first, and
    # fft_io must count exactly half of that cost each way
    levels = size.bit_length() - 1
    for memory in range(3, 2**levels + 4):
        costs = {}
        for plan in _compositions(levels):
            spills = [_spill_from_the_notes(j, memory) for j in plan]
            if None not in spills:
                pairs = zip(plan, spills, strict=True)
                io = sum(2 * size + 2 * (size // 2**j) * s for j, s in pairs)
                costs[plan] = io - 2 * (len(plan) - 1)
        least = min(costs.values())
        fewest = min(len(plan) for plan, io in costs.items() if io == least)
        passes = fft_passes(size, memory)
        stages = tuple(j for j, _ in passes)
        assert costs[stages] == least and len(passes) == fewest, (size, memory)
        assert list(stages) == sorted(stages, reverse=True)
        assert [s for _, s in passes] == [_spill_from_the_notes(j, memory) for j in stages]
        count = fft_io(size, memory)
        assert (count.algorithm, count.loads, count.stores) == ("fft", least // 2, least // 2)
        assert count.blocks == {"passes": fewest, "stages": stages,
                                "spilled": tuple(s for _, s in passes)}  # fmt: skip


def test_sixteen_points_against_the_published_incumbents():
    # Jain & Zaharia (SPAA 2020) found FFT-16 schedules of 61, 55, 38 I/O at M = 4, 5, 6
    # in their convention (Q less the 32 compulsory loads and stores); the blocked FFT
    # has 94, 78, 62: Q - 32 = 62, 46, 30
    assert [fft_io(16, M).io for M in (3, 4, 5, 6, 8, 10, 18)] == [122, 94, 78, 62, 62,
                                                                    48, 32]  # fmt: skip
    assert fft_passes(16, 5) == ((2, 1), (2, 1))  # each 4-block keeps 1 value, spills 1


def _recursive_fft(size):
    """The DAG of the recursive radix-2 FFT as Jain & Zaharia's graphIO builds it
    (``examples/fft.py``): halves of even and odd points, then butterflies."""
    G, ids = nx.DiGraph(), itertools.count()

    def fft(x):
        if len(x) == 1:
            return x
        even, odd = fft(x[::2]), fft(x[1::2])
        top, bottom = [], []
        for i in range(len(x) // 2):
            for half in (top, bottom):
                v = next(ids)
                G.add_edges_from([(even[i], v), (odd[i], v)])
                half.append(v)
        return top + bottom

    fft([next(ids) for _ in range(size)])
    return G


def test_the_published_fft_graph_is_the_butterfly_up_to_names():
    # their numbers are comparable with this table's: same DAG (and not some other one)
    for size in (8, 16):
        assert DiGraphMatcher(_recursive_fft(size), fft_dag(size)).is_isomorphic()
    assert not DiGraphMatcher(_recursive_fft(16), fft_dag(8)).is_isomorphic()


def test_bad_input_is_one_line():
    C = compile_graph(fft_dag(8))
    for memory in (1, 2):  # the game's refusal, not a bare integer check
        with pytest.raises(InvalidInputError) as caught:
            fft_io(8, memory)
        assert str(caught.value) == (f"memory M = {memory} is too small for the blocked FFT: "
                                     "it needs M >= 3 (both inputs of a butterfly and one "
                                     "output)")  # fmt: skip
    for call, message in [(lambda: fft_io(8, 2.5), "memory must be an int >= 1, got 2.5"),
                          (lambda: fft_io(2.0, 3), "size must be an int >= 2, got 2.0"),
                          (lambda: fft_io(1, 3), "size must be an int >= 2, got 1"),
                          (lambda: fft_block_footprint(1.5),
                           "stages must be an int >= 1, got 1.5")]:  # fmt: skip
        with pytest.raises(InvalidInputError) as caught:
            call()
        assert str(caught.value) == message
    with pytest.raises(InvalidInputError, match="power of two"):
        fft_passes(12, 6)
    with pytest.raises(InvalidInputError, match="no node"):
        fft_moves(C, 16, 6)  # the 8-point graph for a 16-point schedule


@pytest.mark.parametrize(("family", "params", "memory", "best"), [
    ("fft", {"size": 16}, 5, 78),
    ("attention", {"n": 3, "d": 2}, 12, 48),  # tree sums, relabelled from chain sums
    ("attention", {"n": 3, "d": 2}, 20, 24),  # FlashAttention-1 meets the trivial bound
    ("attention", {"n": 3, "d": 2, "sum": "fma"}, 8, 93),  # square tiling, on fma sums
    ("matmul", {"m": 3, "k": 3, "n": 3}, 9, 45),
])
def test_record_seeds_replay_on_the_instance(family, params, memory, best):
    seeds = records_script()._schedule(family, params, memory)
    G = build_instance(family, params)
    for game in GAMES:
        ios = [replay(G, moves, memory, game).io for moves in seeds]
        assert min(ios) == best


def test_no_seed_where_no_schedule_runs():
    script = records_script()
    assert script._schedule("attention", {"n": 3, "d": 2}, 4) == []  # no block fits
    assert script._schedule("pyramid", {"height": 4}, 4) == []
    # a tree sum of four terms is no chain: nothing to relabel onto
    assert script._schedule("attention", {"n": 4, "d": 1}, 20) == []
