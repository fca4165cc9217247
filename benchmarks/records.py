"""Regenerate or re-verify the record table (redblue/records/records.json).

    python benchmarks/records.py --verify                  # replay every certificate,
                                                           # re-prove the fast optima
    python benchmarks/records.py --regenerate              # recompute every entry
    python benchmarks/records.py --regenerate --only fft-4-classic-m3 --time-limit 30
    python benchmarks/records.py --markdown                # print docs/records.md

``--regenerate`` runs :func:`redblue.search.solve` on every instance of ``SPECS``
(each with its own time limit, or ``--time-limit`` for all), writes the certificates,
the JSON table and docs/records.md, and prints one line an entry with its seconds.
Keep the whole run modest: about ten minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from redblue.readwrite import read_strategy
from redblue.records import (
    compute_record,
    load_records,
    records_markdown,
    save_records,
    verify_records,
)

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "redblue" / "records"
DOC = ROOT / "docs" / "records.md"
NR, CL = "no-recompute", "classic"
SHORT = {NR: "nr", CL: "cl"}

#: (id, family, params, variant, M, method, seconds allowed)
SPECS = [
    *[(f"attention-1-1-{SHORT[v]}-m{M}", "attention", {"n": 1, "d": 1}, v, M, "astar", 30)
      for v in (CL, NR) for M in (3, 4)],
    *[(f"attention-1-2-{SHORT[v]}-m{M}", "attention", {"n": 1, "d": 2}, v, M, "astar", 30)
      for v in (CL, NR) for M in (3, 4, 6)],
    *[(f"attention-2-1-{SHORT[v]}-m{M}", "attention", {"n": 2, "d": 1}, v, M, "astar", 30)
      for v in (CL, NR) for M in (4, 6, 8)],
    *[(f"attention-2-1-fma-{SHORT[v]}-m{M}", "attention", {"n": 2, "d": 1, "sum": "fma"}, v, M,
       "astar", 30) for v in (CL, NR) for M in (4, 6)],
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
]


def regenerate(only: list[str] | None, time_limit: float | None) -> int:
    old = {r.id: r for r in load_records()} if (ROOT / "redblue/records/records.json").exists() \
        else {}  # fmt: skip
    new = []
    t0 = time.monotonic()
    for id, family, params, variant, M, method, limit in SPECS:
        if only and id not in only:
            if id in old:
                new.append(old[id])
            continue
        # a no-recompute strategy is a classic one: its record at the same M seeds the search
        twin = next((r for r in [*new, *old.values()] if r.variant == NR and r.memory == M
                     and (r.family, r.params) == (family, params)), None)  # fmt: skip
        seed = read_strategy(RECORDS / twin.certificate) if variant == CL and twin else None
        rec = compute_record(id, family, params, variant, M, method=method,
                             time_limit=time_limit or limit, upper=seed)  # fmt: skip
        print(f"{id:<28} {rec.value():>10}  {rec.seconds:7.1f} s", flush=True)
        new.append(rec)
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
    p.add_argument("--only", nargs="+", metavar="ID")
    p.add_argument("--time-limit", type=float, metavar="S")
    args = p.parse_args(argv)
    if args.regenerate:
        return regenerate(args.only, args.time_limit)
    if args.markdown:
        print(records_markdown(load_records()), end="")
        return 0
    return verify()


if __name__ == "__main__":
    sys.exit(main())
