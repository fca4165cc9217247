"""End-to-end tests of the ``redblue`` command line: every subcommand here, every exit code.

Only the Foundation subcommands (dag, verify, greedy, demo) are tested here; the parser
may hold others.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from redblue.cli import main
from redblue.dags import (
    attention_dag,
    attention_node_count,
    chain_dag,
    fft_dag,
    matmul_dag,
    pyramid_dag,
    random_dag,
    validate_computation,
)
from redblue.readwrite import read_json, to_node_link, write_dot, write_graph

# A hand-checked strategy for attention_dag(1, 1): the single product is S[0,0], the row
# sum D[0] is A[0,0] itself and the single A*V product is U[0,0].
ATTENTION_11 = [
    ("load", "Q[0,0]"),
    ("load", "K[0,0]"),
    ("compute", "S[0,0]"),
    ("delete", "Q[0,0]"),
    ("delete", "K[0,0]"),
    ("compute", "A[0,0]"),
    ("delete", "S[0,0]"),
    ("compute", "R[0]"),
    ("load", "V[0,0]"),
    ("compute", "U[0,0]"),  # red: A, R, V, U -> peak 4
    ("delete", "A[0,0]"),
    ("delete", "V[0,0]"),
    ("compute", "O[0,0]"),
    ("store", "O[0,0]"),
]


def run(capsys, *argv):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits on usage errors and --help
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_bad_input(code, out, err, *fragments):
    """Exit 2, nothing on stdout, exactly one line on stderr, no traceback."""
    assert code == 2, (out, err)
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("redblue")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture
def files(tmp_path):
    """Graph and strategy files for attention_dag(1, 1)."""
    graph = tmp_path / "att.json"
    graph.write_text(json.dumps(to_node_link(attention_dag(1, 1))))
    good_json = tmp_path / "good.json"
    good_json.write_text(
        json.dumps({"memory": 4, "variant": "classic", "moves": [list(m) for m in ATTENTION_11]})
    )
    good_text = tmp_path / "good.txt"
    good_text.write_text("# memory: 4\n" + "".join(f"{k} {v}\n" for k, v in ATTENTION_11))
    return {"dir": tmp_path, "graph": graph, "json": good_json, "text": good_text}


# ------------------------------------------------------------------ dag (exit 0)

FAMILY_ARGS = [
    (["attention", "--n", "2", "--d", "1"], attention_dag(2, 1)),
    (
        [
            "attention", "--n", "3", "--d", "2", "--sum", "fma", "--normalize", "early",
            "--causal", "--stable", "--scale", "0.5",
        ],
        attention_dag(3, 2, sum="fma", normalize="early", causal=True, stable=True, scale=0.5),
    ),
    (
        ["matmul", "--m", "2", "--k", "3", "--n", "2", "--sum", "chain"],
        matmul_dag(2, 3, 2, sum="chain"),
    ),
    (["chain", "--length", "4"], chain_dag(4)),
    (["pyramid", "--height", "3"], pyramid_dag(3)),
    (["fft", "--size", "8"], fft_dag(8)),
    (["random", "--nodes", "15", "--seed", "3", "--max-indegree", "3"], random_dag(15, 3, 3)),
]  # fmt: skip


@pytest.mark.parametrize("argv,expected", FAMILY_ARGS, ids=[a[0][0] for a in FAMILY_ARGS])
def test_dag_to_stdout_and_file(capsys, tmp_path, argv, expected):
    code, out, err = run(capsys, "dag", *argv)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data == json.loads(json.dumps(to_node_link(expected)))
    path = tmp_path / "g.json"
    code, out, err = run(capsys, "dag", *argv, "-o", str(path))
    assert code == 0 and out == ""
    G = read_json(path)  # validates
    assert sorted(G.edges) == sorted(expected.edges)
    assert dict(G.nodes(data=True)) == dict(expected.nodes(data=True))
    n, m = expected.number_of_nodes(), expected.number_of_edges()
    assert f"wrote {n} nodes, {m} edges to {path}" in err


def test_dag_attention_count_matches_formula(capsys):
    code, out, _ = run(capsys, "dag", "attention", "--n", "3", "--d", "2", "--causal", "--stable")
    assert code == 0
    data = json.loads(out)
    assert len(data["nodes"]) == attention_node_count(3, 2, causal=True, stable=True)
    G = attention_dag(3, 2, causal=True, stable=True)
    assert len(data["edges"]) == G.number_of_edges()


def test_dag_scale_reaches_exp_nodes(capsys):
    code, out, _ = run(capsys, "dag", "attention", "--n", "2", "--d", "1", "--scale", "0.25")
    assert code == 0
    exps = [v for v in json.loads(out)["nodes"] if v["op"] == "exp"]
    assert len(exps) == 4 and all(v["scale"] == 0.25 for v in exps)


def test_dag_dot_to_stdout_and_file(capsys, tmp_path):
    G = pyramid_dag(2)
    code, out, err = run(capsys, "dag", "pyramid", "--height", "2", "--format", "dot")
    assert code == 0 and err == ""
    assert out.startswith('digraph "pyramid_dag(height=2)" {')
    for v in G:
        assert f'  "{v}" [op=' in out
    for u, v in G.edges:
        assert f'  "{u}" -> "{v}";' in out
    assert out.count(" -> ") == G.number_of_edges()
    path = tmp_path / "p.dot"
    code, out2, err = run(
        capsys, "dag", "pyramid", "--height", "2", "--format", "dot", "-o", str(path)
    )
    assert code == 0 and out2 == ""
    # the same text as the library's write_dot, ending with a newline like the JSON form
    reference = tmp_path / "ref.dot"
    write_dot(G, reference)
    assert out == path.read_text() == reference.read_text()
    assert out.endswith("}\n")


# ------------------------------------------------------------------ verify (exit 0)


@pytest.mark.parametrize("form", ["json", "text"])
def test_verify_valid_strategy(capsys, files, form):
    code, out, err = run(capsys, "verify", str(files["graph"]), str(files[form]))
    assert code == 0 and err == ""
    assert "valid: yes (classic game, memory M = 4)" in out
    assert "io: 4 (loads 3, stores 1)" in out
    assert "moves: 14, computes: 5 (recomputations 0), peak red: 4" in out


@pytest.mark.parametrize("form", ["json", "text"])
def test_verify_json_output(capsys, files, form):
    code, out, err = run(capsys, "verify", str(files["graph"]), str(files[form]), "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert result["valid"] is True
    assert (result["io"], result["loads"], result["stores"]) == (4, 3, 1)
    assert result["peak_red"] == 4
    assert result["memory"] == 4
    assert result["variant"] == "classic"
    assert result["computes"] == 5 and result["recomputations"] == 0


def test_verify_memory_option_overrides_the_file(capsys, files):
    code, out, _ = run(capsys, "verify", str(files["graph"]), str(files["json"]), "--memory", "9")
    assert code == 0
    assert "memory M = 9" in out
    code, out, _ = run(capsys, "verify", str(files["graph"]), str(files["json"]), "--memory", "3")
    assert code == 1
    assert out.startswith("invalid: move 9: compute U[0,0]: ")
    assert "(red-pebble limit)" in out


def test_verify_recomputation_depends_on_variant(capsys, files):
    moves = [list(m) for m in ATTENTION_11]
    moves[3:3] = [["delete", "S[0,0]"], ["compute", "S[0,0]"]]  # recompute S at move 4
    path = files["dir"] / "recompute.json"
    path.write_text(json.dumps({"memory": 4, "moves": moves}))
    code, out, _ = run(capsys, "verify", str(files["graph"]), str(path), "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["recomputations"] == 1 and result["computes"] == 6
    assert result["io"] == 4 and result["moves"] == 16
    code, out, _ = run(
        capsys, "verify", str(files["graph"]), str(path), "--variant", "no-recompute", "--json"
    )
    assert code == 1
    result = json.loads(out)
    assert result["valid"] is False
    assert result["error"]["index"] == 4
    assert result["error"]["move"] == "compute" and result["error"]["node"] == "S[0,0]"
    assert result["error"]["rule"] == "no recomputation"


# ------------------------------------------------------------------ verify (exit 1)


@pytest.mark.parametrize(
    "change,index,rule,fragment",
    [
        (lambda m: m.pop(0), 1, "R3 compute", "predecessor Q[0,0] holds no red pebble"),
        (lambda m: m.__setitem__(8, ("load", "U[0,0]")), 8, "R1 load", "holds no blue pebble"),
        (lambda m: m.pop(), 13, "end condition", "output O[0,0] holds no blue pebble"),
        (lambda m: m.insert(3, ("store", "V[0,0]")), 3, "R2 store", "holds no red pebble"),
    ],
)
def test_verify_invalid_strategy(capsys, files, change, index, rule, fragment):
    moves = list(ATTENTION_11)
    change(moves)
    path = files["dir"] / "bad.txt"
    path.write_text("".join(f"{k} {v}\n" for k, v in moves))
    graph = str(files["graph"])
    code, out, err = run(capsys, "verify", graph, str(path), "--memory", "4")
    assert code == 1 and err == ""
    assert out.count("\n") == 1 and out.startswith("invalid: ")
    assert fragment in out and f"({rule})" in out
    if rule == "end condition":
        assert "after the last move" in out
    else:
        assert f"move {index}: " in out
    code, out, err = run(capsys, "verify", graph, str(path), "--memory", "4", "--json")
    assert code == 1 and err == ""
    result = json.loads(out)
    assert result["valid"] is False
    assert result["error"]["index"] == index
    assert result["error"]["rule"] == rule
    assert fragment in result["error"]["reason"]
    assert fragment in result["error"]["message"]


# ------------------------------------------------------------------ greedy and demo (exit 0)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_greedy_writes_a_strategy_verify_accepts(capsys, tmp_path, fmt):
    graph = tmp_path / "g.json"
    assert run(capsys, "dag", "attention", "--n", "3", "--d", "2", "-o", str(graph))[0] == 0
    strategy = tmp_path / f"s.{fmt}"
    code, out, err = run(
        capsys, "greedy", str(graph), "--memory", "5", "-o", str(strategy),
        "--strategy-format", fmt, "--json",
    )  # fmt: skip
    assert code == 0 and err == ""
    greedy = json.loads(out)
    assert greedy["valid"] is True and greedy["memory"] == 5
    assert greedy["io"] == greedy["loads"] + greedy["stores"]
    assert greedy["peak_red"] <= 5
    assert greedy["loads"] >= 3 * 3 * 2 and greedy["stores"] >= 3 * 2  # every input, output
    assert greedy["computes"] == attention_node_count(3, 2) - 3 * 3 * 2
    text = strategy.read_text()
    if fmt == "json":
        data = json.loads(text)
        assert data["memory"] == 5 and len(data["moves"]) == greedy["moves"]
        io = sum(kind in ("load", "store") for kind, _ in data["moves"])
    else:
        assert text.startswith("# memory: 5\n")
        io = sum(line.split()[0] in ("load", "store") for line in text.splitlines()[2:])
    assert io == greedy["io"]
    code, out, err = run(capsys, "verify", str(graph), str(strategy), "--json")
    assert code == 0 and err == ""
    verified = json.loads(out)
    assert verified["valid"] is True
    for key in ("io", "loads", "stores", "peak_red", "memory", "moves"):
        assert verified[key] == greedy[key], key


def test_greedy_text_output(capsys, files):
    code, out, err = run(capsys, "greedy", str(files["graph"]), "--memory", "4")
    assert code == 0 and err == ""
    # with M = 4 attention_dag(1, 1) needs only the trivial I/O: 3 loads and 1 store
    assert "valid: yes (classic game, memory M = 4)" in out
    assert "io: 4 (loads 3, stores 1)" in out


@pytest.mark.parametrize(("order", "io"), [("topological", 143), ("depth-first", 60),
                                           ("depth-first-cone", 54), ("cheapest", 54)])
def test_greedy_order(capsys, tmp_path, order, io):
    path = tmp_path / "att.json"
    write_graph(attention_dag(3, 2), path)
    code, out, err = run(capsys, "greedy", str(path), "--memory", "6", "--order", order,
                         "-o", str(tmp_path / "s.json"))  # fmt: skip
    assert code == 0 and f"io: {io} " in out
    code, out, _ = run(capsys, "verify", str(path), str(tmp_path / "s.json"))
    assert code == 0 and f"io: {io} " in out  # the file replays at the same cost


def test_demo(capsys):
    code, out, err = run(capsys, "demo", "--n", "2", "--d", "1")
    assert code == 0 and err == ""
    assert "N = 2, d = 1, 26 nodes" in out
    assert "valid: yes" in out
    assert "trivial lower bound 4Nd = 8" in out


def test_demo_json_is_consistent_with_greedy(capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--json")
    assert code == 0 and err == ""
    demo = json.loads(out)
    n, d = demo["n"], demo["d"]
    assert (n, d) == (4, 2)  # the documented defaults
    assert demo["nodes"] == 3 * n * d + 4 * n * n * d + n * n == 168
    assert demo["valid"] is True
    assert demo["memory"] == 2 * d + 2
    assert demo["trivial_lower_bound"] == 4 * n * d
    assert demo["io"] == demo["loads"] + demo["stores"] >= demo["trivial_lower_bound"]
    assert demo["peak_red"] <= demo["memory"]
    # the same DAG and M through `dag` and `greedy` gives the same schedule
    graph = tmp_path / "a.json"
    run(capsys, "dag", "attention", "--n", "4", "--d", "2", "-o", str(graph))
    code, out, _ = run(capsys, "greedy", str(graph), "--memory", "6", "--json")
    assert code == 0
    greedy = json.loads(out)
    for key in ("io", "loads", "stores", "peak_red", "moves", "computes"):
        assert greedy[key] == demo[key], key


def test_demo_memory_option(capsys):
    code, out, _ = run(capsys, "demo", "--n", "2", "--d", "1", "--memory", "3", "--json")
    assert code == 0
    assert json.loads(out)["memory"] == 3


def test_help_exits_zero(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("dag", "verify", "greedy", "demo"):
        assert command in out


# ------------------------------------------------------------------ exit 2: bad input


def test_malformed_json_graph(capsys, files):
    bad = files["dir"] / "broken.json"
    bad.write_text('{"nodes": [')
    for argv in (["verify", str(bad), str(files["json"])], ["greedy", str(bad), "--memory", "4"]):
        code, out, err = run(capsys, *argv)
        assert_bad_input(code, out, err, f"{bad}: not valid JSON")


def test_cyclic_graph_file(capsys, files):
    data = to_node_link(chain_dag(3))
    data["edges"].append({"source": "x[2]", "target": "x[1]"})
    node = next(e for e in data["nodes"] if e["id"] == "x[1]")
    node["args"] = ["x[0]", "x[2]"]
    path = files["dir"] / "cyclic.json"
    path.write_text(json.dumps(data))
    code, out, err = run(capsys, "verify", str(path), str(files["json"]))
    assert_bad_input(code, out, err, "graph has a cycle", "'x[1]' -> 'x[2]' -> 'x[1]'")


def test_graph_file_that_is_not_a_graph(capsys, files):
    path = files["dir"] / "list.json"
    path.write_text("[1, 2, 3]")
    code, out, err = run(capsys, "greedy", str(path), "--memory", "3")
    assert_bad_input(code, out, err, "not node-link graph data")
    path.write_text(json.dumps({"nodes": [{"id": None, "op": "input"}], "edges": []}))
    code, out, err = run(capsys, "greedy", str(path), "--memory", "3")
    assert_bad_input(code, out, err, "cannot be a node")


def test_unknown_node_in_strategy(capsys, files):
    path = files["dir"] / "unknown.txt"
    path.write_text("# memory: 4\nload Q[0,0]\nload X[7,7]\n")
    code, out, err = run(capsys, "verify", str(files["graph"]), str(path))
    assert_bad_input(code, out, err, "move 1", "unknown node 'X[7,7]'")


def test_unknown_move_kind_in_strategy(capsys, files):
    path = files["dir"] / "kind.json"
    path.write_text(json.dumps({"memory": 4, "moves": [["fly", "Q[0,0]"]]}))
    code, out, err = run(capsys, "verify", str(files["graph"]), str(path))
    assert_bad_input(code, out, err, "fly")


@pytest.mark.parametrize(
    "argv,fragments",
    [
        (["verify", "G", "S", "--memory", "0"], ["--memory", "must be at least 1, got 0"]),
        (["greedy", "G", "--memory", "-3"], ["--memory"]),
        (["demo", "--memory", "0"], ["--memory", "must be at least 1"]),
        (["dag", "attention", "--n", "0", "--d", "1"], ["--n", "must be at least 1, got 0"]),
        (["dag", "chain", "--length", "two"], ["--length", "must be a whole number"]),
        (["dag", "matmul", "--m", "1", "--k", "1"], ["required", "--n"]),
        (["dag", "attention", "--n", "2", "--d", "1", "--sum", "fft"], ["--sum", "invalid choice"]),
        (["dag", "attention", "--n", "2", "--d", "1", "--format", "png"], ["--format"]),
        (["dag", "fft", "--size", "6"], ["size must be a power of two"]),
        (["dag", "chain", "--length", "1"], ["length must be an int >= 2, got 1"]),
        (["dag", "random", "--nodes", "5", "--seed", "-1"], ["seed must be an int >= 0"]),
        (["dag", "attention", "--n", "1", "--d", "1", "--scale", "-2"], ["scale must be"]),
        (["dag", "attention", "--n", "1", "--d", "1", "--scale", "nan"], ["scale must be"]),
        (["dag", "hypercube"], ["invalid choice", "hypercube"]),
        (["dag"], ["required", "FAMILY"]),
        (["no-such-command"], ["invalid choice"]),
        ([], ["required", "COMMAND"]),
        (["verify", "G", "S", "--frobnicate"], ["unrecognized arguments: --frobnicate"]),
    ],
)
def test_bad_arguments(capsys, argv, fragments):
    code, out, err = run(capsys, *argv)
    assert_bad_input(code, out, err, *fragments)


def test_verify_memory_from_the_command_line_only(capsys, files):
    path = files["dir"] / "nomem.txt"
    path.write_text("".join(f"{k} {v}\n" for k, v in ATTENTION_11))
    code, out, _ = run(capsys, "verify", str(files["graph"]), str(path), "--memory", "4", "--json")
    assert code == 0
    assert json.loads(out)["io"] == 4


@pytest.mark.parametrize(
    "content,fragment",
    [
        ('{"memory": 4, "moves": [', "not valid JSON"),
        ("[1, 2]", "expected a JSON object with a 'moves' list"),
        ('{"memory": 4, "moves": [["load"]]}', "move 0: expected [kind, node]"),
        ('{"memory": 4, "moves": [["load", {"a": 1}]]}', "is not a valid node id"),
        ('{"memory": true, "moves": []}', "memory must be a whole number"),
        ("# memory: four\nload Q[0,0]\n", "line 1: memory must be a whole number"),
        ("# memory: 4\nload\n", "line 2: expected 'kind node'"),
    ],
)
def test_malformed_strategy_file(capsys, files, content, fragment):
    path = files["dir"] / "strategy"
    path.write_text(content)
    code, out, err = run(capsys, "verify", str(files["graph"]), str(path))
    assert_bad_input(code, out, err, f"{path}: ", fragment)


def test_memory_zero_in_strategy_file(capsys, files):
    path = files["dir"] / "m0.json"
    path.write_text(json.dumps({"memory": 0, "moves": []}))
    code, out, err = run(capsys, "verify", str(files["graph"]), str(path))
    assert_bad_input(code, out, err, "memory must be at least 1, got 0")


def test_no_memory_anywhere(capsys, files):
    path = files["dir"] / "nomem.txt"
    path.write_text("load Q[0,0]\n")
    code, out, err = run(capsys, "verify", str(files["graph"]), str(path))
    assert_bad_input(code, out, err, "memory")


def test_unknown_variant_in_strategy_file(capsys, files):
    path = files["dir"] / "variant.json"
    path.write_text(json.dumps({"memory": 4, "variant": "quantum", "moves": []}))
    code, out, err = run(capsys, "verify", str(files["graph"]), str(path))
    assert_bad_input(code, out, err, "unknown game variant 'quantum'")


def test_missing_files(capsys, files):
    missing = files["dir"] / "nope.json"
    code, out, err = run(capsys, "verify", str(missing), str(files["json"]))
    assert_bad_input(code, out, err, f"{missing}: no such file")
    code, out, err = run(capsys, "verify", str(files["graph"]), str(missing))
    assert_bad_input(code, out, err, f"{missing}: no such file")
    code, out, err = run(capsys, "greedy", str(missing), "--memory", "3")
    assert_bad_input(code, out, err, f"{missing}: no such file")


def test_unwritable_output(capsys, files):
    target = files["dir"] / "no" / "dir" / "out.json"
    code, out, err = run(capsys, "dag", "chain", "--length", "3", "-o", str(target))
    assert_bad_input(code, out, err, str(target))
    code, out, err = run(capsys, "greedy", str(files["graph"]), "--memory", "4", "-o", str(target))
    assert_bad_input(code, out, err, str(target))


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_greedy_format_needs_an_output_file(capsys, files, fmt):
    # stdout holds the replay result, so a strategy format there would be silently ignored
    code, out, err = run(capsys, "greedy", str(files["graph"]), "--memory", "4",
                         "--strategy-format", fmt)  # fmt: skip
    assert_bad_input(code, out, err, "--strategy-format needs -o FILE")


def test_memory_too_small_for_greedy(capsys, files):
    # S[0,0] = mul(Q[0,0], K[0,0]) needs two red operands and one for itself
    code, out, err = run(capsys, "greedy", str(files["graph"]), "--memory", "2")
    assert_bad_input(code, out, err, "memory 2 is infeasible", "smallest feasible memory is M = 3")
    code, out, err = run(capsys, "demo", "--n", "2", "--d", "1", "--memory", "2")
    assert_bad_input(code, out, err, "infeasible")


# ------------------------------------------------------------------ the console script


def test_console_script_entry_point(files, capsys):
    # the command in-process; the installed script once, on bad input (its success path,
    # exit 0 and JSON on stdout, is test_cli_habits' end-to-end run through it)
    code, out, _ = run(capsys, "verify", str(files["graph"]), str(files["text"]), "--json")
    assert code == 0 and json.loads(out)["io"] == 4
    exe = shutil.which("redblue") or os.path.join(os.path.dirname(sys.executable), "redblue")
    assert os.path.exists(exe), "the redblue console script is not installed"
    env = {**os.environ, "CI": "true"}
    done = subprocess.run(
        [exe, "verify", str(files["dir"] / "missing.json"), str(files["text"])],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "no such file" in done.stderr


def test_every_family_file_is_a_valid_dag(capsys, tmp_path):
    for argv, _ in FAMILY_ARGS:
        path = tmp_path / f"{argv[0]}.json"
        assert run(capsys, "dag", *argv, "-o", str(path))[0] == 0
        validate_computation(read_json(path))


@pytest.mark.parametrize("argv,expected", FAMILY_ARGS, ids=[a[0][0] for a in FAMILY_ARGS])
def test_max_nodes_is_the_exact_node_count(capsys, argv, expected):
    """Every family's closed-form count is exact: the limit admits exactly its graph."""
    count = expected.number_of_nodes()
    code, out, err = run(capsys, "dag", *argv, "--max-nodes", str(count - 1))
    assert_bad_input(code, out, err, f"has {count:,} nodes; the limit is {count - 1:,}",
                     "--max-nodes")  # fmt: skip
    code, out, err = run(capsys, "dag", *argv, "--max-nodes", str(count))
    assert code == 0 and len(json.loads(out)["nodes"]) == count


def test_demo_max_nodes(capsys):
    code, out, err = run(capsys, "demo", "--n", "4", "--d", "2", "--max-nodes", "167")
    assert_bad_input(code, out, err, "attention N=4, d=2 has 168 nodes; the limit is 167")
    code, out, _ = run(capsys, "demo", "--n", "4", "--d", "2", "--max-nodes", "168", "--json")
    assert code == 0 and json.loads(out)["nodes"] == 168
