"""Strategy files: JSON and text forms, round trips and bad input."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from redblue.errors import InvalidInputError
from redblue.game import MOVE_KINDS, Strategy, replay
from redblue.readwrite import (
    read_strategy,
    strategy_from_json,
    strategy_from_text,
    strategy_to_json,
    strategy_to_text,
    write_strategy,
)

node_ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1
)
strategies = st.builds(
    Strategy,
    st.lists(st.tuples(st.sampled_from(MOVE_KINDS), node_ids), max_size=20),
    st.one_of(st.none(), st.integers(1, 10**6)),
    st.sampled_from(["classic", "no-recompute"]),
)


@given(strategies)
def test_json_round_trip(s):
    assert strategy_from_json(json.loads(json.dumps(strategy_to_json(s)))) == s


@given(strategies)
def test_text_round_trip(s):
    assert strategy_from_text(strategy_to_text(s)) == s


def test_design_format_example():
    data = {"memory": 8, "variant": "classic", "moves": [["load", "Q[0,0]"], ["store", "Q[0,0]"]]}
    s = strategy_from_json(data)
    assert s == Strategy([("load", "Q[0,0]"), ("store", "Q[0,0]")], 8, "classic")
    assert s.io() == 2


def test_text_form_is_readable():
    s = Strategy([("load", "Q[0,0]"), ("compute", "S[0,0]")], 4)
    assert strategy_to_text(s) == "# memory: 4\n# variant: classic\nload Q[0,0]\ncompute S[0,0]\n"


@pytest.mark.parametrize("suffix", [".json", ".txt"])
def test_files_round_trip(tmp_path, suffix):
    s = Strategy([("load", "a b"), ("delete", "a b")], 3, "no-recompute")
    path = tmp_path / f"s{suffix}"
    write_strategy(s, path)
    assert read_strategy(path) == s
    assert path.read_text().lstrip().startswith("{") == (suffix == ".json")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object with a 'moves' list"),
        ('{"moves": 3}', "'moves' must be a list"),
        ('{"moves": [["load"]]}', "move 0: expected [kind, node]"),
        ('{"moves": [], "memory": 0}', "memory must be at least 1"),
        ('{"moves": [], "memory": "8"}', "memory must be a whole number"),
        ('{"moves": [], "variant": 3}', "'variant' must be a string"),
        ("load\n", "line 1: expected 'kind node'"),
        ("# memory: lots\nload a\n", "line 1: memory must be a whole number"),
    ],
)
def test_bad_files(tmp_path, content, fragment):
    path = tmp_path / "bad"
    path.write_text(content)
    with pytest.raises(InvalidInputError) as exc:
        read_strategy(path)
    assert fragment in str(exc.value)
    assert str(path) in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(InvalidInputError, match="no such file"):
        read_strategy(tmp_path / "nope.json")


def test_unknown_format(tmp_path):
    with pytest.raises(InvalidInputError, match="unknown strategy format"):
        write_strategy(Strategy(), tmp_path / "x", format="yaml")


def test_boolean_node_ids_rejected(tmp_path):
    # True == 1 in Python: a JSON true must not silently play the move on the node 1
    G = nx.DiGraph([(0, 1)])
    path = tmp_path / "bool.json"
    path.write_text('{"memory": 2, "moves": [["load", 0], ["compute", true], ["store", true]]}')
    with pytest.raises(InvalidInputError) as exc:
        replay(G, read_strategy(path))
    assert str(exc.value).startswith(f"{path}: move 1: node true is a boolean")
    with pytest.raises(InvalidInputError, match=r"move 0: node \[0, false\] holds a boolean"):
        strategy_from_json({"moves": [["load", [0, False]]]})


def test_tuple_node_ids_round_trip():
    s = Strategy([("load", ("x", 0)), ("compute", ("y", (1, 2)))], 3)
    back = strategy_from_json(json.loads(json.dumps(strategy_to_json(s))))
    assert back == s and type(back.moves[1][1][1]) is tuple
