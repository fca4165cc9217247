"""The attention backward pass: the DAG against numpy gradients, node counts, the two
backward schedules replayed against their exact counters, the bound's regime switch, and
planted errors each check must catch."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import sympy

from redblue.bounds.backward import (
    BACKWARD_RESULTS,
    LARGE_CACHE,
    backward_bound,
    backward_regime,
    backward_result,
    regime_switch_holds,
)
from redblue.bounds.proof import PROOFS_DIR, Proof
from redblue.bounds.results import in_regime
from redblue.dags import (
    attention_backward_dag,
    attention_backward_node_count,
    attention_dag,
    backward_inputs,
    evaluate,
    output_tensors,
    reference_attention,
    reference_attention_backward,
)
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import compile_graph, replay
from redblue.game.strategy import COMPUTE, LOAD, EncodedMoves
from redblue.strategies import (
    flash2_backward_block_sizes,
    flash2_backward_io,
    flash2_backward_moves,
    tiling_backward_block_size,
    tiling_backward_io,
    tiling_backward_moves,
)

SHAPES = ("chain", "tree", "fma")


def _random(n, d, seed):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=(n, d)) for _ in range(4))


# ------------------------------------------------------------------ the numpy reference
def test_reference_gradient_matches_finite_differences():
    Q, K, V, dO = _random(3, 2, 1)
    grads = reference_attention_backward(Q, K, V, dO)

    def loss(q, k, v):
        return float((dO * reference_attention(q, k, v)).sum())

    h = 1e-6
    for name, arg in (("dQ", 0), ("dK", 1), ("dV", 2)):
        base = [Q, K, V]
        fd = np.zeros_like(Q)
        for idx in np.ndindex(*Q.shape):
            up = [x.copy() for x in base]
            down = [x.copy() for x in base]
            up[arg][idx] += h
            down[arg][idx] -= h
            fd[idx] = (loss(*up) - loss(*down)) / (2 * h)
        assert np.allclose(grads[name], fd, atol=1e-6), name


def test_reference_dS_matches_the_softmax_jacobian():
    Q, K, V, dO = _random(4, 3, 2)
    S = Q @ K.T
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dP = dO @ V.T
    # row by row: dS_i = (diag(p_i) - p_i p_i^T) dP_i, an independent route to dQ = dS K
    dS = np.stack([(np.diag(p) - np.outer(p, p)) @ g for p, g in zip(P, dP, strict=True)])
    grads = reference_attention_backward(Q, K, V, dO)
    assert np.allclose(grads["dQ"], dS @ K) and np.allclose(grads["dK"], dS.T @ Q)
    x = backward_inputs(Q, K, V, dO)
    assert np.allclose(x["L"], np.log(np.exp(S).sum(axis=1)))


# ------------------------------------------------------------------------------ the DAG
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n,d", [(1, 1), (2, 1), (1, 3), (3, 2), (4, 3)])
def test_dag_computes_the_gradients(shape, n, d):
    Q, K, V, dO = _random(n, d, 10 * n + d)
    G = attention_backward_dag(n, d, sum=shape)
    out = output_tensors(G, evaluate(G, backward_inputs(Q, K, V, dO)))
    ref = reference_attention_backward(Q, K, V, dO)
    assert set(out) == {"dQ", "dK", "dV"}
    for name in ref:
        assert out[name].shape == (n, d)
        assert np.allclose(out[name], ref[name], rtol=1e-10, atol=1e-12), name


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n,d", [(1, 1), (2, 1), (2, 3), (3, 2), (5, 4), (6, 1)])
def test_node_count_closed_form(shape, n, d):
    G = attention_backward_dag(n, d, sum=shape)
    assert G.number_of_nodes() == attention_backward_node_count(n, d, sum=shape)
    outputs = [v for v, o in G.nodes(data="output") if o]
    assert len(outputs) == 3 * n * d
    # every vertex feeds an output: the sinks are exactly the outputs
    assert {v for v in G if G.out_degree(v) == 0} == set(outputs)


def test_node_count_formula_values():
    assert attention_backward_node_count(2, 1) == 54
    assert attention_backward_node_count(64, 8) == 10 * 64 * 64 * 8 + 2 * 64 * 64 + 64 * 8 + 128
    assert attention_backward_node_count(3, 2, sum="fma") == 5 * 18 + 36 + 24 + 6


def test_bad_input_and_size_limit():
    with pytest.raises(InvalidInputError, match="n must be"):
        attention_backward_dag(0, 1)
    with pytest.raises(InvalidInputError, match="sum must be"):
        attention_backward_dag(2, 1, sum="pairs")
    with pytest.raises(InvalidInputError, match="limit is 100"):
        attention_backward_dag(4, 4, max_nodes=100)
    with pytest.raises(InvalidInputError, match="shape"):
        backward_inputs(np.ones((2, 2)), np.ones((2, 2)), np.ones((3, 2)), np.ones((2, 2)))


# ------------------------------------------------------------------------ the schedules
GRID = [(n, d) for n in (1, 2, 5, 7) for d in (1, 2, 3)]


def _replays(moves_fn, counter, memories, shapes=("chain", "fma")):
    """(point, replayed io, counter io, computes, non-inputs) for every schedulable point."""
    rows = []
    for shape in shapes:
        for n, d in GRID:
            C = compile_graph(attention_backward_dag(n, d, sum=shape))
            for m in memories(d, shape):
                moves = moves_fn(C, n, d, m, sum=shape)
                r = replay(C, moves, m)
                assert r.peak_red <= m
                computes = int(np.count_nonzero(moves.kinds == COMPUTE))
                rows.append(((shape, n, d, m), r.io, counter(n, d, m, sum=shape), computes,
                             C.n - 4 * n * d - 2 * n))  # fmt: skip
    return rows


def _flash_memories(d, shape):
    low = 7 * d + 2 + (4 if shape == "chain" else 3)
    return sorted({low, low + 1, low + 2 * d + 3, 3 * low, 12 * d * d + 40})


def _tiling_memories(d, shape):
    low = 8 if shape == "chain" else 7  # and each tile's footprint 4B^2 + 2B + c, and one less
    return sorted({low, low + 5, 20, 21, 22, 42, 43, 44, 73, 74, 200})


@pytest.fixture(scope="module")
def flash_rows():
    return _replays(flash2_backward_moves, flash2_backward_io, _flash_memories)


@pytest.fixture(scope="module")
def tiling_rows():
    return _replays(tiling_backward_moves, tiling_backward_io, _tiling_memories)


def _mismatches(rows):
    return [(pt, io, c.io) for pt, io, c, _, _ in rows if io != c.io]


def test_flash2_backward_counter_equals_replay(flash_rows):
    assert len(flash_rows) >= 100 and not _mismatches(flash_rows)
    # every vertex computed exactly once (no recomputation needed)
    assert all(computes == total for *_, computes, total in flash_rows)


def test_tiling_backward_counter_equals_replay(tiling_rows):
    assert len(tiling_rows) >= 100 and not _mismatches(tiling_rows)
    assert all(computes == total for *_, computes, total in tiling_rows)


def test_planted_counter_errors_are_caught(flash_rows, tiling_rows):
    """A counter one word off per inner-loop iteration disagrees with the replay."""
    planted = []
    for _, io, c, *_ in flash_rows:
        off = c.io + c.blocks["T_r"] * c.blocks["T_c"]  # one more load per (J, I) block
        planted.append(off != io)
    assert all(planted)
    planted = [c.io - c.blocks["T"] ** 2 != io for _, io, c, *_ in tiling_rows]
    assert all(planted)


def test_a_broken_schedule_is_refused():
    C = compile_graph(attention_backward_dag(4, 2))
    moves = flash2_backward_moves(C, 4, 2, 40)
    first_load = int(np.flatnonzero(moves.kinds == LOAD)[0])
    keep = np.ones(moves.kinds.size, dtype=bool)
    keep[first_load] = False
    broken = EncodedMoves(C, moves.kinds[keep], moves.nodes[keep])
    with pytest.raises(IllegalMoveError):
        replay(C, broken, 40)
    with pytest.raises(IllegalMoveError):  # one red pebble too few
        replay(C, moves, replay(C, moves, 40).peak_red - 1)


def test_block_sizes_and_errors():
    assert flash2_backward_block_sizes(64, 8, 1024) == (8, 25)
    with pytest.raises(InvalidInputError, match="needs M >= 62"):
        flash2_backward_io(64, 8, 61)
    assert tiling_backward_block_size(74) == 4 and tiling_backward_block_size(73) == 3
    with pytest.raises(InvalidInputError, match="too small"):
        tiling_backward_io(4, 4, 7)
    C = compile_graph(attention_dag(4, 2, sum="chain"))
    with pytest.raises(InvalidInputError, match="not the DAG"):
        flash2_backward_moves(C, 4, 2, 40)
    with pytest.raises(InvalidInputError, match="chain' or 'fma"):
        flash2_backward_io(4, 2, 40, sum="tree")


def test_counts_cross_between_d2_and_2d2():
    n, d = 64, 8
    assert tiling_backward_io(n, d, d * d).io < flash2_backward_io(n, d, d * d).io
    assert flash2_backward_io(n, d, 2 * d * d).io < tiling_backward_io(n, d, 2 * d * d).io


# ---------------------------------------------------------------------------- the bound
def test_regime_switch_at_d_squared():
    assert regime_switch_holds() and regime_switch_holds("d**2")
    for wrong in ("2*d**2", "d**2/2", "d", "N*d"):  # a planted boundary is refused
        assert not regime_switch_holds(wrong)
    assert backward_bound(64, 8, 64) == 64 * 64 + 64 * 8
    assert backward_regime(64, 8, 64) == "M >= d^2" and backward_regime(64, 8, 63) == "M < d^2"
    large = backward_result("backward-large-cache")
    assert in_regime(large.regime, N=64, d=8, M=64) and not in_regime(large.regime, N=64, d=8, M=63)
    assert len({r.name for r in BACKWARD_RESULTS}) == len(BACKWARD_RESULTS)


def _proof_module():
    path = PROOFS_DIR / "backward.py"
    spec = importlib.util.spec_from_file_location("redblue_proof_backward_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_proof_catches_a_wrong_term(monkeypatch):
    module = _proof_module()
    p = Proof("backward", "t", "c")
    module.switch(p)
    assert p.ok
    monkeypatch.setattr(module, "LARGE_CACHE", LARGE_CACHE * sympy.Rational(3, 2))
    q = Proof("backward", "t", "c")
    module.switch(q)
    assert not q.ok  # the identities at M = d^2 fail with a scaled term


# ---------------------------------------------------------------------- the entry point
def test_simulate_backward_and_count():
    from redblue.strategies import count_backward_io, simulate_backward

    for alg in ("flash2", "tiling"):
        sim = simulate_backward(alg, 7, 3, 60, sum="fma")
        assert sim.result.io == count_backward_io(alg, 7, 3, 60, sum="fma").io
        assert sim.algorithm == f"{alg}-backward" and sim.result.peak_red <= 60
        nodes = attention_backward_node_count(7, 3, sum="fma")
        assert sim.result.moves <= 2 * nodes + 2 * sim.result.io  # the size estimate bounds it
    with pytest.raises(InvalidInputError, match="no backward schedule"):
        count_backward_io("flash1", 4, 2, 40)
    with pytest.raises(InvalidInputError, match="max-moves"):
        simulate_backward("flash2", 64, 8, 256, max_moves=1000)


def test_cli_simulate_backward(capsys):
    """``redblue simulate --backward``: the replayed I/O equals the counter; variants refused."""
    import json

    from redblue.cli import main

    assert main(["simulate", "tiling", "--n", "6", "--d", "4", "--memory", "20",
                 "--backward", "--json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] and data["io"] == tiling_backward_io(6, 4, 20).io
    assert main(["simulate", "flash2", "--n", "64", "--d", "8", "--memory", "128",
                 "--backward", "--count-only", "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["io"] == flash2_backward_io(64, 8, 128).io
    for bad in (["flash1"], ["flash2", "--causal"], ["flash2", "--decode-rows", "1"],
                ["tiling", "--stable"]):  # fmt: skip
        assert main(["simulate", *bad, "--n", "6", "--d", "4", "--memory", "60",
                     "--backward"]) == 2, bad  # fmt: skip
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err


def test_cli_dag_backward(capsys):
    """``redblue dag attention --backward`` writes the backward DAG; variants refused."""
    import json

    from redblue.cli import main

    assert main(["dag", "attention", "--n", "3", "--d", "2", "--sum", "fma", "--backward"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["nodes"]) == attention_backward_node_count(3, 2, sum="fma")
    assert main(["dag", "attention", "--n", "3", "--d", "2", "--backward", "--causal"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
