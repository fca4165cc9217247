"""The partition, backward and exact-optima proof scripts, made to fail.

Records pinned in tests/pinned/proof_steps.json, planted errors, and the scripts' own
formulas by hand, as in tests/test_proofs_scripts.py. lemma_2_7_2_8 and exact_optima run
their ``small`` instances here (``run(p, small=True)``, what the pinned record holds);
``redblue prove`` runs the full ones, and a test below checks which those are.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from redblue.bounds.proof import Proof

ROOT = Path(__file__).resolve().parent.parent


def script(stem: str):
    """``proofs.<stem>``: from the checkout's folder, or under mutmut from its copy."""
    if importlib.util.find_spec("proofs") is None:
        sys.path.append(str(ROOT))
    return importlib.import_module(f"proofs.{stem}")


def run(stem: str, **kwargs) -> Proof:
    mod = script(stem)
    proof = Proof(stem, mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    if "small" in inspect.signature(mod.run).parameters:
        kwargs.setdefault("small", True)
    mod.run(proof, **kwargs)
    return proof


def failed(proof: Proof) -> list[str]:
    assert proof.error is None, proof.error
    return [s.text for s in proof.steps if not s.ok]


def plant(monkeypatch, mod, name: str, change) -> None:
    """``mod.<name>`` returns ``change(result, *args, **kwargs)`` instead of its result."""
    real = getattr(mod, name)
    monkeypatch.setattr(mod, name, lambda *a, **k: change(real(*a, **k), *a, **k))


@pytest.mark.parametrize("stem", ["lemma_2_7_2_8", "exact_optima"])
def test_redblue_prove_runs_the_full_instances(stem):
    """The runner calls ``run(p)``: ``small`` must default to the full check."""
    assert inspect.signature(script(stem).run).parameters["small"].default is False


# ------------------------------------------------------------------------- Lemmas 2.7 / 2.8
def _runs(proof: Proof) -> list[str]:
    return [s.text for s in proof.steps if "gives a 2M-partition, M h >= Q" in s.text]


def test_lemma_2_7_the_small_run_covers_each_kind_of_strategy():
    proof = run("lemma_2_7_2_8")
    labels = [t.split(" (Q=")[0] for t in _runs(proof)]
    assert labels == [
        "attention N=3 d=2, M=6, greedy",
        "pyramid 6, M=3, greedy",
        "random 40, M=4, greedy",
        "flash1 N=8 d=2 M=24",
        "flash2 N=8 d=2 M=24",
        "standard N=8 d=2 M=24",
        "tiling N=8 d=2 M=24",
        "matmul 1x2x2, M=3, optimal Q=13",
        "matmul 1x2x2, M=4, optimal Q=9",
        "attention N=1 d=1, M=3, optimal Q=4",
        "attention N=2 d=2, M=4, random walk 0",
        "attention N=2 d=2, M=4, random walk 1",
        "matmul 2x2x2, M=3, random walk 0",
        "matmul 2x2x2, M=3, random walk 1",
    ]
    assert proof.steps[-1].text == "14 strategies: slack of the 2M bounds"


def test_lemma_2_7_the_full_run_is_every_instance(monkeypatch):
    """``run(p)`` (what ``redblue prove`` calls) asks for 6 greedy schedules, the block
    schedules that run at 3 points, the 12 exact optima and 4 x 6 random walks; the partitions are
    stubbed out (the record of the small run holds their results)."""
    mod = script("lemma_2_7_2_8")
    seen = []

    def check(G, s, M, exact_dominators=False):
        seen.append((M, exact_dominators))
        part = SimpleNamespace(minimum=2 * M + 1, dominator=2 * M + 1)
        return SimpleNamespace(ok=False, minimum_explained=True, parts=[part], h=1,
                               summary=lambda: {"max_dominator": 0, "max_min_dominator": 0,
                                                "max_minimum": 0})  # fmt: skip

    monkeypatch.setattr(mod, "check_partition", check)
    # attention N=2 d=1 (26 nodes) not closed, but with a strategy; matmul 2x2x2 (20
    # nodes) closed without one: both left out
    monkeypatch.setattr(mod, "exact", lambda G, M, time_limit: SimpleNamespace(
        optimal=time_limit == 3.0 and len(G) != 26, lower=0,
        strategy=SimpleNamespace(moves=()) if len(G) != 20 else None))  # fmt: skip
    monkeypatch.setattr(mod, "replay", lambda *a, **k: SimpleNamespace(io=0, peak_red=0))
    monkeypatch.setattr(mod, "normalize", lambda G, s, memory=None: s)
    monkeypatch.setattr(mod, "random_strategy", lambda G, M, seed: SimpleNamespace(moves=()))
    monkeypatch.setattr(mod, "greedy_strategy", lambda G, M: SimpleNamespace(moves=()))
    monkeypatch.setattr(mod, "is_normalized", lambda G, s: True)
    proof = Proof("lemma_2_7_2_8", mod.TITLE, mod.CLAIM, ())
    mod.run(proof)
    runs = seen[3:]  # after the three control partitions
    greedy = [(6, True), (8, False), (5, False), (6, True), (3, True), (4, False)]
    from redblue.analysis.instances import schedules

    blocks = [(m, False) for n, dd, m in ((8, 2, 24), (8, 8, 16), (6, 4, 20))
              for _ in schedules(n, dd, m)]  # fmt: skip
    optimal = [(m, True) for m in (3, 4, 3, 4, 3, 3, 4, 3, 4, 6)]
    walks = [(m, False) for m in (4, 5, 3, 3) for _ in range(6)]
    assert runs == greedy + blocks + optimal + walks
    assert proof.steps[-1].text == f"{len(runs)} strategies: slack of the 2M bounds"


def _part_limit(monkeypatch, limit) -> None:
    """check_partition's per-part predicate with the size limit ``limit(M)`` for 2M."""
    mod = script("lemma_2_7_2_8")

    def weakened(pc, G, s, M, **k):
        parts = [
            dataclasses.replace(
                q,
                ok=q.dominates
                and max(q.dominator, q.minimum) <= limit(M)
                and (q.min_dominator is None or q.min_dominator <= q.dominator),
            )
            for q in pc.parts
        ]
        return dataclasses.replace(pc, parts=parts)

    plant(monkeypatch, mod, "check_partition", weakened)


def test_lemma_2_7_the_predicate_rebuilt_at_2m_passes(monkeypatch):
    _part_limit(monkeypatch, lambda m: 2 * m)
    assert failed(run("lemma_2_7_2_8")) == []


def test_lemma_2_7_the_controls_fail_when_2m_is_weakened_by_one(monkeypatch):
    """Each control has one part of 2M + 1 (|Min| in the first, |D| in the third)."""
    _part_limit(monkeypatch, lambda m: 2 * m + 1)
    bad = failed(run("lemma_2_7_2_8"))
    assert [t.split(":")[0] for t in bad] == ["control", "control"]
    assert "|Min| = 7 = 2M + 1" in bad[0] and "|D| = 5 = 2M + 1" in bad[1]


def test_lemma_2_7_a_part_above_2m_fails_its_strategy(monkeypatch):
    """A dominator of 2M + 1 in the flash2 run's first part: that run and the slack fail."""
    mod = script("lemma_2_7_2_8")

    def wrong(pc, G, s, M, **k):
        if M != 24 or pc.io != 160:
            return pc
        first = dataclasses.replace(pc.parts[0], dominator=2 * M + 1, ok=False)
        return dataclasses.replace(pc, parts=[first, *pc.parts[1:]])

    plant(monkeypatch, mod, "check_partition", wrong)
    proof = run("lemma_2_7_2_8")
    assert [t.split(" (Q=")[0] for t in failed(proof)] == [
        "flash2 N=8 d=2 M=24",
        "14 strategies: slack of the 2M bounds",
    ]
    assert proof.steps[-1].detail.startswith("max |D|/2M = 1.02,")


def test_lemma_2_7_the_exact_dominators_are_asked_where_stated(monkeypatch):
    """A minimum cut reported one above |D_i| fails exactly the runs that compute it: the
    greedy attention and pyramid schedules and the three optima."""
    from redblue.analysis import partition

    real = partition.min_dominator_size
    monkeypatch.setattr(partition, "min_dominator_size", lambda G, part: real(G, part) + 100)
    bad = [t.split(" (Q=")[0] for t in failed(run("lemma_2_7_2_8"))]
    assert bad == [
        "attention N=3 d=2, M=6, greedy",
        "pyramid 6, M=3, greedy",
        "matmul 1x2x2, M=3, optimal Q=13",
        "matmul 1x2x2, M=4, optimal Q=9",
        "attention N=1 d=1, M=3, optimal Q=4",
    ]


def test_lemma_2_7_skipping_the_normalisation_fails(monkeypatch):
    """Without normalize the random walks (the strategies it changes) are not normalised,
    and the control's normalised strategy keeps its |Min| = 2M + 1."""
    mod = script("lemma_2_7_2_8")
    monkeypatch.setattr(mod, "normalize", lambda G, s, memory=None: s)
    bad = [t.split(" (Q=")[0] for t in failed(run("lemma_2_7_2_8"))]
    assert bad == [
        "control: normalising it gives a 2M-partition",
        "attention N=2 d=2, M=4, random walk 0",
        "attention N=2 d=2, M=4, random walk 1",
        "matmul 2x2x2, M=3, random walk 0",
        "matmul 2x2x2, M=3, random walk 1",
    ]


@pytest.mark.parametrize("wrong", ["io", "peak", "normalized", "explained"])
def test_lemma_2_7_each_condition_of_a_run_is_checked(monkeypatch, wrong):
    """The normalised pyramid strategy (M = 3, Q = 46) made wrong in one condition."""
    mod = script("lemma_2_7_2_8")
    if wrong in ("io", "peak"):
        hits = []

        def replay(r, G, s, memory=None):
            hits.extend([1] if memory == 3 and r.io == 46 else [])
            if memory == 3 and r.io == 46 and len(hits) == 2:  # the normalised replay
                return SimpleNamespace(io=r.io + (wrong == "io"),
                                       peak_red=r.peak_red + (wrong == "peak") * 3)  # fmt: skip
            return r

        plant(monkeypatch, mod, "replay", replay)
    elif wrong == "normalized":
        plant(monkeypatch, mod, "is_normalized", lambda ok, G, s: ok and len(G) != 28)
    else:
        plant(
            monkeypatch,
            mod,
            "check_partition",
            lambda pc, G, s, M, **k: (
                dataclasses.replace(
                    pc, parts=[dataclasses.replace(pc.parts[0], minimum_explained=False)]
                    + pc.parts[1:]
                )
                if len(G) == 28
                else pc
            ),
        )
    bad = [t.split(" (Q=")[0] for t in failed(run("lemma_2_7_2_8"))]
    assert bad == ["pyramid 6, M=3, greedy"]


@pytest.mark.parametrize(
    "control,change",
    [(0, "clip"), (0, "other"), (0, "accepted"), (1, "big"), (1, "unexplained"),
     (2, "clip"), (2, "other"), (2, "accepted")],
)  # fmt: skip
def test_lemma_2_7_each_control_needs_its_2m_plus_1(monkeypatch, control, change):
    """The three controls' partitions in turn (useless work, it normalised, understated
    memory), one made wrong: the part of 2M + 1 clipped to 2M, the other set raised to
    2M + 1, the partition accepted; the normalised one with a part above 2M or a minimum
    vertex unexplained. Exactly that control fails."""
    mod = script("lemma_2_7_2_8")
    calls = []
    big, other = ("minimum", "dominator") if control == 0 else ("dominator", "minimum")

    def wrong(pc, G, s, M, **k):
        calls.append(1)
        if len(calls) - 1 != control:
            return pc
        if change == "accepted":
            parts = [dataclasses.replace(q, ok=True) for q in pc.parts]
            return dataclasses.replace(pc, parts=parts)
        if change == "clip":
            new = {big: lambda q: min(getattr(q, big), 2 * M)}
        elif change == "other":
            new = {other: lambda q: 2 * M + 1}
        elif change == "big":
            new = {"minimum": lambda q: 2 * M + 1, "ok": lambda q: False}
        else:
            new = {"minimum_explained": lambda q: False}
        parts = [dataclasses.replace(q, **{f: v(q) for f, v in new.items()}) for q in pc.parts]
        return dataclasses.replace(pc, parts=parts)

    plant(monkeypatch, mod, "check_partition", wrong)
    proof = run("lemma_2_7_2_8")
    assert failed(proof) == [proof.steps[2 + control].text]


@pytest.mark.parametrize("field", ["dominator", "minimum"])
def test_lemma_2_7_a_part_of_exactly_2m_is_within_the_lemma(monkeypatch, field):
    """The flash2 run's first part (M = 24) given exactly 2M = 48 in one set: every step
    passes and the slack is 1.00."""
    mod = script("lemma_2_7_2_8")

    def tight(pc, G, s, M, **k):
        if M != 24 or pc.io != 160:
            return pc
        first = dataclasses.replace(pc.parts[0], **{field: 2 * M})
        return dataclasses.replace(pc, parts=[first, *pc.parts[1:]])

    plant(monkeypatch, mod, "check_partition", tight)
    proof = run("lemma_2_7_2_8")
    assert failed(proof) == []
    want = "max |D|/2M = 1.00, max |Min|/2M = 0.58" if field == "dominator" else (
        "max |D|/2M = 0.88, max |Min|/2M = 1.00")  # fmt: skip
    assert proof.steps[-1].detail.startswith(want)


@pytest.mark.parametrize("field", ["dominator", "minimum"])
def test_lemma_2_7_the_slack_step_catches_a_part_above_2m_alone(monkeypatch, field):
    """The flash2 run's first part given 2M + 1 in one set but still marked ok: its own
    step passes, the slack step (|D|/2M, |Min|/2M <= 1) fails."""
    mod = script("lemma_2_7_2_8")

    def wide(pc, G, s, M, **k):
        if M != 24 or pc.io != 160:
            return pc
        first = dataclasses.replace(pc.parts[0], **{field: 2 * M + 1})
        return dataclasses.replace(pc, parts=[first, *pc.parts[1:]])

    plant(monkeypatch, mod, "check_partition", wide)
    assert failed(run("lemma_2_7_2_8")) == ["14 strategies: slack of the 2M bounds"]


@pytest.mark.parametrize("control", [0, 2])
def test_lemma_2_7_a_control_accepts_2m_exactly_in_its_other_set(monkeypatch, control):
    """The useless-work control's dominators, the understated control's minimum sets, at
    exactly 2M: the controls still pass (only the set of 2M + 1 rejects them)."""
    mod = script("lemma_2_7_2_8")
    calls = []
    other = "dominator" if control == 0 else "minimum"

    def tight(pc, G, s, M, **k):
        calls.append(1)
        if len(calls) - 1 != control:
            return pc
        return dataclasses.replace(pc, parts=[dataclasses.replace(q, **{other: 2 * M})
                                              for q in pc.parts])  # fmt: skip

    plant(monkeypatch, mod, "check_partition", tight)
    assert failed(run("lemma_2_7_2_8")) == []


# ------------------------------------------------------------------------------ backward pass
@pytest.fixture(scope="module")
def backward(full_proof):
    """The script, its counters and replays computed once (cached) before any is planted
    (the full run of tests/test_proofs.py, when it ran first: ``full_proof``)."""
    mod = script("backward")
    assert full_proof("backward").ok
    return mod


def test_backward_formulas_by_hand(backward):
    mod = backward
    # 9Nd + 156 N^2 d^2/M at N=2, d=3, M=12: 54 + 156 * 36 / 12
    assert mod.fa2_bound(2, 3, 12) == 54 + 468
    # 50 N^2 d/sqrt(M) + 5N^2 + 12Nd at N=4, d=2, M=16: 50 * 32 / 4 + 80 + 96
    assert mod.tiling_bound(4, 2, 16) == 400 + 80 + 96
    assert mod.fa2_bound_expr().subs({mod.N: 2, mod.d: 3, mod.M: 12}) == 522
    # round(7 * 2^(e/4)) = 7, 8, 10, 12, 14, 17, 20 (23.5 > 20), and the ends
    assert mod._geometric(7, 20) == [7, 8, 10, 12, 14, 17, 20]
    assert mod._geometric(7, 9) == [7, 8, 9]
    assert mod._geometric(5, 5) == [5]


def test_backward_schedules_are_the_backward_ones(backward):
    from redblue.strategies import flash_backward, tiling_backward

    fa2, tiling = flash_backward, tiling_backward
    assert backward._schedules() == {
        "flash2-backward": (fa2.flash2_backward_moves, fa2.flash2_backward_io),
        "tiling-backward": (tiling.tiling_backward_moves, tiling.tiling_backward_io),
    }


def test_backward_a_key_block_too_small_fails(backward, monkeypatch):
    """B_c one below min(N, floor((M - 4)/(7d + 2))) = 1 at N=4, d=2, M=20 (flash2's B_c
    there is 1): only the block-size step fails."""
    from redblue.strategies import flash_backward

    assert flash_backward.flash2_backward_block_sizes(4, 2, 20)[1] == 1
    plant(monkeypatch, flash_backward, "flash2_backward_block_sizes",
          lambda b, n, dd, m: (b[0], b[1] - 1) if (n, dd, m) == (4, 2, 20) else b)  # fmt: skip
    bad = failed(run("backward"))
    assert bad == [f"B_c >= min(N, floor((M - 4)/(7d + 2))) at {6692} points"]


def test_backward_every_key_block_too_small_is_listed(backward, monkeypatch):
    """B_c = 0 everywhere: the step fails naming the first three points of the dense grid
    where FlashAttention-2 runs (N = d = 1, M >= 13: 14, 17, 20)."""
    from redblue.strategies import flash_backward

    plant(monkeypatch, flash_backward, "flash2_backward_block_sizes",
          lambda b, n, dd, m: (b[0], 0))  # fmt: skip
    proof = run("backward")
    (step,) = [s for s in proof.steps if not s.ok]
    assert step.text.startswith("B_c >= min(N, ")
    assert step.detail == "[(1, 1, 14, 0), (1, 1, 17, 0), (1, 1, 20, 0)]"


def test_backward_the_regime_controls_compare_in_their_regimes(backward, monkeypatch):
    """FlashAttention-2's count against the small-cache term where M <= d^2, the tiling's
    against the large-cache term where M >= d^2 (both with M <= Nd)."""
    seen = []
    plant(monkeypatch, backward, "compare", lambda out, f, g, regime: seen.append(
        (g, regime)) or out)  # fmt: skip
    assert run("backward").ok
    assert seen == [(backward.SMALL_CACHE, ["M <= d**2", "M <= N*d"]),
                    (backward.LARGE_CACHE, ["M >= d**2", "M <= N*d"])]  # fmt: skip


def test_backward_a_point_where_only_fma_fits_is_replayed(backward, monkeypatch):
    """N=3 d=2 M=19: FlashAttention-2 backward fits with fma sums (needs 19) but not with
    chain sums (needs 20); the tiling fits both: 3 replays."""
    monkeypatch.setattr(backward, "REPLAY", ((3, 2, 19),))
    texts = [s.text for s in run("backward").steps if s.ok]
    assert "counters equal the replayed I/O, peak red <= M, at 3 replays (chain and fma)" in texts


def _counter_step(proof: Proof):
    (step,) = [s for s in proof.steps if s.text.startswith("counters equal the replayed")]
    return step


def test_backward_a_replay_refused_where_the_counter_runs_fails(backward, monkeypatch):
    import ast

    plant(monkeypatch, backward, "replayed", lambda r, a, n, dd, m, shape="chain": None
          if (a, n, dd, m, shape) == ("flash2-backward", 3, 2, 20, "fma") else r)  # fmt: skip
    step = _counter_step(run("backward"))
    count = backward.counted("flash2-backward", 3, 2, 20, "fma")
    assert not step.ok and isinstance(count, int)
    assert ast.literal_eval(step.detail) == [("flash2-backward", "fma", 3, 2, 20, None, count)]


def test_backward_every_wrong_counter_is_listed(backward, monkeypatch):
    """Every counter one above its replay: the step names the first three (N = d = 1:
    the tiling at M = 8 with chain and fma sums, then FlashAttention-2 at M = 20)."""
    import ast

    plant(monkeypatch, backward, "counted", lambda c, *a: None if c is None else c + 1)
    step = _counter_step(run("backward"))
    listed = ast.literal_eval(step.detail)
    assert not step.ok and [w[:5] for w in listed] == [
        ("tiling-backward", "chain", 1, 1, 8), ("tiling-backward", "fma", 1, 1, 8),
        ("flash2-backward", "chain", 1, 1, 20)]  # fmt: skip
    assert all(c == r[0] + 1 for *_, r, c in listed)


@pytest.mark.parametrize("wrong", ["count", "io", "peak"])
def test_backward_a_counter_or_replay_off_fails_the_identity(backward, monkeypatch, wrong):
    mod = backward
    point = ("flash2-backward", 3, 2, 20)
    if wrong == "count":
        plant(monkeypatch, mod, "counted",
              lambda c, a, n, dd, m, shape="chain": c + ((a, n, dd, m) == point)
              if c is not None else c)  # fmt: skip
    else:
        off = (wrong == "io", wrong == "peak")  # the peak one above M = 20
        plant(monkeypatch, mod, "replayed",
              lambda r, a, n, dd, m, shape="chain": (r[0] + off[0], max(r[1], 21 * off[1]))
              if (a, n, dd, m, shape) == (*point, "fma") else r)  # fmt: skip
    bad = failed(run("backward"))
    assert [t.split(" at ")[0] for t in bad] == ["counters equal the replayed I/O, peak red <= M,"]


@pytest.mark.parametrize("bound", ["fa2_bound", "tiling_bound"])
def test_backward_a_bound_scaled_below_a_counter_fails(backward, monkeypatch, bound):
    """The counters meet 9Nd + 156 N^2 d^2/M with ratio 1 and the tiling bound with 1.01
    (N = d = 1, M = 2^17); 2% lower, only the counter grid of that bound fails (its first
    three points, N = d = 1, and its summary), the replays' least ratios being 1.06 and
    1.17."""
    plant(monkeypatch, backward, bound, lambda b, n, dd, m: 0.98 * b)
    bad = failed(run("backward"))
    head, alg, points, first = {
        "fa2_bound": ("9Nd + 156 N^2 d^2/M", "flash2", 6692, 896),
        "tiling_bound": ("50 N^2 d/sqrt(M) + 5N^2 + 12Nd", "tiling", 8778, 24110),
    }[bound]
    assert len(bad) == 4 and all(t.startswith(f"{head} ") for t in bad)
    assert bad[0].endswith(f" >= {alg}-backward counter = {9 if alg == 'flash2' else 17} "
                           f"at (1, 1, {first})")  # fmt: skip
    assert bad[3] == f"{head} >= {alg}-backward counter at all {points} points"


def test_backward_a_switch_at_another_memory_fails(backward, monkeypatch):
    plant(monkeypatch, backward, "regime_switch_holds", lambda ok, at: ok or at == "d")
    proof = run("backward")
    assert failed(proof) == [
        "the terms are unequal at M = 2d^2, d^2/2, d, Nd, d^3 (the switch is at d^2 only)"
    ]
    assert [s.detail for s in proof.steps if not s.ok] == ["equal at ['d']"]
    monkeypatch.undo()
    plant(monkeypatch, backward, "regime_switch_holds", lambda ok, at: ok and at != "d**2")
    assert len(failed(run("backward"))) == 1


def test_backward_the_switch_is_tried_at_each_stated_memory(backward, monkeypatch):
    seen = []
    plant(monkeypatch, backward, "regime_switch_holds", lambda ok, at: seen.append(at) or ok)
    assert run("backward").ok
    assert seen == ["2*d**2", "d**2/2", "d", "N*d", "d**3", "d**2"]


@pytest.mark.parametrize("kept", [0, 1])
def test_backward_the_grid_checks_need_a_point(backward, monkeypatch, kept):
    """A dense grid with no point where FlashAttention-2 runs (M = 12 < 7d + 6), a replay
    grid where no schedule runs (M = 7): those two steps fail; with one point each (dense:
    M = 13; replay: M = 8, where only the tiling runs) they pass with that count."""
    monkeypatch.setattr(backward, "DENSE", ((8, 1, 12), (8, 1, 13))[: 1 + kept])
    monkeypatch.setattr(backward, "REPLAY", ((8, 1, 7), (8, 1, 8))[: 1 + kept])
    proof = run("backward")
    steps = {s.text: s.ok for s in proof.steps}
    assert steps[f"B_c >= min(N, floor((M - 4)/(7d + 2))) at {kept} points"] == bool(kept)
    assert steps[f"counters equal the replayed I/O, peak red <= M, at {kept} replays "
                 "(chain and fma)"] == bool(kept)  # fmt: skip


def test_backward_a_crossing_with_no_memory_below_d_squared_fails(backward, monkeypatch):
    """N=64 d=6: 7d + 6 = 48 > d^2 = 36, so no M in [7d + 6, d^2]; FlashAttention-2 wins at
    every M of [2d^2, min(16d^2, Nd)], but the claim needs both sides."""
    monkeypatch.setattr(backward, "CROSS", ((64, 6),))
    bad = failed(run("backward"))
    assert [t.split(":")[0] for t in bad] == ["N=64 d=6"]
    assert bad[0].startswith("N=64 d=6: tiling < FlashAttention-2 at all 0 M in")


@pytest.mark.parametrize("side", ["low", "high"])
def test_backward_a_tie_is_not_a_win(backward, monkeypatch, side):
    """N=64 d=8: the two counts made equal at M = 62 (the tiling given FlashAttention-2's)
    or at M = 136 (FlashAttention-2 given the tiling's): "cheaper" is strict."""
    m, fixed, other = (62, "tiling-backward", "flash2-backward") if side == "low" else (
        136, "flash2-backward", "tiling-backward")  # fmt: skip
    tie = backward.counted(other, 64, 8, m)
    plant(monkeypatch, backward, "counted",
          lambda c, a, n, dd, mm, shape="chain": tie
          if (a, n, dd, mm) == (fixed, 64, 8, m) else c)  # fmt: skip
    assert [t.split(":")[0] for t in failed(run("backward"))] == ["N=64 d=8"]


@pytest.mark.parametrize("side", ["low", "high"])
def test_backward_a_crossing_missed_at_one_memory_fails(backward, monkeypatch, side):
    """N=64 d=8: the tiling made dearer at M = 62 <= d^2, or cheaper at M = 136 >= 2d^2
    (neither on the bound grids)."""
    m, value = (62, 10**12) if side == "low" else (136, 0)
    plant(monkeypatch, backward, "counted",
          lambda c, a, n, dd, mm, shape="chain": value
          if (a, n, dd, mm) == ("tiling-backward", 64, 8, m) else c)  # fmt: skip
    bad = failed(run("backward"))
    assert [t.split(":")[0] for t in bad] == ["N=64 d=8"]


# ------------------------------------------------------------------------------ exact optima
def test_exact_optima_the_small_run_is_a_subset_of_the_pinned():
    mod = script("exact_optima")
    full = {name: values for name, _, values in mod.PINNED}
    assert [name for name, _, _ in mod.SMALL] == [
        "attention N=1 d=1", "attention N=1 d=2", "matmul 2x2x2", "pyramid 4"]  # fmt: skip
    for name, _, values in mod.SMALL:
        assert values and values.items() <= full[name].items()
    assert mod.SMALL_ILP == (("attention N=1 d=1", 3),)


@pytest.mark.parametrize(
    "name,values,bad",
    [
        # Q(N=1, d=2) one above the optimum at M = 4: the search disagrees there
        ("attention N=1 d=2", {3: 12, 4: 9, 5: 8}, ["attention N=1 d=2 M=4"]),
        # at M = 3 of N=1 d=1 the search and the independent ILP disagree
        ("attention N=1 d=1", {3: 5, 4: 4}, ["attention N=1 d=1 M=3", "attention N=1 d=1 M=3"]),
        # one below: increasing in M, and the search disagrees
        ("pyramid 4", {3: 9, 4: 10}, ["pyramid 4", "pyramid 4 M=3"]),
        ("matmul 2x2x2", {6: 12, 8: 12}, ["matmul 2x2x2 M=6"]),
    ],
)
def test_exact_optima_a_wrong_pinned_optimum_fails(monkeypatch, name, values, bad):
    mod = script("exact_optima")
    small = tuple((n, b, values if n == name else v) for n, b, v in mod.SMALL)
    monkeypatch.setattr(mod, "SMALL", small)
    assert [t.split(":")[0] for t in failed(run("exact_optima"))] == bad


@pytest.mark.parametrize("wrong", ["not optimal", "io", "certificate", "ilp", "ilp open"])
def test_exact_optima_a_wrong_search_or_ilp_fails(monkeypatch, wrong):
    """pyramid 4 at M = 4 (Q = 10) from the search, or the ILP at N=1 d=1 M=3 (Q = 4)."""
    from redblue.dags import pyramid_dag

    mod = script("exact_optima")
    pyramid = set(pyramid_dag(4))
    if wrong == "certificate":
        plant(monkeypatch, mod, "replay", lambda r, G, s, memory: SimpleNamespace(
            io=r.io + (set(G) == pyramid and memory == 4)))  # fmt: skip
    else:
        ilp = wrong.startswith("ilp")

        def change(r, G, m, method="astar", time_limit=None):
            if (method == "ilp") != ilp or (set(G) == pyramid) == ilp or m != (3 if ilp else 4):
                return r
            if wrong in ("not optimal", "ilp open"):
                return dataclasses.replace(r, optimal=False)
            return dataclasses.replace(r, io=r.io + 1)

        plant(monkeypatch, mod, "solve", change)
    bad = [t.split(":")[0] for t in failed(run("exact_optima"))]
    assert bad == (["attention N=1 d=1 M=3"] if wrong.startswith("ilp") else ["pyramid 4 M=4"])


def test_exact_optima_the_full_run_asks_every_pinned_value(monkeypatch):
    """``run(p)``: the search at every pinned (graph, M), with no time limit, then the ILP
    at the three instances it closes (stubbed: each answers the pinned value)."""
    mod = script("exact_optima")
    sizes = {name: frozenset(map(str, build().edges)) for name, build, _ in mod.PINNED}
    want = {(sizes[name], m): q for name, _, values in mod.PINNED for m, q in values.items()}
    seen = []

    def solve(G, m, **kwargs):
        key = frozenset(map(str, G.edges))
        seen.append((key, m, kwargs))
        q = want[(key, m)]
        return SimpleNamespace(optimal=True, io=q, lower=q, upper=q, strategy=q)

    monkeypatch.setattr(mod, "solve", solve)
    monkeypatch.setattr(mod, "replay", lambda G, s, memory: SimpleNamespace(io=s))
    proof = Proof("exact_optima", mod.TITLE, mod.CLAIM, ())
    mod.run(proof)
    assert proof.ok and len(proof.steps) == 6 + 21 + 3
    search = [(sizes[name], m, {}) for name, _, values in mod.PINNED for m in sorted(values)]
    ilp = [(sizes[n], m, {"method": "ilp", "time_limit": 30}) for n, m in
           [("attention N=1 d=1", 3), ("attention N=1 d=1", 4), ("attention N=1 d=2", 4)]]
    assert seen == search + ilp


# ------------------------------------------------------------------------------ Theorem 4.14
@pytest.mark.parametrize("kept", [0, 1])
def test_thm_4_14_the_bch_rows_check_needs_a_subset_tried(monkeypatch, kept):
    """With every binomial coefficient above the 20,000 limit no (N, d) pair is tried and
    the step fails; with one pair left under it, it passes with 1 pair."""
    import math

    mod = script("thm_4_14")
    calls = []

    def comb(n, k):  # the first pair asked (N = 2) under the limit if kept, the rest over
        calls.append((n, k))
        return math.comb(n, k) if kept and len(calls) == 1 else 20_001

    monkeypatch.setattr(mod, "math", SimpleNamespace(comb=comb))
    proof = Proof("thm_4_14", mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    mod.rows_are_independent(proof)
    (step,) = proof.steps
    assert step.ok == bool(kept)
    assert f"({kept} (N, d) pairs, N = 2..31" in step.text
