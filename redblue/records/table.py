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
method that proved it (a name of :func:`known_method`: a search method, ``astar``, ``ilp``,
``sat``, ``naive``, or a bounding method of :mod:`redblue.lower`; ``"astar (M=6)"``: proven
at the larger memory 6, which bounds every smaller one, since Q(G, M) never grows with M;
``"astar (classic, M=6)"``: proven in the classic game, which bounds the no-recompute game;
``"as ID"``: the bound of entry ``ID``, whose DAG is the same up to names).
``lower == upper`` is a certified optimum, else an open interval.
``benchmarks/records.py`` recomputes the entries (:func:`compute_record`, then
:func:`propagate_lower`, :func:`share_isomorphic`); ``redblue records`` prints and
verifies them; ``docs/records.md`` is :func:`records_markdown` of the table.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx

from redblue.dags import attention_dag, fft_dag, matmul_dag, pyramid_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import compile_graph, replay
from redblue.lower import METHODS as BOUND_METHODS
from redblue.lower import lower_bound
from redblue.lower.certified import BOUND_SECONDS, best_method, bound_methods
from redblue.readwrite import read_strategy, write_strategy
from redblue.search import METHODS as SEARCH_METHODS
from redblue.search import solve
from redblue.search.ilp import trivial_lower_bound

__all__ = [
    "FAMILIES",
    "RECORDS_DIR",
    "Record",
    "RecordCheck",
    "build_instance",
    "compute_record",
    "instance_call",
    "instance_command",
    "known_method",
    "load_records",
    "propagate_lower",
    "propagate_upper",
    "records_markdown",
    "records_text",
    "save_records",
    "share_isomorphic",
    "trivial_bound",
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

    def value(self, minus: int = 0) -> str:
        """The optimum, or the interval ``[lower, upper]``, less ``minus`` (e.g. the
        trivial bound, for Jain and Zaharia's convention)."""
        low, up = self.lower - minus, self.upper - minus
        return str(up) if self.optimal else f"[{low}, {up}]"


@dataclass
class RecordCheck:
    """The outcome of re-verifying one record: ``ok`` with what was checked, or why not."""

    id: str
    ok: bool
    replayed_io: int | None
    message: str


#: ``METHOD``, or ``METHOD (M=K)`` / ``METHOD (classic, M=K)``: proven at memory K, in the
#: classic game for the second (see :func:`propagate_lower`); ``METHOD`` may be ``as ID``,
#: the bound of an isomorphic instance's entry (see :func:`share_isomorphic`)
_METHOD = re.compile(r"([a-z-]+|as [a-z0-9-]+)(?: \((classic, )?M=([1-9][0-9]*)\))?")


def known_method(text: Any, memory: int | None = None, variant: str | None = None) -> bool:
    """Whether ``text`` names a method redblue has that proves lower bounds: a search
    method of :data:`redblue.search.METHODS` or a bounding method of
    :data:`redblue.lower.METHODS`, optionally ``" (M=K)"`` with ``K`` above ``memory``, or
    ``" (classic, M=K)"`` with ``K`` at least ``memory`` in the no-recompute game; or
    ``"as ID"``, the bound of entry ``ID`` of an isomorphic instance (:func:`share_isomorphic`).

    Examples
    --------
    >>> known_method("astar"), known_method("parts (M=6)", 4), known_method("guess")
    (True, True, False)
    >>> known_method("astar (M=4)", 4)   # a bound carried down comes from a larger M
    False
    >>> known_method("astar (classic, M=4)", 4, "no-recompute")
    True
    >>> known_method("astar (classic, M=4)", 4, "classic")
    False
    >>> known_method("as attention-3-1-chain-nr-m4"), known_method("as two words")
    (True, False)
    """
    m = _METHOD.fullmatch(text) if isinstance(text, str) else None
    if m is None or (not m[1].startswith("as ")
                     and m[1] not in set(SEARCH_METHODS) | set(BOUND_METHODS) - {"search"}):
        return False
    if m[3] is None or memory is None:
        return True
    if m[2]:
        return variant != "classic" and int(m[3]) >= memory
    return int(m[3]) > memory


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


def trivial_bound(family: str, params: dict[str, Any]) -> int:
    """Needed inputs plus non-input outputs of the instance: the compulsory I/O, which
    Jain and Zaharia's convention leaves out (their value is ``Q - trivial_bound``).

    Examples
    --------
    >>> trivial_bound("fft", {"size": 8})   # 8 loads and 8 stores
    16
    """
    return _trivial(family, json.dumps(params, sort_keys=True))


@lru_cache(maxsize=256)
def _trivial(family: str, params: str) -> int:
    return trivial_lower_bound(compile_graph(build_instance(family, json.loads(params))))


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
    if not known_method(rec.lower_method, rec.memory, rec.variant):
        raise InvalidInputError(f"{where}: lower_method {rec.lower_method!r} is no method "
                                "redblue has")  # fmt: skip
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
        Also re-prove, with :func:`redblue.search.solve` and ``lower_method`` seeded with
        the replayed certificate, the lower bound of every optimum whose recorded time is
        at most this (0: none).

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
        if (recompute_seconds and rec.optimal and rec.seconds <= recompute_seconds
                and rec.lower_method in SEARCH_METHODS):  # fmt: skip
            # seeded with the certificate just replayed, as the recorded run was seeded
            # (by smaller memories' certificates): what is re-proved is the lower bound
            r = solve(G, rec.memory, rec.variant, method=rec.lower_method, upper=strategy,
                      time_limit=max(10.0, 5 * rec.seconds))  # fmt: skip
            if not (r.optimal and r.io == rec.upper):
                out.append(RecordCheck(rec.id, False, io, f"re-solved: io in [{r.lower}, "
                                       f"{r.upper}], recorded {rec.upper}"))  # fmt: skip
                continue
            message += f"; optimum re-proved by {rec.lower_method}"
        out.append(RecordCheck(rec.id, True, io, message))
    return out


def _cheapest(G: nx.DiGraph, memory: int, variant: str, seeds: Iterable[Any]) -> Any:
    """The seed strategy of least I/O that is valid for ``(G, memory, variant)``, or None
    (a seed that breaks a rule there, e.g. a classic strategy that recomputes offered to
    the no-recompute game, is skipped: seeds are replayed, never trusted)."""
    best, best_io = None, None
    for seed in seeds:
        if seed is None:
            continue
        try:
            io = replay(G, seed, memory, variant).io
        except (InvalidInputError, IllegalMoveError):
            continue
        if best_io is None or io < best_io:
            best, best_io = seed, io
    return best


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
    seeds: Iterable[Any] = (),
    bounds: bool = True,
    base: str | Path | None = None,
    date: str | None = None,
    version: str | None = None,
) -> Record:
    """Solve one instance and write its certificate; the record it makes.

    :func:`redblue.search.solve` runs with ``method``; when it stops before proving the
    optimum and ``bounds`` is true, the bounding methods of :mod:`redblue.lower` that
    cover ``variant`` get the last quarter of ``time_limit`` (10 s without one), and the
    better of the two lower bounds is kept with the name of the method that proved it.
    The certificate goes to ``base / "certificates" / (id + ".txt")`` (``base`` default
    :data:`RECORDS_DIR`) and is replayed back before the record is returned.

    Parameters
    ----------
    id, family, params, variant, memory
        The entry (see :class:`Record`).
    method : str, default "astar"
        A method of :data:`redblue.search.METHODS`.
    time_limit : float, optional
        Seconds for the whole entry.
    upper : Strategy or move list, optional
        A strategy that seeds the search's upper bound.
    seeds : iterable of Strategy or move list
        More of them, e.g. the certificate at the next smaller memory (valid at this one)
        or the no-recompute certificate at this memory (valid in the classic game). Each
        is replayed; the cheapest valid one is passed to ``solve``.
    bounds : bool, default True
        Run the bounding methods when the search stops first.

    Returns
    -------
    Record
    """
    from redblue import __version__

    t0 = time.monotonic()
    base = RECORDS_DIR if base is None else Path(base)
    G = build_instance(family, params)
    seed = _cheapest(G, memory, variant, [upper, *seeds])
    share = 1.0 if time_limit is None or not bounds else 0.75
    r = solve(G, memory, variant, method=method, upper=seed,
              time_limit=None if time_limit is None else share * time_limit)  # fmt: skip
    lower, how = r.lower, method
    if not r.optimal and bounds:
        left = BOUND_SECONDS if time_limit is None else time_limit - (time.monotonic() - t0)
        lb = lower_bound(G, memory, variant, methods=bound_methods(variant),
                         time_limit=max(left, 1.0))  # fmt: skip
        if lb.lower > lower:
            lower, how = min(lb.lower, r.upper), best_method(lb)
    rel = f"certificates/{id}.txt"
    (base / "certificates").mkdir(parents=True, exist_ok=True)
    write_strategy(r.strategy, base / rel, format="text")
    io = replay(G, read_strategy(base / rel), memory, variant).io
    if io != r.upper:  # pragma: no cover - a bug, never a wrong certificate
        raise AssertionError(f"{id}: certificate replays to {io}, solve said {r.upper}")
    return Record(id, family, dict(params), variant, int(memory), int(lower), int(r.upper),
                  how, round(time.monotonic() - t0, 1),
                  date or time.strftime("%Y-%m-%d", time.gmtime()),
                  version or __version__, rel)  # fmt: skip


def propagate_upper(records: Iterable[Record], base: str | Path | None = None) -> list[Record]:
    """Each record's certificate replaced by a cheaper one of a smaller memory, or of the
    no-recompute game at the same or a smaller memory (classic records).

    A strategy that never holds more than M' red pebbles is one for every M >= M', and a
    no-recompute strategy is a classic one: such a certificate, copied over the record's
    own file (under ``base``, default :data:`RECORDS_DIR`), is replayed at the record's
    memory and game before its I/O becomes the record's ``upper``.

    Raises
    ------
    InvalidInputError
        If a cheaper certificate so found is below the record's lower bound (one of the
        two entries is wrong).
    """
    base = RECORDS_DIR if base is None else Path(base)
    records = list(records)
    out = list(records)
    order = sorted(range(len(records)), key=lambda i: (records[i].memory,
                                                       records[i].variant == "classic"))
    for i in order:
        r = records[i]
        offers = [out[j] for j in order if j != i and (out[j].family, out[j].params)
                  == (r.family, r.params) and out[j].memory <= r.memory
                  and (out[j].variant == r.variant and out[j].memory < r.memory
                       or r.variant == "classic" and out[j].variant != "classic")]  # fmt: skip
        best = min(offers, key=lambda o: o.upper, default=None)
        if best is None or best.upper >= r.upper:
            continue
        if best.upper < r.lower:
            raise InvalidInputError(f"{best.id}'s certificate ({best.upper}) is below "
                                    f"{r.id}'s lower bound ({r.lower})")  # fmt: skip
        strategy = read_strategy(base / best.certificate)
        G = build_instance(r.family, r.params)
        io = replay(G, strategy, r.memory, r.variant).io
        if io != best.upper:  # pragma: no cover - a bug, never a wrong certificate
            raise AssertionError(f"{best.id}'s certificate replays to {io} for {r.id}")
        write_strategy(strategy, base / r.certificate, format="text")
        out[i] = replace(r, upper=io)
    return out


def propagate_lower(records: Iterable[Record]) -> list[Record]:
    """Each record's lower bound raised to the best proven at a larger memory, or in the
    classic game at the same or a larger memory.

    Q(G, M) never grows with M (a strategy with at most M red pebbles is legal with
    M + 1), so a lower bound proven at M' > M holds at M (the argument of
    :func:`redblue.search.solve_range`); and a no-recompute strategy is a classic one, so
    the classic game's bounds hold in the no-recompute game. A raised record names its
    source, ``"METHOD (M=M')"`` or ``"METHOD (classic, M=M')"``, and becomes an optimum
    when the bound meets its certificate. No bound goes from the no-recompute game to the
    classic one.

    Raises
    ------
    InvalidInputError
        If a bound so carried exceeds a certificate's I/O: one of the two entries is wrong.

    Examples
    --------
    >>> a = Record("a", "fft", {"size": 4}, "classic", 3, 10, 14, "astar", 0, "", "", "")
    >>> b = replace(a, id="b", memory=4, lower=11, upper=11)
    >>> c = replace(a, id="c", variant="no-recompute", lower=9, upper=14)
    >>> [(r.id, r.lower, r.lower_method) for r in propagate_lower([a, b, c])]
    [('a', 11, 'astar (M=4)'), ('b', 11, 'astar'), ('c', 11, 'astar (classic, M=4)')]
    """
    records = list(records)
    out = list(records)
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault(json.dumps([r.family, r.params], sort_keys=True), []).append(i)
    for idx in groups.values():
        # memory down; at one memory the classic game first (it bounds the other)
        idx.sort(key=lambda i: (-records[i].memory, records[i].variant != "classic"))
        # the best bound so far of each game: (bound, memory, label in that game,
        # label in the no-recompute game)
        best: dict[str, tuple[int, int, str, str]] = {}
        for i in idx:
            r = records[i]
            offers = [best.get(r.variant, (-1, 0, "", ""))]
            if r.variant != "classic":
                cl = best.get("classic", (-1, 0, "", ""))
                offers.append((cl[0], r.memory + 1, cl[3], cl[3]))  # M' >= M suffices
            for bound, at, label, _ in offers:
                if bound > out[i].lower and at > r.memory:
                    if bound > r.upper:
                        raise InvalidInputError(f"a bound Q >= {bound} proven at a larger "
                                                f"memory is above {r.id}'s certificate "
                                                f"({r.upper})")  # fmt: skip
                    out[i] = replace(out[i], lower=bound, lower_method=label)
            if out[i].lower > best.get(r.variant, (-1,))[0]:
                m = _METHOD.fullmatch(out[i].lower_method)
                name, K = m[1], int(m[3]) if m[3] else r.memory
                same = out[i].lower_method if m[3] else f"{name} (M={K})"
                nr = f"{name} (classic, M={K})" if r.variant == "classic" else same
                best[r.variant] = (out[i].lower, r.memory, same, nr)
    return out


def _output_marked(family: str, params_json: str) -> nx.DiGraph:
    """The entry's DAG with the game's outputs marked (``out``), for isomorphism tests."""
    G = build_instance(family, json.loads(params_json))
    C = compile_graph(G)
    H = nx.DiGraph(G.edges)
    H.add_nodes_from(G.nodes)
    nx.set_node_attributes(H, {v: bool(o) for v, o in zip(C.nodes, C.is_output, strict=True)},
                           "out")  # fmt: skip
    return H


def share_isomorphic(records: Iterable[Record]) -> list[Record]:
    """Each record's lower bound raised to the best of the records of an isomorphic
    instance, in the same game at the same memory.

    Q(G, M) depends on the DAG's structure only: a bijection of the vertices that maps
    edges to edges and outputs to outputs maps every strategy to one of the same cost,
    so isomorphic DAGs have the same optimum (e.g. attention's tree and chain sums of
    three terms). A raised record names its source, ``"as ID"``, and becomes an optimum
    when the bound meets its certificate. Isomorphism is decided by networkx's VF2
    matcher on the rebuilt DAGs, outputs matched to outputs.

    Raises
    ------
    InvalidInputError
        If a bound so shared exceeds a certificate's I/O: one of the two entries is wrong.

    Examples
    --------
    >>> a = Record("a", "attention", {"n": 3, "d": 1}, "classic", 6, 14, 21, "astar", 0,
    ...            "", "", "")
    >>> b = replace(a, id="b", params={"n": 3, "d": 1, "sum": "chain"}, lower=15)
    >>> c = replace(a, id="c", params={"n": 3, "d": 1, "sum": "fma"}, lower=16)
    >>> [(r.id, r.lower, r.lower_method) for r in share_isomorphic([a, b, c])]
    [('a', 15, 'as b'), ('b', 15, 'astar'), ('c', 16, 'astar')]
    """
    records = list(records)
    out = list(records)
    groups: dict[tuple[str, int], list[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault((r.variant, r.memory), []).append(i)
    graphs: dict[str, nx.DiGraph] = {}

    def graph(r: Record) -> nx.DiGraph:
        key = json.dumps([r.family, r.params], sort_keys=True)
        if key not in graphs:
            graphs[key] = _output_marked(r.family, json.dumps(r.params, sort_keys=True))
        return graphs[key]

    same = nx.algorithms.isomorphism.categorical_node_match("out", False)
    for idx in groups.values():
        for i in idx:
            for j in idx:
                a, b = records[i], records[j]
                if (b.lower <= out[i].lower or (a.family, a.params) == (b.family, b.params)
                        or graph(a).number_of_nodes() != graph(b).number_of_nodes()
                        or graph(a).number_of_edges() != graph(b).number_of_edges()
                        or not nx.is_isomorphic(graph(a), graph(b), node_match=same)):  # fmt: skip
                    continue
                if b.lower > a.upper:
                    raise InvalidInputError(f"{b.id}'s bound Q >= {b.lower} is above the "
                                            f"certificate of {a.id}, an isomorphic instance "
                                            f"({a.upper})")  # fmt: skip
                out[i] = replace(out[i], lower=b.lower, lower_method=f"as {b.id}")
    return out


def largest_proven(records: Iterable[Record]) -> list[tuple[Record, int]]:
    """For each game and memory, the certified optimum of the largest instance.

    The reach of the exact methods at a glance: per ``(variant, memory)``, the optimal
    record (lower = upper) whose DAG has the most nodes, with that count; ties go to the
    record listed first. Open intervals never count.

    Parameters
    ----------
    records : iterable of Record
        A table, e.g. :func:`load_records`.

    Returns
    -------
    list of (Record, int)
        The record and its DAG's node count, sorted by game, then memory.

    Examples
    --------
    >>> [(r.id, n) for r, n in largest_proven(load_records())
    ...  if (r.variant, r.memory) == ("classic", 3)]
    [('fft-8-cl-m3', 32)]
    """
    best: dict[tuple[str, int], tuple[Record, int]] = {}
    for r in records:
        if not r.optimal:
            continue
        n = build_instance(r.family, r.params).number_of_nodes()
        key = (r.variant, r.memory)
        if key not in best or n > best[key][1]:
            best[key] = (r, n)
    return [best[k] for k in sorted(best)]


def _seconds(rec: Record) -> str:
    return f"{rec.seconds:g}" if rec.seconds >= 0.1 else "< 0.1"


#: Jain & Zaharia's exact ILP on the 8-point FFT, stopped: M -> (lower, upper), in their
#: convention (the compulsory loads and stores left out)
JZ_FFT8 = {4: (11, 15), 5: (5, 11), 6: (3, 8)}


def records_text(records: Iterable[Record]) -> str:
    """The table as aligned text (what ``redblue records`` prints).

    ``Q`` is the optimum or the open interval ``[lower, upper]``; ``Q-triv`` the same less
    the trivial bound (:func:`trivial_bound`): Jain and Zaharia's convention.
    """
    records = list(records)
    rows = [("id", "instance", "variant", "M", "Q", "Q-triv", "lower by", "seconds")]
    rows += [(r.id, instance_call(r.family, r.params), r.variant, str(r.memory), r.value(),
              r.value(trivial_bound(r.family, r.params)), r.lower_method, _seconds(r))
             for r in records]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    n_open = sum(not r.optimal for r in records)
    lines.append(f"{len(records)} records: {len(records) - n_open} optima, {n_open} open "
                 "intervals [lower, upper]")  # fmt: skip
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
        f"{len(records)} entries: {closed} optima (lower = upper) and {len(records) - closed} "
        "open intervals [lower, upper], marked **open**. Every entry has a certificate, a "
        "moves file under `redblue/records/certificates/`, that replays at the stated upper "
        "bound. The lower bound is proven by the method named: `astar` the exact A* of "
        "`redblue solve` (its proven bound when a time limit stopped it), `ilp`, `sat` the "
        "independent time-indexed programs (exact in the no-recompute game), or a bounding "
        "method of `redblue lower` (`trivial`, `spectral`, `mincut`, `hong-kung`, `parts`; "
        "see `docs/lower-bounds.md`). `astar (M=6)` is a bound proven at the larger memory 6: "
        "Q never grows with M, so it holds at every smaller one; `astar (classic, M=6)` a "
        "bound of the classic game, which holds in the no-recompute game too (it has fewer "
        "strategies); `as ID` the bound of entry ID, whose DAG is the same up to the names "
        "of its vertices (attention's tree and chain sums of three terms), so its optimum is "
        "the same. Seconds are the wall time of the run that produced the entry (search "
        "and bounding methods, at most its time limit) on a 2-core machine shared with "
        "other jobs. An open entry comes from a run stopped by its time limit (its "
        "seconds); a later run replaces it only where it proves more or finds a cheaper "
        "certificate.",
        "",
        "The column *Q − trivial* is the same value in Jain and Zaharia's convention (SPAA "
        "2020), which charges neither the first load of an input nor the store of an "
        "output: Q less the trivial bound (needed inputs plus non-input outputs), e.g. "
        "Q − 16 on the 8-point FFT.",
        "",
        "| instance | game | M | Q | Q − trivial | lower by | seconds | certificate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        mark = "" if r.optimal else " **open**"
        lines.append(f"| `{instance_call(r.family, r.params)}` | {r.variant} | {r.memory} | "
                     f"{r.value()}{mark} | {r.value(trivial_bound(r.family, r.params))} | "
                     f"{r.lower_method} | {_seconds(r)} | `{r.certificate}` |")  # fmt: skip
    fft8 = {(r.variant, r.memory): r for r in records
            if r.family == "fft" and r.params == {"size": 8} and r.memory in JZ_FFT8}  # fmt: skip
    lines += [
        "",
        "## Largest instance proven at each M",
        "",
        "The reach of the exact methods: for each game and memory, the certified optimum "
        "of the table's largest DAG (`redblue records --largest`).",
        "",
        "| game | M | instance | nodes | Q | lower by | seconds |",
        "|---|---|---|---|---|---|---|",
        *(f"| {r.variant} | {r.memory} | `{instance_call(r.family, r.params)}` | {n} | "
          f"{r.upper} | {r.lower_method} | {_seconds(r)} |"
          for r, n in largest_proven(records)),
        "",
        "## Published instances",
        "",
        "**Jain & Zaharia's 8-point FFT.** Their exact ILP, stopped, bounded Q − 16 at "
        + ", ".join(f"M = {M} by [{lo}, {up}]" for M, (lo, up) in JZ_FFT8.items())
        + ". Here, in their convention: "
        + "; ".join(f"{v} M = {M}: {r.value(16)}" for (v, M), r in sorted(fft8.items()))
        + (", each inside their interval" if fft8 and all(
            JZ_FFT8[M][0] <= r.lower - 16 and r.upper - 16 <= JZ_FFT8[M][1]
            for (_, M), r in fft8.items()) else "") + ".",
        "",
        "**Ferry's matrix-multiplication set.** Corentin Ferry's SMT encoding of the game "
        "(\"SMT computation of IO lower bounds\", 2018, z3) ships its DAGs as dependency "
        "tables: FFT-4 and FFT-8, Jacobi-2D, and `matmult2`, `matmult3`, `matmult4` (28, "
        "81 and 176 nodes) with `matmult2_simple`, `matmult3_simple` (24 and 72). Its "
        "sources are inputs and its sinks outputs, as here, and its FFT-4 and FFT-8 are "
        "`fft_dag(4)` and `fft_dag(8)`. Its matrix products are not `matmul_dag`: "
        "`matmultN` accumulates into C, every `C[i,j]` an input of its own, summed as a "
        "chain `((C[i,j] + A[i,0] B[0,j]) + A[i,1] B[1,j]) + ...` (3n^2 inputs, 2n^3 "
        "operations: 28 nodes at n = 2, where `matmul_dag(2, 2, 2)` has 20), and the "
        "`_simple` ones start each chain with a one-operand copy of the first product. So "
        "the `matmul_dag` rows above do not reproduce Ferry's instances, and no value of "
        "his is listed next to them.",
        "",
        "## Checking an entry",
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
    lines += [
        "```",
        "",
        "Recompute one entry, here with the SAT oracle and ten minutes (the certificate "
        "in the table seeds it, and the entry keeps the better of the old and new bounds), "
        "or every entry of a family, each with its own time limit:",
        "",
        "```bash",
        "python benchmarks/records.py --regenerate --only fft-16-nr-m4 --method sat "
        "--time-limit 600",
        "python benchmarks/records.py --regenerate --family pyramid",
        "```",
        "",
    ]
    return "\n".join(lines)
