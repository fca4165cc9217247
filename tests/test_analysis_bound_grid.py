"""The bound-versus-instances helper: it fails on a violation and on a vacuous comparison,
and reports the least ratio per regime; the grids and measures it is used with."""

from __future__ import annotations

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
