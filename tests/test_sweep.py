"""Sweeps: rows written as computed, reuse on rerun, resume after a kill, processes and dask."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
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


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_fresh_ignores_the_rows_of_earlier_runs(tmp_path, suffix):
    path = tmp_path / f"rows{suffix}"
    run_sweep([{"x": x} for x in range(3)], cube, path, processes=1, progress=False)
    s = run_sweep([{"x": 1}, {"x": 2}], cube, path, processes=1, progress=False, fresh=True)
    assert (s.computed, s.reused, s.rows) == (2, 0, 2)
    rows = read_rows(path)  # the file starts over: one row a task, x = 0 dropped with it
    assert [r["x"] for r in rows] == [1, 2] and [r["cube"] for r in rows] == [1, 8]
    s = run_sweep([{"x": 1}, {"x": 2}], cube, path, processes=1, progress=False)
    assert (s.computed, s.reused) == (0, 2)  # and is resumable as before


@pytest.fixture
def verbosity():
    from redblue import progress

    before = progress.verbosity()
    yield progress.set_verbosity
    progress.set_verbosity(before)


def test_progress_names_the_sweep_and_its_counts(tmp_path, capsys, verbosity):
    path = tmp_path / "rows.jsonl"
    run_sweep([{"x": 1}], cube, path, processes=1, label="sweep 1/2: cubes")
    assert capsys.readouterr().err == ""  # the library is silent by default
    verbosity(2)
    run_sweep([{"x": 1}, {"x": 2}], cube, path, processes=1, label="sweep 1/2: cubes")
    err = capsys.readouterr().err
    assert "sweep 1/2: cubes (2 tasks, 1 reused) ..." in err and "done in" in err
    run_sweep([{"x": 3}], cube, path, processes=1, progress=False, label="sweep 1/2: cubes")
    assert capsys.readouterr().err == ""  # progress=False: nothing at any verbosity
    run_sweep([{"x": 4}], cube, path, processes=1)
    assert capsys.readouterr().err == ""  # no label: the caller's phase names the sweep


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
            time.sleep(0.15)
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


# -- lose nothing: partial lines, locks, bad input ------------------------------------


def labelled(task):
    """A row with multi-byte text, so a cut can fall inside a character."""
    return {"cube": task["x"] ** 3, "label": "é≤" * (task["x"] % 3), "note": None}


TASKS = [{"x": x, "tag": f"t{x}"} for x in range(6)]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_every_cut_of_the_file_heals_to_the_same_file(tmp_path, monkeypatch, suffix):
    """A crash leaves some prefix of the file; resuming from any prefix gives the same file."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # content, not durability: fast
    whole = tmp_path / f"whole{suffix}"
    run_sweep(TASKS, labelled, whole, processes=1, progress=False)
    data = whole.read_bytes()
    assert data.count(b"\n") == len(TASKS) + (suffix == ".csv")  # one line a row (+ header)
    for cut in range(len(data)):
        path = tmp_path / f"cut{cut}{suffix}"  # a new file: rewriting one is slow on ext4
        path.write_bytes(data[:cut])
        # whole rows kept: the lines ended; in JSON lines also a row cut just before its
        # newline (a whole JSON object: the healing run only adds the newline)
        ended = data[: cut + 1] if suffix == ".jsonl" else data[:cut]
        complete = ended.count(b"\n") - (suffix == ".csv")
        assert len(read_rows(path)) == max(complete, 0), cut
        s = run_sweep(TASKS, labelled, path, processes=1, progress=False)
        assert (s.reused, s.rows) == (max(complete, 0), len(TASKS)), cut
        assert path.read_bytes() == data, f"cut at byte {cut} healed to a different file"


def test_csv_cut_inside_its_header_gets_a_header(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("key,x,cu")  # the first write of a run, cut short
    s = run_sweep([{"x": 2}], cube, path, processes=1, progress=False)
    assert s.computed == 1
    assert path.read_text().splitlines()[0] == "key,x,cube"
    assert read_rows(path) == [{"key": task_key({"x": 2}), "x": 2, "cube": 8}]


def test_whole_json_row_without_newline_is_kept_and_completed(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"key": task_key({"x": 1}), "x": 1, "cube": 1}))
    s = run_sweep([{"x": 1}, {"x": 2}], cube, path, processes=1, progress=False)
    assert (s.reused, s.computed) == (1, 1)
    assert [r["x"] for r in read_rows(path)] == [1, 2]
    assert path.read_text().count("\n") == 2


def test_csv_strings_read_back_as_written(tmp_path):
    values = ["", "1", "null", "a\nb", "c\r\nd", '"q"', " 2", "plain", "[1]", "true"]
    path = tmp_path / "rows.csv"
    run_sweep([{"i": i} for i in range(len(values))], lambda t: {"v": values[t["i"]]},
              path, processes=1, progress=False)  # fmt: skip
    assert len(path.read_bytes().splitlines()) == len(values) + 1  # no line break in a cell
    assert [r["v"] for r in read_rows(path)] == values


def test_a_second_run_on_a_locked_file_is_refused(tmp_path):
    path = tmp_path / "rows.jsonl"
    started, release = threading.Event(), threading.Event()

    def held(task):
        started.set()
        assert release.wait(10)
        return {"cube": task["x"] ** 3}

    first = {}
    thread = threading.Thread(target=lambda: first.update(
        s=run_sweep([{"x": 1}, {"x": 2}], held, path, processes=1, progress=False)))  # fmt: skip
    thread.start()
    try:
        assert started.wait(10)
        with pytest.raises(InvalidInputError, match=f"{path.name} is locked"):
            run_sweep([{"x": 1}, {"x": 2}], cube, path, processes=1, progress=False)
    finally:
        release.set()
        thread.join(10)
    assert first["s"].computed == 2
    assert sorted(r["x"] for r in read_rows(path)) == [1, 2]  # nothing written twice
    assert run_sweep([{"x": 3}], cube, path, processes=1, progress=False).computed == 1


def test_a_lock_left_by_a_killed_run_is_gone(tmp_path):
    """The lock belongs to the open file: a run killed with its worker processes alive
    must not leave the file locked (the workers do not hold the lock)."""
    path = tmp_path / "rows.jsonl"
    script = tmp_path / "pool_sweep.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from redblue.sweep import run_sweep

        def slow(task):
            time.sleep(0.2 if task["x"] else 0)
            return {"x2": task["x"]}

        if __name__ == "__main__":
            run_sweep([{"x": x} for x in range(40)], slow, sys.argv[1], processes=2,
                      progress=False)
    """))
    proc = subprocess.Popen([sys.executable, str(script), str(path)], start_new_session=True)
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not read_rows(path):
            time.sleep(0.02)
        proc.kill()  # the sweep only: its workers are still computing
        proc.wait()
        s = run_sweep([{"x": 0}, {"x": 1}], cube, path, processes=1, progress=False)
        assert s.rows == 2
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of its session


def not_a_dict(task):
    return [task["x"]]


def reserved_name(task):
    return {"key": 1}


def unserialisable_row(task):
    return {"value": {task["x"]}}


@pytest.mark.parametrize("measure, fragment", [
    (not_a_dict, "returned list, not a dictionary"),
    (reserved_name, "result name 'key'"),
    (unserialisable_row, "cannot be written as JSON"),
])  # fmt: skip
def test_a_bad_result_fails_its_task_only(tmp_path, measure, fragment):
    path = tmp_path / "rows.jsonl"
    s = run_sweep([{"x": 1}], measure, path, processes=1, progress=False)
    assert s.computed == 0 and fragment in s.failed[0][1]
    assert not path.exists()  # a run that wrote nothing leaves no file


class Unpicklable:
    def __reduce__(self):
        raise TypeError("no pickling")

    def __call__(self, task):
        return {}


@pytest.mark.parametrize("kwargs, fragment", [
    ({"tasks": {"x": 1}}, "tasks must be a list of dictionaries, got dict"),
    ({"tasks": "xy"}, "tasks must be a list of dictionaries, got str"),
    ({"tasks": None}, "tasks must be a list of dictionaries, got NoneType"),
    ({"tasks": [{"x": 1}, 5]}, "task 1 must be a dictionary of parameters, got int"),
    ({"tasks": [{1: 2}]}, "task 0: parameter name 1 is not a string"),
    ({"tasks": [{"key": 2}]}, "task 0: a parameter may not be called 'key'"),
    ({"tasks": [{"x": 1}, {"x": object()}]}, "task 1: parameter 'x' = <object object"),
    ({"tasks": [{"x": {1}}]}, "Object of type set is not JSON serializable"),
    ({"tasks": [{"x": float("nan")}]}, "task 0: parameter 'x' = nan cannot be written as JSON"),
    ({"measure": 3}, "measure must be a function, got 3"),
    ({"measure": Unpicklable(), "processes": 2}, "cannot be sent to worker processes"),
    ({"output": 7}, "output must be a file path, got 7"),
    ({"output": "rows.txt"}, "unknown sweep file type"),
    ({"output": "folder.csv"}, "is a folder, not a rows file"),
    ({"output": "file.txt/rows.csv"}, "cannot create"),
    ({"columns": "key,x"}, "columns must be a list of names"),
    ({"columns": ["x", "x"]}, "columns must be distinct names"),
    ({"processes": 0}, "processes must be at least 1, got 0"),
    ({"processes": 1.5}, "processes must be a whole number"),
    ({"scheduler": ""}, "scheduler must be an address or 'local'"),
    ({"scheduler_timeout": 0}, "scheduler_timeout must be a positive number"),
    ({"scheduler_timeout": float("nan")}, "scheduler_timeout must be a positive number"),
    ({"scheduler_timeout": None}, "scheduler_timeout must be a positive number"),
])  # fmt: skip
def test_bad_input_is_refused_up_front(tmp_path, monkeypatch, kwargs, fragment):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "file.txt").write_text("")
    args = {"tasks": [{"x": 1}], "measure": cube, "output": "rows.jsonl", "processes": 1,
            "progress": False, **kwargs}  # fmt: skip
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(InvalidInputError) as info:
        run_sweep(args.pop("tasks"), args.pop("measure"), args.pop("output"), **args)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


@pytest.mark.parametrize("content, fragment", [
    ('{"x": 1}\n', "row 1 has no 'key'"),
    ('{"key": "a"}\nnot json\n{"key": "b"}\n', "line 2 is not valid JSON"),
    (b'{"key": "\xff"}\n', "line 1 is not UTF-8 text"),
])  # fmt: skip
def test_a_file_that_is_not_a_sweep_file_is_left_alone(tmp_path, content, fragment):
    path = tmp_path / "rows.jsonl"
    data = content if isinstance(content, bytes) else content.encode()
    path.write_bytes(data)
    with pytest.raises(InvalidInputError, match=fragment):
        run_sweep([{"x": 1}], cube, path, processes=1, progress=False)
    assert path.read_bytes() == data


def test_csv_line_with_wrong_field_count_is_an_error(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("key,x\r\na,1,2\r\n")
    with pytest.raises(InvalidInputError, match="line 2 has 3 fields, the header has 2"):
        read_rows(path)


def test_columns_without_key_get_it(tmp_path):
    path = tmp_path / "rows.csv"
    run_sweep([{"x": 2}], cube, path, columns=["x", "cube"], processes=1, progress=False)
    assert path.read_text().splitlines()[0] == "key,x,cube"
    assert run_sweep([{"x": 2}], cube, path, processes=1, progress=False).reused == 1


def test_dask_scheduler_by_address(tmp_path):
    """A real scheduler passes the handshake check and runs the sweep."""
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as c:
        s = run_sweep([{"x": x} for x in range(3)], cube, tmp_path / "r.jsonl",
                      scheduler=c.scheduler_address, progress=False)  # fmt: skip
    assert s.computed == 3
    assert sorted(r["cube"] for r in read_rows(tmp_path / "r.jsonl")) == [0, 1, 8]
