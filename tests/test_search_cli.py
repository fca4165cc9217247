"""``redblue solve``: output, certificate file, exit codes."""

from __future__ import annotations

import json

from redblue.cli import main
from redblue.dags import pyramid_dag
from redblue.game import replay
from redblue.readwrite import read_strategy, write_json


def test_solve_json_and_certificate(tmp_path, capsys):
    G = pyramid_dag(3)
    path = tmp_path / "g.json"
    write_json(G, path)
    cert = tmp_path / "cert.json"
    code = main(["solve", str(path), "--memory", "3", "--json", "-o", str(cert)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["optimal"] is True and out["io"] == out["lower"] == out["upper"] == 11
    assert {"states", "seconds"} <= out.keys()
    assert replay(G, read_strategy(cert)).io == 11


def test_solve_no_recompute_text(tmp_path, capsys):
    path = tmp_path / "g.json"
    write_json(pyramid_dag(3), path)
    assert main(["solve", str(path), "--memory", "4", "--variant", "no-recompute"]) == 0
    assert "optimal: Q = 7" in capsys.readouterr().out


def test_solve_infeasible_memory_exit_2(tmp_path, capsys):
    path = tmp_path / "g.json"
    write_json(pyramid_dag(3), path)
    assert main(["solve", str(path), "--memory", "2"]) == 2
    assert "smallest feasible memory is M = 3" in capsys.readouterr().err


def test_solve_stopped_by_limit_exit_1(tmp_path, capsys):
    from redblue.dags import attention_dag

    path = tmp_path / "g.json"
    # far from solvable in half a second (60 s do not prove it)
    write_json(attention_dag(2, 2), path)
    code = main(["solve", str(path), "--memory", "4", "--time-limit", "0.5", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["optimal"] is False and out["io"] is None
    assert out["lower"] < out["upper"]


def test_solve_ilp_has_a_default_time_limit_and_progress(tmp_path, capsys, monkeypatch):
    import redblue.cli.solve as cli_solve
    import redblue.search.ilp as ilp

    # pyramid_dag(4) at M = 3 takes HiGHS minutes: the default limit stops it, with bounds
    monkeypatch.setitem(cli_solve.DEFAULT_SECONDS, "ilp", 2.0)
    monkeypatch.setattr(ilp, "PROGRESS_SECONDS", 0.2)
    path = tmp_path / "g.json"
    write_json(pyramid_dag(4), path)
    code = main(["solve", str(path), "--memory", "3", "--method", "ilp"])
    captured = capsys.readouterr()
    assert code == 1 and "not proven (time limit)" in captured.out
    assert "ilp: HiGHS running, lower 6, upper" in captured.err
