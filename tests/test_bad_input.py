"""The bad-input corpus: every malformed file, absurd size or wrong type gets one clear line.

Two tables. ``CLI_CASES``: a command line (run in-process through ``redblue.cli.main``)
that must exit 2 with nothing on stdout, exactly one line on stderr starting with
``redblue``, no traceback, the expected fragments, within :data:`SECONDS`. ``LIBRARY_CASES``:
a call that must raise the documented error type with the expected fragment, as quickly.
A few commands also run as a subprocess (the console entry point, with a hard timeout),
and the ``*_accepted`` tests check that the limits do not refuse what is fine: a memory of
10**26 is the same game as memory = number of nodes, and is reported as given.

Files are made once per module in a temporary directory; ``{d}`` in an argument is that
directory.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import networkx as nx
import numpy as np
import pytest

from redblue import dags, readwrite
from redblue.bounds import compare
from redblue.cli import main
from redblue.errors import OUT_OF_MEMORY, IllegalMoveError, InvalidGraphError, InvalidInputError
from redblue.game import Strategy, compile_graph, replay
from redblue.game.strategy import EncodedMoves, encode_moves
from redblue.readwrite import read_strategy, strategy_from_json, strategy_from_text, write_strategy
from redblue.strategies import greedy_strategy, simulate

#: Wall-time bound of one case: a refusal is immediate, a hang is a failure.
SECONDS = 10

HUGE = 10**26  # past int64 (about 9.2e18): numba cannot type it
DIGITS = "9" * 5000  # past Python's int-string limit of 4,300 digits
LONG = "1" * 101  # past the 100 digits the command line reads

CHAIN_MOVES = [
    ["load", "x[0]"],
    ["compute", "x[1]"],
    ["delete", "x[0]"],
    ["compute", "x[2]"],
    ["delete", "x[1]"],
    ["compute", "x[3]"],
    ["store", "x[3]"],
]


def nested(depth: int, leaf: object = "x") -> object:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def strategy_text(memory: str, moves: list | None = None) -> str:
    """A JSON strategy with ``memory`` spliced in verbatim (NaN, 5,000 digits, ...)."""
    return f'{{"memory": {memory}, "moves": {json.dumps(moves or CHAIN_MOVES)}}}'


def cycle_data() -> dict:
    data = readwrite.to_node_link(dags.chain_dag(3))
    data["edges"].append({"source": "x[2]", "target": "x[1]"})
    data["nodes"][1]["args"] = ["x[0]", "x[2]"]
    return data


#: file name -> content (str, or bytes for binary garbage)
FILES: dict[str, str | bytes] = {
    "chain.json": json.dumps(readwrite.to_node_link(dags.chain_dag(4))),
    "good.json": strategy_text("3"),
    "cycle.json": json.dumps(cycle_data()),
    "malformed.json": '{"nodes": [',
    "empty.json": "",
    "blank.txt": "\n   \n",
    "garbage.bin": bytes(range(256)) * 4,
    "deep.json": "[" * 10_000 + "]" * 10_000,
    "deep_object.json": '{"nodes": ' + "[" * 10_000 + "]" * 10_000 + ', "edges": []}',
    "graph_id_digits.json": (
        '{"nodes": [{"id": ' + DIGITS + ', "op": "input", "tensor": "X", "index": [0]}], '
        '"edges": []}'
    ),
    "graph_id_deep.json": json.dumps(
        {"nodes": [{"id": nested(500), "op": "input", "tensor": "X", "index": [0]}], "edges": []}
    ),
    "graph_id_nan.json": '{"nodes": [{"id": NaN, "op": "input"}], "edges": []}',
    "graph_unknown_edge.json": json.dumps(
        {"nodes": [{"id": "a", "op": "input", "tensor": "X", "index": [0]}],
         "edges": [{"source": "a", "target": "b"}]}
    ),  # fmt: skip
    "memory_digits.json": strategy_text(DIGITS),
    "node_digits.json": strategy_text("3", [["load", int("9" * 50)]]).replace("9" * 50, DIGITS),
    "node_deep.json": json.dumps({"memory": 3, "moves": [["load", nested(500)]]}),
    "moves_deep.json": '{"memory": 3, "moves": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "memory_nan.json": strategy_text("NaN"),
    "memory_inf.json": strategy_text("Infinity"),
    "memory_negative.json": strategy_text("-4"),
    "memory_zero.json": strategy_text("0"),
    "memory_string.json": strategy_text('"4"'),
    "memory_true.json": strategy_text("true"),
    "memory_float.json": strategy_text("3.0"),
    "memory_huge.json": strategy_text(str(HUGE)),
    "memory_digits.txt": f"# memory: {DIGITS}\nload x[0]\n",
    "memory_negative.txt": "# memory: -1\nload x[0]\n",
    "memory_nan.txt": "# memory: nan\nload x[0]\n",
    "unknown_node.json": strategy_text("3", [["load", "x[0]"], ["compute", "y[7]"]]),
    "unknown_kind.json": strategy_text("3", [["teleport", "x[0]"]]),
    "not_a_pair.json": strategy_text("3", [["load"]]),
    "node_bool.json": strategy_text("3", [["load", True]]),
    "node_nan.json": '{"memory": 3, "moves": [["load", NaN]]}',
    "variant_unknown.json": '{"memory": 3, "variant": "quantum", "moves": []}',
    "variant_number.json": '{"memory": 3, "variant": 7, "moves": []}',
    "no_moves_key.json": '{"memory": 3}',
    "moves_not_list.json": '{"memory": 3, "moves": "load x[0]"}',
    "illegal.json": strategy_text("3", [["compute", "x[2]"]]),
    "text_bad_line.txt": "# memory: 3\nload\n",
}


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    """The directory holding :data:`FILES` (and a subdirectory ``adir``)."""
    root = tmp_path_factory.mktemp("bad_input")
    for name, content in FILES.items():
        if isinstance(content, bytes):
            (root / name).write_bytes(content)
        else:
            (root / name).write_text(content, encoding="utf-8")
    (root / "adir").mkdir()
    return root


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (TimeoutError) if the block runs longer than ``seconds`` (a hang is a bug)."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows: time it afterwards
        start = time.perf_counter()
        yield
        assert time.perf_counter() - start < seconds
        return

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_cli(capsys, argv, seconds=SECONDS):
    """Run the CLI in-process under a deadline; return (exit code, stdout, stderr)."""
    with deadline(seconds):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_refusal(code, out, err, fragments):
    assert code == 2, (code, out, err)
    assert out == "", out
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("redblue"), err
    assert "Traceback" not in err
    assert len(err) < 600, f"{len(err)} characters: {err[:200]}..."
    for fragment in fragments:
        assert fragment in err, (fragment, err)


# ---------------------------------------------------------------------------------- CLI

#: (id, argv with {d} for the file directory, fragments the one line must hold)
CLI_CASES = [
    # --- huge sizes: refused from a closed-form count, before any work
    ("dag attention huge", ["dag", "attention", "--n", "100000", "--d", "128"],
     ["attention N=100000, d=128 has 5.1e12 nodes", "5,000,000", "--max-nodes"]),
    ("dag attention over a lowered limit",
     ["dag", "attention", "--n", "4", "--d", "2", "--max-nodes", "100"],
     ["has 168 nodes", "the limit is 100"]),
    ("dag matmul huge", ["dag", "matmul", "--m", "100000", "--k", "100000", "--n", "100000"],
     ["matmul m=100000, k=100000, n=100000 has 2.0e15 nodes"]),
    ("dag fft huge", ["dag", "fft", "--size", str(2**40)], ["fft size=1.1e12 has 4.5e13 nodes"]),
    ("dag chain huge", ["dag", "chain", "--length", "1" + "0" * 30],
     ["chain length=1.0e30 has 1.0e30 nodes"]),
    ("dag pyramid huge", ["dag", "pyramid", "--height", "100000"],
     ["pyramid height=100000 has 5.0e9 nodes"]),
    ("dag random huge", ["dag", "random", "--nodes", "10000000000"],
     ["random nodes=1.0e10 has 1.0e10 nodes"]),
    ("demo huge", ["demo", "--n", "100000", "--d", "64"], ["attention N=100000, d=64 has"]),
    ("simulate huge", ["simulate", "flash2", "--n", "100000", "--d", "64", "--memory", "1024"],
     ["about 5.5e12 moves", "20,000,000", "--max-moves", "--count-only"]),
    ("simulate greedy huge", ["simulate", "greedy", "--n", "100000", "--d", "64", "--memory",
                              "1024"], ["greedy on attention N=100000", "moves"]),
    ("simulate over a lowered limit",
     ["simulate", "flash2", "--n", "8", "--d", "2", "--memory", "24", "--max-moves", "100"],
     ["about 1,408 moves; the limit is 100"]),
    ("bounds simulate huge",
     ["bounds", "--n", "100000", "--d", "64", "--memory", "256", "--simulate"],
     ["--simulate", "moves, more than 20,000,000"]),
    ("check bound a tower at a grid point",
     ["check", "Q >= M**M**M**M**M", "--n", "1", "--d", "1", "--memory", "3..4"],
     ["at M=3: a power of about", "more than 13,000"]),
    ("bounds assume at a point",
     ["bounds", "--n", "3", "--d", "2", "--memory", "5", "--assume", "M >= d**2"],
     ["--assume applies to compare F G only"]),
    ("bounds compare with a point",
     ["bounds", "compare", "N", "d", "--memory", "5", "--simulate"],
     ["--memory, --simulate applies to the bounds at a point"]),
    # --- size and limit arguments
    ("dag n zero", ["dag", "attention", "--n", "0", "--d", "1"], ["--n", "at least 1"]),
    ("dag d negative", ["dag", "attention", "--n", "2", "--d", "-1"], ["--d", "at least 1"]),
    ("dag n text", ["dag", "attention", "--n", "two", "--d", "1"], ["--n", "whole number"]),
    ("dag n float", ["dag", "attention", "--n", "2.5", "--d", "1"], ["--n", "whole number"]),
    ("dag n 101 digits", ["dag", "attention", "--n", LONG, "--d", "1"], ["101 digits"]),
    ("dag max-nodes zero", ["dag", "chain", "--length", "4", "--max-nodes", "0"],
     ["--max-nodes", "at least 1"]),
    ("dag max-nodes nan", ["dag", "chain", "--length", "4", "--max-nodes", "nan"],
     ["--max-nodes", "whole number"]),
    ("dag seed 5000 digits", ["dag", "random", "--nodes", "5", "--seed", DIGITS],
     ["--seed", "5000 digits"]),
    ("dag seed negative", ["dag", "random", "--nodes", "5", "--seed", "-1"],
     ["seed must be an int >= 0"]),
    ("dag scale nan", ["dag", "attention", "--n", "1", "--d", "1", "--scale", "nan"],
     ["scale must be"]),
    ("dag scale inf", ["dag", "attention", "--n", "1", "--d", "1", "--scale", "inf"],
     ["scale must be"]),
    ("dag fft not a power of two", ["dag", "fft", "--size", "12"], ["power of two"]),
    ("simulate max-moves negative",
     ["simulate", "flash2", "--n", "4", "--d", "2", "--memory", "20", "--max-moves", "-5"],
     ["--max-moves"]),
    ("simulate memory too small", ["simulate", "flash1", "--n", "8", "--d", "4", "--memory",
                                   "19"], ["M >= 20"]),
    ("verify memory zero", ["verify", "{d}/chain.json", "{d}/good.json", "--memory", "0"],
     ["--memory", "at least 1"]),
    ("verify memory negative", ["verify", "{d}/chain.json", "{d}/good.json", "--memory", "-2"],
     ["--memory"]),
    ("verify memory nan", ["verify", "{d}/chain.json", "{d}/good.json", "--memory", "nan"],
     ["--memory", "whole number"]),
    ("verify memory 101 digits",
     ["verify", "{d}/chain.json", "{d}/good.json", "--memory", LONG], ["101 digits"]),
    ("greedy memory 5000 digits", ["greedy", "{d}/chain.json", "--memory", DIGITS],
     ["5000 digits"]),
    ("greedy memory infeasible", ["greedy", "{d}/chain.json", "--memory", "1"],
     ["infeasible", "M = 2"]),
    # --- graph files
    ("graph missing", ["verify", "{d}/nope.json", "{d}/good.json"], ["nope.json: no such file"]),
    ("graph is a directory", ["greedy", "{d}/adir", "--format", "json", "--memory", "3"],
     ["adir: cannot read"]),
    ("graph format unknown", ["greedy", "{d}/adir", "--memory", "3"],
     ["adir: cannot tell the graph format", "--format"]),
    ("graph malformed", ["greedy", "{d}/malformed.json", "--memory", "3"], ["not valid JSON"]),
    ("graph empty", ["greedy", "{d}/empty.json", "--memory", "3"], ["empty.json: not valid JSON"]),
    ("graph binary garbage", ["greedy", "{d}/garbage.bin", "--format", "json", "--memory", "3"],
     ["garbage.bin: not valid JSON", "not UTF-8"]),
    ("graph cycle", ["greedy", "{d}/cycle.json", "--memory", "3"],
     ["cycle.json: graph has a cycle"]),
    ("graph nested 10,000 deep", ["greedy", "{d}/deep.json", "--memory", "3"],
     ["deep.json: not valid JSON: nested too deeply"]),
    ("graph nodes nested 10,000 deep", ["greedy", "{d}/deep_object.json", "--memory", "3"],
     ["nested too deeply"]),
    ("graph id of 5000 digits", ["greedy", "{d}/graph_id_digits.json", "--memory", "3"],
     ["graph_id_digits.json: a number in the file has more than 4300 digits"]),
    ("graph id nested 500 deep", ["greedy", "{d}/graph_id_deep.json", "--memory", "3"],
     ["graph_id_deep.json", "nested more than 32 deep"]),
    ("graph id NaN", ["greedy", "{d}/graph_id_nan.json", "--memory", "3"],
     ["node ids cannot be NaN"]),
    ("graph edge to an unknown node", ["greedy", "{d}/graph_unknown_edge.json", "--memory", "3"],
     ["unknown target node 'b'"]),
    ("graph file is a strategy", ["greedy", "{d}/good.json", "--memory", "3"],
     ["not node-link graph data"]),
    # --- strategy files
    ("strategy missing", ["verify", "{d}/chain.json", "{d}/nope.json"],
     ["nope.json: no such file"]),
    ("strategy is a directory", ["verify", "{d}/chain.json", "{d}/adir"], ["adir: cannot read"]),
    ("strategy empty", ["verify", "{d}/chain.json", "{d}/empty.json"],
     ["empty.json: the file is empty"]),
    ("strategy blank", ["verify", "{d}/chain.json", "{d}/blank.txt"], ["the file is empty"]),
    ("strategy binary garbage", ["verify", "{d}/chain.json", "{d}/garbage.bin"],
     ["garbage.bin: not a text file", "not UTF-8"]),
    ("strategy malformed JSON", ["verify", "{d}/chain.json", "{d}/malformed.json"],
     ["not valid JSON"]),
    ("strategy nested 10,000 deep", ["verify", "{d}/chain.json", "{d}/deep.json"],
     ["deep.json: not valid JSON: nested too deeply"]),
    ("strategy moves nested 10,000 deep", ["verify", "{d}/chain.json", "{d}/moves_deep.json"],
     ["nested too deeply"]),
    ("strategy memory of 5000 digits", ["verify", "{d}/chain.json", "{d}/memory_digits.json"],
     ["memory_digits.json: a number in the file has more than 4300 digits"]),
    ("strategy node of 5000 digits", ["verify", "{d}/chain.json", "{d}/node_digits.json"],
     ["node_digits.json: a number in the file has more than 4300 digits"]),
    ("strategy node nested 500 deep", ["verify", "{d}/chain.json", "{d}/node_deep.json"],
     ["node_deep.json: move 0", "nested more than 32 deep"]),
    ("strategy memory NaN", ["verify", "{d}/chain.json", "{d}/memory_nan.json"],
     ["memory must be a whole number, got nan"]),
    ("strategy memory Infinity", ["verify", "{d}/chain.json", "{d}/memory_inf.json"],
     ["memory must be a whole number, got inf"]),
    ("strategy memory negative", ["verify", "{d}/chain.json", "{d}/memory_negative.json"],
     ["memory must be at least 1, got -4"]),
    ("strategy memory zero", ["verify", "{d}/chain.json", "{d}/memory_zero.json"],
     ["memory must be at least 1, got 0"]),
    ("strategy memory a string", ["verify", "{d}/chain.json", "{d}/memory_string.json"],
     ["memory must be a whole number, got '4'"]),
    ("strategy memory true", ["verify", "{d}/chain.json", "{d}/memory_true.json"],
     ["memory must be a whole number, got True"]),
    ("strategy memory a float", ["verify", "{d}/chain.json", "{d}/memory_float.json"],
     ["memory must be a whole number, got 3.0"]),
    ("text memory of 5000 digits", ["verify", "{d}/chain.json", "{d}/memory_digits.txt"],
     ["line 1: memory has 5000 digits"]),
    ("text memory negative", ["verify", "{d}/chain.json", "{d}/memory_negative.txt"],
     ["line 1: memory must be at least 1"]),
    ("text memory nan", ["verify", "{d}/chain.json", "{d}/memory_nan.txt"],
     ["line 1: memory must be a whole number"]),
    ("text line without a node", ["verify", "{d}/chain.json", "{d}/text_bad_line.txt"],
     ["line 2: expected 'kind node'"]),
    ("strategy unknown node", ["verify", "{d}/chain.json", "{d}/unknown_node.json"],
     ["move 1", "unknown node 'y[7]'"]),
    ("strategy unknown move kind", ["verify", "{d}/chain.json", "{d}/unknown_kind.json"],
     ["unknown move kind 'teleport'"]),
    ("strategy move not a pair", ["verify", "{d}/chain.json", "{d}/not_a_pair.json"],
     ["move 0: expected [kind, node]"]),
    ("strategy node true", ["verify", "{d}/chain.json", "{d}/node_bool.json"],
     ["node ids cannot be booleans"]),
    ("strategy node NaN", ["verify", "{d}/chain.json", "{d}/node_nan.json"],
     ["node ids cannot be NaN"]),
    ("strategy unknown variant", ["verify", "{d}/chain.json", "{d}/variant_unknown.json"],
     ["unknown game variant 'quantum'"]),
    ("strategy variant a number", ["verify", "{d}/chain.json", "{d}/variant_number.json"],
     ["'variant' must be a string"]),
    ("strategy without moves", ["verify", "{d}/chain.json", "{d}/no_moves_key.json"],
     ["'moves' list"]),
    ("strategy moves a string", ["verify", "{d}/chain.json", "{d}/moves_not_list.json"],
     ["'moves' must be a list"]),
    ("strategy file is a graph", ["verify", "{d}/chain.json", "{d}/chain.json"],
     ["'moves' list"]),
    ("strategy output unwritable", ["greedy", "{d}/chain.json", "--memory", "3", "-o",
                                    "{d}/no/such/dir/s.json"], ["cannot write"]),
    ("dag output unwritable", ["dag", "chain", "--length", "3", "-o", "{d}/no/such/g.json"],
     ["No such file or directory"]),
    ("simulate graph unwritable", ["simulate", "flash2", "--n", "2", "--d", "1", "--memory",
                                   "8", "--graph-output", "{d}/no/such/g.json"], ["cannot write"]),
    ("dag output a directory", ["dag", "chain", "--length", "3", "-o", "{d}/adir"],
     ["adir: cannot write: Is a directory"]),
    ("solve certificate unwritable", ["solve", "{d}/chain.json", "--memory", "3", "-o",
                                      "{d}/chain.json/s.json"], ["cannot write: Not a directory"]),
    ("view page unwritable", ["view", "{d}/chain.json", "-o", "{d}/no/such/v.html"],
     ["cannot write: No such file or directory"]),
    ("moves table unwritable", ["moves", "{d}/chain.json", "{d}/good.json", "-o",
                                "{d}/no/such/t.csv"], ["cannot write: No such file or directory"]),
    # --- solve: argument validation (the search itself is tested elsewhere)
    ("solve memory zero", ["solve", "{d}/chain.json", "--memory", "0"], ["--memory"]),
    ("solve memory nan", ["solve", "{d}/chain.json", "--memory", "nan"], ["--memory"]),
    ("solve memory 101 digits", ["solve", "{d}/chain.json", "--memory", LONG], ["101 digits"]),
    ("solve memory infeasible", ["solve", "{d}/chain.json", "--memory", "1"], ["infeasible"]),
    ("solve time limit nan", ["solve", "{d}/chain.json", "--memory", "2", "--time-limit", "nan"],
     ["--time-limit"]),
    ("solve time limit zero", ["solve", "{d}/chain.json", "--memory", "2", "--time-limit", "0"],
     ["--time-limit"]),
    ("solve time limit negative",
     ["solve", "{d}/chain.json", "--memory", "2", "--time-limit", "-1"], ["--time-limit"]),
    ("solve time limit inf", ["solve", "{d}/chain.json", "--memory", "2", "--time-limit", "inf"],
     ["--time-limit"]),
    ("solve time limit text",
     ["solve", "{d}/chain.json", "--memory", "2", "--time-limit", "soon"], ["--time-limit"]),
    ("solve graph missing", ["solve", "{d}/nope.json", "--memory", "2"], ["no such file"]),
    ("solve graph cycle", ["solve", "{d}/cycle.json", "--memory", "3"], ["graph has a cycle"]),
    ("solve graph garbage", ["solve", "{d}/garbage.bin", "--format", "json", "--memory", "3"],
     ["not valid JSON"]),
    ("solve graph nested deep", ["solve", "{d}/deep.json", "--memory", "3"],
     ["nested too deeply"]),
    ("solve graph id of 5000 digits", ["solve", "{d}/graph_id_digits.json", "--memory", "3"],
     ["more than 4300 digits"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "argv, fragments", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_cli_refuses_with_one_line(capsys, d, argv, fragments):
    argv = [a.replace("{d}", str(d)) for a in argv]
    fragments = [f.replace("{d}", str(d)) for f in fragments]
    code, out, err = run_cli(capsys, argv)
    assert_one_line_refusal(code, out, err, fragments)


@pytest.mark.parametrize(("argv", "work"), [
    (["solve", "{d}/chain.json", "--memory", "3", "-o", "{o}"],
     "redblue.cli.solve.solve_certified"),
    (["greedy", "{d}/chain.json", "--memory", "3", "-o", "{o}"],
     "redblue.cli.greedy.greedy_strategy"),
    (["simulate", "flash2", "--n", "2", "--d", "1", "--memory", "8", "--graph-output", "{o}"],
     "redblue.cli.simulate.simulate"),
    (["dag", "chain", "--length", "3", "-o", "{o}"], "redblue.cli.dag._build"),
    (["view", "{d}/chain.json", "-o", "{o}"], "redblue.cli.view.view"),
    (["moves", "{d}/chain.json", "{d}/good.json", "-o", "{o}"], "redblue.cli.moves.move_columns"),
], ids=["solve", "greedy", "simulate", "dag", "view", "moves"])
def test_an_unwritable_output_is_refused_before_the_work(monkeypatch, capsys, d, argv, work):
    # a search of minutes lost its certificate to a typo found when writing; and a run
    # slow enough to announce its phase turned the refusal into three lines
    def no_work(*args, **kwargs):
        raise AssertionError("the work ran before the output was checked")

    monkeypatch.setattr(work, no_work)
    out = str(d / "no" / "such" / "file.out")
    code, stdout, err = run_cli(capsys, [a.replace("{d}", str(d)).replace("{o}", out)
                                         for a in argv])  # fmt: skip
    assert_one_line_refusal(code, stdout, err, [out, "cannot write: No such file or directory"])


def test_illegal_move_is_exit_1_not_bad_input(capsys, d):
    """A well-formed strategy that breaks a rule is wrong (exit 1), not bad input (2)."""
    code, out, err = run_cli(capsys, ["verify", f"{d}/chain.json", f"{d}/illegal.json"])
    assert code == 1
    assert err == ""
    assert out.startswith("invalid: move 0: compute x[2]:") and out.count("\n") == 1
    assert "R3 compute" in out


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["dag", "attention", "--n", "100000", "--d", "128"],
                     marks=pytest.mark.slow),
        ["greedy", "{d}/deep.json", "--memory", "3"],
        pytest.param(["verify", "{d}/chain.json", "{d}/memory_digits.json"],
                     marks=pytest.mark.slow),
    ],
    ids=["huge DAG", "deep JSON", "5000 digits"],
)
def test_console_command_refuses_with_one_line(d, argv):
    """The same through ``python -m redblue``: nothing else reaches stderr.

    A process each (a second apiece): by default the deep JSON one, for what only a
    process shows (its exit code, a crash of the interpreter, nothing else on stderr); the
    other two run in this process in test_cli_refuses_with_one_line.
    """
    argv = [a.replace("{d}", str(d)) for a in argv]
    proc = subprocess.run(
        [sys.executable, "-m", "redblue", *argv], capture_output=True, text=True, timeout=120
    )
    assert_one_line_refusal(proc.returncode, proc.stdout, proc.stderr, [])


# ------------------------------------------------------------------------- accepted

BIG_MEMORY = [str(10**19), str(HUGE), "9" * 100]


@pytest.mark.parametrize("memory", BIG_MEMORY, ids=["1e19", "1e26", "100 digits"])
@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "{d}/chain.json", "{d}/good.json", "--json", "--memory"],
        ["greedy", "{d}/chain.json", "--json", "--memory"],
        ["simulate", "flash2", "--n", "4", "--d", "2", "--json", "--memory"],
        ["simulate", "greedy", "--n", "3", "--d", "2", "--json", "--memory"],
        ["demo", "--json", "--memory"],
    ],
    ids=["verify", "greedy", "simulate flash2", "simulate greedy", "demo"],
)
def test_huge_memory_is_the_game_with_memory_nodes(capsys, d, argv, memory):
    """M above the node count plays as M = nodes and is reported as given."""
    argv = [a.replace("{d}", str(d)) for a in argv]
    code, out, err = run_cli(capsys, [*argv, memory], seconds=60)
    assert code == 0, err
    result = json.loads(out)
    assert result["memory"] == int(memory)
    assert result["valid"] is True and result["peak_red"] <= result.get("nodes", math.inf)
    # the same I/O as with memory = the number of nodes
    nodes = {"verify": 4, "greedy": 4}.get(argv[0])
    if nodes is not None:
        code, out_n, _ = run_cli(capsys, [*argv, str(nodes)], seconds=60)
        assert code == 0 and json.loads(out_n)["io"] == result["io"]


def test_huge_memory_in_a_strategy_file(capsys, d):
    code, out, err = run_cli(capsys, ["verify", f"{d}/chain.json", f"{d}/memory_huge.json",
                                      "--json"], seconds=60)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["memory"] == HUGE and json.loads(out)["io"] == 2


def test_solve_accepts_a_huge_memory(capsys, d):
    code, out, err = run_cli(capsys, ["solve", f"{d}/chain.json", "--memory", str(HUGE),
                                      "--json"], seconds=60)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["io"] == 2


def test_count_only_has_no_size_limit(capsys):
    code, out, err = run_cli(capsys, ["simulate", "flash2", "--n", "100000", "--d", "64",
                                      "--memory", "1024", "--count-only", "--json"])  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["io"] > 10**10


def test_raised_limits_let_the_graph_through(capsys):
    argv = ["dag", "attention", "--n", "4", "--d", "2"]
    code, _, err = run_cli(capsys, [*argv, "--max-nodes", "167"])
    assert code == 2 and "has 168 nodes; the limit is 167" in err
    code, out, _ = run_cli(capsys, [*argv, "--max-nodes", "168"])
    assert code == 0 and len(json.loads(out)["nodes"]) == 168


# ------------------------------------------------------------------------------ library

CHAIN = dags.chain_dag(4)
COMPILED = compile_graph(CHAIN)
GOOD = [tuple(m) for m in CHAIN_MOVES]


def far_graph(input_index, output_index):
    """Input ``a`` -> output ``b``, with the given (absurd) tensor indices."""
    G = nx.DiGraph()
    G.add_node("a", op="input", tensor="X", index=input_index)
    G.add_node("b", op="add", args=["a"], output=True, tensor="Y", index=output_index)
    G.add_edge("a", "b")
    return G


FAR = far_graph([0], [10**400, 5])
FAR_IN = far_graph([10**400], [0])


def encoded(kinds, nodes, kind_dtype=np.int8, node_dtype=np.int32):
    return EncodedMoves(COMPILED, np.array(kinds, kind_dtype), np.array(nodes, node_dtype))


#: (id, call, error type, fragment of the message)
LIBRARY_CASES = [
    # --- replay: moves that are not moves
    ("replay None", lambda: replay(CHAIN, None, memory=2), InvalidInputError,
     "moves must be a Strategy, EncodedMoves or a sequence of (kind, node) pairs, got NoneType"),
    ("replay a number", lambda: replay(CHAIN, 5, memory=2), InvalidInputError, "got int"),
    ("replay a string", lambda: replay(CHAIN, "load x[0]", memory=2), InvalidInputError,
     "got str (read a strategy file with read_strategy)"),
    ("replay a dict", lambda: replay(CHAIN, {"moves": CHAIN_MOVES}, memory=2),
     InvalidInputError, "strategy_from_json"),
    ("replay Strategy with moves None", lambda: replay(CHAIN, Strategy(None, 2)),
     InvalidInputError, "got NoneType"),
    ("replay move not a pair", lambda: replay(CHAIN, [("load",)], memory=2), InvalidInputError,
     "move 0: expected a [kind, node] pair"),
    ("replay move a number", lambda: replay(CHAIN, [7], memory=2), InvalidInputError,
     "move 0: expected a [kind, node] pair, got 7"),
    ("replay unknown kind", lambda: replay(CHAIN, [("fly", "x[0]")], memory=2),
     InvalidInputError, "unknown move kind 'fly'"),
    ("replay kind not a string", lambda: replay(CHAIN, [(0, "x[0]")], memory=2),
     InvalidInputError, "unknown move kind 0"),
    ("replay unknown node", lambda: replay(CHAIN, [("load", "nope")], memory=2),
     InvalidInputError, "unknown node 'nope'"),
    ("replay unhashable node", lambda: replay(CHAIN, [("load", ["x[0]"])], memory=2),
     InvalidInputError, "unknown node ['x[0]']"),
    ("replay long unknown node", lambda: replay(CHAIN, [("load", "z" * 10_000)], memory=2),
     InvalidInputError, "(10002 characters)"),
    # --- replay: memory
    ("replay no memory", lambda: replay(CHAIN, GOOD), InvalidInputError, "no memory size"),
    ("replay memory zero", lambda: replay(CHAIN, GOOD, memory=0), InvalidInputError,
     "memory must be at least 1, got 0"),
    ("replay memory negative", lambda: replay(CHAIN, GOOD, memory=-5), InvalidInputError,
     "at least 1"),
    ("replay memory nan", lambda: replay(CHAIN, GOOD, memory=float("nan")), InvalidInputError,
     "memory must be a whole number, got nan"),
    ("replay memory float", lambda: replay(CHAIN, GOOD, memory=2.0), InvalidInputError,
     "whole number"),
    ("replay memory string", lambda: replay(CHAIN, GOOD, memory="2"), InvalidInputError,
     "whole number, got '2'"),
    ("replay memory True", lambda: replay(CHAIN, GOOD, memory=True), InvalidInputError,
     "whole number, got True"),
    ("replay memory of 5000 digits", lambda: replay(CHAIN, GOOD, memory=-(10**5000)),
     InvalidInputError, "an integer of about 5001 digits"),
    # --- replay: variant, outputs, graph
    ("replay unknown variant", lambda: replay(CHAIN, GOOD, memory=2, variant="quantum"),
     InvalidInputError, "unknown game variant 'quantum'"),
    ("replay variant a list", lambda: replay(CHAIN, GOOD, memory=2, variant=["classic"]),
     InvalidInputError, "unknown game variant"),
    ("replay outputs a number", lambda: replay(CHAIN, GOOD, memory=2, outputs=3),
     InvalidInputError, "outputs must be a collection of nodes, got int"),
    ("replay outputs a string", lambda: replay(CHAIN, GOOD, memory=2, outputs="x[3]"),
     InvalidInputError, "got str"),
    ("replay unknown output", lambda: replay(CHAIN, GOOD, memory=2, outputs=[["x[3]"]]),
     InvalidInputError, "output ['x[3]'] is not a node"),
    ("replay graph None", lambda: replay(None, GOOD, memory=2), InvalidGraphError,
     "must be a networkx.DiGraph"),
    ("replay cyclic graph", lambda: replay(nx.DiGraph([(1, 2), (2, 1)]), [], memory=2),
     InvalidGraphError, "cycle"),
    # --- replay: encoded moves built by hand (the kernel does not check bounds)
    ("encoded node out of range", lambda: replay(COMPILED, encoded([0], [99]), memory=2),
     InvalidInputError, "move 0 names node id 99; the graph has ids 0..3"),
    ("encoded node negative", lambda: replay(COMPILED, encoded([0, 0], [0, -1]), memory=2),
     InvalidInputError, "move 1 names node id -1"),
    ("encoded kind out of range", lambda: replay(COMPILED, encoded([0, 9], [0, 1]), memory=2),
     InvalidInputError, "move 1 has kind code 9"),
    ("encoded lengths differ", lambda: replay(COMPILED, encoded([0, 2], [0]), memory=2),
     InvalidInputError, "2 kinds but 1 nodes"),
    ("encoded floats", lambda: replay(COMPILED, encoded([0], [0], np.float64, np.float64),
                                      memory=2), InvalidInputError, "1-D integer array"),
    ("encoded on another graph", lambda: replay(CHAIN, encoded([0], [0]), memory=2),
     InvalidInputError, "on the graph they encode"),
    ("encode_moves None", lambda: encode_moves(COMPILED, None), InvalidInputError,
     "got NoneType"),
    # --- greedy
    ("greedy graph None", lambda: greedy_strategy(None, 2), InvalidGraphError, "DiGraph"),
    ("greedy memory string", lambda: greedy_strategy(CHAIN, "2"), InvalidInputError,
     "whole number, got '2'"),
    ("greedy memory zero", lambda: greedy_strategy(CHAIN, 0), InvalidInputError,
     "infeasible"),
    ("greedy memory nan", lambda: greedy_strategy(CHAIN, float("nan")), InvalidInputError,
     "whole number, got nan"),
    # --- simulate
    ("simulate too many moves", lambda: simulate("flash2", 100000, 64, 1024),
     InvalidInputError, "would generate about 5.5e12 moves; the limit is 20,000,000"),
    ("simulate max_moves zero", lambda: simulate("flash2", 4, 2, 20, max_moves=0),
     InvalidInputError, "max_moves must be an int >= 1"),
    ("simulate max_moves nan", lambda: simulate("flash2", 4, 2, 20, max_moves=float("nan")),
     InvalidInputError, "max_moves must be an int >= 1, got nan"),
    ("simulate unknown algorithm", lambda: simulate("flash3", 4, 2, 20), InvalidInputError,
     "unknown algorithm 'flash3'"),
    ("simulate n a string", lambda: simulate("flash2", "4", 2, 20), InvalidInputError,
     "n must be an int >= 1, got '4'"),
    ("simulate memory a float", lambda: simulate("flash2", 4, 2, 20.0), InvalidInputError,
     "memory must be an int >= 1"),
    # --- builders
    ("attention huge", lambda: dags.attention_dag(100000, 128), InvalidInputError,
     "attention N=100000, d=128 has 5.1e12 nodes; the limit is 5,000,000"),
    ("attention absurd", lambda: dags.attention_dag(10**5000, 1), InvalidInputError,
     "attention N=1.0e5000, d=1 has 5.0e10000 nodes"),
    ("attention over max_nodes", lambda: dags.attention_dag(2, 1, max_nodes=25),
     InvalidInputError, "has 26 nodes; the limit is 25"),
    ("attention max_nodes zero", lambda: dags.attention_dag(2, 1, max_nodes=0),
     InvalidInputError, "max_nodes must be an int >= 1"),
    ("attention max_nodes text", lambda: dags.attention_dag(2, 1, max_nodes="many"),
     InvalidInputError, "max_nodes must be an int >= 1, got 'many'"),
    ("attention n a string", lambda: dags.attention_dag("2", 1), InvalidInputError,
     "n must be an int >= 1, got '2'"),
    ("attention n a float", lambda: dags.attention_dag(2.0, 1), InvalidInputError,
     "n must be an int >= 1, got 2.0"),
    ("attention n True", lambda: dags.attention_dag(True, 1), InvalidInputError,
     "got True"),
    ("attention d negative", lambda: dags.attention_dag(2, -1), InvalidInputError,
     "d must be an int >= 1, got -1"),
    ("attention n None", lambda: dags.attention_dag(None, 1), InvalidInputError, "got None"),
    ("attention unknown sum", lambda: dags.attention_dag(2, 1, sum="fft"), InvalidInputError,
     "sum must be one of"),
    ("attention sum a list", lambda: dags.attention_dag(2, 1, sum=["tree"]),
     InvalidInputError, "sum must be one of"),
    ("attention scale nan", lambda: dags.attention_dag(2, 1, scale=float("nan")),
     InvalidInputError, "scale must be a positive finite number"),
    ("matmul huge", lambda: dags.matmul_dag(10**5, 10**5, 10**5), InvalidInputError,
     "has 2.0e15 nodes"),
    ("chain huge", lambda: dags.chain_dag(10**9), InvalidInputError,
     "chain length=1.0e9 has 1.0e9 nodes"),
    ("pyramid huge", lambda: dags.pyramid_dag(10**5), InvalidInputError, "has 5.0e9 nodes"),
    ("fft huge", lambda: dags.fft_dag(2**40), InvalidInputError, "has 4.5e13 nodes"),
    ("fft absurd non-power", lambda: dags.fft_dag(3 * 10**4000), InvalidInputError,
     "size must be a power of two >= 2, got 3.0e4000"),
    ("random huge", lambda: dags.random_dag(10**8, 0), InvalidInputError, "has 1.0e8 nodes"),
    ("random seed negative", lambda: dags.random_dag(5, -1), InvalidInputError,
     "seed must be an int >= 0"),
    ("output tensor of absurd shape", lambda: dags.output_tensors(FAR, {"a": 1.0, "b": 2.0}),
     InvalidInputError, "6.0e400 entries, more than 100,000,000"),
    ("evaluate with an absurd input index", lambda: dags.evaluate(FAR_IN, {"X": [1.0]}),
     InvalidInputError, "the DAG needs (1000"),
    ("reference attention scale nan",
     lambda: dags.reference_attention([[1.0]], [[1.0]], [[1.0]], scale=float("nan")),
     InvalidInputError, "scale must be a finite number or None, got nan"),
    # --- files and graphs
    ("read_json None", lambda: readwrite.read_json(None), InvalidInputError,
     "path must be a file name (str or os.PathLike), got None"),
    ("read_json a number", lambda: readwrite.read_json(3), InvalidInputError, "got 3"),
    ("read_json empty name", lambda: readwrite.read_json(""), InvalidInputError, "path is empty"),
    ("write_json not a graph", lambda: readwrite.write_json(None, "g.json"), InvalidGraphError,
     "not a directed graph: got NoneType"),
    ("write_json path None", lambda: readwrite.write_json(CHAIN, None), InvalidInputError,
     "path must be a file name"),
    ("write_json unwritable", lambda: readwrite.write_json(CHAIN, "/no/such/dir/g.json"),
     InvalidInputError, "cannot write"),
    ("to_dot not a graph", lambda: readwrite.to_dot([1, 2]), InvalidGraphError,
     "not a directed graph: got list"),
    ("to_node_link not a graph", lambda: readwrite.to_node_link("G"), InvalidGraphError,
     "not a directed graph: got str"),
    ("write_dot path None", lambda: readwrite.write_dot(CHAIN, None), InvalidInputError,
     "path must be a file name"),
    ("from_node_link None", lambda: readwrite.from_node_link(None), InvalidGraphError,
     "expected a JSON object"),
    ("from_node_link id nested 500 deep",
     lambda: readwrite.from_node_link({"nodes": [{"id": nested(500)}], "edges": []}),
     InvalidGraphError, "nested more than 32 deep"),
    ("from_node_link args nested 500 deep",
     lambda: readwrite.from_node_link({"nodes": [{"id": "a", "args": [nested(500)]}], "edges": []}),
     InvalidGraphError, "node entry 0: args: arrays are nested more than 32 deep"),
    ("from_node_link NaN id",
     lambda: readwrite.from_node_link({"nodes": [{"id": float("nan")}], "edges": []}),
     InvalidGraphError, "node ids cannot be NaN"),
    ("validate_dag not a graph", lambda: dags.validate_dag({"a": 1}), InvalidGraphError,
     "not a directed graph: got dict"),
    ("compile_graph outputs None-like", lambda: compile_graph(CHAIN, outputs=4.5),
     InvalidInputError, "outputs must be a collection of nodes, got float"),
    # --- strategies
    ("read_strategy None", lambda: read_strategy(None), InvalidInputError,
     "path must be a file name"),
    ("strategy_from_text None", lambda: strategy_from_text(None), InvalidInputError,
     "expected the text of a strategy, got NoneType"),
    ("strategy_from_text memory of 5000 digits",
     lambda: strategy_from_text(f"# memory: {DIGITS}\n"), InvalidInputError,
     "line 1: memory has 5000 digits; at most 100 are read"),
    ("strategy_from_json None", lambda: strategy_from_json(None), InvalidInputError,
     "expected a JSON object with a 'moves' list"),
    ("strategy_from_json node nested 5000 deep",
     lambda: strategy_from_json({"moves": [["load", nested(5000)]]}), InvalidInputError,
     "move 0: node arrays are nested more than 32 deep"),
    ("strategy_from_json memory nan",
     lambda: strategy_from_json({"memory": float("nan"), "moves": []}), InvalidInputError,
     "memory must be a whole number, got nan"),
    ("write_strategy not a strategy", lambda: write_strategy(GOOD, "s.json"),
     InvalidInputError, "expected a Strategy to write, got list"),
    ("write_strategy path None", lambda: write_strategy(Strategy(GOOD, 2), None),
     InvalidInputError, "path must be a file name"),
    ("write_strategy unknown format",
     lambda: write_strategy(Strategy(GOOD, 2), "s.out", format="xml"), InvalidInputError,
     "unknown strategy format 'xml'"),
    ("write_strategy unwritable", lambda: write_strategy(Strategy(GOOD, 2), "/no/such/s.json"),
     InvalidInputError, "/no/such/s.json: cannot write"),
    # --- bounds: containers are not bounds (sympify would make sympy containers of them)
    ("compare a tuple", lambda: compare((1, 2), "N"), InvalidInputError,
     "cannot use a tuple as an expression"),
    ("compare under a set of assumptions", lambda: compare("N", "M", [{"N >= M"}]),
     InvalidInputError, "cannot use a set as an expression"),
    ("compare a range", lambda: compare("N", range(3)), InvalidInputError,
     "cannot use a range as an expression"),
    ("write_strategy node not JSON",
     lambda: write_strategy(Strategy([("load", object())], 2), "/tmp/never-written.json"),
     InvalidInputError, "cannot write this strategy"),
]  # fmt: skip


@pytest.mark.parametrize(
    "call, error, fragment", [c[1:] for c in LIBRARY_CASES], ids=[c[0] for c in LIBRARY_CASES]
)
def test_library_raises_its_own_error(call, error, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths in the table land here, never in the repo
    with deadline(SECONDS), pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert fragment in message, message
    assert "\n" not in message and len(message) < 600, message[:300]
    assert not isinstance(info.value, IllegalMoveError)


@pytest.mark.parametrize(
    "memory", [10**19, HUGE, 10**5000, np.int64(2**62)], ids=["1e19", "1e26", "1e5000", "2^62"]
)
def test_library_huge_memory_is_the_game_with_memory_nodes(memory):
    strategy = greedy_strategy(CHAIN, memory)
    assert strategy.memory == memory  # what was asked, not the clamp
    result = replay(CHAIN, strategy)
    assert result.memory == memory
    assert result.io == replay(CHAIN, greedy_strategy(CHAIN, 4)).io == 2
    assert COMPILED.check_memory(memory) == COMPILED.n == 4
    assert simulate("flash2", 4, 2, memory).result.memory == memory


def test_memory_below_the_node_count_is_not_clamped():
    assert COMPILED.check_memory(3) == 3
    moves = [("load", "x[0]"), ("compute", "x[1]"), ("compute", "x[2]")]
    with pytest.raises(IllegalMoveError, match="red-pebble limit"):
        replay(CHAIN, moves, memory=2)  # the limit still bites below n


def test_out_of_memory_is_one_line(tmp_path, monkeypatch, capsys):
    # a size no check caught, failing in an allocation: one line and exit 2
    path = tmp_path / "g.json"
    readwrite.write_json(dags.chain_dag(3), path)

    def too_big(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("redblue.cli.greedy.greedy_strategy", too_big)
    assert main(["greedy", str(path), "--memory", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of memory" in err and "Traceback" not in err


# ------------------------------------------------------------ address space (ulimit -v)

ULIMIT = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ulimit -v, on Linux")


def _under_ulimit(kib: int, code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", f'ulimit -v {kib}; exec "$0" -c "$1"', sys.executable,
                           code], capture_output=True, text=True, timeout=60, env=env)  # fmt: skip


@ULIMIT
@pytest.mark.parametrize("kib", [400_000, 600_000])
def test_a_small_address_space_is_refused_before_anything_loads(kib):
    # below the floor OpenBLAS hung (400 MB: the process never ended) and LLVM aborted
    # (550 MB); the command refuses such a limit in one line, quickly
    proc = _under_ulimit(kib, "import sys; from redblue.__main__ import main; "
                              "sys.exit(main(['dag', 'chain', '--length', '3']))")  # fmt: skip
    assert_one_line_refusal(proc.returncode, proc.stdout, proc.stderr,
                            ["address space", f"{kib >> 10} MiB", "640 MiB"])  # fmt: skip


@ULIMIT
def test_the_floor_lets_the_command_run_above_it():
    from redblue.__main__ import ADDRESS_SPACE_FLOOR

    proc = _under_ulimit((ADDRESS_SPACE_FLOOR >> 10) + 8192,  # the floor and 8 MiB
                         "import sys; from redblue.__main__ import main; "
                         "sys.exit(main(['dag', 'chain', '--length', '3']))")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["graph"]["name"] == "chain_dag(length=3)"


@ULIMIT
@pytest.mark.parametrize(("kib", "preset", "want"),
                         [(2_000_000, None, "1"), (2_000_000, "3", "3"), ("unlimited", None, "")])
def test_one_blas_thread_under_an_address_space_limit(kib, preset, want):
    # OpenBLAS threads each want a buffer as numpy loads; under a limit one thread is
    # asked for before numpy loads, unless the user asked for a number
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset:
        env["OPENBLAS_NUM_THREADS"] = preset
    code = "import os, redblue; print(os.environ.get('OPENBLAS_NUM_THREADS', ''))"
    proc = _under_ulimit(kib, code, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == want


@ULIMIT
def test_solve_under_a_tight_address_space_ends_with_bounds(tmp_path):
    # at 640 to 720 MiB a part's table of the certified lower bound ran out of memory
    # and the command printed "out of memory" and no bounds; the search had room
    graph = tmp_path / "att.json"
    readwrite.write_graph(dags.attention_dag(2, 1), graph)
    proc = _under_ulimit(700_000, "import sys; from redblue.__main__ import main; "
                         f"sys.exit(main(['solve', {str(graph)!r}, '--memory', '4', "
                         "'--time-limit', '60']))")  # fmt: skip
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    assert re.search(r"^(optimal: Q = 15|not proven \(memory limit\): \d+ <= Q <= 15) ",
                     proc.stdout), proc.stdout  # fmt: skip


_THREADS_GROWTH = """
import threading, redblue
def vm():
    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmSize'))
def work():
    for _ in range(200):
        b = [bytes(4000) for _ in range(50)]  # malloc'd, in the thread's own arena if any
before = vm()
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(vm() - before)
"""


@ULIMIT
@pytest.mark.parametrize(("kib", "at_most"), [(4_000_000, 64 << 10), ("unlimited", None)])
def test_threads_take_no_malloc_arenas_under_an_address_space_limit(kib, at_most):
    # glibc reserves 64 MiB of address space for a thread's arena: two progress timers
    # left too little for LLVM to load the cached kernels, which aborted the process
    proc = _under_ulimit(kib, _THREADS_GROWTH)
    assert proc.returncode == 0, proc.stderr
    growth = int(proc.stdout)  # KiB of address space the four threads left behind
    if at_most is None:
        assert growth > 64 << 10  # the control: without a limit, arenas are reserved
    else:
        assert growth <= at_most


def test_no_memory_even_for_the_report_is_one_line(monkeypatch, capfd):
    # the command's own out-of-memory line raised MemoryError again (seen at 500 MB):
    # the entry point writes a prepared line
    import redblue.__main__ as entry

    def starved(argv):
        raise MemoryError

    monkeypatch.setattr("redblue.cli.main", starved)
    assert entry.main(["dag", "chain", "--length", "3"]) == 2
    out, err = capfd.readouterr()
    assert out == "" and err == OUT_OF_MEMORY + "\n"


def test_a_library_that_cannot_load_is_one_line(monkeypatch, capsys):
    # (seen under ulimit -v: llvmlite's OSError, scipy's ImportError "failed to map
    # segment from shared object")
    import redblue.__main__ as entry

    monkeypatch.setitem(sys.modules, "redblue.cli", None)  # its import now fails
    assert entry.main(["dag", "chain", "--length", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("redblue: error: cannot load a library")
