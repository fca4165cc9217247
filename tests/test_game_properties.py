"""Property tests: random DAGs, random legal walks, mutations; compiled vs reference replay."""

from __future__ import annotations

import pytest
from helpers import random_walk, reset_moves, small_dag
from hypothesis import given, settings
from hypothesis import strategies as st

from redblue.errors import IllegalMoveError
from redblue.game import compile_graph, replay, replay_reference
from redblue.strategies import greedy_strategy

dag_params = st.tuples(st.integers(0, 10**6), st.integers(2, 12), st.integers(1, 3))


def outcome(fn, *args, **kwargs):
    """A comparable summary: the stats of a valid replay, or where and why it failed."""
    try:
        r = fn(*args, **kwargs)
    except IllegalMoveError as exc:
        return ("illegal", exc.index, exc.rule, str(exc))
    r = r if isinstance(r, dict) else r.to_dict()
    keys = ("loads", "stores", "io", "peak_red", "computes", "recomputations")
    return ("valid",) + tuple(r[k] for k in keys)


@settings(max_examples=150, deadline=None)
@given(dag_params, st.integers(1, 6), st.integers(0, 80), st.integers(0, 10**6), st.booleans())
def test_random_legal_walks_replay(params, memory, steps, seed, no_recompute):
    G = small_dag(*params)
    variant = "no-recompute" if no_recompute else "classic"
    moves, _, _ = random_walk(G, memory, steps, seed, no_recompute)
    r = replay(G, moves, memory, variant, check_outputs=False)
    assert r.io == sum(kind in ("load", "store") for kind, _ in moves)
    assert r.loads == sum(kind == "load" for kind, _ in moves)
    assert r.computes == sum(kind == "compute" for kind, _ in moves)
    assert r.peak_red <= memory
    ref = replay_reference(G, moves, memory, variant, check_outputs=False)
    assert outcome(replay, G, moves, memory, variant, check_outputs=False) == outcome(
        lambda *a, **k: ref
    )
    # classic accepts whatever no-recompute accepts, with the same score
    if no_recompute:
        assert r.recomputations == 0
        assert replay(G, moves, memory, "classic", check_outputs=False).io == r.io
    elif r.recomputations:
        with pytest.raises(IllegalMoveError, match="no recomputation"):
            replay(G, moves, memory, "no-recompute", check_outputs=False)


@settings(max_examples=100, deadline=None)
@given(dag_params, st.integers(0, 40), st.integers(0, 10**6))
def test_walk_reset_then_greedy_is_a_complete_calculation(params, steps, seed):
    G = small_dag(*params)
    memory = compile_graph(G).min_memory() + 1
    walk, red, blue = random_walk(G, memory, steps, seed)
    reset = reset_moves(G, red, blue)
    if reset is None:  # an input lost its blue pebble: no completion exists
        with pytest.raises(IllegalMoveError):
            replay(G, walk + greedy_strategy(G, memory).moves, memory)
        return
    tail = greedy_strategy(G, memory).moves
    full = walk + reset + tail
    r = replay(G, full, memory)
    walk_io = sum(kind in ("load", "store") for kind, _ in walk)
    assert r.io == walk_io + replay(G, tail, memory).io
    assert outcome(replay, G, full, memory) == outcome(replay_reference, G, full, memory)


@settings(max_examples=200, deadline=None)
@given(
    dag_params,
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.sampled_from(["remove", "change-kind", "change-node", "swap"]),
    st.booleans(),
)
def test_mutated_sequences_fail_where_the_reference_says(params, seed, where, how, no_recompute):
    G = small_dag(*params)
    variant = "no-recompute" if no_recompute else "classic"
    memory = compile_graph(G).min_memory() + 1
    walk, red, blue = random_walk(G, memory, 30, seed, no_recompute)
    reset = reset_moves(G, red, blue)
    # a legal sequence: a complete calculation, or just the walk when none can follow it
    computed = any(kind == "compute" for kind, _ in walk)
    complete = reset is not None and not (no_recompute and computed)
    moves = walk + reset + greedy_strategy(G, memory).moves if complete else walk
    if not moves:
        return
    t = where % len(moves)
    mutated = list(moves)
    kinds = ("load", "store", "compute", "delete", "delete-blue")
    nodes = sorted(G)
    if how == "remove":
        del mutated[t]
    elif how == "change-kind":
        k = kinds.index(mutated[t][0])
        mutated[t] = (kinds[(k + 1 + seed % 4) % 5], mutated[t][1])
    elif how == "change-node":
        mutated[t] = (mutated[t][0], nodes[(nodes.index(mutated[t][1]) + 1) % len(nodes)])
    elif t + 1 < len(mutated):
        mutated[t], mutated[t + 1] = mutated[t + 1], mutated[t]
    kw = {"check_outputs": complete}
    fast = outcome(replay, G, mutated, memory, variant, **kw)
    assert fast == outcome(replay_reference, G, mutated, memory, variant, **kw)
    if fast[0] == "illegal":
        index = fast[1]
        assert index >= t  # the untouched prefix is legal
        # and everything before the reported move is legal: it is the first violation
        replay(G, mutated[:index], memory, variant, check_outputs=False)
    else:
        assert fast[3] == sum(kind in ("load", "store") for kind, _ in mutated)


@settings(max_examples=100, deadline=None)
@given(dag_params, st.integers(0, 4))
def test_greedy_is_valid_in_both_variants(params, extra):
    G = small_dag(*params)
    memory = compile_graph(G).min_memory() + extra
    s = greedy_strategy(G, memory)
    r = replay(G, s, variant="no-recompute")
    assert r.peak_red <= memory
    assert r.recomputations == 0
    assert outcome(replay, G, s.moves, memory) == outcome(replay_reference, G, s.moves, memory)
