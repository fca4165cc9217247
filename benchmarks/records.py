"""Regenerate or re-verify the record table (redblue/records/records.json).

    python benchmarks/records.py --verify                  # replay every certificate,
                                                           # re-prove the fast optima
    python benchmarks/records.py --regenerate              # recompute every entry
    python benchmarks/records.py --regenerate --family fft --time-limit 60
    python benchmarks/records.py --regenerate --missing    # only entries not in the table
    python benchmarks/records.py --regenerate --only fft-16-nr-m4 --method sat --time-limit 600
    python benchmarks/records.py --regenerate --only fft-16-nr-m8 --seed fft-16-nr-m8=found.txt
    python benchmarks/records.py --markdown                # print docs/records.md

``--regenerate`` runs :func:`redblue.records.compute_record` on the entries of ``SPECS``
chosen by ``--only`` (ids) and ``--family`` (all of them by default), each with its own
time limit or ``--time-limit`` for all, and its own method or ``--method`` for all. Each
entry is seeded by the certificates of the same instance at the next smaller memory and,
in the classic game, of the no-recompute game at the same memory, and by its own
certificate in the table; unless ``--fresh``, it keeps the better of its old and new
bounds. Then every certificate is replaced by a cheaper one of a smaller memory (or, in the
classic game, of the no-recompute game) and every lower bound raised to the best proven at
a larger memory (:func:`redblue.records.propagate_upper`,
:func:`~redblue.records.propagate_lower`), and the JSON table and docs/records.md are
written, with one line an entry and its seconds. The whole table (every limit as in
``SPECS``) takes about 15 minutes on a 2-core machine; the entries that were not chosen
are kept as they are.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from networkx.algorithms.isomorphism import DiGraphMatcher

from redblue.errors import InvalidInputError
from redblue.game import compile_graph
from redblue.readwrite import read_strategy
from redblue.records import (
    FAMILIES,
    build_instance,
    compute_record,
    load_records,
    propagate_lower,
    propagate_upper,
    records_markdown,
    save_records,
    share_isomorphic,
    verify_records,
)
from redblue.search import METHODS, prepare_search_core, solve
from redblue.strategies import schedule_moves
from redblue.strategies.fft import fft_moves, fft_passes
from redblue.strategies.matmul import matmul_moves

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "redblue" / "records"
DOC = ROOT / "docs" / "records.md"
NR, CL = "no-recompute", "classic"
SHORT = {NR: "nr", CL: "cl"}

#: seconds an entry the search does not close gets (search, then the bounding methods)
OPEN = 6
#: (id, family, params, variant, M, method, seconds allowed)
SPECS = [
    *[(f"attention-1-1-{SHORT[v]}-m{M}", "attention", {"n": 1, "d": 1}, v, M, "astar", 30)
      for v in (CL, NR) for M in (3, 4)],
    *[(f"attention-1-2-{SHORT[v]}-m{M}", "attention", {"n": 1, "d": 2}, v, M, "astar", 30)
      for v in (CL, NR) for M in (3, 4, 6)],
    *[(f"attention-2-1-{SHORT[v]}-m{M}", "attention", {"n": 2, "d": 1}, v, M, "astar", 30)
      for v in (CL, NR) for M in (4, 5, 6, 7, 8)],
    *[(f"attention-2-1-fma-{SHORT[v]}-m{M}", "attention", {"n": 2, "d": 1, "sum": "fma"}, v, M,
       "astar", 30) for v in (CL, NR) for M in (4, 5, 6)],
    *[(f"attention-2-2-{SHORT[v]}-m{M}", "attention", {"n": 2, "d": 2}, v, M, "astar", 30)
      for v in (CL, NR) for M in (8, 12)],
    *[(f"fft-4-{SHORT[v]}-m{M}", "fft", {"size": 4}, v, M, "astar", 30)
      for v in (CL, NR) for M in (3, 4, 8)],
    *[(f"fft-8-nr-m{M}", "fft", {"size": 8}, NR, M, "astar", 100) for M in (3, 4, 5, 6, 8)],
    *[(f"fft-8-cl-m{M}", "fft", {"size": 8}, CL, M, "astar", 150) for M in (3, 4, 8)],
    *[(f"fft-8-cl-m{M}", "fft", {"size": 8}, CL, M, "astar", 400) for M in (5, 6)],
    *[(f"matmul-2-2-2-{SHORT[v]}-m{M}", "matmul", {"m": 2, "k": 2, "n": 2}, v, M, "astar", 30)
      for v in (CL, NR) for M in (3, 4, 6)],
    *[(f"pyramid-{h}-{SHORT[v]}-m{M}", "pyramid", {"height": h}, v, M, "astar", 30)
      for h in (3, 4) for v in (CL, NR) for M in (3, 4)],
    # instances the search does not close in OPEN seconds: open intervals [lower, upper],
    # no-recompute first (its certificates seed the classic game), M up (each seeds the next)
    *[(f"attention-2-2-{SHORT[v]}-m{M}", "attention", {"n": 2, "d": 2}, v, M, "astar", OPEN)
      for v in (NR, CL) for M in (3, 4, 5, 6, 7)],
    *[(f"attention-2-2-fma-{SHORT[v]}-m{M}", "attention", {"n": 2, "d": 2, "sum": "fma"}, v,
       M, "astar", OPEN) for v in (NR, CL) for M in (4, 5, 6, 7)],
    *[(f"attention-3-1-{SHORT[v]}-m{M}", "attention", {"n": 3, "d": 1}, v, M, "astar", OPEN)
      for v in (NR, CL) for M in (3, 4, 5, 6, 7, 8)],
    *[(f"attention-3-1-chain-{SHORT[v]}-m{M}", "attention", {"n": 3, "d": 1, "sum": "chain"},
       v, M, "astar", OPEN) for v in (NR, CL) for M in (3, 4, 5, 6, 7, 8)],
    *[(f"fft-16-{SHORT[v]}-m{M}", "fft", {"size": 16}, v, M, "astar", OPEN)
      for v in (NR, CL) for M in (3, 4, 5, 6, 8)],
    *[(f"matmul-3-3-3-{SHORT[v]}-m{M}", "matmul", {"m": 3, "k": 3, "n": 3}, v, M, "astar",
       OPEN) for v in (NR, CL) for M in (3, 4, 6, 9)],
    *[(f"matmul-3-3-3-chain-{SHORT[v]}-m{M}", "matmul", {"m": 3, "k": 3, "n": 3,
                                                          "sum": "chain"}, v, M, "astar",
       OPEN) for v in (NR, CL) for M in (6, 9)],
    *[(f"pyramid-{h}-{SHORT[v]}-m{M}", "pyramid", {"height": h}, v, M, "astar", OPEN)
      for h in (5, 6) for v in (NR, CL) for M in (3, 4)],
    # 99 nodes; FlashAttention's and square tiling's schedules seed M >= 6, FlashAttention-1
    # with key blocks of 3 meets the trivial bound at M = 20 (A* reaches it at M = 16)
    *[(f"attention-3-2-{SHORT[v]}-m{M}", "attention", {"n": 3, "d": 2}, v, M, "astar", OPEN)
      for v in (NR, CL) for M in (4, 6, 8, 12, 16, 20)],
]


def _schedule(family, params, M):
    """The known schedules' moves on the instance, at every memory M' <= M they run at
    (a strategy for M' is one for M; each M' has its own block sizes): the blocked FFT
    (:mod:`redblue.strategies.fft`), tiled matmul (:mod:`redblue.strategies.matmul`, on
    chain or fma sums), FlashAttention-1 and -2 and square tiling
    (:mod:`redblue.strategies.upper_bounds`, on chain or fma sums). Each runs on its own
    DAG, relabelled onto the instance by an isomorphism where the two differ only in names
    (a tree sum of at most three terms is a chain up to names); none where none is
    isomorphic. Seeds only: ``compute_record`` replays each."""
    if family == "fft":
        C = compile_graph(build_instance(family, params))
        runs = {fft_passes(params["size"], m): m for m in range(3, M + 1)}
        return [fft_moves(C, params["size"], m).decode() for m in runs.values()]
    if family not in ("matmul", "attention"):
        return []
    shape = "fma" if params.get("sum") == "fma" else "chain"
    H = build_instance(family, {**params, "sum": shape})
    C = compile_graph(H)
    if family == "matmul":
        m, k, n = params["m"], params["k"], params["n"]
        runs = [functools.partial(matmul_moves, C, m, k, n, sum=shape)]
    else:
        runs = [functools.partial(schedule_moves, alg, C, params["n"], params["d"], sum=shape)
                for alg in ("flash1", "flash2", "tiling")]  # fmt: skip
    moves = []
    for run in runs:
        for mem in range(1, M + 1):
            try:
                moves.append(run(mem).decode())
            except InvalidInputError:  # no block fits in mem
                continue
    G = build_instance(family, params)
    match = DiGraphMatcher(H, G)
    if not moves or not match.is_isomorphic():
        return []
    unique = dict.fromkeys(tuple(ms) for ms in moves)  # block sizes repeat over memories
    return [[(kind, match.mapping[v]) for kind, v in ms] for ms in unique]


def _seeds(id, family, params, variant, M, done):
    """Certificates valid for this entry: its own, the next smaller memory's (a strategy
    for M' <= M is one for M), the no-recompute twin's at M (valid in the classic game),
    the same from every isomorphic instance (:func:`_isomorphic`), and the known schedules'
    moves where they run on the instance (:func:`_schedule`)."""
    same = [r for r in done.values() if (r.family, r.params) == (family, params)]
    below = [r for r in same if r.variant == variant and r.memory < M]
    picks = [done.get(id)]
    picks.append(max(below, key=lambda r: r.memory) if below else None)
    if variant == CL:
        picks += [r for r in same if r.variant == NR and r.memory == M]
    return [read_strategy(RECORDS / r.certificate) for r in picks
            if r is not None and (RECORDS / r.certificate).is_file()] + [
        *_schedule(family, params, M)] + _isomorphic(family, params, variant, M, done)  # fmt: skip


@functools.cache
def _instance(family, params_json):
    """The entry's DAG, built once a run (:func:`_isomorphic` compares every pair)."""
    return build_instance(family, json.loads(params_json))


def _isomorphic(family, params, variant, M, done):
    """The certificates of the entries of another instance isomorphic to this one (e.g.
    attention's tree and chain sums of three terms), at M or a smaller memory, in this
    game or (for the classic one) the no-recompute game, relabelled onto this instance.
    Seeds only: each is replayed by ``compute_record``, and the entry's lower bound is
    proven by its own run."""
    G = _instance(family, json.dumps(params, sort_keys=True))
    out = []
    for r in done.values():
        if ((r.family, r.params) == (family, params) or r.memory > M
                or not (r.variant == variant or variant == CL)):  # fmt: skip
            continue
        H = _instance(r.family, json.dumps(r.params, sort_keys=True))
        if H.number_of_nodes() != G.number_of_nodes() or not (RECORDS / r.certificate).is_file():
            continue
        match = DiGraphMatcher(H, G)
        if match.is_isomorphic():
            moves = read_strategy(RECORDS / r.certificate).moves
            out.append([(kind, match.mapping[v]) for kind, v in moves])
    return out


def _better(old, new):
    """The better of an entry's old and new records: the old one when the new run improved
    neither bound (its certificate, rewritten by the run, costs the same: the old one seeded
    it), else the new one, keeping the old lower bound and its method if it was higher."""
    if old is None:
        return new
    if new.lower <= old.lower and new.upper >= old.upper:
        return replace(old, certificate=new.certificate)
    if old.lower <= new.lower:
        return new
    return replace(new, lower=min(old.lower, new.upper), lower_method=old.lower_method)


def _compile_kernels(specs) -> None:
    """Compile (or load) the search kernels for every word count of the chosen entries,
    untimed, before their timed runs: a time-limited search whose kernel is not compiled
    yet runs the plain-Python naive search instead (``details["core_note"]``), and an
    entry's bound would then depend on whether an earlier run had compiled it."""
    prepare_search_core()  # graphs of up to 64 vertices
    first = {}  # a chosen entry of each larger word count: its own DAG reaches the kernel
    for _, family, params, _variant, M, *_ in specs:
        G = _instance(family, json.dumps(params, sort_keys=True))
        first.setdefault((len(G) - 1) // 64 + 1, (G, M))
    for words, (G, M) in sorted(first.items()):
        if words > 1:
            for variant in ("classic", "no-recompute"):
                solve(G, M, variant, state_limit=1000)


def regenerate(only, families, time_limit, method, fresh, missing=False, extra=None) -> int:
    table = ROOT / "redblue/records/records.json"
    _compile_kernels([s for s in SPECS if (not only or s[0] in only)
                      and (not families or s[1] in families)])  # fmt: skip
    old = {r.id: r for r in load_records()} if table.exists() else {}
    done = dict(old)  # what seeds the next entry: new records replace old ones
    new = []
    t0 = time.monotonic()
    for id, family, params, variant, M, how, limit in SPECS:
        if ((only and id not in only) or (families and family not in families)
                or (missing and id in old)):  # fmt: skip
            if id in old:
                new.append(old[id])
            continue
        seeds = _seeds(id, family, params, variant, M, done) + (extra or {}).get(id, [])
        rec = compute_record(id, family, params, variant, M, method=method or how,
                             time_limit=time_limit or limit, seeds=seeds)  # fmt: skip
        rec = rec if fresh else _better(old.get(id), rec)
        print(f"{id:<30} {rec.value():>10}  {rec.lower_method:<12} {rec.seconds:7.1f} s",
              flush=True)  # fmt: skip
        new.append(rec)
        done[id] = rec
    # bounds carried down in M, then shared between isomorphic instances, then carried again
    new = propagate_lower(share_isomorphic(propagate_lower(propagate_upper(new))))
    save_records(new)
    DOC.write_text(records_markdown(new))
    print(f"{len(new)} records, {time.monotonic() - t0:.0f} s")
    return 0


def verify() -> int:
    # every certificate replayed; optima that took at most a second re-proved as well
    checks = verify_records(recompute_seconds=1.0)
    for c in checks:
        print(f"{'ok  ' if c.ok else 'FAIL'} {c.id}: {c.message}")
    return 0 if all(c.ok for c in checks) else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--verify", action="store_true")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--only", nargs="+", metavar="ID", help="entries to recompute (ids)")
    p.add_argument("--family", nargs="+", choices=sorted(FAMILIES),
                   help="recompute the entries of these families")
    p.add_argument("--time-limit", type=float, metavar="S",
                   help="seconds per entry (default: each entry's own, in SPECS)")
    p.add_argument("--method", choices=METHODS,
                   help="search method for every chosen entry (default: each entry's own)")
    p.add_argument("--missing", action="store_true",
                   help="recompute only the chosen entries not in the table yet")
    p.add_argument("--fresh", action="store_true",
                   help="do not keep an old lower bound that the new run does not reach")
    p.add_argument("--seed", nargs="+", metavar="ID=FILE", default=[],
                   help="more certificates for an entry (moves files, e.g. found by a "
                        "longer run; each is replayed, never trusted)")
    args = p.parse_args(argv)
    extra: dict[str, list] = {}
    for item in args.seed:
        id, sep, path = item.partition("=")
        if not sep or id not in {spec[0] for spec in SPECS} or not Path(path).is_file():
            p.error(f"--seed wants ID=FILE with an entry of SPECS and a file, not {item!r}")
        extra.setdefault(id, []).append(read_strategy(path))
    if args.only:
        unknown = set(args.only) - {spec[0] for spec in SPECS}
        if unknown:
            p.error(f"no entry {', '.join(sorted(unknown))} in SPECS")
    if args.regenerate:
        return regenerate(args.only, args.family, args.time_limit, args.method, args.fresh,
                          args.missing, extra)
    if args.markdown:
        print(records_markdown(load_records()), end="")
        return 0
    return verify()


if __name__ == "__main__":
    sys.exit(main())
