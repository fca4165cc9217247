"""Structure of the attention DAG: node counts, names, conventions, parameter checks."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest

from redblue.dags import attention_dag, attention_node_count, validate_computation
from redblue.errors import InvalidInputError

SUMS = ("tree", "chain", "fma")
NORMALIZES = ("late", "early")
OPTIONS = list(itertools.product(SUMS, NORMALIZES, (False, True), (False, True)))


def _opts(sum_, normalize, causal, stable):
    return {"sum": sum_, "normalize": normalize, "causal": causal, "stable": stable}


def test_paper_counts():
    # Saha & Ye Fig. 1: 3Nd + 4N^2 d + N^2.
    assert attention_dag(2, 1).number_of_nodes() == 26
    assert attention_dag(3, 2).number_of_nodes() == 99
    for n, d in itertools.product(range(1, 6), range(1, 6)):
        assert attention_node_count(n, d) == 3 * n * d + 4 * n * n * d + n * n


def test_fma_count_for_two_by_one():
    # The fma chain has no separate products: 24 nodes for N=2, d=1 (not 22).
    assert attention_dag(2, 1, sum="fma").number_of_nodes() == 24


@pytest.mark.parametrize(("sum_", "normalize", "causal", "stable"), OPTIONS)
def test_count_formula_and_conventions(sum_, normalize, causal, stable):
    opts = _opts(sum_, normalize, causal, stable)
    for n, d in itertools.product(range(1, 5), range(1, 5)):
        G = attention_dag(n, d, **opts)
        assert G.number_of_nodes() == attention_node_count(n, d, **opts), (n, d)
        validate_computation(G)
        inputs = [v for v in G if G.in_degree(v) == 0]
        assert len(inputs) == 3 * n * d
        assert all(G.nodes[v]["op"] == "input" for v in inputs)
        outputs = {v for v, flag in G.nodes(data="output") if flag}
        assert outputs == {f"O[{i},{c}]" for i in range(n) for c in range(d)}
        # The outputs are exactly the sinks.
        assert outputs == {v for v in G if G.out_degree(v) == 0}
        for v in outputs:
            assert G.nodes[v]["tensor"] == "O"
            i, c = G.nodes[v]["index"]
            assert v == f"O[{i},{c}]"
        for v, data in G.nodes(data=True):
            if data["op"] != "input":
                assert set(data["args"]) == set(G.predecessors(v))
            if data["op"] in ("add", "max"):
                assert len(data["args"]) == 2  # every summation is binary


def test_scale_does_not_change_count_and_sets_attribute():
    G = attention_dag(3, 2, scale=0.25)
    assert G.number_of_nodes() == 99
    exps = [data for _, data in G.nodes(data=True) if data["op"] == "exp"]
    assert len(exps) == 9 and all(data["scale"] == 0.25 for data in exps)
    assert all("scale" not in data for _, data in attention_dag(3, 2).nodes(data=True))


def test_d1_product_is_the_score_node():
    G = attention_dag(2, 1)
    assert G.nodes["S[1,0]"] == {"op": "mul", "args": ["Q[1,0]", "K[0,0]"]}
    assert not any(str(v).startswith("QK") for v in G)


def test_tree_partial_names():
    G = attention_dag(1, 4)
    assert G.nodes["S[0,0]"]["args"] == ["S[0,0](0:2)", "S[0,0](2:4)"]
    assert G.nodes["S[0,0](0:2)"]["args"] == ["QK[0,0,0]", "QK[0,0,1]"]
    G = attention_dag(1, 3)
    assert G.nodes["S[0,0]"]["args"] == ["QK[0,0,0]", "S[0,0](1:3)"]


def test_chain_partial_names():
    G = attention_dag(1, 4, sum="chain")
    assert G.nodes["S[0,0](0:2)"]["args"] == ["QK[0,0,0]", "QK[0,0,1]"]
    assert G.nodes["S[0,0](0:3)"]["args"] == ["S[0,0](0:2)", "QK[0,0,2]"]
    assert G.nodes["S[0,0]"]["args"] == ["S[0,0](0:3)", "QK[0,0,3]"]


def test_fma_structure():
    G = attention_dag(3, 3, sum="fma")
    assert G.nodes["S[0,1](0:1)"] == {"op": "mul", "args": ["Q[0,0]", "K[1,0]"]}
    assert G.nodes["S[0,1](0:2)"] == {"op": "fma", "args": ["S[0,1](0:1)", "Q[0,1]", "K[1,1]"]}
    assert G.nodes["S[0,1]"] == {"op": "fma", "args": ["S[0,1](0:2)", "Q[0,2]", "K[1,2]"]}
    assert not any(str(v).startswith(("QK", "AV")) for v in G)
    # Row sums are a plain add chain.
    assert G.nodes["D[2](0:2)"]["args"] == ["A[2,0]", "A[2,1]"]
    assert G.nodes["D[2]"]["args"] == ["D[2](0:2)", "A[2,2]"]
    # U is an fma chain over (A, V).
    assert G.nodes["U[1,2](0:1)"] == {"op": "mul", "args": ["A[1,0]", "V[0,2]"]}
    assert G.nodes["U[1,2]"]["args"] == ["U[1,2](0:2)", "A[1,2]", "V[2,2]"]


def test_late_normalization_nodes():
    G = attention_dag(3, 2)
    assert G.nodes["R[1]"] == {"op": "recip", "args": ["D[1]"]}
    assert G.nodes["AV[1,2,0]"] == {"op": "mul", "args": ["A[1,2]", "V[2,0]"]}
    assert G.nodes["O[1,0]"]["args"] == ["R[1]", "U[1,0]"]


def test_early_normalization_nodes():
    G = attention_dag(2, 2, normalize="early")
    assert G.nodes["P[0,1]"] == {"op": "div", "args": ["A[0,1]", "D[0]"]}
    assert G.nodes["PV[0,1,1]"] == {"op": "mul", "args": ["P[0,1]", "V[1,1]"]}
    assert G.nodes["O[0,1]"]["args"] == ["PV[0,0,1]", "PV[0,1,1]"]
    assert G.nodes["O[0,1]"]["output"] is True
    assert not any(str(v).startswith(("R[", "U[", "AV")) for v in G)
    # One key: the single product is the output itself.
    G = attention_dag(1, 2, normalize="early")
    assert G.nodes["O[0,1]"]["op"] == "mul"
    assert G.nodes["O[0,1]"]["args"] == ["P[0,0]", "V[0,1]"]
    G = attention_dag(2, 2, normalize="early", sum="fma")
    assert G.nodes["O[1,0]"] == {
        "op": "fma",
        "args": ["O[1,0](0:1)", "P[1,1]", "V[1,0]"],
        "output": True,
        "tensor": "O",
        "index": [1, 0],
    }


def test_single_key_row_sum_is_the_exp_node():
    G = attention_dag(1, 2)
    assert "D[0]" not in G
    assert G.nodes["R[0]"]["args"] == ["A[0,0]"]
    G = attention_dag(1, 1, normalize="early")
    assert G.nodes["P[0,0]"]["args"] == ["A[0,0]", "A[0,0]"]


def test_causal_structure():
    G = attention_dag(3, 1, causal=True)
    assert "S[0,1]" not in G and "A[1,2]" not in G
    assert G.nodes["D[2]"]["args"] == ["A[2,0]", "D[2](1:3)"]
    assert G.nodes["U[1,0]"]["args"] == ["AV[1,0,0]", "AV[1,1,0]"]
    assert G.nodes["R[0]"]["args"] == ["A[0,0]"]  # row 0 has one key
    # Every row still reads only the keys it is allowed to.
    for i in range(3):
        anc = nx.ancestors(G, f"O[{i},0]")
        assert {f"K[{j},0]" for j in range(3) if j <= i} <= anc
        assert not {f"K[{j},0]" for j in range(3) if j > i} & anc


def test_stable_structure():
    G = attention_dag(4, 1, stable=True)
    assert G.nodes["m[2]"] == {"op": "max", "args": ["m[2](0:2)", "m[2](2:4)"]}
    assert G.nodes["m[2](0:2)"]["args"] == ["S[2,0]", "S[2,1]"]
    assert G.nodes["T[2,3]"] == {"op": "sub", "args": ["S[2,3]", "m[2]"]}
    assert G.nodes["A[2,3]"] == {"op": "exp", "args": ["T[2,3]"]}
    G = attention_dag(3, 1, stable=True, sum="chain")
    assert G.nodes["m[0](0:2)"]["args"] == ["S[0,0]", "S[0,1]"]
    assert G.nodes["m[0]"]["args"] == ["m[0](0:2)", "S[0,2]"]


def test_stable_single_key_has_no_max_node():
    G = attention_dag(2, 1, stable=True, causal=True)
    assert "m[0]" not in G
    assert G.nodes["T[0,0]"]["args"] == ["S[0,0]", "S[0,0]"]
    assert G.in_degree("T[0,0]") == 1
    assert G.nodes["m[1]"]["args"] == ["S[1,0]", "S[1,1]"]
    validate_computation(G)


def test_node_ids_are_strings_and_graph_is_named():
    G = attention_dag(2, 2, sum="chain", causal=True, scale=0.5)
    assert all(isinstance(v, str) for v in G)
    assert G.graph["name"].startswith("attention_dag(n=2, d=2, sum='chain'")


def test_count_helper_matches_closed_forms():
    n, d = 5, 3
    c = n * n
    assert attention_node_count(n, d, sum="fma") == 4 * n * d + 2 * d * c + 2 * c
    assert attention_node_count(n, d, normalize="early") == 2 * n * d + 4 * d * c + 2 * c - n
    assert attention_node_count(n, d, causal=True) == 3 * n * d + 4 * d * 15 + 15
    assert attention_node_count(n, d, stable=True) - attention_node_count(n, d) == 2 * c - n


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0, "d": 1}, "n must be an int >= 1, got 0"),
        ({"n": True, "d": 1}, "n must be an int >= 1, got True"),
        ({"n": 2.0, "d": 1}, "n must be an int >= 1, got 2.0"),
        ({"n": 2, "d": -1}, "d must be an int >= 1, got -1"),
        ({"n": 2, "d": 1, "sum": "pairwise"}, "sum must be one of 'tree', 'chain', 'fma'"),
        ({"n": 2, "d": 1, "normalize": "never"}, "normalize must be one of 'late', 'early'"),
        ({"n": 2, "d": 1, "scale": 0}, "scale must be a positive finite number or None"),
        ({"n": 2, "d": 1, "scale": -1.0}, "scale must be a positive finite number or None"),
        ({"n": 2, "d": 1, "scale": math.inf}, "scale must be a positive finite number"),
        ({"n": 2, "d": 1, "scale": math.nan}, "scale must be a positive finite number"),
        ({"n": 2, "d": 1, "scale": True}, "scale must be a positive finite number"),
        ({"n": 2, "d": 1, "scale": "0.5"}, "scale must be a positive finite number"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(")):
        attention_dag(**kwargs)


def test_count_helper_rejects_bad_parameters():
    with pytest.raises(InvalidInputError, match="sum must be one of"):
        attention_node_count(2, 2, sum="nope")
    with pytest.raises(InvalidInputError, match="d must be an int >= 1"):
        attention_node_count(2, 0)


def test_integer_scale_is_accepted_as_float():
    G = attention_dag(1, 1, scale=2)
    assert G.nodes["A[0,0]"]["scale"] == 2.0
    assert isinstance(G.nodes["A[0,0]"]["scale"], float)
