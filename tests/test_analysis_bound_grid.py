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
