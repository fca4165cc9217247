"""What the proof scripts hand to their symbolic steps, against the statements they encode.

Mutation testing (benchmarks/mutation_score.py, target ``proofs``) leaves alive the
mutants that change an expression a step checks only up to constants or only for being
false: an asymptotic step passes for ``N^2 d^2/(3M)`` as well as for ``N^2 d^2/(2M)``,
and a control "this is not Theta" passes for almost any wrong expression. These tests run
a script's ``run`` on a recording :class:`Proof` up to its first call of ``compare`` (the
symbolic steps come first; the schedules and grids after it are what
tests/test_proofs_scripts.py pins) and check the arguments: the explicit terms at a point
computed by hand, the controls' expressions against the results table
(:func:`redblue.bounds.results.result`), their regimes as stated.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import sympy
from helpers import plant_bch_row_count

from redblue.bounds.proof import Proof
from redblue.bounds.results import M, N, d, result

ROOT = Path(__file__).resolve().parent.parent


class Stop(Exception):
    """Raised where the recorded run stops: the symbolic steps are done."""


def script(stem: str):
    """``proofs.<stem>``: from the checkout's folder, or under mutmut from its copy."""
    if importlib.util.find_spec("proofs") is None:
        sys.path.append(str(ROOT))
    return importlib.import_module(f"proofs.{stem}")


def steps_until(monkeypatch, stem: str, stop: str = "compare", ok: bool = True):
    """The step calls ``(kind, args)`` of ``stem``'s run, and the args of its first call of
    ``stop`` (a name the script imports), where the run stops; the steps until then pass
    (fail: ``ok=False``, then the texts of the failed steps come third)."""
    mod = script(stem)
    proof = Proof(stem, mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    calls: list[tuple[str, tuple]] = []
    for kind in ("nonneg", "identity", "asymptotic", "check"):
        real = getattr(proof, kind)

        def recorded(*args, _kind=kind, _real=real, **kwargs):
            calls.append((_kind, args + tuple(kwargs.values())))
            return _real(*args, **kwargs)

        monkeypatch.setattr(proof, kind, recorded)
    seen: list[tuple] = []

    def stopper(*args, **kwargs):
        seen.append(args + tuple(kwargs.values()))
        raise Stop

    monkeypatch.setattr(mod, stop, stopper)
    with pytest.raises(Stop):
        mod.run(proof)
    bad = [s.text for s in proof.steps if not s.ok]
    if ok:
        assert proof.steps and not bad, bad
        return calls, seen[0]
    return calls, seen[0], bad


def at(expr, n: int, dd: int, m: int) -> sympy.Expr:
    return sympy.nsimplify(sympy.sympify(expr).subs({N: n, d: dd, M: m}))


def same(f, g) -> bool:
    return sympy.simplify(sympy.sympify(f) - sympy.sympify(g)) == 0


# ------------------------------------------------------------------------------ Lemma 3.4
def test_lemma_3_4_asymptotic_steps_check_the_explicit_main_term(monkeypatch):
    calls, _ = steps_until(monkeypatch, "lemma_3_4")
    asym = [args for kind, args in calls if kind == "asymptotic"]
    # explicit main term N^2 d^2 / (2M): 64^2 * 4^2 / 64 = 1024 at N=64, d=4, M=32
    assert at(asym[0][1], 64, 4, 32) == 1024
    assert asym[0][3] == "Theta" and same(asym[0][2], result("lemma-3.4").expr)
    assert at(asym[1][2], 64, 4, 32) == 1024 and asym[1][3] == "O"


def test_lemma_3_4_regime_control_compares_with_theorem_3_1(monkeypatch):
    """The control: the lemma's N^2 d^2/M against Theorem 3.1's min, where M <= d^2."""
    _, (f, g, *rest) = steps_until(monkeypatch, "lemma_3_4")
    assert same(f, N**2 * d**2 / M)
    assert same(g, result("thm-3.1").expr)
    assert rest == [["M <= d**2"]]


# ------------------------------------------------------------------------------ Theorem 3.7
def test_thm_3_7_symbolic_steps_check_the_stated_terms(monkeypatch):
    """main/2 = N^2 d/(2 sqrt(2M)) is 4096 = N^2 at N=64, d=16, M=32 (d = 2 sqrt(2M))."""
    calls, _ = steps_until(monkeypatch, "thm_3_7")
    (_, expr, subs), (_, lhs, rhs) = calls[0][1], calls[1][1]
    assert at(expr, 64, 16, 32) == 0 and at(expr, 64, 32, 32) == 4096
    (u,) = subs[d].free_symbols - {M}  # d = 2 sqrt(2M) + u, u >= 0
    assert list(subs) == [d] and u.is_nonnegative and at(subs[d].subs(u, 0), 64, 16, 32) == 16
    assert same(lhs, rhs)
    asym = [args for kind, args in calls if kind == "asymptotic"]
    assert at(asym[0][1], 64, 16, 32) == 4096 and same(asym[0][2], result("thm-3.7").expr)
    assert asym[0][3:] == ("Theta", ("8*M <= d**2",))
    assert same(asym[1][1], M) and same(asym[1][2], N**2 * d / sympy.sqrt(M))
    assert asym[1][3:] == ("O", ["8*M <= d**2", "d <= N"])


def test_thm_3_7_regime_control_is_the_reduction_cost_against_the_bound(monkeypatch):
    """The control: the reduction's N^2 is not O(N^2 d/sqrt(M)) once M >= d^2."""
    _, args = steps_until(monkeypatch, "thm_3_7")
    assert same(args[0], N**2) and same(args[1], result("thm-3.7").expr)
    assert args[2:] == (["M >= d**2"],)


# ------------------------------------------------------------------------------ Theorem 3.1
def test_thm_3_1_lower_steps_check_the_explicit_main_terms(monkeypatch):
    """Lemma 3.4's N^2 d^2/(2M) and Lemma 3.6's N^2 d/sqrt(2M), at points computed by hand."""
    calls, _ = steps_until(monkeypatch, "thm_3_1", stop="check_explicit")
    lower = {args[4][0]: args[1] for kind, args in calls
             if kind == "asymptotic" and args[3] == "Omega"}  # fmt: skip
    assert sorted(lower) == ["M <= d**2", "M >= d**2"]
    assert at(lower["M >= d**2"], 64, 4, 32) == 1024  # 64^2 * 16 / 64
    assert at(lower["M <= d**2"], 64, 16, 32) == 8192  # 64^2 * 16 / 8


# ------------------------------------------------------------------------------ Theorem 4.8
def test_thm_4_8_asymptotic_step_checks_the_explicit_main_term(monkeypatch):
    """min(N^2 d^2/(8M), N^2/8): 256/64 = 4 at N=16, d=1, M=8; 256/8 = 32 at N=16, d=4, M=8."""
    calls, _ = steps_until(monkeypatch, "thm_4_8", stop="check_explicit")
    asym = [args for kind, args in calls if kind == "asymptotic"]
    assert at(asym[0][1], 16, 1, 8) == 4 and at(asym[0][1], 16, 4, 8) == 32
    assert same(asym[0][2], result("thm-4.8").expr) and asym[0][3] == "Theta"


def test_thm_4_8_the_least_ratio_counts_the_first_strategy(monkeypatch):
    """Planted: an epoch of 64 entries in the first strategy (greedy N=4 d=2 M=8), where
    B* = max(8 * 8^2 / 2^2, 8 * 8) = 128: the least ratio is 128/64 = 2, below all others."""
    mod = script("thm_4_8")
    real, seen = mod.epochs, []

    def epochs(s, m, dd):
        seen.append((m, dd))
        return [SimpleNamespace(entries=64)] if len(seen) == 1 else real(s, m, dd)

    monkeypatch.setattr(mod, "epochs", epochs)
    proof = Proof("thm_4_8", mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    mod.per_epoch(proof)
    assert seen[0] == (8, 2) and proof.ok
    assert proof.steps[0].text.startswith("greedy N=4 d=2 M=8: every epoch computes <= B* = 128 ")
    assert proof.steps[0].detail == "most 64" and proof.steps[-1].detail == "2"


def test_thm_3_7_constant_step_fails_if_small_cache_is_not_zero(monkeypatch):
    """Planted: small_cache 1 everywhere; the step "small_cache = 0 where M >= d^2/2" fails."""
    monkeypatch.setattr(script("thm_3_7"), "explicit", SimpleNamespace(small_cache=lambda *pt: 1))
    *_, bad = steps_until(monkeypatch, "thm_3_7", stop="check_explicit", ok=False)
    assert len(bad) == 1 and bad[0].startswith("the constant matters: small_cache = 0")


@pytest.mark.parametrize("extra", [0, 1])
def test_thm_3_7_reduction_check_is_q_mm_at_most_q_a_plus_n_squared(monkeypatch, extra):
    """Planted: the reduced strategy costs exactly Q_A + N^2 (passes) or one more (fails)."""
    mod = script("thm_3_7")
    monkeypatch.setattr(mod, "schedules", lambda *a, **k: {})  # the 4 greedy runs only
    real_replay, real_matmul = mod.replay, mod.matmul_dag
    last: dict = {}

    def matmul_dag(n, dd, n2, **kw):
        last["n"] = n
        return real_matmul(n, dd, n2, **kw)

    def replay(G, s, **kw):
        out = real_replay(G, s, **kw)
        if "n" not in last:  # the attention DAG: Q_A
            last["qa"] = out.io
            return out
        io = last["qa"] + last.pop("n") ** 2 + extra
        return SimpleNamespace(io=io, peak_red=out.peak_red)

    monkeypatch.setattr(mod, "matmul_dag", matmul_dag)
    monkeypatch.setattr(mod, "replay", replay)
    proof = Proof("thm_3_7", mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    mod.reduction(proof)
    assert len(proof.steps) == 4 and all(s.ok != bool(extra) for s in proof.steps)


# ------------------------------------------------------------------------------ Theorem 4.14
def test_thm_4_14_a_dependent_bch_row_set_is_named_in_the_detail(monkeypatch):
    """Planted: rows (0, 1) of the m=4 t=2 BCH K dependent; the failed step names them."""
    mod = script("thm_4_14")
    real = mod.dependent_rows_gf2
    monkeypatch.setattr(mod, "dependent_rows_gf2",
                        lambda K, k: (0, 1) if (len(K), k) == (15, 4) else real(K, k))  # fmt: skip
    monkeypatch.setattr(mod, "rows_are_independent", lambda p: None)  # slow, tested elsewhere
    *_, bad = steps_until(monkeypatch, "thm_4_14", stop="check_explicit", ok=False)
    assert bad == ["BCH m=4 t=2: K is 15 x 8, every 4 rows independent over F_2"]


def test_thm_4_14_the_failed_bch_step_says_which_rows(monkeypatch):
    mod = script("thm_4_14")
    real = mod.dependent_rows_gf2
    monkeypatch.setattr(mod, "dependent_rows_gf2",
                        lambda K, k: (0, 1) if (len(K), k) == (15, 4) else real(K, k))  # fmt: skip
    monkeypatch.setattr(mod, "rows_are_independent", lambda p: None)
    proof = Proof("thm_4_14", mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    monkeypatch.setattr(mod, "check_explicit", lambda *a: (_ for _ in ()).throw(Stop()))
    with pytest.raises(Stop):
        mod.run(proof)
    assert [s.detail for s in proof.steps if not s.ok] == ["dependent: (0, 1)"]


def test_thm_4_14_the_exhaustive_row_check_covers_single_columns(monkeypatch):
    """Planted: rank 0 for every single column; the per-row check over F_2 fails."""
    mod = script("thm_4_14")
    real = mod.rank_gf2
    monkeypatch.setattr(mod, "rank_gf2", lambda rows: (lambda r: 0 if len(r) == 1 else real(r))(
        list(rows)))  # fmt: skip
    monkeypatch.setattr(mod, "rows_are_independent", lambda p: None)
    *_, bad = steps_until(monkeypatch, "thm_4_14", stop="check_explicit", ok=False)
    assert len(bad) == 1 and bad[0].startswith("m=3 t=1: for every column set")


def test_thm_4_14_a_wrong_row_count_is_named_in_the_detail(monkeypatch):
    """Planted: bch_independent_rows 5 at N=20, d=10, where m = 5, t = 2: 2t = 4."""
    mod = script("thm_4_14")
    plant_bch_row_count(monkeypatch, mod)
    monkeypatch.setattr(mod, "dependent_rows_gf2", lambda K, k: None)  # the subsets: elsewhere
    proof = Proof("thm_4_14", mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    mod.rows_are_independent(proof)
    assert [s.detail for s in proof.steps] == ["[(20, 10, 'r=5, 2t=4')]"]


def test_thm_4_14_dependent_rows_of_the_shortened_bch_fail_the_step(monkeypatch):
    """Planted: every row subset tried is dependent; the step fails and names the first three."""
    mod = script("thm_4_14")
    monkeypatch.setattr(mod, "dependent_rows_gf2", lambda K, k: (0, 1))
    proof = Proof("thm_4_14", mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    mod.rows_are_independent(proof)
    (step,) = proof.steps
    assert not step.ok and step.detail.count("rows (0, 1) of") == 3


# ------------------------------------------------------------------------------ Theorem 3.2
def _blocks(monkeypatch, dense, replay=(), plant=None):
    """``blocks`` of thm_3_2 on the points ``dense`` (and ``replay``), with ``plant(n, dd, m,
    version, sizes)`` giving the block sizes the script sees; its two steps."""
    mod = script("thm_3_2")
    monkeypatch.setattr(mod, "DENSE_POINTS", list(dense))
    monkeypatch.setattr(mod, "REPLAY_POINTS", list(replay))
    if plant is not None:
        real = mod.flash_block_sizes
        monkeypatch.setattr(mod, "flash_block_sizes", lambda n, dd, m, version: plant(
            n, dd, m, version, real(n, dd, m, version=version)))  # fmt: skip
    proof = Proof("thm_3_2", mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    mod.blocks(proof)
    return proof.steps


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("outer", [5, 6])
def test_thm_3_2_the_outer_block_bound_holds_at_equality(monkeypatch, version, outer):
    """N=10, d=1, M=33: floor((M - 3)/(4d + 1)) = 30/5 = 6 exactly. An outer block (B_r of
    FA-2, B_c of FA-1) of 6 passes, 5 fails; both keep T = ceil(10/B) = 2, so only the
    block bound can tell them apart (the schedules' own blocks there are 9)."""

    def plant(n, dd, m, version_, sizes):
        if version_ != version:
            return sizes
        return (outer, sizes[1]) if version == 2 else (sizes[0], outer)

    blocks, _ = _blocks(monkeypatch, [(10, 1, 33)], plant=plant)
    assert blocks.ok == (outer == 6)
    assert blocks.text.endswith(", at 1 points")
    bc, br = (9, outer) if version == 2 else (outer, 9)
    assert blocks.detail == ("" if outer == 6 else f"[(10, 1, 33, {br}, {bc}, 6)]")


@pytest.mark.parametrize("points", [0, 1])
def test_thm_3_2_the_block_step_counts_its_points(monkeypatch, points):
    """M < 4d + 4 is skipped: none left fails the step (nothing checked), one passes."""
    blocks, _ = _blocks(monkeypatch, [(10, 1, 7), (10, 1, 33)][: 1 + points])
    assert blocks.ok == bool(points) and blocks.text.endswith(f", at {points} points")


def test_thm_3_2_the_failed_block_step_names_three_points(monkeypatch):
    """Planted: every counter off by one; four points fail, the detail names the first three
    as (N, d, M, B_r, B_c, min(N, floor((M - 3)/(4d + 1))))."""
    mod = script("thm_3_2")
    monkeypatch.setattr(mod, "counted", lambda a, n, dd, m: -1)
    dense = [(10, 1, 33), (10, 1, 34), (10, 1, 35), (10, 1, 36)]
    blocks, _ = _blocks(monkeypatch, dense)
    assert not blocks.ok
    assert blocks.detail.startswith("[(10, 1, 33, 9, 9, 6), (10, 1, 34, ")
    assert blocks.detail.count("(") == 3 and blocks.detail.endswith(", 6)]")


@pytest.mark.parametrize("outer", [3, 4])
def test_thm_3_2_the_replayed_block_bound_holds_at_equality(monkeypatch, outer):
    """Planted: the replayed FlashAttention-2 at N=8, d=1, M=23 reports B_r = 4 = 20/5 (passes)
    or 3 (fails); its I/O and T_r stay the replay's."""
    mod = script("thm_3_2")
    real = mod.replayed

    def replayed(a, n, dd, m):
        r = real(a, n, dd, m)
        blocks = {"T_r": r.block("T_r"), "B_r": outer}
        return SimpleNamespace(io=r.io, peak_red=r.peak_red, block=blocks.get)

    monkeypatch.setattr(mod, "replayed", replayed)
    _, replay = _blocks(monkeypatch, [], replay=[(8, 1, 23)])
    assert replay.ok == (outer == 4)
    assert replay.text.startswith("replayed FlashAttention-2 at 1 points")


@pytest.mark.parametrize(
    "dense, example",
    [
        ([(16, 1, 9), (16, 1, 16)], "1 points, e.g. N, d, M, io = (16, 1, 9, 544)"),
        ([(10, 1, 9), (16, 1, 9), (16, 1, 16)], "2 points, e.g. N, d, M, io = (16, 1, 9, 544)"),
        ([(10, 1, 9), (16, 1, 16)], "1 points, e.g. N, d, M, io = (10, 1, 9, 220)"),
    ],
)
def test_thm_3_2_the_former_claim_fails_only_strictly_above_it(monkeypatch, dense, example):
    """Planted: FlashAttention-2's counter at N=16, d=1, M=16 gives the former bound
    4Nd + 16 N^2 d^2/M = 64 + 256 = 320 exactly, which keeps that claim. It fails where
    B_r = 1: io = 2Nd + 2Nd N is 544 > 64 + 4096/9 at N=16, d=1, M=9 (the example named when
    it is on the grid) and 220 > 40 + 1600/9 at N=10 (the first point otherwise)."""
    mod = script("thm_3_2")
    monkeypatch.setattr(mod, "DENSE_POINTS", dense)
    monkeypatch.setattr(mod, "REPLAY_POINTS", [(4, 1, 8)])
    real = mod.counted
    monkeypatch.setattr(mod, "counted", lambda a, n, dd, m: (
        320 if (a, n, dd, m) == ("flash2", 16, 1, 16) else real(a, n, dd, m)))  # fmt: skip
    proof = Proof("thm_3_2", mod.TITLE, mod.CLAIM, tuple(mod.REGIME))
    mod.run(proof)
    control = proof.steps[-1]
    assert control.text.startswith("control: the former claim") and control.ok
    assert control.detail == example
