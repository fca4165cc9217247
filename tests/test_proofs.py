"""Every proof script in proofs/ passes: in this process (through the runner, or as
``proofs.<stem>`` in one run a session shared with the scripts' pinned records), and one of
them as a program, to show a script's exit code is its verdict."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from helpers import proof_script

from redblue.bounds.proof import PROOFS_DIR, proof_scripts, run_script

SCRIPTS = proof_scripts()


def test_the_scripts_are_found():
    assert len(SCRIPTS) >= 15, f"only {len(SCRIPTS)} proof scripts in {PROOFS_DIR}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_proof_passes(script, full_proof):
    # A script with a smaller run for its tests (``run(p, small=True)``) runs here in full
    # through the runner, as ``redblue prove`` runs it. The others' full run is shared
    # with their pinned records and the planted-error tests (``full_proof``, conftest.py).
    if "small" in inspect.signature(proof_script(script.stem).run).parameters:
        proof = run_script(script)
    else:
        proof = full_proof(script.stem)
    failed = [s.text for s in proof.steps if not s.ok]
    assert proof.ok, f"{script.name}: error {proof.error}; failed steps {failed}"
    assert proof.steps, f"{script.name} checked nothing"


def test_a_script_run_as_a_program_exits_zero():
    script = PROOFS_DIR / "lemma_4_7.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: PROVED" in done.stdout


@pytest.mark.parametrize("stem", ["lemma_3_4", "lemma_3_6", "thm_3_1", "thm_3_2", "thm_3_5",
                                  "thm_3_7", "thm_4_8", "thm_4_14", "thm_4_17"])  # fmt: skip
def test_bound_scripts_compare_on_grids_where_the_bound_is_not_zero(stem):
    """The scripts that compare a bound with instances do it through check_bound_on_grid,
    which fails a comparison that only met a zero bound."""
    text = (PROOFS_DIR / f"{stem}.py").read_text(encoding="utf-8")
    assert "check_bound_on_grid(" in text


@pytest.mark.parametrize("stem,names", [
    ("lemma_3_3", ["roots_per_part"]), ("lemma_3_4", ["large_cache"]),
    ("lemma_3_6", ["matmul_products_per_part", "matmul"]), ("thm_3_7", ["small_cache"]),
    ("thm_4_8", ["entries_per_epoch", "any_algorithm"]),
    ("thm_4_14", ["bch_independent_rows", "any_algorithm_binary"]),
    ("thm_3_1", ["trivial_attention"]),
])  # fmt: skip
def test_scripts_rebuild_their_explicit_bounds(stem, names):
    text = (PROOFS_DIR / f"{stem}.py").read_text(encoding="utf-8")
    assert "check_explicit(" in text and all(f'"{n}"' in text for n in names)
