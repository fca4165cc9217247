"""`redblue sweep` and `redblue report --from` on bad input: exit 2, one line, no traceback.

Each case is a command line, what to set up before it (a file, a lock, a server that
never answers), the exit code and a fragment of the one line expected on stderr.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.server
import json
import socket
import threading
import time

import pytest

from redblue.cli import main

SWEEP = ["sweep", "--n", "2", "--d", "1", "--memory", "8", "--algorithms", "flash2",
         "--processes", "1"]  # fmt: skip
ROW = {"key": "k", "n": 2, "d": 1, "memory": 8, "algorithms": ["flash2"], "max_moves": 0,
       "regime": "small", "paper_bound": 4.0, "lower": 12, "lower_by": "trivial",
       "trivial": 12, "flash2_io": 20, "flash2_checked": "replay", "flash2_note": None}  # fmt: skip


def write(name, text):
    def setup(tmp, stack):
        (tmp / name).write_text(text)
        return {}

    return setup


def jsonl_row(**change):
    row = {k: v for k, v in {**ROW, **change}.items() if v is not ...}
    return write("rows.jsonl", json.dumps(row) + "\n")


def folder(tmp, stack):
    (tmp / "dir.csv").mkdir()
    return {}


def locked(tmp, stack):
    """Another run holds the rows file."""
    f = stack.enter_context(open(tmp / "rows.jsonl", "a"))
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return {}


def _serve(answer):
    """A local TCP server thread; ``answer(conn)`` handles each connection."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop, held = threading.Event(), []

    def loop():
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                conn, _ = server.accept()
                held.append(conn)
                answer(conn)
        for conn in held:
            conn.close()
        server.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return server.getsockname()[1], lambda: (stop.set(), thread.join(5))


def silent(tmp, stack):
    """Accepts connections and never says a word."""
    port, close = _serve(lambda conn: None)
    stack.callback(close)
    return {"port": port}


class QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


def web(tmp, stack):
    """An HTTP server (say, the dask dashboard's port): it waits for a request line."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stack.callback(server.server_close)
    stack.callback(server.shutdown)
    return {"port": server.server_address[1]}


def garbage(tmp, stack):
    """Answers every connection with an HTTP error at once, then hangs up."""

    def answer(conn):
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    port, close = _serve(answer)
    stack.callback(close)
    return {"port": port}


def closed_port(tmp, stack):
    """A port nothing listens on."""
    with socket.create_server(("127.0.0.1", 0)) as s:
        return {"port": s.getsockname()[1]}


def nothing(tmp, stack):
    return {}


CASES = [
    # report --from
    ("report-missing-file", nothing, ["report", "--from", "{tmp}/nope.jsonl", "-o", "{tmp}/r"],
     "nope.jsonl: no such rows file"),
    ("report-other-tool", write("other.csv", "a,b\n1,2\n"),
     ["report", "--from", "{tmp}/other.csv", "-o", "{tmp}/r"],
     "other.csv: row 1 lacks the columns n, d, memory, algorithms, regime, lower, lower_by"),
    ("report-missing-column", jsonl_row(lower=...),
     ["report", "--from", "{tmp}/rows.jsonl", "-o", "{tmp}/r"],
     "rows.jsonl: row 1 lacks the column lower (is it a `redblue sweep` rows file?)"),
    ("report-wrong-type", jsonl_row(memory="big"),
     ["report", "--from", "{tmp}/rows.jsonl", "-o", "{tmp}/r"],
     "row 1 column 'memory' must be a whole number >= 1, got 'big'"),
    ("report-io-not-a-number", jsonl_row(flash2_io="20"),
     ["report", "--from", "{tmp}/rows.jsonl", "-o", "{tmp}/r"],
     "column 'flash2_io' must be a number or empty"),
    ("report-empty-file", write("rows.jsonl", ""),
     ["report", "--from", "{tmp}/rows.jsonl", "-o", "{tmp}/r"], "holds no rows to report on"),
    ("report-only-a-torn-row", write("rows.csv", "key,n,d\r\nk,2"),
     ["report", "--from", "{tmp}/rows.csv", "-o", "{tmp}/r"], "holds no rows to report on"),
    ("report-not-json", write("rows.jsonl", "hello\n"),
     ["report", "--from", "{tmp}/rows.jsonl", "-o", "{tmp}/r"], "line 1 is not valid JSON"),
    ("report-unknown-suffix", write("rows.txt", "x\n"),
     ["report", "--from", "{tmp}/rows.txt", "-o", "{tmp}/r"], "unknown sweep file type"),
    ("report-from-folder", folder, ["report", "--from", "{tmp}/dir.csv", "-o", "{tmp}/r"],
     "is a folder"),
    ("report-from-with-check-options", jsonl_row(),
     ["report", "--from", "{tmp}/rows.jsonl", "-o", "{tmp}/r", "--fresh", "--time-limit", "2"],
     "--time-limit, --fresh set a fresh check; --from reports on the rows of a file as they are"),
    # paper and report: the limits of a fresh check
    ("paper-time-limit-nan", nothing, ["paper", "-o", "{tmp}/r", "--time-limit", "nan"],
     "positive number of seconds"),
    ("report-time-limit-negative", nothing, ["report", "-o", "{tmp}/r", "--time-limit", "-1"],
     "positive number of seconds"),
    # sweep: the rows file
    ("sweep-locked", locked, [*SWEEP, "-o", "{tmp}/rows.jsonl"],
     "rows.jsonl is locked: another sweep is writing it"),
    ("sweep-not-a-sweep-file", write("rows.jsonl", '{"x": 1}\n'),
     [*SWEEP, "-o", "{tmp}/rows.jsonl"], "row 1 has no 'key'"),
    ("sweep-other-header", write("rows.csv", "key,n\r\n"), [*SWEEP, "-o", "{tmp}/rows.csv"],
     "the file's header lacks"),
    ("sweep-into-folder", folder, [*SWEEP, "-o", "{tmp}/dir.csv"], "is a folder"),
    ("sweep-under-a-file", write("file", ""), [*SWEEP, "-o", "{tmp}/file/rows.csv"],
     "cannot create"),
    # sweep: the scheduler
    ("scheduler-never-answers", silent,
     [*SWEEP, "-o", "{tmp}/r.jsonl", "--scheduler", "tcp://127.0.0.1:{port}",
      "--scheduler-timeout", "0.5"],
     "could not reach the dask scheduler at tcp://127.0.0.1:{port} within 0.5 s"),
    ("scheduler-is-a-web-server", web,
     [*SWEEP, "-o", "{tmp}/r.jsonl", "--scheduler", "tcp://127.0.0.1:{port}",
      "--scheduler-timeout", "0.5"],
     "could not reach the dask scheduler at tcp://127.0.0.1:{port} within 0.5 s"),
    ("scheduler-answers-http-garbage", garbage,
     [*SWEEP, "-o", "{tmp}/r.jsonl", "--scheduler", "tcp://127.0.0.1:{port}"],
     "could not reach the dask scheduler at tcp://127.0.0.1:{port}: what answered is not a "
     "dask scheduler"),
    ("scheduler-not-listening", closed_port,
     [*SWEEP, "-o", "{tmp}/r.jsonl", "--scheduler", "127.0.0.1:{port}",
      "--scheduler-timeout", "0.5"],
     "could not reach the dask scheduler at 127.0.0.1:{port} within 0.5 s"),
    ("scheduler-dashboard-url", nothing,
     [*SWEEP, "-o", "{tmp}/r.jsonl", "--scheduler", "http://127.0.0.1:8787"],
     "'http://127.0.0.1:8787' is not a dask scheduler address"),
    ("scheduler-port-out-of-range", nothing,
     [*SWEEP, "-o", "{tmp}/r.jsonl", "--scheduler", "tcp://127.0.0.1:99999"],
     "'tcp://127.0.0.1:99999' is not a dask scheduler address (port 99999 is not in 1..65535)"),
    ("scheduler-timeout-zero", nothing,
     [*SWEEP, "-o", "{tmp}/r.jsonl", "--scheduler-timeout", "0"], "positive number of seconds"),
    ("max-moves-negative", nothing, [*SWEEP, "-o", "{tmp}/r.jsonl", "--max-moves", "-1"],
     "must be at least 0, got -1"),
]  # fmt: skip


def _main_within(argv, seconds):
    """``main(argv)`` in a thread: its exit code, or a failure if it takes too long."""
    result = {}

    def run():
        try:
            result["code"] = main(argv)
        except SystemExit as exc:  # argparse refuses bad arguments itself
            result["code"] = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"redblue {' '.join(argv)} still running after {seconds} s"
    assert "error" not in result, f"raised {result.get('error')!r}"
    return result["code"], time.monotonic() - start


@pytest.mark.parametrize("name, setup, argv, fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capfd, name, setup, argv, fragment):
    with contextlib.ExitStack() as stack:
        values = {"tmp": tmp_path, **setup(tmp_path, stack)}
        argv = [a.format(**values) for a in argv]
        code, seconds = _main_within(argv, 15)
    out, err = capfd.readouterr()
    assert code == 2, (out, err)
    assert fragment.format(**values) in err, err
    assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err, err
    assert seconds < 5
