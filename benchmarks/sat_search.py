"""SAT method against A*, same run, same time limit: the no-recompute game.

For every instance and memory: A* (``solve``, method astar) with the time limit, then the
SAT method (:func:`redblue.search.sat.sat_search`) down from A*'s upper bound (UNSAT at
``upper - 1`` proves optimality) from its own trivial lower bound (an independent
proof), with the same time limit; with ``--baseline DIR`` the SAT method of another
checkout (a child process importing redblue from ``DIR``, e.g. ``git worktree add
/tmp/satbase 03839a3``) is asked the same hard call (``k = upper - 1``). Prints a
markdown table: A*'s bounds and seconds; SAT's calls as ``k:answer`` (sat, unsat,
unknown = stopped) with their seconds and conflicts; the bounds after both; the
baseline's answer and seconds on the hard call.

``--save DIR`` writes the certificate of every optimum closed (lower = upper) as a text
strategy file ``DIR/<instance>-nr-m<M>.txt`` and a line of ``DIR/closed.jsonl``
(instance, memory, I/O, method, seconds).

``--options base symmetry prefix phases pressure all`` (names of :data:`OPTION_SETS`) gives a row
per option set, each asked in the same run from the same upper bound and hint (the best
strategy known: A*'s, or with ``--upper records`` the certificate in the records table,
which skips A*, or a directory of strategy files): seconds and conflicts per call, so that
a loaded machine's noise shows; with ``--save DIR`` a strategy cheaper than the one known
is written to ``DIR/<instance>-nr-m<M>.txt`` (every option set starts from the same one).

``--options ... all+unsat all+sat`` add CaDiCaL's own "unsat" and "sat" configurations
(option ``cadical``) to the default families.

``--classic windows-12 windows-20 extra-steps`` (names of :data:`CLASSIC_METHODS`): the
classic game's model search, a row per method, each from the cheapest of the records'
classic and no-recompute certificates (or a strategy file of ``--upper DIR``, named
``<instance>-cl-m<M>.txt``): the neighbourhoods of :func:`redblue.search.sat.
sat_neighbourhoods` with windows of 12 or 20 steps and 0 to 3 extra steps, or
:func:`redblue.search.sat.sat_search` down from it with
:data:`redblue.search.sat.CLASSIC_RECOMPUTES` extra steps; every strategy found is
replayed, and with ``--save DIR`` a cheaper one than known is written to
``DIR/<instance>-cl-m<M>.txt``.

``--improve ID [ID ...]`` (record ids of ``redblue records --open``): from the cheapest
certificate of the record's DAG and M that its game accepts (the record's own, and in the
classic game the no-recompute one too; with ``--save DIR`` also those saved there by an
earlier run), the neighbourhoods of
:func:`redblue.search.sat.sat_neighbourhoods` (windows of ``--widths`` steps), then in the
classic game :func:`redblue.search.sat.sat_search` down from the best with ``--recomputes``
extra steps, each with the time limit; a strategy cheaper than the record is replayed and
written (text moves) to ``DIR/ID.moves`` with ``--save DIR``.

Run: ``python benchmarks/sat_search.py [--time-limit 60] [--only fft-8] [--memory 3 4]
[--baseline /tmp/satbase] [--save candidates] [--options base all] [--upper records]
[--classic windows-12] [--improve attention-3-2-nr-m4 --widths 12 20 --recomputes 4]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

INSTANCES = {
    "attention-2-2": ("attention_dag", (2, 2), {}, range(3, 8)),
    "attention-2-2-fma": ("attention_dag", (2, 2), {"sum": "fma"}, range(4, 8)),
    "attention-3-1": ("attention_dag", (3, 1), {}, range(3, 9)),
    "fft-8": ("fft_dag", (8,), {}, range(3, 7)),
    "fft-16": ("fft_dag", (16,), {}, range(3, 7)),
    "matmul-3-3-3": ("matmul_dag", (3, 3, 3), {}, range(3, 7)),
    "attention-2-1": ("attention_dag", (2, 1), {}, range(4, 7)),
}

#: option sets compared by ``--options``: each new family alone over the windows, S and L
#: of "base", then together ("all" is :class:`SatOptions`'s default)
_OFF = {"symmetry": False, "prefix": False, "phases": False, "pressure": False}
OPTION_SETS = {
    "base": _OFF,
    "phases": {**_OFF, "phases": True},
    "symmetry": {**_OFF, "symmetry": True},
    "prefix": {**_OFF, "prefix": True},
    "pressure": {**_OFF, "pressure": True},
    "sym+prefix": {**_OFF, "symmetry": True, "prefix": True},
    "all": {**_OFF, "symmetry": True, "prefix": True, "phases": True},
    "all+pressure": {"symmetry": True, "prefix": True, "phases": True, "pressure": True},
    "all+unsat": {**_OFF, "symmetry": True, "prefix": True, "phases": True, "cadical": "unsat"},
    "all+sat": {**_OFF, "symmetry": True, "prefix": True, "phases": True, "cadical": "sat"},
}

#: the classic game's model searches compared by ``--classic``: the windows of
#: ``sat_neighbourhoods`` (12 and 20 steps wide), the whole formula with extra steps
CLASSIC_METHODS = ("windows-12", "windows-20", "extra-steps")

BASELINE_CALL = """
import json, sys, time
import redblue.dags as dags
from redblue.game import compile_graph
from redblue.search.sat import sat_search
name, args, kw, M, k, limit = json.loads(sys.argv[1])
C = compile_graph(getattr(dags, name)(*args, **kw))
t0 = time.monotonic()
out = sat_search(C, M, True, k + 1, start=k, time_limit=limit)
answer = "unknown" if out.stopped else ("sat" if out.moves is not None else "unsat")
print(json.dumps([answer, round(time.monotonic() - t0, 1)]))
"""


def graph_of(name: str):
    import redblue.dags as dags

    builder, args, kw, _ = INSTANCES[name]
    return getattr(dags, builder)(*args, **kw)


def baseline_call(tree: str, name: str, M: int, k: int, limit: float) -> str:
    builder, args, kw, _ = INSTANCES[name]
    env = dict(os.environ, PYTHONPATH=tree)
    spec = json.dumps([builder, list(args), kw, M, k, limit])
    try:
        run = subprocess.run([sys.executable, "-c", BASELINE_CALL, spec], env=env, text=True,
                             capture_output=True, timeout=limit + 120)  # fmt: skip
        answer, secs = json.loads(run.stdout.strip().splitlines()[-1])
        return f"{answer} {secs} s"
    except Exception as exc:  # a failed child is a row of the table, not a crash
        return f"error ({type(exc).__name__})"


def row(name: str, M: int, limit: float, baseline: str | None, save: str | None) -> str:
    from redblue.game import compile_graph, replay
    from redblue.game.strategy import Strategy
    from redblue.search import solve
    from redblue.search.sat import sat_search

    G = graph_of(name)
    C = compile_graph(G)
    a = solve(C, M, "no-recompute", time_limit=limit)
    astar = f"{a.lower}..{a.upper}" if not a.optimal else f"{a.io}"
    t0 = time.monotonic()
    hard = a.upper - 1  # the call that proves A*'s strategy optimal
    s = sat_search(C, M, True, a.upper, time_limit=limit)  # its own proof, from trivial
    secs = time.monotonic() - t0
    calls = " ".join(f"{k}:{ans} ({sec:.1f} s, {conf:,})" for k, ans, sec, conf in
                     s.details["sat_log"]) or "-"  # fmt: skip
    upper = a.upper if s.upper is None else min(a.upper, s.upper)
    lower = max(a.lower, s.lower)
    both = f"{upper}" if lower == upper else f"{lower}..{upper}"
    base = baseline_call(baseline, name, M, hard, limit) if baseline else "-"
    if save and lower == upper:
        from redblue.readwrite.strategy import write_strategy

        moves = a.strategy if s.moves is None or s.upper > a.upper else \
            Strategy(s.moves.decode(), M, "no-recompute")  # fmt: skip
        assert replay(G, moves, M, "no-recompute").io == upper
        closed_by = "astar" if a.optimal else "astar+sat"
        write_strategy(moves, os.path.join(save, f"{name}-nr-m{M}.txt"))
        with open(os.path.join(save, "closed.jsonl"), "a") as f:
            f.write(json.dumps({"instance": name, "variant": "no-recompute", "memory": M,
                                "io": upper, "method": closed_by,
                                "seconds": round(a.seconds if a.optimal else a.seconds + secs,
                                                 1)}) + "\n")  # fmt: skip
    return (f"| {name} | {M} | {astar} | {a.seconds:.1f} | {calls} | {secs:.1f} | "
            f"{both} | {base} |")


def known_upper(name: str, M: int, C, limit: float, source: str):
    """The best strategy known and its I/O: A*'s within ``limit``, or the records
    table's certificate (``source == "records"``)."""
    from redblue.game import replay
    from redblue.game.strategy import encode_moves
    from redblue.search import solve

    if source != "astar":
        import redblue.records as records_pkg
        from redblue.readwrite import read_strategy

        path = Path(source) / f"{name}-nr-m{M}.txt"
        if source == "records" or not path.exists():
            source = "records"
            path = Path(records_pkg.__file__).parent / "certificates" / f"{name}-nr-m{M}.txt"
        moves = encode_moves(C, read_strategy(path).moves)
        return replay(C, moves, M, "no-recompute").io, moves, source
    a = solve(C, M, "no-recompute", time_limit=limit)
    moves = encode_moves(C, a.strategy.moves)
    return a.upper, moves, f"A* {a.lower}..{a.upper} ({a.seconds:.1f} s)"


def option_rows(name: str, M: int, limit: float, sets: list[str], source: str,
                save: str | None = None) -> list[str]:  # fmt: skip
    """A row per option set: the SAT method down from the same upper bound and hint."""
    from redblue.game import compile_graph
    from redblue.search.sat import SatOptions, sat_search

    C = compile_graph(graph_of(name))
    upper, hint, known = known_upper(name, M, C, limit, source)
    rows, saved = [], upper
    for key in sets:
        t0 = time.monotonic()
        s = sat_search(C, M, True, upper, time_limit=limit, hint=hint,
                       options=SatOptions(**OPTION_SETS[key]))  # fmt: skip
        secs = time.monotonic() - t0
        calls = " ".join(f"{k}:{ans} ({sec:.1f} s, {conf:,})" for k, ans, sec, conf in
                         s.details["sat_log"]) or "-"  # fmt: skip
        best = upper if s.upper is None else min(upper, s.upper)
        if save and s.upper is not None and s.upper < saved:  # a better strategy: kept
            from redblue.game.strategy import Strategy
            from redblue.readwrite.strategy import write_strategy

            os.makedirs(save, exist_ok=True)
            write_strategy(Strategy(s.moves.decode(), M, "no-recompute"),
                           os.path.join(save, f"{name}-nr-m{M}.txt"))  # fmt: skip
            saved = s.upper
        both = f"{best}" if s.lower == best else f"{s.lower}..{best}"
        rows.append(f"| {name} | {M} | {known} | {key} | {calls} | {secs:.1f} | "
                    f"{s.conflicts:,} | {both} |")  # fmt: skip
    return rows


def classic_known(name: str, M: int, C, source: str):
    """The cheapest known classic strategy: the records' classic and no-recompute
    certificates, and ``source/<instance>-cl-m<M>.txt`` if ``source`` is a directory."""
    import redblue.records as records_pkg
    from redblue.game import replay
    from redblue.game.strategy import encode_moves
    from redblue.readwrite import read_strategy

    certs = Path(records_pkg.__file__).parent / "certificates"
    paths = [certs / f"{name}-cl-m{M}.txt", certs / f"{name}-nr-m{M}.txt"]
    if source not in ("astar", "records"):
        paths.append(Path(source) / f"{name}-cl-m{M}.txt")
    best = None
    for path in paths:
        if path.exists():
            moves = encode_moves(C, read_strategy(path).moves)
            io = replay(C, moves, M, "classic").io
            if best is None or io < best[0]:
                best = (io, moves, path.name)
    return best


def classic_rows(name: str, M: int, limit: float, methods: list[str], source: str,
                 save: str | None = None) -> list[str]:  # fmt: skip
    """A row per classic model search, each from the same known strategy."""
    from redblue.game import compile_graph, replay
    from redblue.game.strategy import Strategy
    from redblue.search.sat import CLASSIC_RECOMPUTES, sat_neighbourhoods, sat_search

    C = compile_graph(graph_of(name))
    known = classic_known(name, M, C, source)
    if known is None:
        return [f"| {name} | {M} | - | no certificate | | | | |"]
    upper, hint, origin = known
    rows, saved = [], upper
    for key in methods:
        t0 = time.monotonic()
        if key.startswith("windows"):
            s = sat_neighbourhoods(C, M, False, hint, widths=(int(key.split("-")[1]),),
                                   time_limit=limit)  # fmt: skip
            how = " ".join(f"{io} (step {a}, +{e}, {sec:.1f} s)" for io, _, a, e, sec in
                           s.details["sat_log"]) or "-"  # fmt: skip
            how += f"; {s.details['sat_windows']} windows {s.details['sat_window_answers']}"
        else:
            s = sat_search(C, M, False, upper, hint=hint, recomputes=CLASSIC_RECOMPUTES,
                           time_limit=limit)  # fmt: skip
            how = " ".join(f"{k}:{ans} ({sec:.1f} s, {conf:,})" for k, ans, sec, conf in
                           s.details["sat_log"]) or "-"  # fmt: skip
        secs = time.monotonic() - t0
        best = upper if s.upper is None else min(upper, s.upper)
        if s.moves is not None:
            assert replay(C, s.moves, M, "classic").io == s.upper
        if save and s.upper is not None and s.upper < saved:  # a cheaper strategy: kept
            from redblue.readwrite.strategy import write_strategy

            os.makedirs(save, exist_ok=True)
            write_strategy(Strategy(s.moves.decode(), M, "classic"),
                           os.path.join(save, f"{name}-cl-m{M}.txt"))  # fmt: skip
            saved = s.upper
        rows.append(f"| {name} | {M} | {origin} ({upper}) | {key} | {how} | {secs:.1f} | "
                    f"{s.conflicts:,} | {best} |")  # fmt: skip
    return rows


def improve_row(rid: str, limit: float, widths: tuple[int, ...], recomputes: int,
                save: str | None) -> str:  # fmt: skip
    """Improve the upper end of record ``rid`` (see ``--improve``); one table row."""
    from redblue.game import compile_graph, replay
    from redblue.game.strategy import Strategy, encode_moves
    from redblue.readwrite import read_strategy, write_strategy
    from redblue.records.table import RECORDS_DIR, build_instance, load_records
    from redblue.search.sat import sat_neighbourhoods, sat_search

    records = load_records()
    rec = next((r for r in records if r.id == rid), None)
    if rec is None:
        return f"| {rid} | - | unknown record | | | | |"
    no_recompute = rec.variant == "no-recompute"
    G = build_instance(rec.family, rec.params)
    C = compile_graph(G)
    best = None  # (io, moves, origin): the cheapest certificate of the same DAG and M
    for other in records:
        if (other.family, other.params, other.memory) != (rec.family, rec.params, rec.memory):
            continue
        if no_recompute and other.variant != "no-recompute":
            continue
        paths = [Path(RECORDS_DIR) / other.certificate]
        if save and os.path.exists(os.path.join(save, f"{other.id}.moves")):
            paths.append(Path(save) / f"{other.id}.moves")  # found by an earlier run
        for path in paths:
            moves = encode_moves(C, read_strategy(path).moves)
            io = replay(C, moves, rec.memory, rec.variant).io
            if best is None or io < best[0]:
                best = (io, moves, path.name)
    upper, hint, origin = best
    t0 = time.monotonic()
    found = sat_neighbourhoods(C, rec.memory, no_recompute, hint, widths=widths,
                               time_limit=limit)  # fmt: skip
    how = [f"windows: {found.upper} ({found.details['sat_windows']} windows, "
           f"{found.conflicts:,} conflicts)"]  # fmt: skip
    io, moves = found.upper, found.moves
    if not no_recompute and recomputes:
        more = sat_search(C, rec.memory, False, io, hint=moves, recomputes=recomputes,
                          time_limit=limit)  # fmt: skip
        calls = " ".join(f"{k}:{a}" for k, a, _, _ in more.details["sat_log"]) or "-"
        how.append(f"+{recomputes} steps: {calls} ({more.conflicts:,} conflicts)")
        if more.upper is not None and more.upper < io:
            io, moves = more.upper, more.moves
    secs = time.monotonic() - t0
    assert replay(C, moves, rec.memory, rec.variant).io == io
    kept = "-"
    if save and io < rec.upper:
        os.makedirs(save, exist_ok=True)
        kept = os.path.join(save, f"{rid}.moves")
        write_strategy(Strategy(moves.decode(), rec.memory, rec.variant), kept, "text")
    return (f"| {rid} | [{rec.lower}, {rec.upper}] | {origin} ({upper}) | {'; '.join(how)} | "
            f"{secs:.1f} | {io} | {kept} |")  # fmt: skip


def _chosen(args):
    """The (instance, M) rows asked for: ``--only`` (default every instance but
    attention-2-1) at its memories, those in ``--memory`` if given."""
    for name in args.only or [n for n in INSTANCES if n != "attention-2-1"]:
        for M in INSTANCES[name][3]:
            if not args.memory or M in args.memory:
                yield name, M


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--only", nargs="*", default=None, choices=sorted(INSTANCES))
    p.add_argument("--memory", nargs="*", type=int, default=None)
    p.add_argument("--baseline", default=None, help="another checkout's tree (PYTHONPATH)")
    p.add_argument("--save", default=None, help="directory for certificates of closed optima")
    p.add_argument("--options", nargs="*", default=None, choices=sorted(OPTION_SETS),
                   help="a row per SatOptions set (instead of the A*-against-SAT table)")
    p.add_argument("--upper", default="astar",
                   help="with --options: the upper bound and hint from A* (astar), the "
                   "records (records) or a directory of DIR/<instance>-nr-m<M>.txt")
    p.add_argument("--classic", nargs="*", default=None, choices=CLASSIC_METHODS,
                   help="a row per classic model search (instead of the other tables)")
    p.add_argument("--improve", nargs="*", default=None, metavar="ID",
                   help="record ids whose upper end to improve (instead of the other tables)")
    p.add_argument("--widths", nargs="*", type=int, default=[12, 20, 30],
                   help="with --improve: the window widths")
    p.add_argument("--recomputes", type=int, default=4,
                   help="with --improve, classic records: extra steps of the whole formula")
    args = p.parse_args()
    print(f"time limit {args.time_limit:g} s per method and row\n")
    if args.improve:
        print("| record | known | from (I/O) | found | s | best | saved |")
        print("|---|---|---|---|---|---|---|")
        for rid in args.improve:
            print(improve_row(rid, args.time_limit, tuple(args.widths), args.recomputes,
                              args.save), flush=True)  # fmt: skip
        return
    if args.classic:
        print("| instance | M | known (I/O) | method | found | s | conflicts | best |")
        print("|---|---|---|---|---|---|---|---|")
        for name, M in _chosen(args):
            for line in classic_rows(name, M, args.time_limit, args.classic, args.upper,
                                     args.save):  # fmt: skip
                print(line, flush=True)
        return
    if args.options:
        print("| instance | M | upper from | options | SAT calls k:answer (s, conflicts) | "
              "SAT s | conflicts | bounds |")
        print("|---|---|---|---|---|---|---|---|")
        for name, M in _chosen(args):
            for line in option_rows(name, M, args.time_limit, args.options, args.upper,
                                    args.save):  # fmt: skip
                print(line, flush=True)
        return
    print("| instance | M | A* | A* s | SAT calls k:answer (s, conflicts) | SAT s | "
          "after both | baseline SAT at upper-1 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, M in _chosen(args):
        print(row(name, M, args.time_limit, args.baseline, args.save), flush=True)


if __name__ == "__main__":
    main()
