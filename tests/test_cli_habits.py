"""The habits every ``redblue`` command shares, and the progress module behind them.

Every subcommand (those added later too: the parser is walked, not listed) has
``--version``, ``-q``, ``-v``, a one-line purpose, examples in its help, defaults shown
and no raw markup; files go through ``-o``/``--format``/``-`` alike; progress goes to
stderr only, and the library stays silent.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from redblue import __version__, progress
from redblue.cli import COMMANDS, build_parser, main
from redblue.cli._common import add_head_options
from redblue.dags import attention_dag, pyramid_dag
from redblue.readwrite import GRAPH_FORMATS, read_strategy, to_node_link, write_graph


def subcommands(parser, path=("redblue",)):
    """Every (command path, parser) below ``parser``, depth first, aliases once."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    found += subcommands(sub, (*path, name))
    return found


def purposes(parser):
    """The one-line help each subcommand of ``parser`` is listed with."""
    return {
        choice.dest: choice.help
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for choice in action._choices_actions
    }


PARSERS = subcommands(build_parser())
IDS = [" ".join(path) for path, _ in PARSERS]


def run(capsys, *argv, stdin=None, monkeypatch=None):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_the_walk_finds_every_command_and_dag_family():
    names = {path[-1] for path, _ in PARSERS}
    assert {"verify", "greedy", "solve", "check", "prove", "sweep", "simulate"} <= names
    assert {"attention", "matmul", "chain", "pyramid", "fft", "random"} <= names
    assert len(PARSERS) >= 1 + len(COMMANDS) + 6


@pytest.mark.parametrize("path,parser", PARSERS, ids=IDS)
def test_version_quiet_verbose_on_every_command(capsys, path, parser):
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"redblue {__version__}\n"
    options = parser._option_string_actions
    for flag in ("-q", "--quiet", "-v", "--verbose"):
        assert options[flag].dest == "verbosity", (path, flag)
    assert options["-q"].const == 0 and options["-v"].const == 2


@pytest.mark.parametrize("path,parser", PARSERS, ids=IDS)
def test_help_has_a_purpose_examples_and_no_markup(path, parser):
    text = parser.format_help()
    assert parser.description, path
    if len(path) > 1:  # listed in its parent's help with a one-line purpose
        parent = dict(PARSERS)[path[:-1]]
        purpose = purposes(parent)[path[-1]]
        assert purpose and "\n" not in purpose and len(purpose) < 100, (path, purpose)
    assert "examples:\n  redblue" in text, path
    assert "`" not in text, path
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "(default: [])" not in text and "(default: ==SUPPRESS==)" not in text
    assert not parser.allow_abbrev, path  # a renamed option's old prefix must not linger


def test_every_example_names_its_own_command():
    for path, parser in PARSERS:
        if len(path) == 1:
            continue
        lines = parser.epilog.split("examples:\n")[1].split("\n\n")[0].splitlines()
        assert any(line.strip().startswith(" ".join(path)) for line in lines), path


def test_subcommands_are_listed_with_a_one_line_help():
    text = build_parser().format_help()
    for path, _ in PARSERS:
        if len(path) == 2:
            assert f"\n    {path[1]} " in text, path  # its name, then its help
    assert "redblue COMMAND --help" in text


def test_defaults_are_shown():
    helps = {" ".join(path): " ".join(p.format_help().split()) for path, p in PARSERS}
    assert "(default: astar)" in helps["redblue solve"]
    assert "(default: classic)" in helps["redblue solve"]
    assert "(default: 10.0)" in helps["redblue sweep"]
    assert "(default: check-certificates)" in helps["redblue check"]
    assert "(default: 20,000,000)" in helps["redblue simulate"]  # large numbers grouped
    assert "(default: tree)" in helps["redblue dag attention"]
    assert "(default: from its extension" in helps["redblue verify"]  # said once, in words
    assert helps["redblue verify"].count("(default") == 4


def test_head_options_mean_the_same_in_every_command():
    # one declaration (add_head_options): the same type and metavar everywhere, and each
    # help the shared meaning, then what the command does with the option
    reference = argparse.ArgumentParser()
    add_head_options(reference)
    meaning = {a.dest: a for a in reference._actions if a.dest != "help"}
    found: dict[str, list[str]] = {dest: [] for dest in meaning}
    for path, parser in PARSERS:
        for action in parser._actions:
            if action.dest in meaning and action.option_strings:
                want = meaning[action.dest]
                assert action.option_strings == want.option_strings, path
                assert (action.type, action.metavar, action.nargs, action.const) == (
                    want.type, want.metavar, want.nargs, want.const), path
                assert action.help.startswith(want.help), (path, action.help)
                found[action.dest].append(" ".join(path))
    commands = ["redblue dag attention", "redblue simulate", "redblue check"]
    assert found == {"heads": commands, "kv_heads": commands, "backward": commands}
    simulate = dict(PARSERS)[("redblue", "simulate")]
    assert "--kv-heads HKV" in simulate.format_help()


@pytest.mark.parametrize(
    "argv,level",
    [
        (["demo"], None),  # not given: main uses the default, 1
        (["-q", "demo"], 0),
        (["demo", "-q"], 0),
        (["-v", "demo"], 2),  # a subcommand's parser must not reset the main one's
        (["demo", "--verbose"], 2),
        (["-v", "dag", "chain", "--length", "3"], 2),
        (["dag", "chain", "--length", "3", "--quiet"], 0),
    ],
)
def test_verbosity_options_parse_anywhere(argv, level):
    args = build_parser().parse_args(argv)
    assert getattr(args, "verbosity", None) == level


def test_old_option_names_are_gone(capsys):
    for argv, old in [
        (["simulate", "flash2", "--n", "2", "--d", "1", "--memory", "8", "--moves", "m"],
         "--moves"),
        (["simulate", "flash2", "--n", "2", "--d", "1", "--memory", "8", "--graph", "g"],
         "--graph"),
        (["solve", "g.json", "--memory", "3", "--certificate", "c"], "--certificate"),
        (["check", "Q >= 1", "--certificates", "c"], "--certificates"),
    ]:  # fmt: skip
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and f"unrecognized arguments: {old}" in err


# ------------------------------------------------------------------ progress


@pytest.fixture
def level():
    """Set the verbosity for one test; restore it (the library default is 0) after."""
    before = progress.verbosity()
    yield progress.set_verbosity
    progress.set_verbosity(before)


def test_library_is_silent_by_default(capsys):
    assert progress.verbosity() == 0
    with progress.phase("anything"):
        progress.note("a detail", level=1)
    assert capsys.readouterr() == ("", "")


def test_short_phases_stay_quiet_long_ones_are_announced(capsys, level, monkeypatch):
    level(1)
    with progress.phase("quick"):
        pass
    progress.note("a detail")  # level 2 only
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(progress, "ANNOUNCE_AFTER", 0.05)
    with progress.phase("compiling the search core"):
        time.sleep(0.3)
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "redblue: compiling the search core ..."
    assert lines[1].startswith("redblue: compiling the search core: done in 0.")
    assert lines[1].endswith(" s") and len(lines) == 2


def test_a_failed_phase_says_stopped(capsys, level, monkeypatch):
    level(1)
    monkeypatch.setattr(progress, "ANNOUNCE_AFTER", 0.05)
    with pytest.raises(KeyError), progress.phase("solving"):
        time.sleep(0.3)
        raise KeyError("boom")
    assert "redblue: solving: stopped after 0." in capsys.readouterr().err


def test_verbose_announces_every_phase_and_note(capsys, level):
    level(2)
    with progress.phase("reading"):
        progress.note("a detail")
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[:2] == ["redblue: reading ...", "redblue: a detail"]
    assert err.splitlines()[2].startswith("redblue: reading: done in ")


def test_phases_from_threads_write_whole_lines(capsys, level):
    level(2)

    def work(k):
        for i in range(20):
            with progress.phase(f"thread {k} step {i}"):
                progress.note(f"thread {k} note {i}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4 * 20 * 3
    assert all(line.startswith("redblue: thread ") for line in lines)


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_set_verbosity_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        progress.set_verbosity(bad)
    assert progress.verbosity() == 0


# ------------------------------------------------------------------ the commands' progress


def test_main_sets_and_restores_verbosity(capsys, tmp_path):
    code, out, err = run(capsys, "-v", "dag", "chain", "--length", "3")
    assert code == 0 and json.loads(out)["nodes"]  # stdout stays pure JSON
    assert "redblue: building the chain DAG ..." in err
    assert progress.verbosity() == 0  # the library is silent again after main
    code, out, err = run(capsys, "-q", "dag", "chain", "--length", "3", "-o",
                         str(tmp_path / "c.json"), "-v")  # fmt: skip
    assert code == 0 and out == "" and "building the chain DAG" in err  # the last one wins
    code, out, err = run(capsys, "-q", "dag", "chain", "--length", "3", "-o",
                         str(tmp_path / "c.json"))  # fmt: skip
    assert code == 0 and out == err == ""  # -q: not even the "wrote" line
    code, out, err = run(capsys, "-v", "dag", "chain", "--length", "3", "-q")
    assert code == 0 and err == "" and json.loads(out)["nodes"]
    code, out, err = run(capsys, "dag", "chain", "--length", "3")
    assert code == 0 and err == ""  # a short run at the default verbosity says nothing


def test_solve_check_prove_sweep_announce_their_phases(capsys, tmp_path):
    graph = tmp_path / "p.json"
    write_graph(pyramid_dag(3), graph)
    code, out, err = run(capsys, "solve", str(graph), "--memory", "3", "-v", "--json")
    assert code == 0 and json.loads(out)["io"] == 11
    assert f"redblue: solving {graph} (10 nodes) at M = 3 by astar ..." in err
    code, out, err = run(capsys, "-v", "check", "Q >= 4", "--n", "1", "--d", "1",
                         "--memory", "3", "-o", str(tmp_path / "c"))  # fmt: skip
    assert code == 0
    assert "redblue: checking Q >= 4 on attention-N1-d1-chain-M3 ..." in err
    proofs = tmp_path / "proofs"
    proofs.mkdir()
    (proofs / "tiny.py").write_text(
        'TITLE = "Tiny"\nCLAIM = "1 = 1"\n\ndef run(proof):\n    proof.check("one", 1 == 1)\n'
    )
    code, out, err = run(capsys, "prove", "--dir", str(proofs))
    assert code == 0 and "[ok  ]" not in out
    code, out, err = run(capsys, "prove", "--dir", str(proofs), "-v")
    assert code == 0 and "redblue: proof tiny ..." in err
    assert "[ok  ] instance   one" in out  # -v keeps its meaning: every step is printed
    code, out, err = run(capsys, "prove", "--dir", str(proofs), "--json", "-v")
    assert code == 0 and json.loads(out)["ok"] is True  # steps never mix into JSON
    rows = tmp_path / "rows.csv"
    code, out, err = run(capsys, "-v", "sweep", "--n", "1", "--d", "1", "--memory", "8",
                         "-o", str(rows), "--processes", "1")  # fmt: skip
    assert code == 0 and f"redblue: sweep into {rows} (1 tasks, 0 reused) ..." in err


# ------------------------------------------------------------------ files: -o, --format, -


@pytest.fixture
def graph_text():
    return json.dumps(to_node_link(attention_dag(1, 1)))


def test_greedy_reads_stdin_writes_stdout_and_verify_reads_it_back(
    capsys, monkeypatch, tmp_path, graph_text
):
    code, out, err = run(capsys, "greedy", "-", "--memory", "4", "-o", "-", stdin=graph_text,
                         monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0
    assert "valid: yes" in err  # the summary moves to stderr: stdout holds the strategy
    strategy_file = tmp_path / "s.json"
    strategy_file.write_text(out)
    strategy = read_strategy(strategy_file)
    assert strategy.memory == 4 and len(strategy) > 0
    graph = tmp_path / "g.json"
    graph.write_text(graph_text)
    code, out2, _ = run(capsys, "verify", str(graph), "-", "--json", stdin=out,
                        monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0 and json.loads(out2)["valid"] is True


def test_two_results_on_stdout_are_refused(capsys, tmp_path):
    graph = tmp_path / "g.json"
    write_graph(pyramid_dag(2), graph)
    code, out, err = run(capsys, "greedy", str(graph), "--memory", "3", "-o", "-", "--json")
    assert code == 2 and out == "" and err.count("\n") == 1 and "--json" in err
    code, out, err = run(capsys, "simulate", "flash2", "--n", "2", "--d", "1", "--memory", "8",
                         "-o", "-", "--graph-output", "-")  # fmt: skip
    assert code == 2 and out == "" and "--graph-output" in err
    code, out, err = run(capsys, "verify", "-", "-")
    assert code == 2 and out == "" and "stdin" in err


def test_format_option_reads_a_graph_whatever_its_name(capsys, tmp_path):
    dot = tmp_path / "graph.txt"  # an extension that says nothing
    code, _, _ = run(capsys, "dag", "pyramid", "--height", "2", "--format", "dot", "-o", str(dot))
    assert code == 0 and dot.read_text().startswith("digraph")
    code, out, err = run(capsys, "greedy", str(dot), "--format", "dot", "--memory", "3",
                         "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["valid"] is True
    code, out, err = run(capsys, "greedy", str(dot), "--format", "json", "--memory", "3")
    assert code == 2 and out == "" and err.count("\n") == 1


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_dag_writes_every_format_and_greedy_reads_it(capsys, tmp_path, fmt):
    path = tmp_path / f"p.{fmt}"
    code, out, _ = run(capsys, "dag", "pyramid", "--height", "3", "--format", fmt, "-o",
                       str(path))  # fmt: skip
    assert code == 0 and out == "" and path.stat().st_size > 0
    code, out, _ = run(capsys, "greedy", str(path), "--format", fmt, "--memory", "3", "--json")
    assert code == 0 and json.loads(out)["computes"] == 6  # the 6 non-inputs of pyramid(3)


def test_simulate_writes_strategy_and_graph_under_their_names(capsys, tmp_path):
    graph, moves = tmp_path / "g.dot", tmp_path / "m.txt"
    code, out, _ = run(capsys, "simulate", "flash2", "--n", "2", "--d", "1", "--memory", "8",
                       "-o", str(moves), "--graph-output", str(graph), "--json")  # fmt: skip
    assert code == 0
    assert graph.read_text().startswith("digraph") and moves.read_text().startswith("#")
    code, checked, _ = run(capsys, "verify", str(graph), str(moves), "--json")
    assert code == 0 and json.loads(checked)["io"] == json.loads(out)["io"]


def test_end_to_end_stdin_through_the_console_script(graph_text):
    exe = os.path.join(os.path.dirname(sys.executable), "redblue")
    done = subprocess.run([exe, "greedy", "-", "--memory", "4", "--json", "-q"],
                          input=graph_text, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CI": "true"})  # fmt: skip
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["valid"] is True


def test_commands_run_as_plain_python_without_the_jit(capsys):
    # NUMBA_DISABLE_JIT=1 (numba's switch) runs the kernels as plain Python: the attention
    # DAG built as arrays and the replay loop give what the compiled kernels give
    argv = ["simulate", "flash2", "--n", "8", "--d", "2", "--memory", "24", "--json", "-v"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    done = subprocess.run([sys.executable, "-m", "redblue", *argv], capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "NUMBA_DISABLE_JIT": "1"})  # fmt: skip
    assert done.returncode == 0 and "the attention DAG as arrays: 624 nodes" in done.stderr
    assert json.loads(done.stdout) == json.loads(out)


# Ctrl-C at the first import of numpy, the start of the command line's heavy imports,
# sent by the process to itself from an import hook (a sitecustomize on PYTHONPATH): the
# signal lands inside the imports however long they take, without timing
CTRL_C_AT_IMPORT = '''
import os, signal, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
'''


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to oneself")
@pytest.mark.parametrize("how", ["console script", "python -m"])
def test_ctrl_c_while_starting_is_one_line(tmp_path, how):
    (tmp_path / "sitecustomize.py").write_text(CTRL_C_AT_IMPORT)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    exe = os.path.join(os.path.dirname(sys.executable), "redblue")
    cmd = [exe] if how == "console script" else [sys.executable, "-m", "redblue"]
    done = subprocess.run([*cmd, "dag", "chain", "--length", "3"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": path})
    assert (done.returncode, done.stderr, done.stdout) == (130, "redblue: interrupted\n", "")
