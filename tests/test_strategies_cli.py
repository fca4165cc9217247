"""``redblue simulate``: moves mode, count-only mode, files for ``redblue verify``, errors."""

from __future__ import annotations

import json

import pytest

from redblue.cli import main
from redblue.strategies import count_io


def run_json(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip() else None), captured.err


@pytest.mark.parametrize("algorithm", ["flash1", "flash2", "standard", "tiling", "greedy"])
def test_simulate_moves_json(capsys, algorithm):
    code, data, _ = run_json(capsys, ["simulate", algorithm, "--n", "6", "--d", "3",
                                      "--memory", "40", "--json"])
    assert code == 0
    assert data["algorithm"] == algorithm and data["valid"] is True
    assert data["io"] == data["loads"] + data["stores"]
    assert data["peak_red"] <= 40
    if algorithm != "greedy":
        assert data["io"] == count_io(algorithm, 6, 3, 40).io
        assert data["blocks"] == count_io(algorithm, 6, 3, 40).blocks


def test_count_only_any_size(capsys):
    code, data, _ = run_json(capsys, ["simulate", "flash2", "--n", "65536", "--d", "128",
                                      "--memory", "100000", "--count-only", "--json"])
    assert code == 0
    assert data["io"] == count_io("flash2", 65536, 128, 100000).io
    assert data["blocks"]["B_r"] >= 1 and data["verified"] is False


def test_graph_and_moves_files_verify(capsys, tmp_path):
    graph, moves = tmp_path / "g.json", tmp_path / "m.json"
    code, data, _ = run_json(capsys, ["simulate", "tiling", "--n", "5", "--d", "4",
                                      "--memory", "20", "--sum", "fma", "--graph-output",
                                      str(graph), "-o", str(moves), "--json"])
    assert code == 0
    code, checked, _ = run_json(capsys, ["verify", str(graph), str(moves), "--json"])
    assert code == 0 and checked["io"] == data["io"] and checked["valid"]


def test_too_small_memory_exit_2(capsys):
    code, _, err = run_json(capsys, ["simulate", "flash1", "--n", "8", "--d", "4",
                                     "--memory", "19"])
    assert code == 2 and "M >= 20" in err and "Traceback" not in err


def test_too_many_moves_suggests_count_only(capsys):
    code, _, err = run_json(capsys, ["simulate", "flash2", "--n", "4096", "--d", "64",
                                     "--memory", "5000"])
    assert code == 2 and "--count-only" in err


def test_greedy_has_no_counter(capsys):
    code, _, err = run_json(capsys, ["simulate", "greedy", "--n", "4", "--d", "2",
                                     "--memory", "8", "--count-only"])
    assert code == 2 and "no block-level counter" in err


def test_human_output(capsys):
    assert main(["simulate", "flash2", "--n", "4", "--d", "2", "--memory", "20"]) == 0
    out = capsys.readouterr().out
    assert "valid: yes" in out and "B_r" in out


def test_stable_flag(capsys):
    code, data, _ = run_json(capsys, ["simulate", "flash2", "--n", "6", "--d", "3",
                                      "--memory", "40", "--stable", "--json"])
    assert code == 0 and data["io"] == count_io("flash2", 6, 3, 40, stable=True).io
    code, _, err = run_json(capsys, ["simulate", "standard", "--n", "6", "--d", "3",
                                     "--memory", "40", "--stable"])
    assert code == 2 and "stable" in err


@pytest.mark.parametrize("option,value,needs", [("--strategy-format", "text", "-o FILE"),
                                               ("--format", "dot", "--graph-output FILE")])
def test_format_needs_its_output_file(capsys, option, value, needs):
    # without the file the format is for, it would be silently ignored
    code, data, err = run_json(capsys, ["simulate", "flash2", "--n", "4", "--d", "2",
                                        "--memory", "20", option, value])
    assert code == 2 and data is None
    assert err.count("\n") == 1 and f"{option} needs {needs}" in err
