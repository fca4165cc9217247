"""Session set-up shared by every test module."""

from __future__ import annotations

import os

import pytest

MAX_WORKERS = 4  # each worker loads its own search kernels (a few hundred MB)


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): one worker per core this process may use, at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_WORKERS, cores or 1))


@pytest.fixture(scope="session", autouse=True)
def search_core_compiled():
    """Load (or, on a cold cache, compile once) the exact search's one-word kernel first.

    ``solve`` under a time limit of less than two minutes does not compile a kernel it
    lacks; it reports the bounds of its seeds instead. Tests that pin optima under short
    limits would then pass or fail by the order they run in; compiling here, as
    ``redblue paper`` does before its searches, makes them independent of it.
    """
    from redblue.dags import attention_dag
    from redblue.search import solve

    solve(attention_dag(1, 1), 3, core="compiled")



@pytest.fixture(scope="session")
def full_proof():
    """``full_proof(stem)``: the proof script ``proofs.<stem>`` run in full, once a session.

    Three tests ask for this same deterministic run: every script passes
    (tests/test_proofs.py), the pinned record of each script with no smaller run
    (tests/test_proofs_scripts.py), and the backward-pass fixture of
    tests/test_proofs_partitions_and_optima.py. The module is the one the planted-error
    tests change (``proofs.<stem>``, the name mutmut gives its mutants), so the caches a
    script keeps (proofs/backward.py) are filled by the first, unplanted, run; a test that
    plants an error runs its script itself, never through this fixture.
    """
    from helpers import proof_script

    from redblue.bounds.proof import Proof

    runs = {}

    def run(stem: str) -> Proof:
        if stem not in runs:
            mod = proof_script(stem)
            proof = Proof(stem, mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
            mod.run(proof)
            runs[stem] = proof
        return runs[stem]

    return run
