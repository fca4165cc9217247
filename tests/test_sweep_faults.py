"""Sweeps under faults: kill -9 at random moments, Ctrl-C on processes and on dask.

The promise checked: whatever moment a sweep is killed at, the next run heals the file and
finishes it, and the finished file is the one an uninterrupted run writes: no row lost,
repeated or torn (byte for byte with ``processes=1``, whose rows are in task order).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest

from redblue.sweep import read_rows

TASKS = 80

SCRIPT = textwrap.dedent(f"""
    import sys, time
    from redblue.sweep import run_sweep

    def measure(task):
        time.sleep(0.01)
        x = task["x"]
        return {{"cube": x ** 3, "label": "é≤" * (x % 4), "pad": "-" * (x * 7 % 50)}}

    if __name__ == "__main__":
        tasks = [{{"x": x, "tag": f"t{{x}}"}} for x in range({TASKS})]
        run_sweep(tasks, measure, sys.argv[1], processes=int(sys.argv[2]), progress=False)
""")


def _lines(path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _run(script, path, processes):
    """The sweep in a session of its own (a process group holding its workers too)."""
    log = open(path.with_name(path.name + ".stderr"), "ab")  # noqa: SIM115 - closed below
    with log:
        return subprocess.Popen([sys.executable, str(script), str(path), str(processes)],
                                stderr=log, start_new_session=True)  # fmt: skip


def _stragglers(groups, wait=5.0):
    """Process groups of killed runs still alive after ``wait`` seconds (killed, then)."""
    deadline = time.monotonic() + wait
    alive = set(groups)
    while alive and time.monotonic() < deadline:
        for group in list(alive):
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                alive.discard(group)
        time.sleep(0.1)
    for group in alive:
        os.killpg(group, signal.SIGKILL)
    return alive


@pytest.mark.parametrize("suffix, processes, kills", [
    (".csv", 1, 20),
    (".jsonl", 1, 20),
    (".jsonl", 2, 10),
])  # fmt: skip
def test_kill_9_at_random_moments_loses_nothing(tmp_path, suffix, processes, kills):
    script = tmp_path / "sweep_script.py"
    script.write_text(SCRIPT)
    reference = tmp_path / f"reference{suffix}"
    start = time.monotonic()
    done = _run(script, reference, 1)
    while done.poll() is None and not (reference.exists() and reference.stat().st_size):
        time.sleep(0.002)
    first = time.monotonic() - start  # startup: imports, lock, heal, the first row
    assert done.wait(60) == 0, reference.with_name(reference.name + ".stderr").read_text()
    rest = time.monotonic() - start - first  # the other rows

    rng = random.Random(20240601 + processes)  # the same kill times every run
    path = tmp_path / f"rows{suffix}"
    phases: Counter[str] = Counter()
    groups = []
    for i in range(kills):
        before = _lines(path)
        proc = _run(script, path, processes)
        groups.append(proc.pid)
        delay = rng.uniform(0, first + 0.25 * rest)  # in startup, header and rows alike
        time.sleep(0.0 if i < 2 else delay)  # the first two surely before any row
        proc.kill()  # SIGKILL to the sweep (not its workers): no cleanup of any kind
        code = proc.wait()
        added = _lines(path) - before
        phases["finished" if code == 0 else "mid-rows" if added > 0 else "before a row"] += 1
        if code == 0:  # done before the kill (a slow machine): back to an earlier state,
            lines = path.read_bytes().splitlines(keepends=True)  # as a kill then leaves
            path.write_bytes(b"".join(lines[: rng.randrange(len(lines))]))
        # a crash that also cut the last write short (a torn line): cut inside the last line
        data = path.read_bytes() if path.exists() else b""
        if rng.random() < 0.3 and data.count(b"\n") >= 2:
            last = data.rstrip(b"\n").rfind(b"\n") + 1
            path.write_bytes(data[: rng.randrange(last, len(data))])
        rows = read_rows(path)
        keys = [r["key"] for r in rows]
        assert len(keys) == len(set(keys)), "a row written twice"
    finish = _run(script, path, processes)
    assert finish.wait(60) == 0, path.with_name(path.name + ".stderr").read_text()
    print(dict(phases))
    assert not _stragglers(groups), "worker processes outlived their killed sweep"

    if processes == 1:  # rows in task order: the very same bytes
        assert path.read_bytes() == reference.read_bytes()
    else:  # rows in the order computed: the same lines
        assert Counter(path.read_bytes().splitlines()) == Counter(
            reference.read_bytes().splitlines()
        )
    assert len(read_rows(path)) == TASKS
    assert phases["before a row"] >= 2 and phases["mid-rows"] >= 2


def _interrupt(argv, rows, cwd, wait_rows=1):
    """Run ``redblue`` until ``rows`` holds ``wait_rows`` rows, then Ctrl-C it (SIGINT to
    its process group, as a terminal does); its exit code, stderr, and seconds to exit."""
    proc = subprocess.Popen([sys.executable, "-m", "redblue", *argv], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(read_rows(rows)) < wait_rows:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err, time.monotonic() - sent


GRID = ["--n", "8,9,10,11,12,13,14,15,16", "--d", "2,3,4,8", "--memory", "16,32,64,128"]


@pytest.mark.parametrize("where", [
    ["--processes", "2"],
    ["--scheduler", "local", "--processes", "1"],  # one dask worker: starts sooner
])  # fmt: skip
def test_ctrl_c_stops_quietly_and_keeps_the_rows(tmp_path, where):
    if "local" in where:
        pytest.importorskip("distributed")
    rows = tmp_path / "rows.jsonl"
    code, err, seconds = _interrupt(["sweep", *GRID, "-o", str(rows), *where], rows, tmp_path)
    assert code == 130, err
    *progress, last = err.splitlines()  # the sweep's progress phase, then one line
    assert "interrupted" in last and "Traceback" not in err, err
    assert all(line.startswith("redblue: sweep into ") for line in progress), err
    assert seconds < 10  # the workers are stopped, not waited for
    data = rows.read_bytes()
    kept = read_rows(rows)
    assert data.endswith(b"\n") and len(kept) == data.count(b"\n") >= 1
    assert len({r["key"] for r in kept}) == len(kept)


def test_two_sweeps_on_one_file_write_each_row_once(tmp_path):
    """Two sweeps started together on one file: one computes the rows, the other is
    refused while it runs (or reuses the rows, if it starts after)."""
    script = tmp_path / "both.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from redblue.errors import InvalidInputError
        from redblue.sweep import run_sweep

        def slow(task):
            time.sleep(0.05)
            return {"x2": 2 * task["x"]}

        if __name__ == "__main__":
            try:
                run_sweep([{"x": x} for x in range(20)], slow, sys.argv[1], processes=1,
                          progress=False)
            except InvalidInputError as exc:
                sys.exit(f"error: {exc}")
    """))
    rows = tmp_path / "rows.csv"
    runs = [subprocess.Popen([sys.executable, str(script), str(rows)], stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]  # fmt: skip
    results = [(p.wait(60), p.communicate()[1]) for p in runs]
    assert sorted(code for code, _ in results) in ([0, 0], [0, 1]), results
    for code, err in results:
        if code:
            assert err == f"error: {rows} is locked: another sweep is writing it; wait for " \
                "that run to end, or write to another file\n", err
    keys = [r["key"] for r in read_rows(rows)]
    assert len(keys) == len(set(keys)) == 20
    assert rows.read_text().count("key,x,x2") == 1  # one header
