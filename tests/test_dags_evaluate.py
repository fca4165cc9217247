"""The numeric evaluator: every DAG family computes what its builder claims.

The references here are written independently of :mod:`redblue.dags.evaluate` (plain
numpy attention, ``A @ B``, the Hadamard matrix, binomials, path counts).
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from redblue.dags import (
    attention_dag,
    chain_dag,
    evaluate,
    fft_dag,
    matmul_dag,
    output_tensors,
    pyramid_dag,
    random_dag,
    reference_attention,
)
from redblue.errors import InvalidGraphError, InvalidInputError

SUMS = ("tree", "chain", "fma")
SHAPES = [(1, 1), (1, 3), (2, 1), (3, 2), (4, 3)]


def numpy_attention(Q, K, V, *, causal=False, scale=None):
    """softmax(scale * Q K^T) V, written from the definition (no max subtraction)."""
    n, m = Q.shape[0], K.shape[0]
    S = (1.0 if scale is None else scale) * (Q @ K.T)
    mask = np.ones((n, m), dtype=bool)
    if causal:
        mask = np.arange(m)[None, :] <= np.arange(n)[:, None]
    E = np.where(mask, np.exp(np.where(mask, S, 0.0)), 0.0)
    return (E / E.sum(axis=1, keepdims=True)) @ V


def qkv(n, d, seed, spread=1.0):
    rng = np.random.default_rng(seed)
    return tuple(spread * rng.standard_normal((n, d)) for _ in range(3))


def run_attention(G, Q, K, V):
    out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))
    assert set(out) == {"O"}
    return out["O"]


# ------------------------------------------------------------------ attention


@pytest.mark.parametrize("n,d", SHAPES)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scale", [None, 0.37])
def test_attention_every_option_matches_numpy(n, d, causal, scale):
    Q, K, V = qkv(n, d, seed=17 * n + d)
    expected = numpy_attention(Q, K, V, causal=causal, scale=scale)
    assert expected.shape == (n, d)
    results = {}
    for sum_, normalize, stable in itertools.product(SUMS, ("late", "early"), (False, True)):
        G = attention_dag(
            n, d, sum=sum_, normalize=normalize, causal=causal, stable=stable, scale=scale
        )
        got = run_attention(G, Q, K, V)
        assert got.shape == (n, d)
        np.testing.assert_allclose(
            got, expected, rtol=1e-12, atol=1e-12, err_msg=f"{sum_} {normalize} {stable}"
        )
        results[sum_, normalize, stable] = got
    # stable and unstable softmax agree numerically, option by option
    for sum_, normalize in itertools.product(SUMS, ("late", "early")):
        np.testing.assert_allclose(
            results[sum_, normalize, True], results[sum_, normalize, False], rtol=1e-12
        )


def test_numpy_reference_in_this_file_is_right():
    # hand-computed: Q = K = 0 gives uniform weights over the allowed keys
    Q = K = np.zeros((3, 1))
    V = np.array([[1.0], [2.0], [6.0]])
    np.testing.assert_allclose(numpy_attention(Q, K, V), [[3.0], [3.0], [3.0]])
    np.testing.assert_allclose(numpy_attention(Q, K, V, causal=True), [[1.0], [1.5], [3.0]])
    # one query, two keys with scores 0 and log 3 (after scale 0.5): weights 1/4, 3/4
    Q = np.array([[2.0 * math.log(3.0)]])
    K = np.array([[0.0], [1.0]])
    V = np.array([[4.0], [8.0]])
    np.testing.assert_allclose(numpy_attention(Q, K, V, scale=0.5), [[7.0]])


@pytest.mark.parametrize("n,d", SHAPES)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scale", [None, 0.37])
def test_reference_attention_agrees_with_independent_numpy(n, d, causal, scale):
    Q, K, V = qkv(n, d, seed=5 + n * d)
    np.testing.assert_allclose(
        reference_attention(Q, K, V, causal=causal, scale=scale),
        numpy_attention(Q, K, V, causal=causal, scale=scale),
        rtol=1e-12,
        atol=1e-12,
    )


def test_reference_attention_rectangular_and_docstring_values():
    rng = np.random.default_rng(0)
    Q, K, V = rng.standard_normal((2, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    got = reference_attention(Q, K, V)
    assert got.shape == (2, 4)
    np.testing.assert_allclose(got, numpy_attention(Q, K, V), rtol=1e-12)
    Q = K = np.zeros((2, 1))
    V = np.array([[1.0], [3.0]])
    np.testing.assert_allclose(reference_attention(Q, K, V), [[2.0], [2.0]])
    np.testing.assert_allclose(reference_attention(Q, K, V, causal=True), [[1.0], [2.0]])


@pytest.mark.parametrize(
    "shapes,fragment",
    [
        (((2, 3), (2, 2), (2, 2)), "shapes do not fit"),
        (((2, 2), (3, 2), (2, 2)), "shapes do not fit"),
        (((2,), (2, 1), (2, 1)), "2-D"),
    ],
)
def test_reference_attention_rejects_bad_shapes(shapes, fragment):
    Q, K, V = (np.ones(s) for s in shapes)
    with pytest.raises(InvalidInputError, match=fragment):
        reference_attention(Q, K, V)


def test_reference_attention_rejects_no_keys_and_non_numbers():
    with pytest.raises(InvalidInputError, match="at least one key"):
        reference_attention(np.ones((2, 1)), np.ones((0, 1)), np.ones((0, 3)))
    with pytest.raises(InvalidInputError, match="must be numeric"):
        reference_attention([["a"]], [[1.0]], [[1.0]])
    with pytest.raises(InvalidInputError, match="must be numeric"):
        reference_attention([[1.0]], [[1.0]], [[1.0]], scale="big")
    # no queries is fine: an empty result
    assert reference_attention(np.ones((0, 2)), np.ones((3, 2)), np.ones((3, 4))).shape == (0, 4)


@pytest.mark.parametrize("sum_", SUMS)
@pytest.mark.parametrize("normalize", ["late", "early"])
def test_stable_softmax_survives_large_scores(sum_, normalize):
    # scores around +-2000: exp overflows unless the row max is subtracted first
    n, d = 3, 2
    Q, K, V = qkv(n, d, seed=3, spread=40.0)
    assert np.abs(Q @ K.T).max() > 800
    expected = reference_attention(Q, K, V)
    assert np.isfinite(expected).all()
    G = attention_dag(n, d, sum=sum_, normalize=normalize, stable=True)
    np.testing.assert_allclose(run_attention(G, Q, K, V), expected, rtol=1e-9, atol=1e-12)
    G = attention_dag(n, d, sum=sum_, normalize=normalize, stable=False)
    with np.errstate(over="ignore", invalid="ignore"):
        unstable = run_attention(G, Q, K, V)
    assert not np.isfinite(unstable).all()  # the unstable graph really overflows


def test_intermediate_nodes_have_their_documented_values():
    n, d = 3, 2
    Q, K, V = qkv(n, d, seed=11)
    G = attention_dag(n, d, stable=True, scale=0.5)
    values = evaluate(G, {"Q": Q, "K": K, "V": V})
    assert set(values) == set(G)
    S = Q @ K.T
    for i, j in itertools.product(range(n), repeat=2):
        assert values[f"S[{i},{j}]"] == pytest.approx(S[i, j], rel=1e-12, abs=1e-12)
        assert values[f"T[{i},{j}]"] == pytest.approx(S[i, j] - S[i].max(), abs=1e-12)
        assert values[f"A[{i},{j}]"] == pytest.approx(math.exp(0.5 * (S[i, j] - S[i].max())))
    for i in range(n):
        assert values[f"m[{i}]"] == pytest.approx(S[i].max())
        D = sum(math.exp(0.5 * (S[i, j] - S[i].max())) for j in range(n))
        assert values[f"D[{i}]"] == pytest.approx(D, rel=1e-12)
        assert values[f"R[{i}]"] == pytest.approx(1 / D, rel=1e-12)
    assert all(isinstance(v, float) for v in values.values())


def test_one_dimensional_input_accepted_for_a_column_tensor():
    G = attention_dag(3, 1)
    Q, K, V = qkv(3, 1, seed=2)
    got = output_tensors(G, evaluate(G, {"Q": Q[:, 0], "K": K[:, 0], "V": V[:, 0].tolist()}))
    np.testing.assert_allclose(got["O"], numpy_attention(Q, K, V), rtol=1e-12)


# ------------------------------------------------------------------ matmul


@pytest.mark.parametrize("sum_", SUMS)
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (2, 3, 4), (3, 1, 2), (1, 5, 1), (4, 4, 3)])
def test_matmul_matches_numpy(sum_, m, k, n):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    A, B = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    G = matmul_dag(m, k, n, sum=sum_)
    out = output_tensors(G, evaluate(G, {"A": A, "B": B, "unused": [1.0]}))
    assert set(out) == {"C"}
    assert out["C"].shape == (m, n)
    np.testing.assert_allclose(out["C"], A @ B, rtol=1e-12, atol=1e-12)


def test_matmul_integer_inputs_exact():
    G = matmul_dag(2, 2, 2, sum="fma")
    out = output_tensors(G, evaluate(G, {"A": [[1, 2], [3, 4]], "B": [[5, 6], [7, 8]]}))
    assert out["C"].tolist() == [[19.0, 22.0], [43.0, 50.0]]


# ------------------------------------------------------------------ other families


def test_chain_copies_its_input():
    for length in (2, 5):
        G = chain_dag(length)
        values = evaluate(G, {"X": [[2.5]]})
        assert all(v == 2.5 for v in values.values())
        assert output_tensors(G, values)["Y"].tolist() == [[2.5]]


@pytest.mark.parametrize("height", [1, 2, 5])
def test_pyramid_apex_is_binomial_sum(height):
    x = np.random.default_rng(height).standard_normal(height + 1)
    G = pyramid_dag(height)
    out = output_tensors(G, evaluate(G, {"X": x}))
    expected = sum(math.comb(height, c) * x[c] for c in range(height + 1))
    assert out["Y"].shape == (1, 1)
    assert out["Y"][0, 0] == pytest.approx(expected, rel=1e-12)


def hadamard(size):
    """Sylvester's Hadamard matrix by Kronecker products."""
    H = np.array([[1.0]])
    while H.shape[0] < size:
        H = np.kron(np.array([[1.0, 1.0], [1.0, -1.0]]), H)
    return H


@pytest.mark.parametrize("size", [2, 4, 8, 16])
def test_fft_dag_is_the_walsh_hadamard_transform(size):
    # the docstring promises Y = H X with H[u,v] = (-1)^popcount(u & v)
    H = hadamard(size)
    for u, v in itertools.product(range(size), repeat=2):
        assert H[u, v] == (-1) ** bin(u & v).count("1")
    x = np.random.default_rng(size).standard_normal((size, 1))
    G = fft_dag(size)
    out = output_tensors(G, evaluate(G, {"X": x}))
    np.testing.assert_allclose(out["Y"], H @ x, rtol=1e-12, atol=1e-12)
    # and it is an orthogonal transform up to the factor size: H H = size I
    np.testing.assert_allclose(H @ (H @ x) / size, x, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nodes,seed,max_indegree", [(2, 0, 1), (12, 3, 2), (30, 7, 4)])
def test_random_dag_counts_paths(nodes, seed, max_indegree):
    # every non-input node adds its predecessors, so with X = unit vector e_q an output
    # evaluates to the number of paths from input q to it
    G = random_dag(nodes, seed, max_indegree)
    inputs = {G.nodes[v]["index"][0]: v for v in G if G.nodes[v]["op"] == "input"}
    assert sorted(inputs) == list(range(len(inputs)))
    for q, source in inputs.items():
        x = np.zeros(len(inputs))
        x[q] = 1.0
        values = evaluate(G, {"X": x})
        out = output_tensors(G, values)["Y"]
        for v in G:
            if G.nodes[v].get("output"):
                paths = sum(1 for _ in nx.all_simple_paths(G, source, v))
                assert out[G.nodes[v]["index"][0], 0] == paths


def test_output_tensors_leaves_unnamed_entries_nan_and_needs_values():
    G = chain_dag(2)
    G.nodes["x[1]"]["index"] = [1, 1]
    out = output_tensors(G, {"x[0]": 1.0, "x[1]": 3.0})
    assert out["Y"].shape == (2, 2)
    assert out["Y"][1, 1] == 3.0
    assert np.isnan(out["Y"][0]).all() and np.isnan(out["Y"][1, 0])
    with pytest.raises(InvalidInputError, match=r"no value for output node 'x\[1\]'"):
        output_tensors(G, {"x[0]": 1.0})
    del G.nodes["x[1]"]["tensor"]
    with pytest.raises(InvalidInputError, match=r"output node 'x\[1\]' has no 'tensor'"):
        output_tensors(G, {"x[0]": 1.0, "x[1]": 3.0})


# ------------------------------------------------------------------ bad input


GOOD = {"Q": np.ones((2, 1)), "K": np.ones((2, 1)), "V": np.ones((2, 1))}


@pytest.mark.parametrize(
    "change,fragment",
    [
        ({"V": None}, r"missing input tensor 'V' \(the DAG reads tensors K, Q, V\)"),
        ({"Q": np.ones((2, 2))}, r"input tensor 'Q' has shape \(2, 2\), the DAG needs \(2, 1\)"),
        ({"K": np.ones((3, 1))}, r"input tensor 'K' has shape \(3, 1\), the DAG needs \(2, 1\)"),
        ({"K": np.ones(3)}, r"input tensor 'K' has shape \(3,\), the DAG needs \(2, 1\)"),
        ({"V": 1.0}, r"input tensor 'V' has shape \(\), the DAG needs \(2, 1\)"),
        ({"Q": [[1.0], [np.nan]]}, r"tensor .Q. has a non-finite entry nan at index \[1, 0\]"),
        ({"K": [[np.inf], [0.0]]}, r"tensor .K. has a non-finite entry inf at index \[0, 0\]"),
        ({"V": [[1.0], [-np.inf]]}, r"input tensor 'V' has a non-finite entry -inf"),
        ({"Q": [["a"], ["b"]]}, r"input tensor 'Q' is not a rectangular numeric array"),
        ({"Q": [[1.0], [1.0, 2.0]]}, r"input tensor 'Q' is not a rectangular numeric array"),
        ({"Q": [[1j], [0]]}, r"input tensor 'Q' is not a rectangular numeric array"),
    ],
)
def test_bad_inputs_raise_invalid_input(change, fragment):
    inputs = {**GOOD, **change}
    inputs = {k: v for k, v in inputs.items() if v is not None}
    with pytest.raises(InvalidInputError, match=fragment):
        evaluate(attention_dag(2, 1), inputs)


@pytest.mark.parametrize("inputs", [None, [np.ones((2, 1))] * 3, np.ones((3, 2, 1))])
def test_inputs_not_a_mapping(inputs):
    with pytest.raises(InvalidInputError, match="inputs must be a mapping of tensor name"):
        evaluate(attention_dag(2, 1), inputs)


def test_invalid_graph_is_rejected_before_evaluation():
    G = matmul_dag(1, 1, 1)
    G.nodes["C[0,0]"]["op"] = "pow"
    with pytest.raises(InvalidGraphError, match=r"node 'C\[0,0\]' has unknown op 'pow'"):
        evaluate(G, {"A": [[1.0]], "B": [[2.0]]})
    G = chain_dag(3)
    G.add_edge("x[2]", "x[1]")
    with pytest.raises(InvalidGraphError, match="cycle"):
        evaluate(G, {"X": [[1.0]]})
    with pytest.raises(InvalidGraphError, match="not a directed graph"):
        evaluate(nx.Graph([(1, 2)]), {})


def test_graph_without_outputs_still_evaluates():
    G = chain_dag(3)
    G.nodes["x[2]"]["output"] = False
    values = evaluate(G, {"X": [[4.0]]})
    assert values["x[2]"] == 4.0
    assert output_tensors(G, values) == {}


def test_tensor_indexed_with_different_numbers_of_axes():
    G = chain_dag(2)
    G.add_node("y", op="input", tensor="X", index=[0, 0, 1])
    G.add_edge("y", "x[1]")
    G.nodes["x[1]"]["args"] = ["x[0]", "y"]
    with pytest.raises(InvalidInputError, match="tensor 'X' is indexed with 2 and 3 axes"):
        evaluate(G, {"X": [[1.0]]})


def test_ieee_overflow_is_not_an_input_error():
    # finite inputs whose exp overflows give inf with a warning, as documented
    G = attention_dag(1, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        values = evaluate(G, {"Q": [[100.0]], "K": [[100.0]], "V": [[1.0]]})
    assert values["A[0,0]"] == math.inf
