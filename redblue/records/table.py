"""The record table: certified optima Q(G, M), each with a certificate that replays.

``records.json`` (package data, next to this module) lists one entry per instance, game
variant and memory M::

    {"id": "fft-8-nr-m4", "family": "fft", "params": {"size": 8},
     "variant": "no-recompute", "memory": 4, "lower": 31, "upper": 31,
     "lower_method": "astar", "seconds": 12.3, "date": "2026-12-02",
     "version": "0.1.0", "certificate": "certificates/fft-8-nr-m4.txt"}

The DAG is rebuilt by its builder (:data:`FAMILIES`, keyword parameters only: nothing
is evaluated), the certificate (a text moves file under ``certificates/``) is replayed
and its I/O must equal ``upper``; ``lower`` is the proven bound and ``lower_method`` the
method that proved it. ``lower == upper`` is a certified optimum, else an open interval.
``benchmarks/records.py`` recomputes the entries (:func:`compute_record`);
``redblue records`` prints and verifies them; ``docs/records.md`` is
:func:`records_markdown` of the table.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from redblue.dags import attention_dag, fft_dag, matmul_dag, pyramid_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import replay
from redblue.readwrite import read_strategy, write_strategy
from redblue.search import solve

__all__ = [
    "FAMILIES",
    "RECORDS_DIR",
    "Record",
    "RecordCheck",
    "build_instance",
    "compute_record",
    "instance_call",
    "instance_command",
    "load_records",
    "records_markdown",
    "records_text",
    "save_records",
    "verify_records",
]

#: where the table and its certificates live (package data)
RECORDS_DIR = Path(__file__).resolve().parent
RECORDS_FILE = RECORDS_DIR / "records.json"

#: family name -> (builder, its positional parameters in order); ``redblue dag FAMILY``
#: takes the same names as flags
FAMILIES: dict[str, tuple[Callable[..., nx.DiGraph], tuple[str, ...]]] = {
    "attention": (attention_dag, ("n", "d")),
    "fft": (fft_dag, ("size",)),
    "matmul": (matmul_dag, ("m", "k", "n")),
    "pyramid": (pyramid_dag, ("height",)),
}
#: keyword parameters a family accepts besides its positional ones
_KEYWORDS = {"attention": ("sum",), "matmul": ("sum",)}


@dataclass
class Record:
    """One entry of the table (the fields of ``records.json``)."""

    id: str
    family: str
    params: dict[str, Any]
    variant: str
    memory: int
    lower: int
    upper: int
    lower_method: str
    seconds: float
    date: str
    version: str
    certificate: str

    @property
    def optimal(self) -> bool:
        return self.lower == self.upper

    def value(self) -> str:
        """The optimum, or the interval ``[lower, upper]``."""
        return str(self.upper) if self.optimal else f"[{self.lower}, {self.upper}]"


@dataclass
class RecordCheck:
    """The outcome of re-verifying one record: ``ok`` with what was checked, or why not."""

    id: str
    ok: bool
    replayed_io: int | None
    message: str


def _check_params(family: str, params: Any) -> dict[str, Any]:
    if family not in FAMILIES:
        raise InvalidInputError(f"unknown family {family!r} (known: {', '.join(FAMILIES)})")
    if not isinstance(params, dict):
        raise InvalidInputError(f"params of a {family} instance must be an object")
    names = FAMILIES[family][1]
    allowed = set(names) | set(_KEYWORDS.get(family, ()))
    unknown = set(params) - allowed
    missing = set(names) - set(params)
    if unknown or missing:
        raise InvalidInputError(f"{family} takes {', '.join(sorted(allowed))}; got "
                                f"{', '.join(sorted(params)) or 'nothing'}")  # fmt: skip
    for key in names:
        if not isinstance(params[key], int) or isinstance(params[key], bool):
            raise InvalidInputError(f"{family} parameter {key} must be a whole number")
    return params


def build_instance(family: str, params: dict[str, Any]) -> nx.DiGraph:
    """The DAG of a record, rebuilt by its family's builder.

    Examples
    --------
    >>> build_instance("fft", {"size": 4}).number_of_nodes()
    12
    """
    params = _check_params(family, params)
    builder, names = FAMILIES[family]
    args = [params[k] for k in names]
    kwargs = {k: v for k, v in params.items() if k not in names}
    return builder(*args, **kwargs)


def instance_call(family: str, params: dict[str, Any]) -> str:
    """The builder call as Python text, e.g. ``attention_dag(2, 1, sum="fma")``.

    Examples
    --------
    >>> instance_call("attention", {"n": 2, "d": 1, "sum": "fma"})
    'attention_dag(2, 1, sum="fma")'
    """
    builder, names = FAMILIES[family]
    parts = [str(params[k]) for k in names]
    parts += [f'{k}="{v}"' if isinstance(v, str) else f"{k}={v}"
              for k, v in params.items() if k not in names]  # fmt: skip
    return f"{builder.__name__}({', '.join(parts)})"


def instance_command(family: str, params: dict[str, Any]) -> str:
    """The ``redblue dag`` command that writes the same DAG.

    Examples
    --------
    >>> instance_command("matmul", {"m": 2, "k": 2, "n": 2})
    'redblue dag matmul --m 2 --k 2 --n 2'
    """
    return " ".join(["redblue dag", family] + [f"--{k} {v}" for k, v in params.items()])


def _record(data: Any, where: str) -> Record:
    fields = Record.__dataclass_fields__
    if not isinstance(data, dict) or set(data) != set(fields):
        raise InvalidInputError(f"{where}: a record needs exactly the fields {', '.join(fields)}")
    rec = Record(**data)
    _check_params(rec.family, rec.params)
    if not (isinstance(rec.lower, int) and isinstance(rec.upper, int)
            and 0 <= rec.lower <= rec.upper):  # fmt: skip
        raise InvalidInputError(f"{where}: needs whole numbers 0 <= lower <= upper")
    return rec


def load_records(path: str | Path | None = None) -> list[Record]:
    """The records of ``path`` (default: the table shipped with redblue).

    Examples
    --------
    >>> records = load_records()
    >>> all(r.lower <= r.upper for r in records)
    True
    """
    path = RECORDS_FILE if path is None else Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{path}: cannot read the record table ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise InvalidInputError(f"{path}: expected an object with a list 'records'")
    return [_record(d, f"{path}: record {i}") for i, d in enumerate(data["records"])]


def save_records(records: Iterable[Record], path: str | Path | None = None) -> None:
    """Write the table (sorted as given), one record a line group, stable for diffs."""
    path = RECORDS_FILE if path is None else Path(path)
    body = {"records": [asdict(r) for r in records]}
    path.write_text(json.dumps(body, indent=1) + "\n")


def verify_records(
    records: Iterable[Record] | None = None,
    *,
    base: str | Path | None = None,
    recompute_seconds: float = 0.0,
) -> list[RecordCheck]:
    """Rebuild each DAG, replay each certificate, check its I/O equals ``upper``.

    Parameters
    ----------
    records : iterable of Record, optional
        Default: :func:`load_records`.
    base : path, optional
        The directory certificates are relative to (default :data:`RECORDS_DIR`).
    recompute_seconds : float
        Also re-prove, with :func:`redblue.search.solve` and ``lower_method``, the lower
        bound of every optimum whose recorded time is at most this (0: none).

    Returns
    -------
    list of RecordCheck

    Examples
    --------
    >>> all(c.ok for c in verify_records([r for r in load_records() if r.upper < 12]))
    True
    """
    base = RECORDS_DIR if base is None else Path(base)
    out = []
    for rec in load_records() if records is None else records:
        G = build_instance(rec.family, rec.params)
        try:
            strategy = read_strategy(base / rec.certificate)
            io = replay(G, strategy, rec.memory, rec.variant).io
        except (InvalidInputError, IllegalMoveError) as exc:
            out.append(RecordCheck(rec.id, False, None, f"certificate fails: {exc}"))
            continue
        if io != rec.upper:
            out.append(RecordCheck(rec.id, False, io, f"certificate replays to {io}, "
                                   f"recorded upper {rec.upper}"))  # fmt: skip
            continue
        message = f"certificate replays to {io}"
        if recompute_seconds and rec.optimal and rec.seconds <= recompute_seconds:
            r = solve(G, rec.memory, rec.variant, method=rec.lower_method,
                      time_limit=max(10.0, 5 * rec.seconds))  # fmt: skip
            if not (r.optimal and r.io == rec.upper):
                out.append(RecordCheck(rec.id, False, io, f"re-solved: io in [{r.lower}, "
                                       f"{r.upper}], recorded {rec.upper}"))  # fmt: skip
                continue
            message += f"; optimum re-proved by {rec.lower_method}"
        out.append(RecordCheck(rec.id, True, io, message))
    return out


def compute_record(
    id: str,
    family: str,
    params: dict[str, Any],
    variant: str,
    memory: int,
    *,
    method: str = "astar",
    time_limit: float | None = None,
    upper: Any = None,
    base: str | Path | None = None,
    date: str | None = None,
    version: str | None = None,
) -> Record:
    """Solve one instance and write its certificate; the record it makes.

    The certificate goes to ``base / "certificates" / (id + ".txt")`` (``base`` default
    :data:`RECORDS_DIR`) and is replayed back before the record is returned. ``upper``
    (a strategy, e.g. the certificate of the no-recompute game at the same M, valid in
    the classic game too) seeds the search's upper bound; it is replayed, never trusted.
    """
    from redblue import __version__

    base = RECORDS_DIR if base is None else Path(base)
    G = build_instance(family, params)
    r = solve(G, memory, variant, method=method, time_limit=time_limit, upper=upper)
    rel = f"certificates/{id}.txt"
    (base / "certificates").mkdir(parents=True, exist_ok=True)
    write_strategy(r.strategy, base / rel, format="text")
    io = replay(G, read_strategy(base / rel), memory, variant).io
    if io != r.upper:  # pragma: no cover - a bug, never a wrong certificate
        raise AssertionError(f"{id}: certificate replays to {io}, solve said {r.upper}")
    return Record(id, family, dict(params), variant, int(memory), int(r.lower), int(r.upper),
                  method, round(r.seconds, 1), date or time.strftime("%Y-%m-%d", time.gmtime()),
                  version or __version__, rel)  # fmt: skip


def _seconds(rec: Record) -> str:
    return f"{rec.seconds:g}" if rec.seconds >= 0.1 else "< 0.1"


def records_text(records: Iterable[Record]) -> str:
    """The table as aligned text (what ``redblue records`` prints)."""
    rows = [("id", "instance", "variant", "M", "Q", "lower by", "seconds")]
    rows += [(r.id, instance_call(r.family, r.params), r.variant, str(r.memory), r.value(),
              r.lower_method, _seconds(r)) for r in records]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def records_markdown(records: Iterable[Record]) -> str:
    """``docs/records.md``: the table as markdown, with how to check each entry."""
    records = list(records)
    closed = sum(r.optimal for r in records)
    lines = [
        "# Records: certified optima of the red-blue pebble game",
        "",
        "Generated from `redblue/records/records.json` by `python benchmarks/records.py "
        "--markdown`; do not edit by hand (a test checks this page equals the generator's "
        "output).",
        "",
        f"{len(records)} entries, {closed} of them optima (lower = upper), the rest open "
        "intervals [lower, upper]. Every entry has a certificate, a moves file under "
        "`redblue/records/certificates/`, that replays at the stated upper bound; the lower "
        "bound is proven by the method named (`astar`: the exact A* of `redblue solve`, "
        "`ilp`, `sat`: the independent time-indexed programs, exact in the no-recompute "
        "game). Seconds are the wall time of the run that proved the entry on a 2-core "
        "machine shared with other jobs.",
        "",
        "| instance | game | M | Q | lower by | seconds | certificate |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(f"| `{instance_call(r.family, r.params)}` | {r.variant} | {r.memory} | "
                     f"{r.value()} | {r.lower_method} | {_seconds(r)} | "
                     f"`{r.certificate}` |")  # fmt: skip
    lines += [
        "",
        "Re-verify every entry (rebuild, replay, compare):",
        "",
        "```bash",
        "redblue records --verify",
        "```",
        "",
        "or one by hand, e.g. the first:",
        "",
        "```bash",
    ]
    if records:
        r = records[0]
        lines += [f"{instance_command(r.family, r.params)} -o g.json",
                  f"redblue verify g.json redblue/records/{r.certificate}"]  # fmt: skip
    lines += ["```", ""]
    return "\n".join(lines)
