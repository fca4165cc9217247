"""``redblue prove [NAME ...|all]``: run the proof scripts, one line per result."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from redblue import progress
from redblue.bounds.proof import find_proofs, proof_scripts, run_scripts
from redblue.cli._common import examples
from redblue.errors import EXIT_BAD_INPUT, EXIT_INVALID, EXIT_OK


def run(args: argparse.Namespace) -> int:
    names = args.names or ["all"]
    if not proof_scripts(args.dir):
        print(f"redblue: error: no proof scripts found in {args.dir or 'proofs/'}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        scripts = find_proofs(names, args.dir)
    except KeyError as exc:
        known = ", ".join(p.stem for p in proof_scripts(args.dir))
        print(f"redblue: error: no proof called {exc.args[0]!r} (known: {known})", file=sys.stderr)
        return EXIT_BAD_INPUT
    results = []
    echo = progress.verbosity() >= 2 and not args.json  # -v: every step, on stdout
    for proof in run_scripts(scripts, echo=echo):  # in a child process: see run_scripts
        results.append(proof)
        if not args.json:
            print(proof.line(), flush=True)
    ok = all(p.ok for p in results)
    if args.json:
        print(json.dumps({"ok": ok, "results": [p.to_dict() for p in results]}))
    elif len(results) > 1:
        passed = sum(p.ok for p in results)
        print(f"{passed}/{len(results)} proofs pass")
    return EXIT_OK if ok else EXIT_INVALID


def register(sub: Any) -> None:
    p = sub.add_parser(
        "prove",
        help="check the paper's results (proofs/ scripts)",
        epilog=examples(
            "redblue prove",
            "redblue prove thm_3_1 'Lemma 4.6' -v",
            "redblue prove all --json",
            note="Exit status: 0 every proof passes, 1 one fails, 2 bad input.",
        ),
    )
    p.add_argument("names", nargs="*", help="proof names (thm_3_1, 3.1, 'Lemma 4.6') or all")
    p.add_argument("--dir", help="folder of proof scripts (default: the checkout's proofs/)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.verbose_means("print every step of each proof (claim, regime, checks, verdict)")
    p.set_defaults(func=run)
