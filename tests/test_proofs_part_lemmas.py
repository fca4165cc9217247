"""The part lemmas' proof scripts (lemma_3_3, lemma_3_6, lemma_4_6), made to fail.

Records pinned in tests/pinned/proof_steps.json, planted errors, and the scripts' own
formulas by hand, as in tests/test_proofs_scripts.py. The records of lemma_3_3 and
lemma_3_6 are of their small runs (``run(p, small=True)``, about a second); the tests here
check that ``run(p)`` hands the full instances to the same steps, and plant errors in
the steps themselves (``extremal``, ``strategies``, ``schedules``) on a few instances.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import sympy

from redblue.bounds import explicit
from redblue.bounds.proof import Proof
from redblue.dags import attention_dag
from redblue.strategies import greedy_strategy

ROOT = Path(__file__).resolve().parent.parent


def script(stem: str):
    """``proofs.<stem>``: from the checkout's folder, or under mutmut from its copy."""
    if importlib.util.find_spec("proofs") is None:
        sys.path.append(str(ROOT))
    return importlib.import_module(f"proofs.{stem}")


def proof(stem: str) -> Proof:
    mod = script(stem)
    return Proof(stem, mod.TITLE, mod.CLAIM, tuple(mod.REGIME))


def failed(p: Proof) -> list[str]:
    return [s.text for s in p.steps if not s.ok]


def plant(monkeypatch, mod, name: str, change) -> None:
    """``mod.<name>`` returns ``change(result, *args, **kwargs)`` instead of its result."""
    real = getattr(mod, name)
    monkeypatch.setattr(mod, name, lambda *a, **k: change(real(*a, **k), *a, **k))


def with_explicit(monkeypatch, mod, **changed) -> None:
    """``mod.explicit`` with the functions ``changed`` (name -> change(result, *args))."""
    public = {n: getattr(explicit, n) for n in dir(explicit) if not n.startswith("_")}
    fake = SimpleNamespace(**public)
    for name, change in changed.items():
        real = getattr(explicit, name)
        setattr(fake, name, lambda *a, _r=real, _c=change: _c(_r(*a), *a))
    monkeypatch.setattr(mod, "explicit", fake)


def calls_of_run(monkeypatch, stem: str, names: tuple[str, ...], **kwargs) -> dict:
    """The arguments ``run`` hands to each step function ``names`` (stubbed), after the
    symbolic steps, which must pass."""
    mod = script(stem)
    seen: dict = {}
    for name in names:
        monkeypatch.setattr(mod, name, lambda *a, _n=name: seen.setdefault(_n, a[1:]))
    p = proof(stem)
    mod.run(p, **kwargs)
    assert p.steps and not failed(p)
    return seen


# ------------------------------------------------------------------------------ Lemma 3.3
LEMMA_3_3_STEPS = ("check_explicit", "extremal", "strategies")


def test_lemma_3_3_prove_runs_every_instance(monkeypatch):
    """``redblue prove`` (``run(p)``): the default points of check_explicit, 11 extremal
    programs up to N = 5, the three kinds of strategy and every exact optimum."""
    mod = script("lemma_3_3")
    seen = calls_of_run(monkeypatch, "lemma_3_3", LEMMA_3_3_STEPS)
    assert seen["check_explicit"] == (["roots_per_part"], None)
    (extremal,) = seen["extremal"]
    assert sum(len(ms) for _, _, ms in extremal) == 11 and max(n for n, _, _ in extremal) == 5
    greedy, flash, optima, walks = seen["strategies"]
    assert len(greedy) == 3 and len(flash) == 3 and len(walks) == 3
    assert optima == mod.EXACT_ATTENTION and len(optima) == 6


def test_lemma_3_3_the_small_run_is_smaller_but_keeps_each_kind(monkeypatch):
    seen = calls_of_run(monkeypatch, "lemma_3_3", LEMMA_3_3_STEPS, small=True)
    names, points = seen["check_explicit"]
    assert names == ["roots_per_part"] and len(points) == 120
    (extremal,) = seen["extremal"]
    assert extremal == ((3, 1, (1, 3)), (4, 1, (4,)), (3, 2, (2,)))
    greedy, flash, optima, walks = seen["strategies"]
    assert (greedy, flash, optima, walks) == (((4, 2, 8),), ((8, 2, 24),), (), ((2, 2, 4),))


def test_lemma_3_3_roots_are_the_s_entries():
    roots_of = script("lemma_3_3").roots_of
    assert sorted(roots_of(attention_dag(2, 2))) == ["S[0,0]", "S[0,1]", "S[1,0]", "S[1,1]"]
    assert len(roots_of(attention_dag(3, 1))) == 9 and len(roots_of(attention_dag(4, 3))) == 16


def _extremal_3_3(monkeypatch=None) -> Proof:
    p = proof("lemma_3_3")
    script("lemma_3_3").extremal(p, ((3, 1, (1, 3)),))
    return p


def test_lemma_3_3_extremal_by_hand():
    """N=3, d=1: R = 2M + max(2M, M^2) is 4 at M=1 and 6 + 9 = 15 at M=3; a part of M = 1
    holds 2 roots at most (a dominator of 2 vertices), of M = 3 nine (all of them)."""
    p = _extremal_3_3()
    assert [s.text.split(":")[0] for s in p.steps] == [
        "N=3 d=1 M=1", "N=3 d=1 M=3", "least slack R - max roots over the instances"]
    assert "R = 4 roots (max over all parts 2," in p.steps[0].text
    assert "R = 15 roots (max over all parts 9," in p.steps[1].text
    assert p.steps[2].detail == "2" and not failed(p)
    assert p.steps[1].detail.startswith("slack 6; extremal part: min dominator 6, |Min| 6, ")


@pytest.mark.parametrize("bound", [1, 2])
def test_lemma_3_3_a_bound_below_the_largest_part_fails(monkeypatch, bound):
    """R at (d, M) = (1, 1) planted as 1 (one below the largest part, 2): that instance and
    the least slack fail; as 2 (equal) both pass, with slack 0."""
    mod = script("lemma_3_3")
    with_explicit(monkeypatch, mod, roots_per_part=lambda r, d, m: bound if (d, m) == (1, 1) else r)
    p = _extremal_3_3()
    assert failed(p) == ([p.steps[0].text, p.steps[2].text] if bound == 1 else [])
    assert p.steps[2].detail == str(bound - 2)


@pytest.mark.parametrize("field", ["value", "optimal", "ok"])
def test_lemma_3_3_a_wrong_extremal_part_fails_its_step(monkeypatch, field):
    """The program's maximum one more than the part's roots, not proven optimal, or the
    part's classes not ok: the step of that instance (M = 1) fails, the others pass."""
    mod = script("lemma_3_3")
    if field == "ok":
        plant(monkeypatch, mod, "count_roots",
              lambda cs, G, segs, d, m: [dataclasses.replace(c, unexplained=1) for c in cs]
              if m == 1 else cs)  # fmt: skip
    else:
        change = {"value": lambda b: dataclasses.replace(b, value=b.value + 1),
                  "optimal": lambda b: dataclasses.replace(b, optimal=False)}[field]  # fmt: skip
        plant(monkeypatch, mod, "max_part", lambda b, G, m, *a, **k: change(b) if m == 1 else b)
    p = _extremal_3_3()
    assert failed(p) == [p.steps[0].text]


@pytest.mark.parametrize("stem", ["lemma_3_3", "lemma_3_6"])
@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("extra", [0, 1])
def test_a_certificate_above_2m_fails(monkeypatch, stem, which, extra):
    """The certified dominator (which = 0) or minimum set (1) of the M = 3 part at 2M + 1
    fails that step; at exactly 2M it passes."""
    mod = script(stem)

    calls = []

    def change(cert, G, part):
        calls.append(1)
        out = list(cert)
        if len(calls) == 2:  # the M = 3 part
            out[which] = 6 + extra
        return tuple(out)

    plant(monkeypatch, mod, "certify", change)
    p = _extremal_3_3() if stem == "lemma_3_3" else _extremal_3_6()
    assert failed(p) == ([p.steps[1].text] if extra else [])


def _strategies_3_3(**kw) -> Proof:
    p = proof("lemma_3_3")
    cases = {"greedy": ((4, 2, 8),), "flash": ((8, 2, 24),), "optima": (), "walks": ((2, 2, 4),)}
    script("lemma_3_3").strategies(p, **{**cases, **kw})
    return p


def test_lemma_3_3_strategy_steps_by_hand():
    p = _strategies_3_3()
    texts = [s.text.split(":")[0] for s in p.steps]
    assert texts == ["greedy N=4 d=2 M=8", "flash1 N=8 d=2 M=24", "flash2 N=8 d=2 M=24",
                     *(f"random walk {i} N=2 d=2 M=4" for i in range(3)),
                     "control"]  # fmt: skip
    # R = 2M + max(2M, M^2/d^2): 16 + 16 = 32 at M = 8, d = 2; 48 + 144 = 192 at M = 24
    assert "<= R=32 " in p.steps[0].detail and "<= R=192 " in p.steps[1].detail
    assert not failed(p)


@pytest.mark.parametrize("field", ["unexplained", "bound", "roots", "ok"])
def test_lemma_3_3_a_wrong_count_fails_that_strategy(monkeypatch, field):
    """On the greedy run only (M = 8): a root unexplained, the per-part bound not
    explicit.roots_per_part, one root counted twice, a part not ok."""
    mod = script("lemma_3_3")

    def change(cs, G, segs, d, m):
        if m != 8:
            return cs
        if field == "unexplained":  # unexplained roots are not ok either: keep ok True
            return [dataclasses.replace(cs[0], unexplained=1, bound=float("inf")), *cs[1:]]
        if field == "ok":
            return [dataclasses.replace(cs[0], by_rows=99), *cs[1:]]
        if field == "roots":
            return [dataclasses.replace(cs[0], roots=cs[0].roots + 1), *cs[1:]]
        return cs

    plant(monkeypatch, mod, "count_roots", change)
    if field == "bound":
        with_explicit(monkeypatch, mod, roots_per_part=lambda r, d, m: r + (m == 8))
    p = _strategies_3_3()
    assert failed(p) == [p.steps[0].text]


def test_lemma_3_3_the_control_needs_rejected_roots(monkeypatch):
    """drop_rows made harmless (the parts unchanged): no root is rejected, the control fails."""
    mod = script("lemma_3_3")
    monkeypatch.setattr(mod, "drop_rows", lambda sg: sg)
    p = _strategies_3_3()
    assert failed(p) == [p.steps[-1].text] and p.steps[-1].detail == "0 roots rejected"


def test_lemma_3_3_the_control_counts_flash2_only(monkeypatch):
    """Only FlashAttention-2's parts are cut: with it left out, nothing is rejected."""
    mod = script("lemma_3_3")
    plant(monkeypatch, mod, "schedules",
          lambda sims, *a, **k: {k_: v for k_, v in sims.items() if k_ != "flash2"})  # fmt: skip
    p = _strategies_3_3()
    assert failed(p) == [p.steps[-1].text]


@pytest.mark.parametrize("optimal", [True, False])
@pytest.mark.parametrize("strategy", [True, False])
def test_lemma_3_3_only_proven_optima_with_a_strategy_are_checked(monkeypatch, optimal, strategy):
    """``exact`` stubbed (a greedy strategy as the optimum, Q = 7): checked only when proven
    optimal and given with its strategy."""
    mod = script("lemma_3_3")

    def exact(G, m):
        return SimpleNamespace(optimal=optimal, lower=7, upper=7,
                               strategy=greedy_strategy(G, m) if strategy else None)  # fmt: skip

    monkeypatch.setattr(mod, "exact", exact)
    p = _strategies_3_3(greedy=(), flash=(), walks=(), optima=((2, 1, 8),))
    texts = [s.text for s in p.steps]
    want = ["optimal (search) N=2 d=1 M=8 Q=7: every root is of class (a), (b) or (c); "
            "(c) <= I J; roots per part <= R"] if optimal and strategy else []  # fmt: skip
    assert texts[:-1] == want and texts[-1].startswith("control")



class Stop(Exception):
    """Raised where a recorded run stops."""


def test_lemma_3_3_the_m_partition_note_is_the_halved_bound(monkeypatch, capsys):
    """The note states R for an M-partition: R(2M') with M' = M/2 is M' + max(M', M'^2/(4d^2))."""
    mod = script("lemma_3_3")
    monkeypatch.setattr(mod, "check_explicit", lambda *a: (_ for _ in ()).throw(Stop()))
    p = proof("lemma_3_3")
    p.echo = True
    with pytest.raises(Stop):
        mod.run(p)
    (line,) = [t for t in capsys.readouterr().out.splitlines() if "per M-partition:" in t]
    expr = line.split("per M-partition:")[1].split("<=")[0]
    Mp, d = sympy.Symbol("Mp", positive=True), sympy.Symbol("d", positive=True)
    got = sympy.sympify(expr, locals={"Mp": Mp, "d": d})
    # M' = 8, d = 1: 8 + max(8, 16) = 24; M' = 8, d = 4: 8 + max(8, 1) = 16;
    # M' = 64, d = 2: 64 + max(64, 4096/16) = 320
    assert got.subs({Mp: 8, d: 1}) == 24 and got.subs({Mp: 8, d: 4}) == 16
    assert got.subs({Mp: 64, d: 2}) == 320
    assert line.endswith("<= M^2/d^2 + M (paper)")


def _keyword_seen(monkeypatch, stem: str, name: str, key: str) -> list:
    """The values of keyword ``key`` in each call the script makes to ``name`` (a library
    function it imported), recorded while the real function runs."""
    mod, seen = script(stem), []
    real = getattr(mod, name)

    def recording(*args, **kw):
        seen.append(kw.get(key, "default"))
        return real(*args, **kw)

    monkeypatch.setattr(mod, name, recording)
    return seen


def test_lemma_3_3_every_program_gets_20_seconds(monkeypatch):
    limits = _keyword_seen(monkeypatch, "lemma_3_3", "max_part", "time_limit")
    assert not failed(_extremal_3_3()) and limits == [20, 20]


def test_lemma_3_3_random_walks_use_their_seeds(monkeypatch):
    seeds = _keyword_seen(monkeypatch, "lemma_3_3", "random_strategy", "seed")
    p = _strategies_3_3(greedy=(), flash=())  # the control fails: no FlashAttention-2
    assert failed(p) == [p.steps[-1].text] and seeds == [0, 1, 2]


def test_lemma_3_3_the_control_adds_up_every_flash2_run():
    """The roots rejected over two FlashAttention-2 runs: the sum of each run's alone."""
    alone = [_strategies_3_3(greedy=(), walks=(), flash=(f,)).steps[-1].detail
             for f in ((8, 2, 24), (8, 2, 48))]  # fmt: skip
    both = _strategies_3_3(greedy=(), walks=(), flash=((8, 2, 24), (8, 2, 48))).steps[-1].detail
    counts = [int(t.split()[0]) for t in alone]
    assert min(counts) > 0 and both == f"{sum(counts)} roots rejected"


def test_lemma_3_3_the_control_passes_on_one_rejected_root(monkeypatch):
    """Exactly one root unexplained once the K rows are dropped: the control passes."""
    mod = script("lemma_3_3")
    real_drop, real_count = mod.drop_rows, mod.count_roots
    monkeypatch.setattr(mod, "drop_rows", lambda sg: ("cut", real_drop(sg)))

    def count_roots(G, segs, d, m):
        if not (segs and isinstance(segs[0], tuple)):
            return real_count(G, segs, d, m)
        cs = real_count(G, [sg for _, sg in segs], d, m)
        return [dataclasses.replace(c, unexplained=int(i == 0)) for i, c in enumerate(cs)]

    monkeypatch.setattr(mod, "count_roots", count_roots)
    p = _strategies_3_3(greedy=(), walks=())
    assert not failed(p) and p.steps[-1].detail == "1 roots rejected"


# ------------------------------------------------------------------------------ Lemma 3.6
LEMMA_3_6_STEPS = ("check_explicit", "extremal", "strategies", "schedules")


def test_lemma_3_6_prove_runs_every_instance(monkeypatch):
    mod = script("lemma_3_6")
    seen = calls_of_run(monkeypatch, "lemma_3_6", LEMMA_3_6_STEPS)
    names = ["matmul_products_per_part", "matmul", "trivial_matmul"]
    assert seen["check_explicit"] == (names, None)
    (extremal,) = seen["extremal"]
    assert sum(len(ms) for *_, ms in extremal) == 9
    greedy, tiled, optima, seeds = seen["strategies"]
    assert (len(greedy), len(tiled), seeds) == (4, 3, (0, 1, 2)) and optima == mod.EXACT_MATMUL
    replayed, counted = seen["schedules"]
    assert (replayed, counted) == (mod.MATMUL_REPLAY_POINTS, mod.MATMUL_COUNTER_POINTS)
    assert len(replayed) == 42 and len(counted) == 8064


def test_lemma_3_6_the_small_run_is_smaller_but_keeps_each_kind(monkeypatch):
    seen = calls_of_run(monkeypatch, "lemma_3_6", LEMMA_3_6_STEPS, small=True)
    assert len(seen["check_explicit"][1]) == 48
    assert seen["extremal"] == (((2, 2, 2, (1, 2, 3)), (4, 2, 4, (8,))),)
    assert seen["strategies"] == (((4, 4, 4, 8),), ((4, 4, 4, 12),), (), (0,))
    replayed, counted = seen["schedules"]
    assert len(replayed) == 8 and len(counted) == 81


def test_lemma_3_6_closed_form_by_hand():
    """mkn/sqrt(2M) - M: 64/2 - 2 at M = 2, 1000/sqrt(20) - 10 at M = 10; 0 below M = 2."""
    closed_form = script("lemma_3_6").closed_form
    assert closed_form(4, 4, 4, 2) == 30 and closed_form(4, 4, 4, 1) == 0
    assert closed_form(10, 10, 10, 10) == pytest.approx(1000 / 20**0.5 - 10)


def _extremal_3_6() -> Proof:
    p = proof("lemma_3_6")
    script("lemma_3_6").extremal(p, ((2, 2, 2, (2, 3)),))
    return p


def test_lemma_3_6_extremal_by_hand():
    """2x2x2: M sqrt(2M) per part is 4 at M = 2 (attained: 4 products) and 7 at M = 3 (6:
    all the 8 products need |D| = 8 > 6); the Loomis-Whitney count equals the products."""
    p = _extremal_3_6()
    assert [s.text for s in p.steps[:2]] == [
        "2x2x2 M=2: every part holds <= 4 products (max over all parts 4, exact)",
        "2x2x2 M=3: every part holds <= 7 products (max over all parts 6, exact)",
    ]
    assert p.steps[2].detail == "1 instances" and p.steps[3].detail == "2 parts"
    assert not failed(p)


@pytest.mark.parametrize("bound", [3, 4])
def test_lemma_3_6_a_per_part_bound_below_the_maximum_fails(monkeypatch, bound):
    """matmul_products_per_part(2) planted as 3 (one below the largest part, 4): that step
    fails; as 4 it passes and is attained."""
    mod = script("lemma_3_6")
    with_explicit(monkeypatch, mod, matmul_products_per_part=lambda b, m: bound if m == 2 else b)
    p = _extremal_3_6()
    assert failed(p) == ([p.steps[0].text, p.steps[2].text] if bound == 3 else [])


def test_lemma_3_6_a_bound_never_attained_fails_the_tightness_step(monkeypatch):
    mod = script("lemma_3_6")
    with_explicit(monkeypatch, mod, matmul_products_per_part=lambda b, m: b + 1)
    p = _extremal_3_6()
    assert failed(p) == [p.steps[2].text] and p.steps[2].detail == "0 instances"


@pytest.mark.parametrize("field", ["value", "optimal", "ok"])
def test_lemma_3_6_a_wrong_extremal_part_fails_its_step(monkeypatch, field):
    mod = script("lemma_3_6")
    if field == "ok":
        plant(monkeypatch, mod, "count_products",
              lambda cs, G, segs, m: [dataclasses.replace(c, operands_in_d=False) for c in cs]
              if m == 3 else cs)  # fmt: skip
    else:
        change = {"value": lambda b: dataclasses.replace(b, value=b.value + 2),
                  "optimal": lambda b: dataclasses.replace(b, optimal=False)}[field]  # fmt: skip
        plant(monkeypatch, mod, "max_part", lambda b, G, m, *a, **k: change(b) if m == 3 else b)
    p = _extremal_3_6()
    assert failed(p) == [p.steps[1].text]


def test_lemma_3_6_loomis_whitney_never_attained_fails(monkeypatch):
    """The count's bound raised by 0.5 on every part (still >= the products): no part attains it."""
    mod = script("lemma_3_6")
    plant(monkeypatch, mod, "count_products",
          lambda cs, G, segs, m: [dataclasses.replace(c, lw_bound=c.lw_bound + 0.5)
                                  for c in cs])  # fmt: skip
    p = _extremal_3_6()
    assert failed(p) == [p.steps[3].text] and p.steps[3].detail == "0 parts"


def _strategies_3_6(**kw) -> Proof:
    p = proof("lemma_3_6")
    cases = {"greedy": ((4, 4, 4, 8),), "tiled": ((4, 4, 4, 12),), "optima": (), "seeds": (0,)}
    script("lemma_3_6").strategies(p, **{**cases, **kw})
    return p


def test_lemma_3_6_strategy_steps_by_hand():
    """explicit.matmul = M (ceil(64 / per-part) - 1): 8 (ceil(64/32) - 1) = 8 at M = 8,
    12 (ceil(64/58) - 1) = 12 at M = 12, 4 (ceil(18/11) - 1) = 4 at M = 4 on 3x2x3."""
    p = _strategies_3_6()
    assert [s.text.split(";")[1] for s in p.steps] == [
        " explicit 8 <= io 216", " explicit 12 <= io 80", " explicit 4 <= io 151"]
    assert [s.text.split(":")[0] for s in p.steps] == [
        "greedy 4x4x4 M=8", "tiled 4x4x4 M=12", "random walk 0 3x2x3 M=4"]
    assert p.steps[0].detail == "max products/part 7 <= 32" and not failed(p)


@pytest.mark.parametrize("field", ["products", "bound", "io", "explicit", "ok"])
def test_lemma_3_6_a_wrong_count_fails_that_strategy(monkeypatch, field):
    """On the tiled run only (M = 12): a product counted twice, the per-part bound not
    explicit's, the replayed I/O one below the explicit bound, the bound one above the
    I/O, a part not ok."""
    mod = script("lemma_3_6")
    if field in ("products", "ok"):
        new = {"products": lambda c: {"products": c.products + 1, "bound": c.products + 99,
                                      "lw_bound": c.lw_bound + 1},  # fmt: skip
               "ok": lambda c: {"trees_with_minimum": False}}[field]
        plant(monkeypatch, mod, "count_products",
              lambda cs, G, segs, m: [dataclasses.replace(cs[0], **new(cs[0])), *cs[1:]]
              if m == 12 else cs)  # fmt: skip
    elif field == "bound":
        with_explicit(monkeypatch, mod, matmul_products_per_part=lambda b, m: b + (m == 12))
    elif field == "io":
        plant(monkeypatch, mod, "replay", lambda r, G, s, memory: SimpleNamespace(
            io=11 if memory == 12 else r.io))  # fmt: skip
    else:
        with_explicit(monkeypatch, mod, matmul=lambda b, *pt: 81 if pt[-1] == 12 else b)
    p = _strategies_3_6()
    assert failed(p) == [p.steps[1].text]


@pytest.mark.parametrize("io", [12, 11])
def test_lemma_3_6_the_explicit_bound_may_equal_the_io(monkeypatch, io):
    mod = script("lemma_3_6")
    plant(monkeypatch, mod, "replay",
          lambda r, G, s, memory: SimpleNamespace(io=io if memory == 12 else r.io))  # fmt: skip
    p = _strategies_3_6()
    assert failed(p) == ([] if io == 12 else [p.steps[1].text])


@pytest.mark.parametrize("optimal", [True, False])
@pytest.mark.parametrize("lower", [8, 7])
def test_lemma_3_6_optima_and_the_trivial_bound(monkeypatch, optimal, lower):
    """``exact`` stubbed on 2x1x2, M = 3 (a greedy strategy as the optimum): the trivial
    bound mk + kn + mn = 2 + 2 + 4 = 8 against Q = lower if optimal, else against upper = 9;
    the strategy step only if optimal."""
    mod = script("lemma_3_6")

    def exact(G, m):
        return SimpleNamespace(optimal=optimal, lower=lower, upper=9, method="stub",
                               strategy=greedy_strategy(G, m))  # fmt: skip

    monkeypatch.setattr(mod, "exact", exact)
    p = _strategies_3_6(greedy=(), tiled=(), seeds=(), optima=((2, 1, 2, 3),))
    texts = [s.text for s in p.steps]
    assert texts[-1] == f"2x1x2 M=3: trivial 8 <= Q = {lower}..9 (stub)"
    assert len(texts) == (2 if optimal else 1)
    assert failed(p) == ([texts[-1]] if optimal and lower == 7 else [])


def _schedules_3_6(replayed=((4, 4, 4, 5), (4, 4, 4, 8)), counted=((4, 4, 4, 8), (64, 64, 64, 32))
                   ) -> Proof:  # fmt: skip
    p = proof("lemma_3_6")
    script("lemma_3_6").schedules(p, replayed, counted)
    return p


def test_lemma_3_6_schedule_steps_by_hand():
    p = _schedules_3_6()
    assert [s.text for s in p.steps] == [
        "explicit.matmul <= tiled matmul replayed at all 2 points",
        "explicit.matmul: compared where it is non-zero at 2 of 2 points",
        "explicit.matmul <= tiled matmul counter at all 2 points",
        "explicit.matmul: compared where it is non-zero at 2 of 2 points",
        "mkn/sqrt(2M) - M <= the ceil form at all 2 points",
        "mkn/sqrt(2M) - M: compared where it is non-zero at 2 of 2 points",
        "tiled matmul counter = replayed I/O at 2 points",
    ]
    assert not failed(p)


@pytest.mark.parametrize("wrong", ["counted", "replayed", "closed"])
def test_lemma_3_6_a_wrong_schedule_count_fails(monkeypatch, wrong):
    """The counter one above the replay at (4, 4, 4, 8): only the equality fails; the
    replayed I/O below the explicit bound; the closed form above the ceil form."""
    mod = script("lemma_3_6")
    if wrong == "counted":
        plant(monkeypatch, mod, "matmul_counted", lambda r, *pt: r + (pt == (4, 4, 4, 8)))
        bad = ["tiled matmul counter = replayed I/O at 2 points"]
    elif wrong == "replayed":
        plant(monkeypatch, mod, "matmul_replayed", lambda r, *pt: 1 if pt == (4, 4, 4, 5) else r)
        # explicit.matmul(4, 4, 4, 5) = 5 (ceil(64 / max(10, isqrt(250))) - 1) = 20
        bad = ["explicit.matmul = 20 <= tiled matmul replayed = 1 at (4, 4, 4, 5)",
               "explicit.matmul <= tiled matmul replayed at all 2 points",
               "tiled matmul counter = replayed I/O at 2 points"]  # fmt: skip
    else:  # the ceil form M (ceil(mkn / per-part) - 1): 8 (ceil(64/32) - 1) = 8 at M = 8
        plant(monkeypatch, mod, "closed_form", lambda r, *pt: 9 if pt == (4, 4, 4, 8) else r)
        bad = ["mkn/sqrt(2M) - M = 9 <= the ceil form = 8 at (4, 4, 4, 8)",
               "mkn/sqrt(2M) - M <= the ceil form at all 2 points"]  # fmt: skip
    p = _schedules_3_6()
    assert failed(p) == bad


def test_lemma_3_6_every_program_gets_20_seconds(monkeypatch):
    limits = _keyword_seen(monkeypatch, "lemma_3_6", "max_part", "time_limit")
    assert not failed(_extremal_3_6()) and limits == [20, 20]


def test_lemma_3_6_random_walks_use_their_seeds(monkeypatch):
    seeds = _keyword_seen(monkeypatch, "lemma_3_6", "random_strategy", "seed")
    assert not failed(_strategies_3_6(greedy=(), tiled=(), seeds=(2, 0))) and seeds == [2, 0]


@pytest.mark.parametrize("tight", [0, 1])
def test_lemma_3_6_one_tight_part_is_enough(monkeypatch, tight):
    """The Loomis-Whitney count attained on exactly one extremal part (the others' raised
    by 0.5) passes; on none fails."""
    mod = script("lemma_3_6")
    calls = []

    def change(cs, G, segs, m):
        calls.append(1)
        keep = tight and len(calls) == 1
        return [c if keep else dataclasses.replace(c, lw_bound=c.lw_bound + 0.5) for c in cs]

    plant(monkeypatch, mod, "count_products", change)
    p = _extremal_3_6()
    assert p.steps[3].detail == f"{tight} parts" and p.steps[3].ok == bool(tight)


def test_lemma_3_6_a_count_1e_9_off_is_not_attained(monkeypatch):
    """A part whose Loomis-Whitney count is 1e-9 above its products (0 and 1e-9) does not
    attain it: the tolerance is strict."""
    mod = script("lemma_3_6")
    plant(monkeypatch, mod, "count_products",
          lambda cs, G, segs, m: [dataclasses.replace(c, products=0, lw_bound=1e-9)
                                  for c in cs])  # fmt: skip
    p = _extremal_3_6()
    assert p.steps[3].detail == "0 parts" and not p.steps[3].ok


def test_lemma_3_6_the_failed_equality_names_three_points(monkeypatch):
    mod = script("lemma_3_6")
    plant(monkeypatch, mod, "matmul_counted", lambda r, *pt: r + 1)
    pts = ((4, 4, 4, 5), (4, 4, 4, 6), (4, 4, 4, 8), (4, 4, 4, 12))
    p = _schedules_3_6(replayed=pts, counted=())
    assert p.steps[-1].detail == str(list(pts[:3])) and not p.steps[-1].ok


# ------------------------------------------------------------------------------ Lemma 4.6
def test_lemma_4_6_ranks_by_hand():
    """Grid 0: row 0 holds 3 entries, row 1 one; columns 2, 1, 1. Grid 1: the full 3 x 3."""
    ranks = script("lemma_4_6").ranks
    grids = np.zeros((2, 3, 3), dtype=np.int64)
    grids[0, 0, :] = 1
    grids[0, 1, 0] = 1
    grids[1] = 1
    rows, cols = ranks(grids, 2)
    assert rows.tolist() == [2 + 1, 6] and cols.tolist() == [2 + 1 + 1, 6]
    rows, cols = ranks(grids, 1)
    assert rows.tolist() == [2, 3] and cols.tolist() == [3, 3]


def test_lemma_4_6_every_set_is_every_mask():
    every_set = script("lemma_4_6").every_set
    grids = every_set(2)
    assert grids.shape == (15, 2, 2)
    assert {tuple(g.ravel()) for g in grids.tolist() for g in [np.array(g)]} == {
        tuple((m >> b) & 1 for b in range(4)) for m in range(1, 16)}  # fmt: skip
    assert grids[0].tolist() == [[1, 0], [0, 0]] and grids[-1].tolist() == [[1, 1], [1, 1]]
    assert every_set(3).shape == (511, 3, 3) and every_set(3)[254].sum() == 8


def test_lemma_4_6_a_wrong_rank_on_one_set_fails_that_grid(monkeypatch):
    """Both ranks of N=3 d=2 lowered to 2 on the full grid (B = 9: the bound is min(2 sqrt
    4.5, 9/4) = 2.25, the ranks 6): that grid fails, with slack 2 - 2.25."""
    mod = script("lemma_4_6")
    real = mod.ranks

    def ranks(grids, d):
        r, c = real(grids, d)
        if grids.shape == (511, 3, 3) and d == 2:
            r, c = r.copy(), c.copy()
            r[-1] = c[-1] = 2
        return r, c

    monkeypatch.setattr(mod, "ranks", ranks)
    p = proof("lemma_4_6")
    mod.run(p)
    assert [t.split(":")[0] for t in failed(p)] == ["N=3 d=2"]
    assert [s.detail for s in p.steps if not s.ok] == ["least slack -0.250"]


@pytest.mark.parametrize("slack", [-1e-12, -2e-12])
def test_lemma_4_6_the_tolerance_is_1e_12(monkeypatch, slack):
    """Every set of N=3 d=2 planted at slack exactly -1e-12 (bound 0, ranks -1e-12): within
    the float tolerance, passes; at -2e-12 that grid fails."""
    mod = script("lemma_4_6")
    real = mod.ranks

    def ranks(grids, d):
        r, c = real(grids, d)
        if grids.shape == (511, 3, 3) and d == 2:
            return np.full(len(r), slack), np.full(len(c), slack)
        return r, c

    monkeypatch.setattr(mod, "ranks", ranks)
    plant(monkeypatch, mod, "lemma_4_6_bound", lambda b, d, size: 0.0 if d == 2 else b)
    p = proof("lemma_4_6")
    mod.run(p)
    assert [t.split(":")[0] for t in failed(p)] == ([] if slack == -1e-12 else ["N=3 d=2"])
