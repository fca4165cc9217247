"""Session set-up shared by every test module."""

from __future__ import annotations

import contextlib
import os

import pytest

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, at worst a kernel compiled twice
    fcntl = None

MAX_WORKERS = 4  # each worker loads its own search kernels (a few hundred MB)


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): one worker per core this process may use, at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_WORKERS, cores or 1))


@pytest.fixture(scope="session", autouse=True)
def search_core_compiled(tmp_path_factory):
    """Load (or, on a cold cache, compile once) the exact search's kernels first.

    ``solve`` under a time limit of less than two minutes does not compile a kernel it
    lacks; it reports the bounds of its seeds instead. Tests that pin optima under short
    limits would then pass or fail by the order they run in; compiling here, as
    ``redblue paper`` does before its searches, makes them independent of it.

    The suite uses the kernels of one and two words. Under pytest-xdist each worker
    takes them in its own order and holds a lock per kernel while it loads it, so on a
    cold cache two workers compile the two at once, and a worker that reaches a kernel
    the other is compiling waits, then loads it from numba's cache on disk, instead of
    compiling it a second time.
    """
    order = [_one_word, _two_words]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # gw0, gw1, ... (none: one process)
    if int(worker.lstrip("gw") or 0) % 2:
        order.reverse()
    root = tmp_path_factory.getbasetemp().parent  # shared by the workers of one run
    for load in order:
        with _locked(root / f"kernel-{load.__name__}.lock"):
            load()


def _one_word():
    from redblue.search import prepare_search_core

    prepare_search_core()


def _two_words():
    from test_search_core import doubled_dag, shifted

    from redblue.game import compile_graph
    from redblue.search import solve

    big = compile_graph(shifted(doubled_dag(0, 5), 62))  # ids up to 127: two words
    for variant in ("classic", "no-recompute"):
        solve(big, big.min_memory(), variant, state_limit=1000)


@contextlib.contextmanager
def _locked(path):
    with open(path, "a") as f:
        if fcntl is not None:
            fcntl.flock(f, fcntl.LOCK_EX)
        yield


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
