"""Parameter sweeps: one row per instance, written as it is computed, resumable.

A sweep is a list of *tasks* (JSON-ready dictionaries of parameters) and a *measure*
function turning a task into a row of results. :func:`run_sweep` computes the rows on
local processes or on a dask.distributed cluster and appends each row to the output file
the moment it arrives, so a sweep that is killed loses only the rows in flight; running
it again reads the file, keeps the rows already there and computes only the missing ones.

Rows are keyed by the task itself (its canonical JSON, stored in the ``key`` column), so
a task's row is reused only if every parameter matches.

Files are JSON lines (``.jsonl``, ``.json``) or CSV (``.csv``), chosen by suffix.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redblue.errors import InvalidInputError

__all__ = ["SweepSummary", "read_rows", "run_sweep", "task_key"]

Measure = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep did.

    Attributes
    ----------
    rows : int
        Rows in the output file for this sweep's tasks after the run.
    computed : int
        Rows computed in this run.
    reused : int
        Rows found in the file and not recomputed.
    failed : list of (dict, str)
        Tasks whose computation raised (task, message); they get no row, so the next
        run computes them again.
    path : str
        The output file.
    """

    rows: int
    computed: int
    reused: int
    failed: list[tuple[dict[str, Any], str]]
    path: str

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dictionary."""
        return {
            "rows": self.rows,
            "computed": self.computed,
            "reused": self.reused,
            "failed": [{"task": t, "error": e} for t, e in self.failed],
            "path": self.path,
        }


def task_key(task: Mapping[str, Any]) -> str:
    """The canonical key of a task: its JSON with sorted keys and no spaces.

    Examples
    --------
    >>> task_key({"n": 2, "d": 1, "algorithm": "flash2"})
    '{"algorithm":"flash2","d":1,"n":2}'
    """
    return json.dumps(task, sort_keys=True, separators=(",", ":"))


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    raise InvalidInputError(f"{path}: unknown sweep file type (use .csv or .jsonl)")


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read the rows of a sweep file (JSON lines or CSV); a missing file has none.

    A last line cut short by a killed run is ignored (its task is computed again).
    CSV values come back as JSON values where they parse as JSON (numbers, true, null),
    else as strings; the ``key`` column stays a string.

    Raises
    ------
    InvalidInputError
        If a complete line is not a JSON object, or the file cannot be read.
    """
    path = Path(path)
    if not path.exists():
        return []
    fmt = _format_of(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: cannot read: {exc}") from None
    if fmt == "csv":
        return list(_read_csv(text))
    rows = []
    lines = text.split("\n")
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if lineno == len(lines):  # no newline after it: a write cut short
                continue
            raise InvalidInputError(f"{path}: line {lineno} is not valid JSON") from None
        if not isinstance(row, dict):
            raise InvalidInputError(f"{path}: line {lineno} is not a JSON object")
        rows.append(row)
    return rows


def _read_csv(text: str) -> Iterator[dict[str, Any]]:
    complete = text if text.endswith("\n") else text[: text.rfind("\n") + 1]
    for row in csv.DictReader(complete.splitlines()):
        yield {k: v if k == "key" else _parse_cell(v) for k, v in row.items()}


def _parse_cell(value: str | None) -> Any:
    if value is None or value == "":
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


class _RowWriter:
    """Appends rows to the output file, flushing each so a kill loses nothing written."""

    def __init__(self, path: Path, columns: list[str] | None):
        self.path, self.fmt = path, _format_of(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists() or path.stat().st_size == 0
        if not fresh:
            self._drop_partial_last_line()
        self.file = open(path, "a", encoding="utf-8", newline="")
        self.columns = columns
        if self.fmt == "csv" and not fresh:
            with open(path, encoding="utf-8", newline="") as f:
                self.columns = next(csv.reader(f), None) or columns
        self.header_written = not fresh

    def _drop_partial_last_line(self) -> None:
        data = self.path.read_bytes()
        if not data.endswith(b"\n"):
            self.path.write_bytes(data[: data.rfind(b"\n") + 1])

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.file.write(json.dumps(row) + "\n")
        else:
            if self.columns is None:
                self.columns = list(row)
            if not self.header_written:
                csv.writer(self.file).writerow(self.columns)
                self.header_written = True
            extra = [k for k in row if k not in self.columns]
            if extra:
                raise InvalidInputError(
                    f"{self.path}: row has columns {extra} the file's header lacks; "
                    "write this sweep to a new file"
                )
            csv.writer(self.file).writerow([_cell(row.get(k)) for k in self.columns])
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()


def _measure_row(measure: Measure, task: dict[str, Any]) -> dict[str, Any]:
    """Run ``measure`` on a task; the row holds the key, the task and the results."""
    return {"key": task_key(task), **task, **measure(task)}


def _local_results(
    measure: Measure, tasks: list[dict[str, Any]], processes: int
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, str | None]]:
    if processes <= 1:
        for task in tasks:
            try:
                yield task, _measure_row(measure, task), None
            except Exception as exc:  # noqa: BLE001 - reported per task, the sweep goes on
                yield task, None, f"{type(exc).__name__}: {exc}"
        return
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = {pool.submit(_measure_row, measure, task): task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                yield task, future.result(), None
            except Exception as exc:  # noqa: BLE001 - a lost worker costs only its rows
                yield task, None, f"{type(exc).__name__}: {exc}"


def _dask_results(
    measure: Measure, tasks: list[dict[str, Any]], scheduler: str
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, str | None]]:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise InvalidInputError(
            "a dask scheduler needs the [dist] extra: pip install 'redblue[dist]'"
        ) from None
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=10)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InvalidInputError(f"cannot reach the dask scheduler {scheduler}: {exc}") from None
    try:
        futures = client.map(_measure_row, [measure] * len(tasks), tasks, pure=False)
        owner = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for future in dask_completed(futures):
            task = owner[future.key]
            try:
                yield task, future.result(), None
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: rerun computes it
                yield task, None, f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_sweep(
    tasks: Iterable[Mapping[str, Any]],
    measure: Measure,
    output: str | os.PathLike[str],
    *,
    columns: list[str] | None = None,
    scheduler: str | None = None,
    processes: int | None = None,
    progress: bool = True,
) -> SweepSummary:
    """Compute a row for every task not yet in ``output``, appending each as it arrives.

    Parameters
    ----------
    tasks : iterable of mapping
        JSON-ready parameter dictionaries; duplicates are computed once.
    measure : callable
        ``measure(task) -> dict`` of results; must be picklable (a module-level function)
        when running on processes or dask. An exception fails only its task.
    output : path
        ``.jsonl`` or ``.csv`` file; rows already there (matched by ``key``) are reused.
    columns : list of str, optional
        CSV column order for a new file (default: the first row's keys).
    scheduler : str, optional
        A dask.distributed scheduler address, or ``"local"`` to start a LocalCluster.
        Default: local processes.
    processes : int, optional
        Local worker processes (default: the number of CPUs; 1 runs in this process).
    progress : bool, default True
        Show a progress bar on stderr.

    Returns
    -------
    SweepSummary

    Raises
    ------
    InvalidInputError
        For an unknown file type, a malformed existing file, or an unreachable scheduler.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "squares.jsonl")
    >>> def square(task):
    ...     return {"square": task["x"] ** 2}
    >>> run_sweep([{"x": 1}, {"x": 2}], square, path, processes=1, progress=False).computed
    2
    >>> s = run_sweep([{"x": 1}, {"x": 2}, {"x": 3}], square, path, processes=1, progress=False)
    >>> s.computed, s.reused, s.rows
    (1, 2, 3)
    """
    path = Path(output)
    unique: dict[str, dict[str, Any]] = {}
    for task in tasks:
        unique.setdefault(task_key(task), dict(task))
    done = {row.get("key") for row in read_rows(path)}
    todo = [task for key, task in unique.items() if key not in done]
    reused = len(unique) - len(todo)
    failed: list[tuple[dict[str, Any], str]] = []
    computed = 0
    if todo:
        if scheduler:
            results = _dask_results(measure, todo, scheduler)
        else:
            results = _local_results(measure, todo, processes or os.cpu_count() or 1)
        writer = _RowWriter(path, columns)
        bar = _progress_bar(len(todo), progress, reused)
        try:
            for task, row, error in results:
                if row is None:
                    failed.append((task, error or "failed"))
                else:
                    writer.write(row)
                    computed += 1
                bar.update(1)
        finally:
            bar.close()
            writer.close()
    return SweepSummary(reused + computed, computed, reused, failed, str(path))


def _progress_bar(total: int, enabled: bool, reused: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        disable=not enabled,
        file=sys.stderr,
        desc=f"sweep ({reused} reused)",
        unit="row",
        leave=False,
    )
