"""Parameter sweeps: one row per instance, written as it is computed, resumable.

A sweep is a list of *tasks* (JSON-ready dictionaries of parameters) and a *measure*
function turning a task into a row of results. :func:`run_sweep` computes the rows on
local processes or on a dask.distributed cluster and appends each row to the output file
the moment it arrives, so a sweep that is killed loses only the rows in flight; running
it again reads the file, keeps the rows already there and computes only the missing ones.

Rows are keyed by the task itself (its canonical JSON, stored in the ``key`` column), so
a task's row is reused only if every parameter matches; ``fresh=True`` starts the file
over instead (its rows are dropped, under the lock, and every task is computed).

Files are JSON lines (``.jsonl``, ``.json``, ``.ndjson``) or CSV (``.csv``), chosen by
suffix. What the file promises, whatever moment a run is killed at (``kill -9``
included):

- each row is one line, written by a single ``write()`` and synced to disk (``fsync``)
  before the next task's row, so the file holds whole rows and at most one partial last
  line (a line with no newline at its end);
- a run first *heals* the file: it drops a partial last line (that task is computed
  again), or a CSV header cut short, so rows never land under a broken line;
- a run holds an exclusive lock (``fcntl.flock``) on the file from before it reads the
  rows until its last row is written, so two runs on one file cannot both compute and
  append the same rows: the second is refused, with the file named;
- every task has at most one row; with ``processes=1`` the rows are in task order, else
  in the order they were computed.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import fcntl
import io
import json
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redblue.checks import check_time_limit, check_whole
from redblue.errors import InvalidInputError
from redblue.progress import ANNOUNCE_AFTER, phase, verbosity

__all__ = ["SweepSummary", "read_rows", "run_sweep", "task_key"]

Measure = Callable[[dict[str, Any]], dict[str, Any]]
#: What a worker sends back: (index of the task, measure's result or None, error or None).
Result = tuple[int, Any, "str | None"]

#: Seconds to wait for a dask scheduler to answer, unless told otherwise.
SCHEDULER_TIMEOUT = 10.0


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

    Parameters
    ----------
    task : mapping
        A JSON-ready dictionary of parameters.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        If a value cannot be written as JSON (:func:`run_sweep` checks its tasks first
        and raises :class:`~redblue.errors.InvalidInputError` instead).

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


# -- reading -------------------------------------------------------------------------


def _complete_part(data: bytes, fmt: str) -> tuple[int, bool]:
    """How much of a file's bytes are whole lines: ``(length kept, add a newline)``.

    A last line without a newline is a write cut short and is dropped, except a JSON-lines
    row that parses as a whole JSON object (a file from another tool without a final
    newline): it is kept, and the healing writer completes it with a newline.
    """
    cut = data.rfind(b"\n") + 1
    if cut == len(data):
        return cut, False
    if fmt == "jsonl":
        try:
            whole = isinstance(json.loads(data[cut:].decode("utf-8")), dict)
        except (UnicodeDecodeError, json.JSONDecodeError):
            whole = False
        if whole:
            return len(data), True
    return cut, False


def _parse(path: Path, data: bytes, fmt: str) -> list[dict[str, Any]]:
    """The rows of a file's complete lines."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInputError(f"{path}: line {line} is not UTF-8 text") from None
    if fmt == "csv":
        return _parse_csv(path, text)
    rows = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise InvalidInputError(f"{path}: line {lineno} is not valid JSON") from None
        if not isinstance(row, dict):
            raise InvalidInputError(f"{path}: line {lineno} is not a JSON object")
        rows.append(row)
    return rows


def _parse_csv(path: Path, text: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[dict[str, Any]] = []
    try:
        header = next(reader, None)
        if header is None:
            return rows
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                raise InvalidInputError(
                    f"{path}: line {reader.line_num} has {len(cells)} fields, the header "
                    f"has {len(header)}"
                )
            rows.append({k: v if k == "key" else _parse_cell(v)
                         for k, v in zip(header, cells, strict=True)})  # fmt: skip
    except csv.Error as exc:
        raise InvalidInputError(f"{path}: line {reader.line_num}: {exc}") from None
    return rows


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read the rows of a sweep file (JSON lines or CSV); a missing file has none.

    A last line cut short by a killed run is ignored (its task is computed again).
    CSV values come back as JSON values where they parse as JSON (numbers, true, null),
    else as strings; the ``key`` column stays a string.

    Parameters
    ----------
    path : path
        A ``.jsonl`` (``.json``, ``.ndjson``) or ``.csv`` file.

    Returns
    -------
    list of dict

    Raises
    ------
    InvalidInputError
        For an unknown suffix, a complete line that is not a JSON object (or a CSV line
        with the wrong number of fields), or a file that cannot be read.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "rows.jsonl")
    >>> with open(path, "w") as f:
    ...     _ = f.write('{"key": "a", "x": 1}\\n{"key": "b", "x"')  # the last write cut short
    >>> read_rows(path)
    [{'key': 'a', 'x': 1}]
    """
    path = Path(path)
    fmt = _format_of(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    keep, add_newline = _complete_part(data, fmt)
    return _parse(path, data[:keep] + (b"\n" if add_newline else b""), fmt)


def _parse_cell(value: str | None) -> Any:
    if value is None or value == "":
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _cell(value: Any) -> str:
    """A CSV cell that :func:`_parse_cell` reads back as ``value``, with no line break."""
    if value is None:
        return ""
    if isinstance(value, str) and value and "\n" not in value and "\r" not in value:
        if _parse_cell(value) == value:  # else it would read back as a number, null, ...
            return value
    return json.dumps(value)


# -- the locked, self-healing rows file ----------------------------------------------

#: Descriptors of the sweep files this process holds locked. A forked child (a worker of
#: the process pool) closes its copies, so a parent killed while its workers live on
#: does not leave its file locked (a flock is held while any copy is open).
_HELD: set[int] = set()


def _close_held_in_child() -> None:
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _RowFile:
    """The output file, locked for this run and healed; appends one synced line a row."""

    def __init__(self, path: Path, columns: list[str] | None, fresh: bool = False):
        self.path, self.fmt = path, _format_of(path)
        self.fd, self.created = self._open_locked()
        try:
            self.columns = columns
            if fresh:  # under the lock: no other run is reading or appending
                os.ftruncate(self.fd, 0)
                os.fsync(self.fd)
            self.rows = self._heal()
            for i, row in enumerate(self.rows, start=1):
                if not isinstance(row.get("key"), str):
                    raise InvalidInputError(
                        f"{path}: row {i} has no 'key', so the file is not a redblue sweep "
                        "file; write this sweep to a new file"
                    )
        except BaseException:
            self.close()
            raise

    def _open_locked(self) -> tuple[int, bool]:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInputError(f"{path.parent}: cannot create: {exc.strerror}") from None
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
        while True:
            existed = path.exists()
            try:
                fd = os.open(path, flags, 0o666)
            except OSError as exc:
                raise InvalidInputError(
                    f"{path}: cannot open for writing: {exc.strerror}"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise InvalidInputError(
                    f"{path} is locked: another sweep is writing it; wait for that run to "
                    "end, or write to another file"
                ) from None
            except OSError as exc:
                os.close(fd)
                raise InvalidInputError(f"{path}: cannot lock: {exc.strerror}") from None
            try:  # still the file at that path, not one a finished run removed?
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                _HELD.add(fd)
                return fd, not existed
            os.close(fd)

    def _heal(self) -> list[dict[str, Any]]:
        """Drop a partial last line (or complete a whole JSON row); the rows there are."""
        data = b""
        while chunk := os.pread(self.fd, 1 << 20, len(data)):
            data += chunk
        keep, add_newline = _complete_part(data, self.fmt)
        if keep < len(data):
            os.ftruncate(self.fd, keep)
        if add_newline:
            _write_all(self.fd, b"\n")
        if keep < len(data) or add_newline:
            os.fsync(self.fd)
        data = data[:keep] + (b"\n" if add_newline else b"")
        self.size = len(data)
        rows = _parse(self.path, data, self.fmt)
        if self.fmt == "csv" and data:  # the file's header decides the columns
            self.columns = next(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        return rows

    def line(self, row: dict[str, Any]) -> bytes:
        """The bytes that write ``row`` (a CSV file's header with its first row)."""
        if self.fmt == "jsonl":
            return (json.dumps(row) + "\n").encode("utf-8")
        header = self.size == 0
        columns = self.columns if self.columns is not None else list(row)
        extra = [k for k in row if k not in columns]
        if extra:
            raise InvalidInputError(
                f"{self.path}: row has columns {extra} the file's header lacks; "
                "write this sweep to a new file"
            )
        if header and any("\n" in c or "\r" in c for c in columns):
            raise InvalidInputError(f"{self.path}: a column name holds a line break")
        buf = io.StringIO()
        writer = csv.writer(buf)
        if header:
            writer.writerow(columns)
        writer.writerow([row[k] if k == "key" else _cell(row.get(k)) for k in columns])
        self.columns = columns
        return buf.getvalue().encode("utf-8")

    def write(self, line: bytes) -> None:
        """Append ``line`` in one write and sync it to disk."""
        try:
            _write_all(self.fd, line)
            os.fsync(self.fd)
        except OSError as exc:  # a disk full: the partial line is healed by the next run
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None
        if self.created and self.size == 0:  # the file's name is durable too
            _fsync_dir(self.path.parent)
        self.size += len(line)

    def close(self) -> None:
        """Release the file; one this run created and wrote nothing to is removed."""
        if self.fd < 0:
            return
        if self.created and os.fstat(self.fd).st_size == 0:  # the file, not self.size: a
            with contextlib.suppress(OSError):  # Ctrl-C may land between write and count
                self.path.unlink()
        _HELD.discard(self.fd)
        os.close(self.fd)  # releases the lock
        self.fd = -1


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- checking the inputs -------------------------------------------------------------


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_tasks(tasks: Any) -> dict[str, dict[str, Any]]:
    """The tasks by key (first occurrence kept), or an error naming the bad task."""
    if isinstance(tasks, (str, bytes, Mapping)) or not isinstance(tasks, Iterable):
        raise InvalidInputError(f"tasks must be a list of dictionaries, got {type(tasks).__name__}")
    unique: dict[str, dict[str, Any]] = {}
    for i, task in enumerate(tasks):
        if not isinstance(task, Mapping):
            raise InvalidInputError(
                f"task {i} must be a dictionary of parameters, got {type(task).__name__}"
            )
        for name, value in task.items():
            if not isinstance(name, str):
                raise InvalidInputError(f"task {i}: parameter name {name!r} is not a string")
            if name == "key":
                raise InvalidInputError(
                    f"task {i}: a parameter may not be called 'key' (the sweep file's "
                    "column for the task's key)"
                )
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise InvalidInputError(
                    f"task {i}: parameter {name!r} = {_short(value)} cannot be written as "
                    f"JSON ({exc})"
                ) from None
        try:
            key = task_key(task)
        except (TypeError, ValueError) as exc:  # e.g. a dict subclass that dumps oddly
            raise InvalidInputError(f"task {i} cannot be written as JSON ({exc})") from None
        unique.setdefault(key, dict(task))
    return unique


def _check_output(output: Any) -> Path:
    if not isinstance(output, (str, os.PathLike)) or not str(output):
        raise InvalidInputError(f"output must be a file path, got {_short(output)}")
    path = Path(output)
    _format_of(path)
    if path.is_dir():
        raise InvalidInputError(f"{path}: is a folder, not a rows file")
    return path


def _check_columns(columns: Any) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable):
        raise InvalidInputError(f"columns must be a list of names, got {_short(columns)}")
    columns = list(columns)
    if not all(isinstance(c, str) for c in columns) or len(set(columns)) < len(columns):
        raise InvalidInputError(f"columns must be distinct names, got {_short(columns)}")
    return columns if "key" in columns else ["key", *columns]  # the key makes rows resumable


def _check_measure(measure: Any, processes: int, scheduler: str | None) -> None:
    if not callable(measure):
        raise InvalidInputError(f"measure must be a function, got {_short(measure)}")
    if scheduler is None and processes > 1:
        try:
            pickle.dumps(measure)
        except Exception as exc:  # noqa: BLE001 - pickling raises many kinds
            raise InvalidInputError(
                f"measure {getattr(measure, '__qualname__', measure)!r} cannot be sent to "
                f"worker processes ({type(exc).__name__}: {exc}); define it at module level, "
                "or use processes=1"
            ) from None


# -- computing the rows --------------------------------------------------------------


def _measure(measure: Measure, task: dict[str, Any]) -> Any:
    """Run ``measure`` on a copy of the task (what the workers call)."""
    return measure(dict(task))


def _line_of(
    sink: _RowFile, key: str, task: dict[str, Any], result: Any
) -> tuple[bytes | None, str | None]:
    """The line of a task's row (its key, its parameters, the results), or why there is none."""
    if not isinstance(result, Mapping):
        return None, f"measure returned {type(result).__name__}, not a dictionary"
    names = [k for k in result if not isinstance(k, str) or k == "key"]
    if names:
        return None, f"measure returned the result name {names[0]!r} (names are strings, not 'key')"
    try:
        return sink.line({"key": key, **task, **result}), None
    except InvalidInputError:
        raise
    except (TypeError, ValueError) as exc:
        return None, f"the row cannot be written as JSON ({exc})"


def _worker_start(creator: int | None) -> None:
    """In each worker process: leave Ctrl-C to the parent (which stops the workers), and
    exit when the parent is gone (killed with ``kill -9``, say) instead of living on.

    ``creator`` is the pid of the process that made the pool, which is the worker's parent
    (even if it died before the worker got here); None when a fork server is the parent.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = creator if creator is not None else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="redblue-parent-watch", daemon=True).start()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while starting processes, so they inherit "ignore" (main thread only).

    A Ctrl-C in that time (a LocalCluster starts in seconds) is lost; the next one stops
    the sweep.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _local_results(
    measure: Measure, tasks: list[dict[str, Any]], processes: int
) -> Iterator[Result]:
    if processes <= 1:
        for i, task in enumerate(tasks):
            try:
                yield i, _measure(measure, task), None
            except Exception as exc:  # noqa: BLE001 - reported per task, the sweep goes on
                yield i, None, f"{type(exc).__name__}: {exc}"
        return
    context = multiprocessing.get_context()
    creator = None if context.get_start_method() == "forkserver" else os.getpid()
    pool = ProcessPoolExecutor(min(processes, len(tasks)), mp_context=context,
                               initializer=_worker_start, initargs=(creator,))  # fmt: skip
    finished = False
    try:
        futures = {pool.submit(_measure, measure, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result(), None
            except Exception as exc:  # noqa: BLE001 - a lost worker costs only its rows
                yield futures[future], None, f"{type(exc).__name__}: {exc}"
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted, or the writer failed: stop now, not after every queued task
            _stop_pool(pool)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now: queued tasks are dropped, running ones killed."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)


def _probe_scheduler(address: str, timeout: float) -> None:
    """Connect to a dask scheduler and shake hands within ``timeout`` seconds, or raise.

    ``distributed.Client(timeout=...)`` bounds only the TCP connect: a peer that accepts
    and never answers holds it forever, and one that answers something else (an HTTP
    server: the dashboard's port) gets its bytes read as a frame length.
    """
    from distributed.comm import connect
    from distributed.comm.addressing import get_address_host_port, parse_address
    from distributed.comm.registry import get_backend
    from distributed.security import Security

    try:
        scheme, _ = parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            port = get_address_host_port(address)[1]
            if not 0 < port < 65536:
                raise ValueError(f"port {port} is not in 1..65535")
    except ValueError as exc:
        raise InvalidInputError(f"{address!r} is not a dask scheduler address ({exc})") from None

    async def shake_hands() -> None:  # with the TLS settings a Client takes from dask's config
        args = Security().get_connection_args("client")
        comm = await connect(address, timeout=timeout, **args)
        try:
            await comm.write({"op": "identity", "reply": True})
            await comm.read()
        finally:
            comm.abort()

    async def bounded() -> None:
        await asyncio.wait_for(shake_hands(), timeout)

    outcome: list[BaseException | None] = []

    def run() -> None:  # in its own thread: the caller may be inside an event loop
        try:
            asyncio.run(bounded())
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    thread = threading.Thread(target=run, name="redblue-dask-probe", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    error = outcome[0] if outcome else TimeoutError()
    if error is None:
        return
    where = f"the dask scheduler at {address}"
    if isinstance(error, TimeoutError) or "Timed out" in str(error):
        raise InvalidInputError(
            f"could not reach {where} within {timeout:g} s (is it running, at this address? "
            "a scheduler listens on port 8786 by default, its web dashboard on 8787)"
        ) from None
    if isinstance(error, OSError):
        raise InvalidInputError(
            f"could not reach {where}: the connection ended before a dask scheduler's "
            f"answer came ({type(error).__name__})"
        ) from None
    raise InvalidInputError(
        f"could not reach {where}: what answered is not a dask scheduler "
        f"({type(error).__name__} reading its reply); is that a web (dashboard) port?"
    ) from None


@contextlib.contextmanager
def _quiet_distributed() -> Iterator[None]:
    """Silence dask's loggers in this process (a cluster shutting down talks a lot)."""
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "distributed"]
    loggers = [logging.getLogger(n) for n in ["distributed", *names]]
    before = [lg.disabled for lg in loggers]
    for lg in loggers:
        lg.disabled = True
    try:
        yield
    finally:
        for lg, was in zip(loggers, before, strict=True):
            lg.disabled = was


def _dask_results(
    measure: Measure, tasks: list[dict[str, Any]], scheduler: str, timeout: float,
    workers: int | None,
) -> Iterator[Result]:  # fmt: skip
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise InvalidInputError(
            "a dask scheduler needs the [dist] extra: pip install 'redblue[dist]'"
        ) from None
    cluster = client = None
    try:
        if scheduler == "local":
            try:
                with _sigint_ignored():  # the workers inherit it: Ctrl-C is the parent's
                    cluster = LocalCluster(
                        n_workers=workers or 2,
                        threads_per_worker=1,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,  # a worker's shutdown warnings too
                    )
                client = Client(cluster, timeout=timeout)
            except (OSError, TimeoutError) as exc:
                raise InvalidInputError(f"could not start a dask LocalCluster: {exc}") from None
        else:
            _probe_scheduler(scheduler, timeout)
            try:
                client = Client(scheduler, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise InvalidInputError(
                    f"could not reach the dask scheduler at {scheduler}: {exc}"
                ) from None
        try:
            futures = client.map(_measure, [measure] * len(tasks), tasks, pure=False)
        except Exception as exc:  # noqa: BLE001 - serialisation raises many kinds
            raise InvalidInputError(
                f"the tasks could not be sent to the dask workers ({type(exc).__name__}: "
                f"{exc}); is measure a module-level function?"
            ) from None
        index = {f.key: i for i, f in enumerate(futures)}
        for future in dask_completed(futures):
            try:
                yield index[future.key], future.result(), None
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: rerun computes it
                yield index[future.key], None, f"{type(exc).__name__}: {exc}"
    finally:
        with _quiet_distributed():
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
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
    scheduler_timeout: float = SCHEDULER_TIMEOUT,
    fresh: bool = False,
    label: str | None = None,
) -> SweepSummary:
    """Compute a row for every task not yet in ``output``, appending each as it arrives.

    Every input is checked before any work starts. The file is locked for the whole run
    (a second run on it is refused) and healed first (see the module's docstring); each
    row is written in one ``write()`` and synced, so a kill at any moment loses at most
    the rows in flight, which the next run computes.

    Parameters
    ----------
    tasks : iterable of mapping
        Parameter dictionaries: string names (not ``"key"``), JSON-ready values (no NaN
        or infinity); duplicates are computed once.
    measure : callable
        ``measure(task) -> dict`` of results; must be picklable (a module-level function)
        when running on processes or dask. An exception fails only its task, as does a
        result that is not a dictionary of JSON-ready values.
    output : path
        ``.jsonl`` or ``.csv`` file; rows already there (matched by ``key``) are reused.
    columns : list of str, optional
        CSV column order for a new file (default: the first row's keys); ``"key"`` is
        put first when missing.
    scheduler : str, optional
        A dask.distributed scheduler address, or ``"local"`` to start a LocalCluster.
        Default: local processes.
    processes : int, optional
        Local worker processes (default: the number of CPUs; 1 runs in this process);
        with ``scheduler="local"``, the LocalCluster's workers (default 2).
    progress : bool, default True
        Tell the sweep's progress on stderr, at the verbosity of :mod:`redblue.progress`
        (silent at its default 0; the ``redblue`` command sets 1): a progress bar when
        stderr is a terminal and, with a ``label``, the sweep as a phase named by it with
        its task and reused counts (announced once it runs past two seconds).
    scheduler_timeout : float, default 10
        Seconds to wait for a dask scheduler to answer.
    fresh : bool, default False
        Ignore the rows of earlier runs: the file is emptied (once it is locked, so no
        other run is writing it) and every task computed. Rows of other tasks in the
        file are dropped too.
    label : str, optional
        What the progress report calls this sweep, e.g. ``"sweep 2/3: exact searches"``
        (without one the sweep is no phase of its own: the caller's phase names it).

    Returns
    -------
    SweepSummary

    Raises
    ------
    InvalidInputError
        For a bad input (each names what is wrong: which task, which parameter), an
        unknown file type, a malformed existing file, a file another run has locked, or
        a scheduler that does not answer within ``scheduler_timeout``.
    KeyboardInterrupt
        On Ctrl-C, after stopping the workers; the rows written so far are kept.

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
    >>> run_sweep([{"x": 1}], square, path, processes=1, fresh=True).computed  # file restarted
    1
    >>> run_sweep([{"x": 1}, {"x": {1, 2}}], square, path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: task 1: parameter 'x' = {1, 2} cannot be written as JSON (...)
    """
    unique = _check_tasks(tasks)
    path = _check_output(output)
    columns = _check_columns(columns)
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise InvalidInputError(f"scheduler must be an address or 'local', got {_short(scheduler)}")
    if processes is not None:
        processes = check_whole(processes, "processes")
    timeout = check_time_limit(scheduler_timeout, "scheduler_timeout")
    if timeout is None:  # no limit would let a silent scheduler hang the sweep
        raise InvalidInputError("scheduler_timeout must be a positive number of seconds, got None")
    workers = processes or os.cpu_count() or 1
    _check_measure(measure, workers, scheduler)
    if label is not None and not isinstance(label, str):
        raise InvalidInputError(f"label must be a string, got {_short(label)}")
    if not unique:
        return SweepSummary(0, 0, 0, [], str(path))

    sink = _RowFile(path, columns, fresh=bool(fresh))
    try:
        done = {row["key"] for row in sink.rows}
        todo = [(key, task) for key, task in unique.items() if key not in done]
        reused = len(unique) - len(todo)
        failed: list[tuple[dict[str, Any], str]] = []
        computed = 0
        told = progress and verbosity() >= 1
        named = told and label is not None
        with phase(f"{label} ({len(unique)} tasks, {reused} reused)") if named \
                else contextlib.nullcontext():  # fmt: skip
            if todo:
                bar = _progress_bar(len(todo), told, label or "sweep")
                computed = _compute(sink, todo, measure, scheduler, timeout, processes, workers,
                                    failed, bar)  # fmt: skip
    finally:
        sink.close()
    return SweepSummary(reused + computed, computed, reused, failed, str(path))


def _compute(
    sink: _RowFile, todo: list[tuple[str, dict[str, Any]]], measure: Measure,
    scheduler: str | None, timeout: float, processes: int | None, workers: int,
    failed: list[tuple[dict[str, Any], str]], bar: Any,
) -> int:  # fmt: skip
    """Compute the rows of ``todo`` and append each as it arrives; the rows written."""
    pending = [task for _, task in todo]
    if scheduler:
        results = _dask_results(measure, pending, scheduler, timeout, processes)
    else:
        results = _local_results(measure, pending, workers)
    computed = 0
    try:
        for i, result, error in results:
            key, task = todo[i]
            line = None
            if error is None:
                line, error = _line_of(sink, key, task, result)
            if line is None:
                failed.append((task, error or "failed"))
            else:
                sink.write(line)
                computed += 1
            bar.update(1)
    finally:
        bar.close()
        results.close()  # stops the workers if the loop ended early
    return computed


def _progress_bar(total: int, enabled: bool, label: str) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        disable=None if enabled else True,  # None: only on a terminal, not into a log file
        file=sys.stderr,
        desc=label,
        unit="row",
        leave=False,
        # drawn after the phase's announcement line (redblue.progress), not across it
        delay=ANNOUNCE_AFTER + 0.5 if verbosity() < 2 else 0.5,
    )
