"""Sweeps: rows written as computed, reuse on rerun, resume after a kill, processes and dask."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from redblue.errors import InvalidInputError
from redblue.sweep import read_rows, run_sweep, task_key


def cube(task):
    if task["x"] < 0:
        raise ValueError("negative")
    return {"cube": task["x"] ** 3}


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_rows_reused_and_missing_ones_computed(tmp_path, suffix):
    path = tmp_path / f"rows{suffix}"
    first = run_sweep([{"x": x} for x in range(3)], cube, path, processes=1, progress=False)
    assert (first.computed, first.reused, first.rows) == (3, 0, 3)
    again = run_sweep([{"x": x} for x in range(5)], cube, path, processes=1, progress=False)
    assert (again.computed, again.reused, again.rows) == (2, 3, 5)
    rows = read_rows(path)
    assert sorted(r["cube"] for r in rows) == [0, 1, 8, 27, 64]
    assert all(r["key"] == task_key({"x": r["x"]}) for r in rows)


def test_failed_task_gets_no_row_and_is_retried(tmp_path):
    path = tmp_path / "rows.jsonl"
    s = run_sweep([{"x": 1}, {"x": -1}], cube, path, processes=1, progress=False)
    assert s.computed == 1 and len(s.failed) == 1 and "negative" in s.failed[0][1]
    s = run_sweep([{"x": 1}, {"x": -1}], cube, path, processes=1, progress=False)
    assert s.reused == 1 and len(s.failed) == 1  # tried again, not reused


def test_partial_last_line_is_recomputed(tmp_path):
    path = tmp_path / "rows.jsonl"
    run_sweep([{"x": 1}, {"x": 2}], cube, path, processes=1, progress=False)
    text = path.read_text()
    path.write_text(text[: len(text) - 5])  # a kill in the middle of writing row 2
    assert len(read_rows(path)) == 1
    s = run_sweep([{"x": 1}, {"x": 2}], cube, path, processes=1, progress=False)
    assert (s.reused, s.computed) == (1, 1)
    assert sorted(r["x"] for r in read_rows(path)) == [1, 2]


def test_killed_sweep_resumes_without_recomputing(tmp_path):
    script = tmp_path / "slow_sweep.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        from redblue.sweep import run_sweep

        def slow(task):
            time.sleep(0.3)
            with open({str(tmp_path / "calls")!r}, "a") as f:
                f.write(f"{{task['x']}}\\n")
            return {{"double": 2 * task["x"]}}

        s = run_sweep([{{"x": x}} for x in range(8)], slow, sys.argv[1],
                      processes=1, progress=False)
        print(s.computed, s.reused)
    """))
    out = tmp_path / "rows.jsonl"
    proc = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline and len(read_rows(out)) < 3:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    kept = len(read_rows(out))
    assert 3 <= kept < 8
    done = subprocess.run([sys.executable, str(script), str(out)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    computed, reused = map(int, done.stdout.split())
    assert reused == kept and computed == 8 - kept
    assert sorted(r["x"] for r in read_rows(out)) == list(range(8))


def test_local_processes(tmp_path):
    s = run_sweep([{"x": x} for x in range(6)], cube, tmp_path / "r.jsonl", processes=2,
                  progress=False)  # fmt: skip
    assert s.computed == 6


def test_dask_local_cluster(tmp_path):
    pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests/
    path = tmp_path / "r.csv"
    s = run_sweep([{"x": x} for x in range(5)], cube, path, scheduler="local", progress=False)
    assert (s.computed, s.rows) == (5, 5)
    assert sorted(r["cube"] for r in read_rows(path)) == [0, 1, 8, 27, 64]


def test_bad_files(tmp_path):
    with pytest.raises(InvalidInputError, match="unknown sweep file type"):
        run_sweep([{"x": 1}], cube, tmp_path / "rows.txt", processes=1, progress=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("[1, 2]\n")
    with pytest.raises(InvalidInputError, match="line 1 is not a JSON object"):
        read_rows(bad)
