"""The proof scripts as verdicts: each script of ``proofs/`` run through the proof runner.

:func:`proof_verdicts` runs every script :func:`redblue.bounds.proof.proof_scripts`
finds (``proofs/`` in a checkout, ``redblue.proofs`` when installed) and turns each into
one required :class:`~redblue.paper.verdicts.Verdict`: its claim, the number of steps it
checked, and the steps that failed (or the error that stopped it).
"""

from __future__ import annotations

from redblue.bounds.proof import proof_scripts, run_script
from redblue.paper.verdicts import Verdict

__all__ = ["proof_verdicts"]


def proof_verdicts() -> list[Verdict]:
    """One verdict per script in ``proofs/``: its claim, instance checks and outcome."""
    out = []
    for path in proof_scripts():
        p = run_script(path)
        failed = [s.text for s in p.steps if not s.ok] + ([p.error] if p.error else [])
        out.append(Verdict(p.claim or p.title, p.title, len(p.steps), failed))
    return out
