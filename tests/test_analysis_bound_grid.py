"""The bound-versus-instances helper: it fails on a violation and on a vacuous comparison,
and reports the least ratio per regime; the grids and measures it is used with."""

from __future__ import annotations

import networkx as nx
import pytest

from redblue.analysis.bound_grid import check_bound_on_grid
from redblue.analysis.measures import (
    COUNTER_POINTS,
    best_counted,
    best_replayed,
    cache_regime,
    check_counters_match_replay,
    counted,
    matmul_counted,
    matmul_replayed,
    replayed,
)
from redblue.bounds import explicit
from redblue.bounds.proof import Proof
from redblue.game import replay

POINTS = [(1, 1, 1), (2, 1, 1), (3, 2, 1), (4, 2, 2)]


def test_a_bound_below_every_measure_passes_with_its_least_ratio():
    p = Proof("t", "t", "t")
    out = check_bound_on_grid(p, "n", lambda n, d, m: n, POINTS, lambda n, d, m: 2 * n + d)
    assert p.ok and out.ok and out.nonzero == 4 and out.points == 4
    assert out.min_ratio() == pytest.approx(2.5)  # at (4, 2, 2): 10 / 4
    assert len(p.steps) == 2


def test_a_violation_fails_and_is_recorded_as_its_own_step():
    p = Proof("t", "t", "t")
    out = check_bound_on_grid(p, "10n", lambda n, d, m: 10 * n, POINTS, lambda n, d, m: 12)
    assert not p.ok and not out.ok
    assert [v[0] for v in out.violations] == [(2, 1, 1), (3, 2, 1), (4, 2, 2)]
    failed = [s.text for s in p.steps if not s.ok]
    assert any("(2, 1, 1)" in t for t in failed) and len(failed) == 4  # 3 points + summary


def test_a_bound_that_is_zero_everywhere_is_vacuous_and_fails():
    p = Proof("t", "t", "t")
    out = check_bound_on_grid(p, "zero", lambda *pt: 0, POINTS, lambda *pt: 5)
    assert out.nonzero == 0 and not out.violations and not out.ok
    assert not p.ok and "vacuous" in p.steps[-1].detail


def test_points_without_a_measurement_are_skipped_and_nothing_measured_fails():
    p = Proof("t", "t", "t")
    out = check_bound_on_grid(p, "n", lambda n, d, m: n, POINTS, lambda *pt: None)
    assert out.points == 0 and not p.ok


def test_upper_bounds_and_regimes_and_labels():
    p = Proof("t", "t", "t")
    out = check_bound_on_grid(p, "3n", lambda n, d, m: 3 * n, POINTS,
                              lambda n, d, m: (2 * n, "alg"), kind="upper",
                              regime=lambda n, d, m: "small" if n < 3 else "big")  # fmt: skip
    assert p.ok and set(out.worst) == {"small", "big"} and len(p.steps) == 1
    assert out.worst["big"][4] == "alg"
    q = Proof("t", "t", "t")
    check_bound_on_grid(q, "n", lambda n, d, m: n, POINTS, lambda n, d, m: 2 * n, kind="upper")
    assert not q.ok
    with pytest.raises(ValueError):
        check_bound_on_grid(q, "n", lambda *pt: 1, POINTS, lambda *pt: 1, kind="sideways")


def test_the_planted_errors_of_the_audit_are_caught_by_the_counter_grid():
    # large_cache x10 exceeds FlashAttention-2 at N=42, d=1, M=23 (690 > 672)
    assert 10 * explicit.large_cache(42, 1, 23) == 690 > counted("flash2", 42, 1, 23) == 672
    p = Proof("t", "t", "t")
    check_bound_on_grid(p, "10 x large_cache", lambda *pt: 10 * explicit.large_cache(*pt),
                        COUNTER_POINTS, best_counted)  # fmt: skip
    assert not p.ok

    def any_over_64(n, d, m):  # entries per epoch divided by 64
        b = max(1, explicit.entries_per_epoch(d, m) // 64)
        return max(0, m * (-(-n * n // b) - 1))

    assert any_over_64(14, 4, 29) == 928 > counted("flash2", 14, 4, 29) == 896
    p = Proof("t", "t", "t")
    check_bound_on_grid(p, "any_algorithm / 64", any_over_64, COUNTER_POINTS, best_counted)
    assert not p.ok


def test_replays_and_counters_agree_and_a_wrong_counter_is_caught(monkeypatch):
    points = [(5, 1, 9), (7, 2, 13), (6, 3, 20), (9, 2, 30)]
    p = Proof("t", "t", "t")
    assert check_counters_match_replay(p, points)
    assert replayed("flash2", 7, 2, 13).io == counted("flash2", 7, 2, 13)
    assert best_replayed(6, 3, 20)[0] == best_counted(6, 3, 20)[0]
    assert matmul_replayed(4, 3, 5, 8) == matmul_counted(4, 3, 5, 8)
    import redblue.analysis.measures as measures

    monkeypatch.setattr(measures, "counted", lambda *a: 1 + counted.__wrapped__(*a))
    q = Proof("t", "t", "t")
    assert not measures.check_counters_match_replay(q, points)


def test_regimes():
    assert cache_regime(8, 8, 8) == "M <= d^2/8"
    assert cache_regime(8, 8, 9) == "d^2/8 < M < d^2"
    assert cache_regime(8, 8, 64) == "d^2 <= M < 2d^2"
    assert cache_regime(8, 8, 128) == "M >= 2d^2"


def test_nothing_compared_has_an_infinite_least_ratio():
    from redblue.analysis.bound_grid import GridCheck

    g = GridCheck("b", "lower")
    assert g.min_ratio() == float("inf") and g.summary() == "nothing compared" and not g.ok


def test_points_and_geometric_memories():
    from redblue.analysis.measures import _geometric, attention_points

    # iterators are read once: every N meets every d and M
    pts = attention_points(iter((1, 2)), iter((3,)), iter((5, 6)))
    assert pts == ((1, 3, 5), (1, 3, 6), (2, 3, 5), (2, 3, 6))
    assert _geometric(4, 32) == [4, 5, 6, 7, 8, 10, 11, 13, 16, 19, 23, 27, 32]  # 2^(1/4)
    assert _geometric(5, 40, 2) == [5, 7, 10, 14, 20, 28, 40]
    assert _geometric(5, 4) == []


def test_best_replayed_skips_the_schedules_that_refuse():
    # at (4, 1, 5) only the standard schedule runs; at (4, 1, 6) standard beats tiling
    assert best_replayed(4, 1, 5) == (120, "standard") == best_counted(4, 1, 5)
    assert best_replayed(4, 1, 6) == (88, "standard")
    assert best_replayed(4, 1, 4) is None


def test_counters_against_replay_count_runs_and_catch_a_refusal(monkeypatch):
    from redblue.analysis import measures

    p = Proof("t", "t", "t")
    assert measures.check_counters_match_replay(p, [(4, 1, 4), (4, 1, 6)])
    step = p.steps[-1]
    assert "on 2 schedule runs" in step.text and step.detail == "2 runs agree"
    assert not measures.check_counters_match_replay(Proof("t", "t", "t"), [(4, 1, 4)])  # none
    # a counter that refuses where the replay runs, or answers where it refuses, fails
    real = measures.counted
    monkeypatch.setattr(measures, "counted",
                        lambda a, n, d, m: None if a == "tiling" else real(a, n, d, m))  # fmt: skip
    p = Proof("t", "t", "t")
    assert not measures.check_counters_match_replay(p, [(4, 1, 6)])
    assert p.steps[-1].detail == "tiling N=4 d=1 M=6: replay 92, counter None"
    monkeypatch.setattr(measures, "counted", lambda a, n, d, m: 7)
    p = Proof("t", "t", "t")
    assert not measures.check_counters_match_replay(p, [(4, 1, 4), (4, 1, 5)],
                                                    ("standard", "flash1"))  # fmt: skip
    assert p.steps[-1].detail == ("standard N=4 d=1 M=4: replay None, counter 7; "
                                  "flash1 N=4 d=1 M=4: replay None, counter 7; "
                                  "standard N=4 d=1 M=5: replay 120, counter 7")  # fmt: skip


def test_the_recorded_steps_word_for_word():
    # odd N: labelled measures, two violations (one shown); even N: equal ratios 1.5,
    # the first point kept; N = 6 skipped
    def measure(n, d, m):
        if n == 6:
            return None
        return ((n - 1 if n > 1 else 3), "alg") if n % 2 else 3 * n // 2

    p = Proof("t", "t", "t")
    pts = [(1, 1, 1), (2, 1, 1), (3, 1, 1), (4, 1, 1), (5, 1, 1), (6, 1, 1), (8, 1, 1)]
    out = check_bound_on_grid(p, "b", lambda n, d, m: n, pts, measure, show=1, source="src",
                              regime=lambda n, d, m: "odd" if n % 2 else "even")  # fmt: skip
    assert [(s.text, s.ok, s.detail) for s in p.steps] == [
        ("b = 3 <= alg = 2 at (3, 1, 1)", False, ""),
        ("b <= src at all 6 points", False, "[even] min ratio 1.5 at (2, 1, 1) (3 vs 2); "
         "[odd] min ratio 0.667 at (3, 1, 1) (alg 2 vs 3); 1 more violations"),
        ("b: compared where it is non-zero at 6 of 6 points", True, ""),
    ]  # fmt: skip
    assert out.rows[:2] == [((1, 1, 1), 1, 3, "alg"), ((2, 1, 1), 2, 3, "")]
    assert (out.name, out.kind, out.points, out.nonzero) == ("b", "lower", 6, 6)
    # an upper bound: a measure of 0 has an infinite ratio, a measure of 1 a finite one
    p = Proof("t", "t", "t")
    out = check_bound_on_grid(p, "u", lambda n, d, m: 2 * n, pts[:3],
                              lambda n, d, m: 0 if n == 1 else 2 * n + (n == 3), kind="upper")
    assert [(s.text, s.ok, s.detail) for s in p.steps] == [
        ("u = 6 >= schedules = 7 at (3, 1, 1)", False, ""),
        ("u >= schedules at all 3 points", False, "[all] min ratio 0.857 at (3, 1, 1) (7 vs 6)"),
    ]  # fmt: skip
    one = check_bound_on_grid(Proof("t", "t", "t"), "u", lambda *pt: 5, [(1, 1, 1)],
                              lambda *pt: 1, kind="upper")  # fmt: skip
    assert one.min_ratio() == 5.0 and one.ok and one.nonzero == 1
    zero = check_bound_on_grid(Proof("t", "t", "t"), "u", lambda *pt: 5, [(1, 1, 1)],
                               lambda *pt: 0, kind="upper")  # fmt: skip
    assert zero.min_ratio() == float("inf")
    with pytest.raises(ValueError, match="kind must be 'lower' or 'upper', got 'both'"):
        check_bound_on_grid(Proof("t", "t", "t"), "x", lambda *pt: 1, [], lambda *pt: 1,
                            kind="both")  # fmt: skip


def test_the_limits_of_each_verdict():
    # a lower bound met with equality holds; one non-zero point is enough to test it
    p = Proof("t", "t", "t")
    out = check_bound_on_grid(p, "b", lambda n, d, m: 0 if n > 1 else 5, POINTS,
                              lambda n, d, m: 5)  # fmt: skip
    assert out.ok and p.ok and (out.points, out.nonzero) == (4, 1) and out.min_ratio() == 1.0
    # one measured point is enough for the summary step; none is not, whatever the kind
    p = Proof("t", "t", "t")
    check_bound_on_grid(p, "u", lambda *pt: 5, POINTS[:1], lambda *pt: 5, kind="upper")
    assert [s.ok for s in p.steps] == [True]
    out = check_bound_on_grid(p, "u", lambda *pt: 5, POINTS, lambda *pt: 5, kind="upper")
    assert (out.points, out.nonzero) == (4, 4)  # an upper bound is tested everywhere
    p = Proof("t", "t", "t")
    check_bound_on_grid(p, "u", lambda *pt: 5, POINTS, lambda *pt: None, kind="upper")
    assert [(s.text, s.ok) for s in p.steps] == [("u >= schedules at all 0 points", False)]
    # a measure whose number is None is skipped too, and later points still count
    p = Proof("t", "t", "t")
    out = check_bound_on_grid(p, "b", lambda n, d, m: n, POINTS,
                              lambda n, d, m: (None, "x") if n == 1 else (n, "y"))  # fmt: skip
    assert (out.points, out.nonzero) == (3, 3) and out.ok
    # the vacuous step says why it fails
    p = Proof("t", "t", "t")
    check_bound_on_grid(p, "z", lambda *pt: 0, POINTS, lambda *pt: 5)
    assert p.steps[-1].detail == "vacuous: the bound was 0 at every point compared"


def test_three_violations_are_shown_by_default():
    p = Proof("t", "t", "t")
    pts = [(n, 1, 1) for n in range(1, 6)]
    check_bound_on_grid(p, "b", lambda n, d, m: 10, pts, lambda n, d, m: n)
    assert [s.text for s in p.steps[:3]] == [f"b = 10 <= schedules = {n} at ({n}, 1, 1)"
                                             for n in (1, 2, 3)]  # fmt: skip
    assert p.steps[3].text == "b <= schedules at all 5 points"
    assert p.steps[3].detail.endswith("; 2 more violations") and len(p.steps) == 5


def test_one_schedule_run_is_enough_to_compare_counters():
    from redblue.analysis import measures

    p = Proof("t", "t", "t")
    assert measures.check_counters_match_replay(p, [(4, 1, 5)], ("standard",))
    assert "on 1 schedule runs" in p.steps[-1].text and p.steps[-1].detail == "1 runs agree"


def test_a_lower_bound_against_both_schedule_grids(monkeypatch):
    # both grids cut to one point each: the best replayed and the best counted schedule
    # at (4, 1, 6) is the standard one with 88 I/Os (test_best_replayed_skips_...)
    from redblue.analysis import measures

    monkeypatch.setattr(measures, "REPLAY_POINTS", ((4, 1, 6),))
    monkeypatch.setattr(measures, "COUNTER_POINTS", ((4, 1, 6), (4, 1, 4)))
    p = Proof("t", "t", "t")
    measures.check_lower_bound_on_schedules(p, "b", lambda n, d, m: 44)
    assert [(s.text, s.ok, s.detail) for s in p.steps] == [
        ("b <= best replayed schedule at all 1 points", True,
         "[M >= 2d^2] min ratio 2 at (4, 1, 6) (standard 88 vs 44)"),
        ("b: compared where it is non-zero at 1 of 1 points", True, ""),
        ("b <= best counted schedule at all 1 points", True,
         "[M >= 2d^2] min ratio 2 at (4, 1, 6) (standard 88 vs 44)"),
        ("b: compared where it is non-zero at 1 of 1 points", True, ""),
    ]  # fmt: skip
    p = Proof("t", "t", "t")
    measures.check_lower_bound_on_schedules(p, "b", lambda n, d, m: 89)
    assert [s.ok for s in p.steps] == [False, False, True, False, False, True]
    assert measures.replayed("standard", 4, 1, 5).block("T_r") == 4  # ceil(N / B_r), B_r = 1


def test_exact_optima_and_the_bounds_of_a_stopped_search():
    from redblue.analysis.instances import exact
    from redblue.dags import pyramid_dag

    # a, b -> c with M = 3: load a, load b, compute c, store c: 3 I/Os, and no fewer
    # (each input loaded once, the output stored once)
    r = exact(nx.DiGraph([("a", "c"), ("b", "c")]), 3)
    assert (r.lower, r.upper, r.optimal, r.method) == (3, 3, True, "search")
    assert r.strategy is not None and replay(nx.DiGraph([("a", "c"), ("b", "c")]),
                                             r.strategy, 3).io == 3  # fmt: skip
    # no time to search: proven bounds around the optimum 7 of pyramid_dag(3) at M = 4
    r = exact(pyramid_dag(3), 4, time_limit=1e-9)
    assert not r.optimal and r.lower <= 7 <= r.upper and r.lower < r.upper
    assert isinstance(r.lower, int) and isinstance(r.upper, int)
