"""The proof scripts as verdicts: each script of ``proofs/`` run through the proof runner.

:func:`proof_verdicts` runs every script :func:`redblue.bounds.proof.proof_scripts`
finds (``proofs/`` in a checkout, ``redblue.proofs`` when installed), in a child process
(:func:`redblue.bounds.proof.run_scripts`), and turns each into
one required :class:`~redblue.paper.verdicts.Verdict`: its claim, the number of steps it
checked, and the steps that failed (or the error that stopped it).
"""

from __future__ import annotations

from redblue.bounds.proof import proof_scripts, run_scripts
from redblue.paper.verdicts import Verdict
from redblue.progress import note

__all__ = ["proof_verdicts"]


def proof_verdicts() -> list[Verdict]:
    """One verdict per script in ``proofs/``: its claim, instance checks and outcome.

    The runner reports each script as a phase of :mod:`redblue.progress` (a slow one is
    named on stderr at the CLI's default verbosity); at verbosity 2 each script's outcome
    follows, with its place in the list ("proof script 3/16: lemma_3_3: checked").
    """
    out = []
    paths = proof_scripts()
    for i, (path, p) in enumerate(zip(paths, run_scripts(paths), strict=True), start=1):
        failed = [s.text for s in p.steps if not s.ok] + ([p.error] if p.error else [])
        out.append(Verdict(p.claim or p.title, p.title, len(p.steps), failed))
        note(f"proof script {i}/{len(paths)}: {path.stem}: {out[-1].status} "
             f"({len(p.steps)} steps)")  # fmt: skip
    return out
