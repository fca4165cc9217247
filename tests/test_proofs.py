"""Every proof script in proofs/ passes: in this process through the runner (fast), and one
of them as a program, to show a script's exit code is its verdict."""

from __future__ import annotations

import subprocess
import sys

import pytest

from redblue.bounds.proof import PROOFS_DIR, proof_scripts, run_script

SCRIPTS = proof_scripts()


def test_the_scripts_are_found():
    assert len(SCRIPTS) >= 15, f"only {len(SCRIPTS)} proof scripts in {PROOFS_DIR}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_proof_passes(script):
    proof = run_script(script)
    failed = [s.text for s in proof.steps if not s.ok]
    assert proof.ok, f"{script.name}: error {proof.error}; failed steps {failed}"
    assert proof.steps, f"{script.name} checked nothing"


def test_a_script_run_as_a_program_exits_zero():
    script = PROOFS_DIR / "lemma_4_7.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: PROVED" in done.stdout
