"""The proof scripts' own checks, made to fail.

Each script is imported by name as ``proofs.<stem>`` (the name mutmut gives its mutants:
benchmarks/mutation_score.py, target ``proofs``; ``redblue prove`` loads the same file
under another name) and its ``run`` is called on a fresh :class:`Proof`. Three kinds of
test:

* the record: every step's kind, text, verdict and detail (the counts, slacks and minimum
  ratios the script reports) equal the pinned record in tests/pinned/proof_steps.json;
  ``python tests/test_proofs_scripts.py STEM...`` rewrites a script's entry after a
  deliberate change (read the diff: it is the script's output);
* planted errors: a library function the script relies on is made wrong by one (a rank,
  a count, a bound scaled) and the step that should catch it must fail, and a control
  must fail when the predicate it guards is weakened;
* the scripts' own formulas (closed forms, bounds, helpers) against values computed by
  hand from the statement they encode.

Only the scripts whose ``run`` takes about a second (once the shared caches are warm) are
here; tests/test_proofs.py runs every script through the runner.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import sympy
from helpers import plant_bch_row_count

from redblue.bounds.proof import Proof

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "tests" / "pinned" / "proof_steps.json"
#: the scripts measured here (run in about a second each, caches warm)
PINNED = (
    "backward",
    "exact_optima",
    "lemma_2_7_2_8",
    "lemma_3_3",
    "lemma_3_4",
    "lemma_3_6",
    "lemma_4_1",
    "lemma_4_6",
    "lemma_4_7",
    "thm_3_1",
    "thm_3_2",
    "thm_3_5",
    "thm_3_7",
    "thm_4_4",
    "thm_4_8",
    "thm_4_14",
    "thm_4_17",
)


def script(stem: str):
    """``proofs.<stem>``: from the checkout's folder, or under mutmut from its copy."""
    if importlib.util.find_spec("proofs") is None:  # pytest run as a program: no cwd on path
        sys.path.append(str(ROOT))
    return importlib.import_module(f"proofs.{stem}")


def run(stem: str, echo: bool = False) -> Proof:
    mod = script(stem)
    proof = Proof(stem, mod.TITLE, mod.CLAIM, tuple(mod.REGIME), echo=echo)
    # a script whose full run takes seconds takes ``small``: the smaller instances pinned
    small = "small" in inspect.signature(mod.run).parameters
    mod.run(proof, **({"small": True} if small else {}))
    return proof


def record(proof: Proof) -> list[list]:
    """The steps, with the wall-clock times some details print masked."""
    return [[s.kind, s.text, s.ok, re.sub(r"\d+\.\d+ s\b", "<t> s", s.detail)] for s in proof.steps]


def failed(proof: Proof) -> list[str]:
    return [s.text for s in proof.steps if not s.ok]


def plant(monkeypatch, mod, name: str, change) -> None:
    """``mod.<name>`` returns ``change(result, *args, **kwargs)`` instead of its result."""
    real = getattr(mod, name)
    monkeypatch.setattr(mod, name, lambda *a, **k: change(real(*a, **k), *a, **k))


# ------------------------------------------------------------------------------ records
@pytest.mark.parametrize("stem", PINNED)
def test_the_record_is_the_pinned_one(stem, full_proof):
    if "small" in inspect.signature(script(stem).run).parameters:
        proof = run(stem)  # the smaller run, not the full one redblue prove checks
    else:  # the full run, shared with tests/test_proofs.py (once a session, conftest.py)
        proof = full_proof(stem)
    assert proof.ok and proof.error is None, failed(proof)
    want = json.loads(RECORDS.read_text(encoding="utf-8"))[stem]
    got = record(proof)
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"{stem} step {i}"
    assert len(got) == len(want)


# ------------------------------------------------------------------------------ Lemma 4.7
def test_lemma_4_7_a_dependent_set_fails_the_proof(monkeypatch):
    mod = script("lemma_4_7")
    plant(
        monkeypatch,
        mod,
        "dependent_rows",
        lambda bad, K, d, q: (0, 1) if (len(K), d, q) == (4, 2, 7) else bad,
    )
    proof = run("lemma_4_7")
    assert failed(proof) == ["q=7 N=4 d=2: every d rows independent"]
    assert [s.detail for s in proof.steps if not s.ok] == ["rows (0, 1)"]


def test_lemma_4_7_the_hypothesis_check_needs_the_dependency(monkeypatch):
    mod = script("lemma_4_7")
    plant(monkeypatch, mod, "dependent_rows", lambda bad, K, d, q: None)
    assert failed(run("lemma_4_7")) == ["hypothesis needed: N=6 > q=5 gives dependent rows"]


def test_lemma_4_7_every_pair_is_tried(monkeypatch):
    mod = script("lemma_4_7")
    seen = []
    plant(monkeypatch, mod, "dependent_rows", lambda bad, K, d, q: seen.append((q, len(K), d)))
    run("lemma_4_7")
    want = [(q, n, d) for q in (5, 7, 11) for n in range(2, q) for d in range(1, min(n, 4) + 1)]
    assert seen == [*want, (5, 6, 2)]


# ------------------------------------------------------------------------------ Lemma 4.6
def test_lemma_4_6_rows_cols_counts_min_d_per_row_and_column():
    rows_cols = script("lemma_4_6").rows_cols
    # row 0 has 3 entries, row 1 one; columns 0, 1, 2 have 2, 1, 1
    assert rows_cols([(0, 0), (0, 1), (0, 2), (1, 0)], 2) == (2 + 1, 2 + 1 + 1)
    assert rows_cols([(0, 0), (0, 1), (0, 2), (1, 0)], 1) == (2, 3)
    assert rows_cols([(2, 2)], 5) == (1, 1)
    assert rows_cols([], 3) == (0, 0)


@pytest.mark.parametrize("wrong", ["count", "rank"])
def test_lemma_4_6_a_wrong_count_fails_the_exhaustive_step(monkeypatch, wrong):
    mod = script("lemma_4_6")
    if wrong == "count":  # one entry set of q=5 N=3 d=2 takes one value more
        one = [(0, 0), (2, 2)]
        plant(
            monkeypatch,
            mod,
            "distinct_outputs",
            lambda c, K, entries, n, q, products: (
                c + (len(K[0]) == 2 and q == 5 and list(entries) == one)
            ),
        )
        bad = "q=5 N=3 d=2"
    else:  # the rank formula off by one on a single-entry set of q=3
        plant(
            monkeypatch,
            mod,
            "rank_formula",
            lambda r, K, entries, q: r + (q == 3 and list(entries) == [(1, 1)]),
        )
        bad = "q=3 N=2 d=2"
    proof = run("lemma_4_6")
    assert [t.split(":")[0] for t in failed(proof)] == [bad]


@pytest.mark.parametrize("raised", [0.74, 0.76])
def test_lemma_4_6_a_bound_above_the_ranks_fails(monkeypatch, raised):
    """The least slack is 0.75 on each grid: raised by 0.76 the bound fails there."""
    mod = script("lemma_4_6")
    plant(monkeypatch, mod, "lemma_4_6_bound", lambda b, d, size: b + raised)
    proof = run("lemma_4_6")
    bad = ["N=3 d=1", "N=3 d=2", "N=4 d=2"] if raised > 0.75 else []
    assert [t.split(":")[0] for t in failed(proof)] == bad
    assert [s.detail for s in proof.steps[3:]] == [f"least slack {0.75 - raised:.3f}"] * 3


# ------------------------------------------------------------------------------ Lemma 4.1
def _first_epoch(monkeypatch, mod, change) -> None:
    """The first epoch of every cut (``epochs(s, m, d, ...)``) replaced by ``change(e, m)``."""
    plant(monkeypatch, mod, "epochs", lambda eps, s, m, *a: [change(eps[0], m), *eps[1:]])


def _strategy_steps(proof: Proof) -> list[str]:
    return [s.text for s in proof.steps if "epochs, each sees" in s.text]


@pytest.mark.parametrize("field", ["words_seen", "new_entries"])
def test_lemma_4_1_an_epoch_off_by_one_fails_every_strategy(monkeypatch, field):
    mod = script("lemma_4_1")
    if field == "words_seen":  # 2M + 1 words: also what the control's epoch sees, so it passes
        _first_epoch(monkeypatch, mod, lambda e, m: dataclasses.replace(e, words_seen=2 * m + 1))
    else:
        _first_epoch(
            monkeypatch, mod, lambda e, m: dataclasses.replace(e, new_entries=e.new_entries + 1)
        )
    proof = run("lemma_4_1")
    assert failed(proof) == _strategy_steps(proof) and len(failed(proof)) == 9


@pytest.mark.parametrize("io", [lambda io, m: io + m, lambda io, m: io - m - 1])
def test_lemma_4_1_an_io_outside_the_epochs_fails(monkeypatch, io):
    mod = script("lemma_4_1")
    plant(monkeypatch, mod, "replay", lambda r, G, s, memory: SimpleNamespace(io=io(r.io, memory)))
    proof = run("lemma_4_1")
    assert failed(proof) == _strategy_steps(proof) and len(failed(proof)) == 9


def test_lemma_4_1_the_bounds_hold_with_equality(monkeypatch):
    """An epoch seeing exactly 2M words, and Q = (T - 1) M exactly (tiling N=8 d=8 M=16 has
    Q = T M = 1168: one M less), are within the lemma."""
    mod = script("lemma_4_1")
    _first_epoch(monkeypatch, mod, lambda e, m: dataclasses.replace(e, words_seen=2 * m))
    plant(
        monkeypatch,
        mod,
        "replay",
        lambda r, G, s, memory: SimpleNamespace(io=r.io - memory) if memory == 16 else r,
    )
    proof = run("lemma_4_1")
    assert proof.ok and any(
        s.text.startswith("tiling N=8 d=8 M=16: T=73 ") and "Q=1152 " in s.text for s in proof.steps
    )


def test_lemma_4_1_the_control_needs_exactly_2m_plus_1(monkeypatch):
    mod = script("lemma_4_1")
    plant(
        monkeypatch,
        mod,
        "epochs",
        lambda eps, s, m, *a: [
            dataclasses.replace(e, words_seen=e.words_seen + (len(a) == 1)) for e in eps
        ],
    )
    proof = run("lemma_4_1")
    assert failed(proof) == [proof.steps[-1].text]
    assert "2M + 2" not in proof.steps[-1].text and "sees 5 = 2M + 1" not in proof.steps[-1].text


def test_lemma_4_1_the_control_fails_when_every_epoch_is_accepted(monkeypatch):
    from redblue.analysis import partition

    monkeypatch.setattr(partition.Epoch, "ok", lambda self, memory: True)
    proof = run("lemma_4_1")
    assert failed(proof) == [proof.steps[-1].text]


# ------------------------------------------------------------------------------ Theorem 4.4
def test_thm_4_4_a_rank_above_2m_fails_that_strategy(monkeypatch):
    from redblue.analysis import partition

    mod = script("thm_4_4")
    plant(
        monkeypatch,
        mod,
        "epochs",
        lambda eps, s, m, dd, *segs: [
            dataclasses.replace(eps[0], row_rank=2 * m + 1) if m == 12 else eps[0],
            *eps[1:],
        ],
    )
    proof = run("thm_4_4")
    assert failed(proof) == [t for t in (s.text for s in proof.steps) if "M=12:" in t]
    assert len(failed(proof)) == 2
    monkeypatch.undo()
    monkeypatch.setattr(
        partition.Epoch,
        "ok",
        lambda self, memory: max(self.row_rank, self.col_rank) <= 2 * memory + 1,
    )  # a predicate weakened by one
    assert failed(run("thm_4_4")) == [run("thm_4_4").steps[-1].text]


def test_thm_4_4_the_control_fails_when_the_cut_changes_nothing(monkeypatch):
    mod = script("thm_4_4")
    plant(
        monkeypatch,
        mod,
        "epochs",
        lambda eps, s, m, dd, *segs: [
            dataclasses.replace(e, row_rank=min(e.row_rank, 2 * m), col_rank=min(e.col_rank, 2 * m))
            for e in eps
        ],
    )
    assert [t[:25] for t in failed(run("thm_4_4"))] == ["control: FlashAttention-2"]


@pytest.mark.parametrize("rank", [2, 3])
def test_thm_4_4_the_control_needs_a_rank_above_2m(monkeypatch, rank):
    """Cut as if M = 1, FlashAttention-2's epochs must show a rank above 2M = 2, and the
    predicate at M = 1 reject it (the words seen kept within 2M: only the rank decides)."""
    mod = script("thm_4_4")

    def clipped(e):
        return dataclasses.replace(
            e,
            words_seen=min(e.words_seen, 2),
            row_rank=min(e.row_rank, rank),
            col_rank=min(e.col_rank, rank),
        )

    plant(
        monkeypatch,
        mod,
        "epochs",
        lambda eps, s, m, dd, *segs: [clipped(e) for e in eps] if m == 1 else eps,
    )
    bad = failed(run("thm_4_4"))
    assert [t[:25] for t in bad] == (["control: FlashAttention-2"] if rank == 2 else [])


@pytest.mark.parametrize("weak", ["row", "col"])
def test_thm_4_4_the_synthetic_control_catches_each_rank_weakened_by_one(monkeypatch, weak):
    """Epoch.ok letting one rank reach 2M + 1 (words still <= 2M) fails the synthetic
    control, whichever rank: each of its epochs has 2M words and one rank at 2M + 1."""
    from redblue.analysis import partition

    def ok(e, memory):
        row, col = (e.row_rank - 1, e.col_rank) if weak == "row" else (e.row_rank, e.col_rank - 1)
        return e.words_seen <= 2 * memory and max(row, col) <= 2 * memory

    monkeypatch.setattr(partition.Epoch, "ok", ok)
    proof = run("thm_4_4")
    assert failed(proof) == [proof.steps[-1].text]


@pytest.mark.parametrize("strict", ["words", "row", "col"])
def test_thm_4_4_the_synthetic_control_accepts_2m_exactly(monkeypatch, strict):
    """Epoch.ok made strict on one field (< 2M) rejects the accepted epoch, whose words and
    ranks are all exactly 2M: the control fails."""
    from redblue.analysis import partition

    def ok(e, memory):
        value = {"words": e.words_seen, "row": e.row_rank, "col": e.col_rank}[strict]
        return (
            value < 2 * memory
            and e.words_seen <= 2 * memory
            and max(e.row_rank, e.col_rank) <= 2 * memory
        )

    monkeypatch.setattr(partition.Epoch, "ok", ok)
    proof = run("thm_4_4")
    assert failed(proof)[-1] == proof.steps[-1].text


def test_thm_4_4_only_proven_optima_are_checked(monkeypatch):
    """An instance the search did not close (here N=2 d=1 M=8) is left out, strategy or not."""
    mod = script("thm_4_4")
    plant(
        monkeypatch,
        mod,
        "exact",
        lambda ex, G, m: dataclasses.replace(ex, optimal=False) if m == 8 else ex,
    )
    texts = [s.text for s in run("thm_4_4").steps if s.text.startswith("optimal (search)")]
    assert len(texts) == len(mod.EXACT_ATTENTION) - 1 and not any("M=8" in t for t in texts)


# ------------------------------------------------------------------------------ Theorem 3.5
def test_thm_3_5_bounds_by_hand():
    mod = script("thm_3_5")
    # M = 16: B = isqrt(4) = 2; M = 100: B = isqrt(25) = 5; M = 6: B = 1
    assert mod.block_bound(8, 8, 16) == 4 * 64 * 8 / 2 + 2 * 64 + 4 * 64 + 2 * 8
    assert mod.block_bound(10, 3, 100) == 4 * 100 * 3 / 5 + 200 + 120 + 20
    assert mod.block_bound(7, 2, 6) == 4 * 49 * 2 + 98 + 56 + 14
    assert mod.sqrt_bound(8, 8, 16) == 16 * 64 * 8 / 4 + 2 * 64 + 4 * 64 + 2 * 8
    assert mod.sqrt_bound(5, 3, 9) == 16 * 25 * 3 / 3 + 50 + 60 + 10


def test_thm_3_5_a_wrong_tiling_io_fails(monkeypatch):
    mod = script("thm_3_5")

    def off(sims, n, dd, m, algorithms):
        sim = sims["tiling"]
        res = SimpleNamespace(
            io=sim.result.io + (m == 64), peak_red=sim.result.peak_red + (m == 36) * m
        )
        return {"tiling": SimpleNamespace(blocks=sim.blocks, result=res)}

    plant(monkeypatch, mod, "schedules", lambda sims, *a, **k: off(sims, *a, **k))
    assert [t.split(" B=")[0] for t in failed(run("thm_3_5"))] == [
        "tiling N=16 d=8 M=64",
        "tiling N=12 d=6 M=36",
    ]


def test_thm_3_5_a_tile_too_small_or_too_large_fails(monkeypatch, capsys):
    mod = script("thm_3_5")
    plant(monkeypatch, mod, "tiling_block_size", lambda b, m: b - (m == 35))  # 16 < 35
    assert failed(run("thm_3_5"))[0] == "16 B^2 >= M for every M in 6 .. 65535"
    monkeypatch.undo()
    mod = script("thm_3_5")

    def big(sims, n, dd, m, algorithms):  # a tile of 4B^2 > M with the same count
        sim = sims["tiling"]
        return (
            {
                "tiling": SimpleNamespace(
                    blocks={"B": sim.blocks["B"]},
                    result=SimpleNamespace(io=sim.result.io, peak_red=sim.result.peak_red),
                )
            }
            if m != 16 or n != 8 or dd != 4
            else {}
        )

    plant(monkeypatch, mod, "schedules", lambda sims, *a, **k: big(sims, *a, **k))
    proof = run("thm_3_5")
    assert proof.ok and sum(s.text.startswith("tiling N=") for s in proof.steps) == 3
    monkeypatch.setattr(
        mod,
        "schedules",
        lambda n, dd, m, algorithms: {
            "tiling": SimpleNamespace(
                blocks={"B": 4},
                result=SimpleNamespace(io=4 * n * n * dd // 4 + n * n + n * dd + 2 * n, peak_red=m),
            )
        },
    )
    bad = failed(run("thm_3_5", echo=True))
    assert (
        "tiling N=12 d=6 M=36: B=4 does not divide N and d; count not exact"
        in capsys.readouterr().out
    )
    # 4B^2 > M at M = 16; 4 divides neither 12 nor 6: that one is skipped, not checked
    assert [t.split(":")[0] for t in bad] == ["tiling N=8 d=8 M=16 B=4", "tiling N=8 d=4 M=16 B=4"]


@pytest.mark.parametrize(
    "m,b,fails",
    [(6, 0.6, True), (65, 2, True), (35, 1, True), (16, 1, False), (65536, 0.5, False)],
    ids=["first M", "16 B^2 = 64 < 65", "16 < 35", "16 B^2 = M holds", "beyond the range"],
)
def test_thm_3_5_16_b_squared_against_m_point_by_point(monkeypatch, m, b, fails):
    """The step checks 16 B^2 >= M at every M from 6 to 65535, equality allowed."""
    mod = script("thm_3_5")
    at = range(m, m + 4) if m == 35 else (m,)  # 16 < 35, 36, 37, 38: the detail shows three
    plant(monkeypatch, mod, "tiling_block_size", lambda real, mm: b if mm in at else real)
    proof = run("thm_3_5")
    assert failed(proof) == (["16 B^2 >= M for every M in 6 .. 65535"] if fails else [])
    detail = [s.detail for s in proof.steps if s.text.startswith("16 B^2 >= M")]
    assert detail == [f"fails at {list(at)[:3]}" if fails else ""]


def test_thm_3_5_a_point_without_a_replay_is_skipped(monkeypatch):
    mod = script("thm_3_5")
    gone = mod.REPLAY_POINTS[0]
    plant(monkeypatch, mod, "replayed", lambda r, a, n, dd, m: None if (n, dd, m) == gone else r)
    proof = run("thm_3_5")
    texts = [s.text for s in proof.steps if "tiling replayed at all" in s.text]
    assert proof.ok and len(texts) == 2
    assert all(f"at all {len(mod.REPLAY_POINTS) - 1} points" in t for t in texts)


def test_thm_3_5_every_instance_whose_tile_divides_is_checked(monkeypatch):
    """B = 3 divides only N = 12, d = 6 (the last instance): the others are skipped."""
    mod = script("thm_3_5")
    exact_io = lambda n, dd, b: 4 * n * n * dd // b + n * n + n * dd + 2 * n  # noqa: E731
    sim = lambda n, dd, m: SimpleNamespace(  # noqa: E731
        blocks={"B": 3}, result=SimpleNamespace(io=exact_io(n, dd, 3), peak_red=m)
    )
    monkeypatch.setattr(mod, "schedules", lambda n, dd, m, algorithms: {"tiling": sim(n, dd, m)})
    proof = run("thm_3_5")
    assert proof.ok
    assert [s.text for s in proof.steps if s.text.startswith("tiling N=")] == [
        "tiling N=12 d=6 M=36 B=3: io 1392 = count 1392, 4B^2 <= M"
    ]


def test_thm_3_5_the_regime_control_fails_where_the_claim_holds(monkeypatch):
    mod = script("thm_3_5")
    plant(
        monkeypatch, mod, "compare", lambda c, f, g, regime: SimpleNamespace(O=True, witness=None)
    )
    assert failed(run("thm_3_5")) == ["regime flipped (M >= d^2): the N^2 term wins, claim fails"]


# ------------------------------------------------------------------------------ Theorem 3.2
def test_thm_3_2_bounds_by_hand():
    mod = script("thm_3_2")
    assert mod.fa2_bound(16, 1, 9) == 4 * 16 + 16 * 256 * 1 * 2 / 9
    assert mod.fa2_bound(8, 3, 48) == 4 * 24 + 16 * 64 * 3 * 4 / 48
    assert mod.fa1_bound(16, 1, 9) == 4 * 16 + 8 * 256 * 2 * 5 / 9
    assert mod.fa1_bound(8, 3, 48) == 4 * 24 + 8 * 64 * 4 * 11 / 48


def test_thm_3_2_a_block_too_small_fails(monkeypatch):
    mod = script("thm_3_2")
    plant(
        monkeypatch,
        mod,
        "flash_block_sizes",
        lambda b, n, dd, m, version: (1, b[1]) if (version, n, dd, m) == (2, 64, 2, 27) else b,
    )
    # B_r = 1 < min(N, floor((M - 3)/(4d + 1))) = 2 there
    bad = failed(run("thm_3_2"))
    assert len(bad) == 1 and bad[0].startswith("B_r (FA-2) and B_c (FA-1) >= ")


@pytest.mark.parametrize("alg", ["flash1", "flash2"])
def test_thm_3_2_a_counter_off_by_one_fails_the_identity(monkeypatch, alg):
    mod = script("thm_3_2")
    plant(
        monkeypatch,
        mod,
        "counted",
        lambda c, a, n, dd, m: c + 1 if (a, n, dd, m) == (alg, 64, 2, 27) else c,
    )
    bad = failed(run("thm_3_2"))
    assert len(bad) == 1 and bad[0].startswith("B_r (FA-2) and B_c (FA-1) >= ")


@pytest.mark.parametrize("change", ["io", "peak", "block"])
def test_thm_3_2_a_wrong_replay_fails(monkeypatch, change):
    mod = script("thm_3_2")

    def wrong(r, a, n, dd, m):
        if r is None or (n, dd, m) != (8, 2, 24):
            return r
        blocks = {
            "T_r": r.block("T_r"),
            "B_r": r.block("B_r") - (change == "block") * r.block("B_r"),
        }
        return SimpleNamespace(
            io=r.io + (change == "io"),
            peak_red=r.peak_red + (change == "peak") * m,
            block=blocks.get,
        )

    plant(monkeypatch, mod, "replayed", wrong)
    bad = failed(run("thm_3_2"))
    assert [t[:28] for t in bad] == ["replayed FlashAttention-2 at"]


def test_thm_3_2_the_controls_fail_where_the_claims_hold(monkeypatch):
    mod = script("thm_3_2")
    plant(
        monkeypatch, mod, "compare", lambda c, f, g, regime: SimpleNamespace(O=True, witness=None)
    )
    assert failed(run("thm_3_2")) == ["outside the regime (M >= N d) the claim fails"]
    monkeypatch.undo()
    mod = script("thm_3_2")  # FlashAttention-2 within the former bound at every point
    plant(
        monkeypatch,
        mod,
        "counted",
        lambda c, a, n, dd, m: (
            min(c, 4 * n * dd + 16 * n * n * dd * dd // m) if a == "flash2" and c else c
        ),
    )
    bad = failed(run("thm_3_2"))
    assert bad[-1] == "control: the former claim io <= 4Nd + 16 N^2 d^2/M fails on the same grid"
    assert [s.detail for s in run("thm_3_2").steps if s.text == bad[-1]] == [
        "0 points, e.g. N, d, M, io = None"
    ]


# ------------------------------------------------------------------------------ Theorem 4.17
def test_thm_4_17_in_regime_by_hand():
    in_regime = script("thm_4_17").in_regime
    assert in_regime(16, 8, 8) and in_regime(8, 8, 8) and in_regime(64, 16, 1)
    assert not in_regime(16, 8, 9)  # 8 M > d^2
    assert not in_regime(4, 8, 8)  # d > N


@pytest.mark.parametrize("wrong", ["reduced", "explicit"])
def test_thm_4_17_a_reduction_or_bound_too_large_fails(monkeypatch, wrong):
    mod = script("thm_4_17")
    if wrong == "reduced":  # the reduced matmul strategy costs one I/O more than Q_A + N^2
        plant(
            monkeypatch,
            mod,
            "replay",
            lambda r, G, moves, memory: SimpleNamespace(io=r.io + 10**6) if memory == 36 else r,
        )
    else:
        real = mod.explicit
        monkeypatch.setattr(
            mod,
            "explicit",
            SimpleNamespace(
                small_cache=lambda n, dd, m: real.small_cache(n, dd, m) + 10**6 * (m == 64)
            ),
        )
    bad = failed(run("thm_4_17"))
    assert [t.split(":")[0] for t in bad][:1] == [
        "N=12 d=6 M=36" if wrong == "reduced" else "N=16 d=8 M=64"
    ]
    assert len(bad) == (1 if wrong == "reduced" else 5)  # the grid: 3 points and its summary


def test_thm_4_17_an_instance_without_the_schedule_is_skipped(monkeypatch):
    mod = script("thm_4_17")
    plant(monkeypatch, mod, "schedules", lambda sims, n, dd, m, **k: {} if m == 16 else sims)
    proof = run("thm_4_17")
    assert proof.ok
    assert [s.text.split(":")[0] for s in proof.steps if s.text.startswith("N=")] == [
        "N=12 d=6 M=36",
        "N=16 d=8 M=64",
        "N=16 d=8 M=8",
    ]


def test_thm_4_17_the_reduction_and_the_bound_may_meet_q_a(monkeypatch):
    """Reduced I/O = Q_A + N^2 exactly, and explicit bound = Q_A exactly, pass at N=12 d=6."""
    mod = script("thm_4_17")
    qa = mod.schedules(12, 6, 36, algorithms=("tiling",))["tiling"].result.io
    plant(
        monkeypatch,
        mod,
        "replay",
        lambda r, G, moves, memory: SimpleNamespace(io=qa + 144) if memory == 36 else r,
    )
    real = mod.explicit
    monkeypatch.setattr(
        mod,
        "explicit",
        SimpleNamespace(
            small_cache=lambda n, dd, m: (
                qa if (n, dd, m) == (12, 6, 36) else real.small_cache(n, dd, m)
            )
        ),
    )
    proof = run("thm_4_17")
    assert proof.ok
    assert f"N=12 d=6 M=36: reduced {qa + 144} <= Q_A + N^2; explicit {qa} <= Q_A = {qa}" in [
        s.text for s in proof.steps
    ]


def test_thm_4_17_the_control_fails_where_the_claim_holds(monkeypatch):
    mod = script("thm_4_17")
    plant(
        monkeypatch, mod, "compare", lambda c, f, g, regime: SimpleNamespace(O=True, witness=None)
    )
    assert failed(run("thm_4_17")) == ["regime flipped (M >= d^2): the reduction's N^2 dominates"]


def test_thm_4_17_the_control_compares_the_reductions_n_squared(monkeypatch):
    # its verdict (not O) and witness are the same for any smaller term, e.g. 2N: the
    # control is only a control if it compares the N^2 the reduction adds
    mod = script("thm_4_17")
    N, d, M = mod.N, mod.d, mod.M
    seen = []
    plant(monkeypatch, mod, "compare", lambda c, *args: seen.append(args) or c)
    assert run("thm_4_17").ok
    assert seen == [(N**2, N**2 * d / sympy.sqrt(M), ["M >= d**2"])]


# ------------------------------------------------------------------------------ Theorem 3.1
def test_thm_3_1_an_explicit_bound_above_an_optimum_fails(monkeypatch):
    mod = script("thm_3_1")
    real = mod.explicit

    def attention(n, dd, m):
        lb, how = real.attention(n, dd, m)
        return (lb + 1, how) if (n, dd, m) == (2, 1, 8) else (lb, how)

    monkeypatch.setattr(
        mod,
        "explicit",
        SimpleNamespace(
            attention=attention,
            large_cache=real.large_cache,
            small_cache=real.small_cache,
            any_algorithm=real.any_algorithm,
        ),
    )
    bad = [t.split(":")[0] for t in failed(run("thm_3_1"))]
    assert bad and set(bad) == {"N=2 d=1 M=8"}
    assert len(bad) == 1 + len(mod.schedules(2, 1, 8, algorithms=mod.BLOCK_SCHEDULES + ("greedy",)))


def test_thm_3_1_an_unproven_optimum_uses_its_upper_bound(monkeypatch):
    mod = script("thm_3_1")
    plant(
        monkeypatch,
        mod,
        "exact",
        lambda ex, G, m: dataclasses.replace(ex, lower=0, optimal=False, upper=ex.upper),
    )
    proof = run("thm_3_1")
    bad = failed(proof)  # Q >= lb fails against lower = 0 where the schedules are compared
    assert bad and all(" <= Q = 0 <= " in t for t in bad)
    plant(
        monkeypatch,
        mod,
        "exact",
        lambda ex, G, m: (
            dataclasses.replace(ex, upper=0, optimal=False) if G.number_of_nodes() > 3 else ex
        ),
    )
    bad = failed(run("thm_3_1"))
    assert bad and all(t.startswith("N=") for t in bad)


def test_thm_3_1_a_schedule_below_the_optimum_fails(monkeypatch):
    mod = script("thm_3_1")

    def cheaper(sims, n, dd, m, algorithms):
        return {
            a: SimpleNamespace(graph=s.graph, result=SimpleNamespace(io=0)) for a, s in sims.items()
        }

    plant(monkeypatch, mod, "schedules", cheaper)
    bad = failed(run("thm_3_1"))
    assert bad and all(t.endswith(" io 0") for t in bad)


# ------------------------------------------------------------------------------ Theorem 4.8
@pytest.mark.parametrize("cap", ["equal", "below"])
def test_thm_4_8_an_epoch_above_b_star_fails(monkeypatch, cap):
    """B* lowered to the most entries an epoch of greedy N=6 d=1 M=4 computes (3): the
    check holds at equality (least ratio 1) and fails one below."""
    mod = script("thm_4_8")
    real = mod.explicit
    low = 3 if cap == "equal" else 2
    monkeypatch.setattr(
        mod,
        "explicit",
        SimpleNamespace(
            entries_per_epoch=lambda dd, m: (
                low if (dd, m) == (1, 4) else real.entries_per_epoch(dd, m)
            ),
            any_algorithm=real.any_algorithm,
        ),
    )
    proof = run("thm_4_8")
    bad = failed(proof)
    if cap == "equal":
        assert not bad and proof.steps[-1].detail == "1"
    else:
        assert bad == [
            "greedy N=6 d=1 M=4: every epoch computes <= B* = 2 entries",
            "random walk N=6 d=1 M=4: every epoch computes <= B* = 2 entries",
            proof.steps[-1].text,
        ]
        assert proof.steps[-1].detail == "0.667"


# ------------------------------------------------------------------------------ Theorem 4.14
@pytest.mark.parametrize("wrong", ["dependent", "rows", "width"])
def test_thm_4_14_a_wrong_bch_matrix_fails(monkeypatch, wrong):
    mod = script("thm_4_14")
    if wrong == "dependent":  # m=5 t=2: some 4 rows dependent
        plant(
            monkeypatch,
            mod,
            "dependent_rows_gf2",
            lambda dep, K, r: (0, 1, 2, 3) if (len(K), r) == (31, 4) else dep,
        )
    elif wrong == "rows":  # one row missing
        plant(
            monkeypatch,
            mod,
            "bch_parity_check_transpose",
            lambda K, m, t: K[:-1] if (m, t) == (5, 2) else K,
        )
    else:  # a row wider than m t bits
        plant(
            monkeypatch,
            mod,
            "bch_parity_check_transpose",
            lambda K, m, t: [*K[:-1], 1 << (m * t)] if (m, t) == (5, 2) else K,
        )
    bad = failed(run("thm_4_14"))
    assert [t.split(":")[0] for t in bad][:1] == ["BCH m=5 t=2"]


def test_thm_4_14_the_designed_distance_check_needs_a_dependency(monkeypatch):
    mod = script("thm_4_14")
    plant(monkeypatch, mod, "dependent_rows_gf2", lambda dep, K, r: None if r == 5 else dep)
    assert failed(run("thm_4_14")) == [
        "designed distance is met: some 2t + 1 = 5 rows are dependent (m=4, t=2)"
    ]


@pytest.mark.parametrize("wrong", ["rank", "independent_rows"])
def test_thm_4_14_a_wrong_rank_or_row_count_fails(monkeypatch, wrong):
    mod = script("thm_4_14")
    if wrong == "rank":  # one column set of the m=3 code with its rank understated
        calls = []

        def rank(rows):
            calls.append(1)
            from redblue.analysis.fields import rank_gf2

            return rank_gf2(rows) - (len(calls) == 40)

        monkeypatch.setattr(mod, "rank_gf2", rank)
        bad = failed(run("thm_4_14"))
        assert bad == [s for s in bad if s.startswith("m=3 t=1: for every column set")] and bad
    else:
        plant_bch_row_count(monkeypatch, mod)
        bad = failed(run("thm_4_14"))
        assert bad and bad[0].startswith("bch_independent_rows(N, d) = 2t")


# ------------------------------------------------------------------------------ closed forms
def test_the_closed_forms_by_hand():
    """Each script's closed form, at a point where its regime just holds and just fails."""
    lemma_3_4, thm_3_7 = script("lemma_3_4").closed_form, script("thm_3_7").closed_form
    thm_4_8, lemma_3_6 = script("thm_4_8").closed_form, script("lemma_3_6").closed_form
    assert lemma_3_4(64, 4, 32) == 64 * 64 * 16 / 64 - 32  # M = 2d^2
    assert lemma_3_4(64, 4, 31) == 0
    assert thm_3_7(64, 16, 32) == 64 * 64 * 16 / (2 * 8) - 32  # 8M = d^2, sqrt(2M) = 8
    assert thm_3_7(64, 16, 33) == 0
    assert (
        thm_4_8(16, 2, 4) == 32 - 4 and thm_4_8(16, 4, 8) == 32 - 8 and thm_4_8(16, 1, 8) == 4 - 8
    )
    assert lemma_3_6(8, 8, 8, 8) == 512 / 4 - 8 and lemma_3_6(4, 4, 4, 2) == 64 / 2 - 2
    assert lemma_3_6(8, 8, 8, 1) == 0


# ------------------------------------------------------------------------------ pinning
def _pin(stems: list[str]) -> None:
    records = json.loads(RECORDS.read_text(encoding="utf-8")) if RECORDS.exists() else {}
    for stem in stems:
        proof = run(stem)
        if not proof.ok:
            raise SystemExit(f"{stem} fails: {failed(proof)} {proof.error}")
        records[stem] = record(proof)
    RECORDS.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _pin(sys.argv[1:] or list(PINNED))
    print(f"pinned {', '.join(sys.argv[1:] or PINNED)} in {RECORDS}")
