"""The paper check: measured rows, verdicts that can fail, the report, the CLI commands."""

from __future__ import annotations

import json
import re

import pytest

from redblue import __version__, progress
from redblue.cli import main
from redblue.errors import InvalidInputError
from redblue.paper import (
    PaperGrid,
    Verdict,
    attention_tasks,
    check_rows,
    lemma_3_3_counts,
    measure_attention,
    paper_check,
    paper_grid,
    proof_verdicts,
)
from redblue.paper import proofs as paper_proofs
from redblue.paper import run as paper_run
from redblue.paper.report import provenance, write_report
from redblue.strategies import simulate
from redblue.sweep import read_rows
from redblue.testing import assert_bound_holds


def rows_for(tasks):
    return [dict(t, **measure_attention(t)) for t in tasks]


@pytest.fixture
def no_figures(monkeypatch):
    """Reports without figures, for the tests of what their text says: the figures of the
    same rows are drawn (and checked) by test_report_files (``small_rows``) and
    test_paper_check_requires_every_claim (``tiny_check``)."""
    import redblue.paper.report as report_mod

    monkeypatch.setattr(report_mod, "pyplot", lambda: None)


@pytest.fixture(scope="module")
def small_rows():
    return rows_for(attention_tasks([6], [2, 4], [8, 16, 32, 64]))


def test_rows_are_replayed_and_agree_with_a_fresh_simulation(small_rows):
    row = next(r for r in small_rows if r["flash2_io"] is not None)
    assert row["flash2_checked"] == "replay"
    assert row["flash2_io"] == simulate("flash2", row["n"], row["d"], row["memory"]).result.io
    assert_bound_holds(lambda n, d, memory, **_: 4 * n * d,
                       [{**r, "io": r["flash2_io"]} for r in small_rows if r["flash2_io"]])


def test_counted_rows_equal_replayed_rows():
    counted = rows_for(attention_tasks([6], [2], [16, 32], max_moves=0))
    replayed = rows_for(attention_tasks([6], [2], [16, 32]))
    for c, r in zip(counted, replayed, strict=True):
        for a in ("flash1", "flash2", "standard", "tiling"):
            assert c[f"{a}_io"] == r[f"{a}_io"]
            if c[f"{a}_io"] is not None:
                assert (c[f"{a}_checked"], r[f"{a}_checked"]) == ("counter", "replay")


def test_too_small_memory_is_a_note_not_a_crash():
    row = measure_attention({"n": 4, "d": 4, "memory": 4, "algorithms": ["flash2"]})
    assert row["flash2_io"] is None and "memory" in row["flash2_note"]


def test_verdicts_pass_on_real_rows_and_fail_on_doctored_ones(small_rows):
    assert all(v.ok for v in check_rows(small_rows) if v.checked)
    bad = [dict(r) for r in small_rows]
    victim = next(r for r in bad if r["flash2_io"] is not None)
    victim["flash2_io"] = victim["lower"] - 1  # an algorithm beating a proven lower bound
    verdict = check_rows(bad)[0]
    assert not verdict.ok and "flash2 io" in verdict.failed[0]


def test_a_claim_no_instance_reached_is_not_checked_not_failed(small_rows):
    verdicts = {v.claim: v for v in check_rows(small_rows)}  # d <= 4: no tiling regime
    tiling = verdicts["square tiling beats FlashAttention-2 for M < d^2/4"]
    assert tiling.checked == 0 and tiling.status == "not checked" and not tiling.ok
    assert tiling.required and tiling.fails  # required: the run fails, yet not "FAILED"
    optional = {v.claim: v for v in check_rows(small_rows, required=False)}[tiling.claim]
    assert optional.status == "not checked" and not optional.fails
    assert Verdict("c", "s", 2, ["N=1: broken"], required=False).status == "FAILED"
    assert Verdict("c", "s", 2, ["N=1: broken"], required=False).fails


def test_report_reads_not_checked_and_the_cli_exits_by_required(tmp_path, small_rows,
                                                                capsys, no_figures):  # fmt: skip
    path = write_report(tmp_path / "rep", schedule_rows=small_rows,
                        verdicts=check_rows(small_rows))  # fmt: skip
    tiling = next(line for line in path.read_text().splitlines() if "| square tiling beats" in line)
    assert tiling.endswith("| 0 | not checked |") and "FAILED" not in tiling
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"key": str(i), **r}) + "\n"
                            for i, r in enumerate(small_rows)))  # fmt: skip
    argv = ["report", "--from", str(rows), "-o", str(tmp_path / "r")]
    assert main(argv) == 0  # unchecked claims of a user's rows are optional
    out = capsys.readouterr().out
    assert "FAILED" not in out and re.match(r"\d of \d results checked, 0 failed, [1-9] not "
                                            "checked; report: ", out)  # fmt: skip
    report = (tmp_path / "r" / "report.md").read_text()
    assert f"| command | redblue report -o {tmp_path / 'r'} --from {rows} |" in report
    bad = [dict(r) for r in small_rows]
    victim = next(r for r in bad if r["flash2_io"] is not None)
    victim["flash2_io"] = victim["lower"] - 1
    rows.write_text("".join(json.dumps({"key": str(i), **r}) + "\n"
                            for i, r in enumerate(bad)))  # fmt: skip
    assert main(argv) == 1  # a claim that failed on an instance fails the command
    assert "FAILED: explicit lower bound" in capsys.readouterr().out


def small_grid(d=32):
    """A grid of three quick instances: d = 32 reaches every claim of check_rows (M = 192 <
    d^2/4), d = 4 not the tiling one."""
    return PaperGrid(replayed=[], exact=[], lemma_points=[(4, 2, 16)],
                     counted=attention_tasks([64], [d], [192, 512], max_moves=0))  # fmt: skip


@pytest.fixture
def tiny_check(monkeypatch):
    """paper_check on :func:`small_grid`, without the proof scripts nor the search core."""
    def use(d=32):
        monkeypatch.setattr(paper_run, "paper_grid", lambda quick, time_limit=None: small_grid(d))
        monkeypatch.setattr(paper_run, "proof_verdicts", lambda: [])
        monkeypatch.setattr(paper_run, "prepare_search_core", lambda: None)
    return use


@pytest.mark.parametrize("d, ok", [(32, True), (4, False)])
def test_paper_check_requires_every_claim(d, ok, tmp_path, tiny_check, capsys):
    tiny_check(d)
    code = main(["paper", "-o", str(tmp_path), "--processes", "1"])
    out = capsys.readouterr().out
    assert code == (0 if ok else 1) and "FAILED" not in out
    assert ("0 failed, 0 not checked;" in out) is ok
    assert ("0 failed, 1 not checked;" in out) is not ok
    assert ("required, but no instance reached it" in out) is not ok


def test_time_limit_reaches_every_exact_search_and_is_checked():
    grid = paper_grid(quick=True, time_limit=2)
    assert grid.exact and {t["time_limit"] for t in grid.exact} == {2.0} == {grid.time_limit}
    assert {t["time_limit"] for t in paper_grid(quick=True).exact} == {3.0}
    assert {t["time_limit"] for t in paper_grid().exact} == {5.0}
    for bad in (0, -1, float("nan"), float("inf"), "5"):
        with pytest.raises(InvalidInputError, match="the time limit must be"):
            paper_grid(quick=True, time_limit=bad)


def test_fresh_computes_every_row_again(tmp_path, tiny_check, no_figures):
    tiny_check()
    first = paper_check(tmp_path, processes=1)
    again = paper_check(tmp_path, processes=1)
    fresh = paper_check(tmp_path, processes=1, fresh=True)
    assert (first["computed"], first["reused"]) == (2, 0)
    assert (again["computed"], again["reused"]) == (0, 2)
    assert (fresh["computed"], fresh["reused"]) == (2, 0) and fresh["ok"]
    assert "| rows | 2 computed in this run, 0 reused from earlier runs (fresh: earlier rows " \
        "ignored) |" in (tmp_path / "report.md").read_text()


def test_report_states_how_it_was_made(tmp_path, tiny_check, no_figures):
    tiny_check()
    assert main(["paper", "-o", str(tmp_path), "--processes", "1", "--quick",
                 "--time-limit", "2.5", "-q"]) == 0  # fmt: skip
    lines = (tmp_path / "report.md").read_text().splitlines()
    n = len(check_rows(read_rows(tmp_path / "rows_counted.jsonl")))
    assert f"**{n} of {n} results checked, 0 failed, 0 not checked.**" in lines[:4]
    table = lines[lines.index("## How this report was made") + 4:]
    table = table[:table.index("")]
    facts = dict(line.strip("| ").split(" | ", 1) for line in table)
    assert facts["command"] == f"redblue paper -o {tmp_path} --quick --time-limit 2.5 " \
        "--processes 1"
    assert facts["redblue version"] == __version__ and facts["grid"] == "quick"
    assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC", facts["date (UTC)"])
    assert facts["time limit of each exact search"] == "no exact search"  # none in this grid
    assert facts["max moves replayed"] == "0 in some rows: all counted"
    assert {"platform", "Python", "CPUs", "memory"} <= facts.keys()
    assert re.fullmatch(r"\d+( \(\d+ usable\))?", facts["CPUs"])
    html = (tmp_path / "report.html").read_text()
    assert "img{display:block;width:100%;max-width:100%" in html


def test_provenance_reads_the_limits_from_the_rows():
    rows = rows_for(attention_tasks([1], [1], [3], algorithms=["greedy"], exact=True,
                                    time_limit=1.5))  # fmt: skip
    facts = provenance("x", rows)
    assert facts["time limit of each exact search"] == "1.5 s"
    assert facts["max moves replayed"].startswith("3,000,000 (")


def test_cli_says_each_phase_on_stderr(tmp_path, tiny_check, capsys, no_figures):
    tiny_check()
    assert main(["paper", "-o", str(tmp_path), "--processes", "1", "-v"]) == 0
    err = capsys.readouterr().err
    # the search core is announced only when it compiles here (search/core.py), not in a test
    for label in ("sweep 2/3: schedules counted by block counters (2 tasks, 0 reused)",
                  "Lemma 3.3 counts (1 instance)", "writing the report"):  # fmt: skip
        assert f"redblue: {label} ..." in err, label
    assert "sweep (" not in err and progress.verbosity() == 0
    assert main(["paper", "-o", str(tmp_path), "--processes", "1", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_each_proof_script_is_named_with_its_outcome(monkeypatch, capsys):
    from redblue.bounds.proof import proof_scripts

    # two of the fastest scripts: what is checked is the naming, not the proofs
    scripts = [p for p in proof_scripts() if p.stem in ("lemma_4_1", "lemma_4_7")]
    monkeypatch.setattr(paper_proofs, "proof_scripts", lambda: scripts)
    before = progress.verbosity()
    progress.set_verbosity(2)
    try:
        verdicts = proof_verdicts()
    finally:
        progress.set_verbosity(before)
    err = capsys.readouterr().err
    assert [v.status for v in verdicts] == ["checked", "checked"]
    assert "redblue: proof script 1/2: lemma_4_1: checked (" in err
    assert "redblue: proof script 2/2: lemma_4_7: checked (" in err


def test_exact_rows_sit_between_bound_and_schedules():
    rows = rows_for(attention_tasks([1], [1], [3, 4], algorithms=["greedy"], exact=True,
                                    time_limit=20))  # fmt: skip
    for r in rows:
        assert r["exact_optimal"] and r["lower"] <= r["exact_io"] <= r["greedy_io"]
    verdicts = {v.claim: v for v in check_rows(rows)}
    assert verdicts["lower bound <= exact optimum <= schedules' io"].checked == 2


def test_report_files(tmp_path, small_rows):
    pytest.importorskip("matplotlib")
    path = write_report(tmp_path, schedule_rows=small_rows, verdicts=check_rows(small_rows),
                        lemma_counts=[lemma_3_3_counts(4, 2, 16)])  # fmt: skip
    text = path.read_text()
    assert "## Verdicts" in text and "io_vs_memory.png" in text and "lemma_3_3.png" in text
    for png in ("io_vs_memory.png", "ratio_to_lower.png", "lemma_3_3.png"):
        assert (tmp_path / png).stat().st_size > 10_000
    assert "<table>" in (tmp_path / "report.html").read_text()


def test_cli_sweep_resumes_and_reports(tmp_path, capsys):
    out = tmp_path / "rows.csv"
    argv = ["sweep", "--n", "4", "--d", "2", "--memory", "16,32", "--algorithms",
            "flash2,tiling", "-o", str(out), "--processes", "1", "--json"]  # fmt: skip
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["rows"], first["computed"], first["reused"]) == (2, 2, 0)
    argv[6] = "16,32,64"
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["rows"], again["computed"], again["reused"]) == (3, 1, 2)
    assert sorted(r["memory"] for r in read_rows(out)) == [16, 32, 64]
    assert main(["report", "--from", str(out), "-o", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "report.md").exists()


@pytest.mark.parametrize("argv, fragment", [
    (["sweep", "--n", "4", "--d", "x", "--memory", "8", "-o", "r.csv"], "comma-separated"),
    (["sweep", "--n", "4", "--d", "2", "--memory", "8", "--algorithms", "fast", "-o", "r.csv"],
     "unknown algorithm 'fast'"),
    (["sweep", "--n", "4", "--d", "2", "--memory", "8", "-o", "rows.txt"], "unknown sweep file"),
])  # fmt: skip
def test_cli_sweep_bad_input(argv, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects bad arguments itself
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err and err.count("\n") == 1


def test_exact_rows_carry_the_best_certified_lower_bound(tmp_path, monkeypatch):
    from redblue.lower import METHODS
    from redblue.paper.figures import plot_exact, pyplot

    # M = 4: a method above the trivial bound (parts, 9 when it runs to the end); M = 5:
    # the trivial bound (M = 3, parts 17 below Q = 24, costs a 4 s search for the same check)
    rows = rows_for(attention_tasks([2], [1], [4, 5], algorithms=["greedy"], exact=True,
                                    time_limit=5))  # fmt: skip
    for r in rows:
        assert r["certified_by"] in METHODS and r["certified_by"] != "search"
        assert r["trivial"] <= r["certified_lower"] <= r["exact_upper"]
        if r["exact_optimal"]:
            assert r["certified_lower"] <= r["exact_io"]
    plt = pyplot()
    if plt is not None:
        plot_exact(plt, rows, tmp_path / "exact.png")
        assert (tmp_path / "exact.png").stat().st_size > 10_000
    # a planted unsound method: its bound above the search's certificate is caught
    import redblue.lower as lower_mod
    from redblue.lower.results import LowerBound, MethodResult

    def planted(G, memory, variant, **kw):
        return LowerBound(10**6, 8, memory, variant, 26,
                          [MethodResult("trivial", 10**6, 0.0, "ok")])  # fmt: skip

    monkeypatch.setattr(lower_mod, "lower_bound", planted)
    with pytest.raises(AssertionError, match="certified lower bound 1000000"):
        rows_for(attention_tasks([2], [1], [5], algorithms=["greedy"], exact=True,
                                 time_limit=5))  # fmt: skip
