"""The online-softmax attention DAG (``stable=True, online=True``) and FlashAttention on it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from redblue.dags import (
    attention_dag,
    attention_node_count,
    evaluate,
    output_tensors,
    reference_attention,
    validate_dag,
)
from redblue.errors import InvalidInputError


@pytest.mark.parametrize("shape", ["tree", "chain", "fma"])
@pytest.mark.parametrize("causal", [False, True])
def test_online_dag_counts_and_evaluates_to_attention(shape, causal):
    rng = np.random.default_rng(3)
    for n, d in itertools.product(range(1, 5), range(1, 4)):
        opts = {"sum": shape, "stable": True, "online": True, "causal": causal}
        G = attention_dag(n, d, scale=0.5, **opts)
        validate_dag(G)
        assert G.number_of_nodes() == attention_node_count(n, d, **opts)
        outputs = {v for v, flag in G.nodes(data="output") if flag}
        assert outputs == {v for v in G if G.out_degree(v) == 0}
        # large scores: without max-subtraction exp would overflow, with it no problem
        Q, K, V = (rng.normal(size=(n, d)) * 30 for _ in range(3))
        out = output_tensors(G, evaluate(G, {"Q": Q, "K": K, "V": V}))["O"]
        ref = reference_attention(Q, K, V, causal=causal, scale=0.5)
        np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-12)


def test_online_node_names_and_formula():
    G = attention_dag(2, 1, stable=True, online=True, sum="chain")
    assert G.number_of_nodes() == 36 == 3 * 2 + 4 * 4 + 5 * 4 - 3 * 2
    assert G.nodes["m[0]"]["args"] == ["S[0,0]", "S[0,1]"]
    assert G.nodes["c[0,1]"] == {"op": "exp", "args": ["dm[0,1]"]}
    assert G.nodes["dm[0,1]"]["args"] == ["S[0,0]", "m[0]"]
    assert G.nodes["D[0]"]["args"] == ["A[0,1]", "A[0,0]", "c[0,1]"]
    assert G.nodes["W[0,1,0]"]["args"] == ["U[0,0](0:1)", "c[0,1]"]
    assert G.nodes["U[0,0]"]["args"] == ["W[0,1,0]", "A[0,1]", "V[1,0]"]
    assert G.nodes["T[0,0]"]["args"] == ["S[0,0]", "S[0,0]"]
    assert attention_node_count(3, 2, sum="fma", stable=True, online=True) == (
        3 * 3 * 2 + 3 * 2 * 9 + 6 * 9 - 3 * 3
    )


def test_online_needs_stable_late():
    with pytest.raises(InvalidInputError, match="online"):
        attention_dag(2, 1, online=True)
    with pytest.raises(InvalidInputError, match="online"):
        attention_dag(2, 1, stable=True, online=True, normalize="early")
    with pytest.raises(InvalidInputError, match="online"):
        attention_node_count(2, 1, online=True)
