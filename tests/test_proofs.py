"""Run every proof script in proofs/: each must exit 0 (it exits non-zero on any failure)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROOFS = sorted((Path(__file__).resolve().parent.parent / "proofs").glob("*.py"))


@pytest.mark.parametrize("script", PROOFS, ids=lambda p: p.stem)
def test_proof_script_passes(script):
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout}\n{done.stderr}"
