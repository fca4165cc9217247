"""``check_claim`` / ``redblue check``: verdicts that could be wrong, checked against
replays, known optima and the exact interval logic."""

from __future__ import annotations

import json

import pytest
import sympy

from redblue.claims import Fact, check_claim, parse_claim, parse_range
from redblue.claims.check import _interval_verdict, pass_lower_bounds_down
from redblue.cli import main
from redblue.dags import attention_dag, chain_dag, read_json, write_json
from redblue.errors import InvalidInputError
from redblue.game import read_strategy, replay

LARGE_CACHE_X10 = "Q >= 10*M*(ceiling(N**2/floor(2*M + Max(2*M, M**2/d**2))) - 1)"
# the entries one epoch may compute divided by 64 (8 M^2/d^2 -> M^2/(8 d^2))
ANY_ALGORITHM_X64 = "Q >= M*(ceiling(N**2/floor(Max(M**2/(8*d**2), M/8))) - 1)"
ANY_ALGORITHM = "Q >= M*(ceiling(N**2/floor(Max(8*M**2/d**2, 8*M))) - 1)"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("Q => 3", "cannot read the claim"),
        ("io(flash3) <= N", "unknown schedule"),
        ("Q >= N*x", "unknown name"),
        ("Q >= __import__(\"os\").system(\"touch pwned\")", "may be called"),
        ("Q >= ", "cannot read the claim"),
        ("R >= 3", "cannot read the claim"),
        ("Q >= N >= d", "not a relation"),
        (None, "a claim is a string"),
    ],
)
def test_bad_claims_are_refused(text, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInputError, match=fragment):
        parse_claim(text)
    assert not (tmp_path / "pwned").exists()


def test_bound_undefined_at_an_instance_is_refused_before_any_work():
    with pytest.raises(InvalidInputError, match="not a finite real number at M=3"):
        check_claim("Q >= N/(M - 3)", n=[1], d=[1], memory=[4, 3])


def test_graph_instances_define_only_m(tmp_path):
    with pytest.raises(InvalidInputError, match="uses N"):
        check_claim("Q >= N", family=None, graph=chain_dag(3), memory=[2])


@pytest.mark.parametrize("text, values", [("3..5,8", [3, 4, 5, 8]), ("2,2,1", [1, 2])])
def test_parse_range(text, values):
    assert parse_range(text) == values


@pytest.mark.parametrize("text", ["", "3..", "a..b", "5..4", "0..3", "1..100000", "1,,2"])
def test_parse_range_refuses(text):
    with pytest.raises(InvalidInputError):
        parse_range(text)


LO, HI = Fact(10, "lower source"), Fact(14, "upper source")


@pytest.mark.parametrize(
    "claim, value, verdict, decided_by",
    [
        ("Q >= 1", 10, "confirmed", LO),
        ("Q >= 1", 11, "open", None),
        ("Q >= 1", 14, "open", None),
        ("Q >= 1", 15, "refuted", HI),
        ("Q > 1", 14, "refuted", HI),
        ("Q > 1", 9, "confirmed", LO),
        ("Q > 1", 10, "open", None),
        ("Q <= 1", 14, "confirmed", HI),
        ("Q <= 1", 13, "open", None),
        ("Q <= 1", 9, "refuted", LO),
        ("Q < 1", 10, "refuted", LO),
        ("Q < 1", 15, "confirmed", HI),
        ("Q == 1", 12, "open", None),
        ("Q == 1", 15, "refuted", HI),
        ("Q == 1", 9, "refuted", LO),
        ("Q == 1", sympy.Rational(23, 2), "refuted", None),
    ],
)
def test_interval_verdicts(claim, value, verdict, decided_by):
    got, _, fact = _interval_verdict(parse_claim(claim), sympy.sympify(value), LO, HI)
    assert (got, fact) == (verdict, decided_by)


def test_lower_bounds_pass_down_in_m():
    lows = [Fact(5, "a"), Fact(9, "b"), Fact(7, "c"), Fact(7, "d"), Fact(2, "e")]
    out = pass_lower_bounds_down(lows)
    assert [f.value for f in out] == [9, 9, 7, 7, 2]
    assert out[0].source.startswith("b, at a larger M") and out[2].source == "c"


def test_explicit_bounds_used_where_they_beat_the_trivial_one():
    # N=64, d=1, M=8: the large-cache bound 408 beats 4Nd = 256; it must stay below every
    # replayed schedule (check_claim raises on a lower bound above an upper one)
    r = check_claim("Q >= 400", n=[64], d=[1], memory=[8, 9], search_time=None)
    v = r.verdicts[0]
    assert v.verdict == "confirmed" and v.lower.source.startswith("explicit large-cache")
    assert v.lower.value == 408 <= v.upper.value


def test_point_interval_confirms_equality():
    got, _, _ = _interval_verdict(parse_claim("Q == 1"), sympy.Integer(7), Fact(7, "a"),
                                  Fact(7, "b"))  # fmt: skip
    assert got == "confirmed"


def test_exact_comparison_of_irrational_bounds():
    c = parse_claim("Q >= 10*sqrt(2)")  # 14.142...
    assert c.holds(15, c.value({})) and not c.holds(14, c.value({}))
    c = parse_claim("Q <= log(8)/log(2)")  # exactly 3
    assert c.holds(3, c.value({})) and not c.holds(4, c.value({}))


def test_large_cache_bound_times_ten_is_refuted_with_a_replayable_certificate(tmp_path):
    r = check_claim(LARGE_CACHE_X10, n=[42], d=[1], memory=[23], certificates=tmp_path)
    (v,) = r.verdicts
    assert v.verdict == "refuted" and r.refuted
    assert v.upper.value < v.bound_value  # 672 < 690
    G, strategy = read_json(v.graph_file), read_strategy(v.certificate)
    assert replay(G, strategy).io == v.upper.value


def test_any_algorithm_bound_times_64_is_refuted():
    r = check_claim(ANY_ALGORITHM_X64, n=[14], d=[4], memory=[29], search_time=None)
    (v,) = r.verdicts
    assert v.verdict == "refuted" and v.upper.value < v.bound_value == 928


def test_the_true_explicit_bounds_are_never_refuted_on_a_grid():
    # the unscaled bounds against replayed schedules, with the explicit bounds not used as
    # evidence: a refutation here would mean a proof in proofs/ is wrong
    for bound in (LARGE_CACHE_X10.replace("10*", ""), ANY_ALGORITHM):
        r = check_claim(bound, n=[8, 16, 42], d=[1, 2], memory=[8, 23, 64],
                        search_time=None, explicit_bounds=False)  # fmt: skip
        assert r.counts.get("refuted", 0) == 0, bound
        assert r.counts.get("confirmed", 0) > 0  # the trivial bound meets it somewhere


def test_flash2_cost_claim_refuted_by_replay():
    r = check_claim("io(flash2) <= 4*N*d + 16*N**2*d**2/M", n=[16], d=[1], memory=[9])
    (v,) = r.verdicts
    assert (v.verdict, v.upper.value) == ("refuted", 544)
    assert "replayed" in v.upper.source


def test_schedule_claim_beyond_replay_uses_the_counter():
    r = check_claim("io(tiling) >= 1", n=[4096], d=[64], memory=[256])
    (v,) = r.verdicts
    assert v.verdict == "confirmed" and "block counter" in v.upper.source


@pytest.mark.parametrize(
    "claim, verdict",
    [("Q == 15", "confirmed"), ("Q == 14", "refuted"), ("Q >= 16", "refuted"),
     ("Q >= 15", "confirmed"), ("Q <= 14", "refuted"), ("Q < 16", "confirmed")],
)
def test_claims_about_a_known_optimum(claim, verdict):
    # attention N=2, d=1 (chain sums) at M=4: the search proves Q = 15, cross-checked
    # elsewhere against the ILP
    (v,) = check_claim(claim, n=[2], d=[1], memory=[4], search_time=60).verdicts
    assert v.verdict == verdict, v.evidence


def test_refuted_lower_claim_certificate_beats_the_claim(tmp_path):
    r = check_claim("Q >= 16", n=[2], d=[1], memory=[4], certificates=tmp_path)
    (v,) = r.verdicts
    strategy = read_strategy(v.certificate)
    assert replay(attention_dag(2, 1, sum="chain"), strategy, memory=4).io < 16


def test_user_graph(tmp_path):
    path = tmp_path / "chain.json"
    write_json(chain_dag(4), path)
    r = check_claim("Q >= 3", family=None, graph=read_json(path), graph_path=str(path),
                    memory=[2, 3], certificates=tmp_path / "certs")  # fmt: skip
    assert [v.verdict for v in r.verdicts] == ["refuted", "refuted"]
    v = r.verdicts[0]
    assert v.graph_file == str(path)
    assert replay(read_json(path), read_strategy(v.certificate)).io == 2


def test_infeasible_memory_is_not_applicable():
    r = check_claim("Q >= 13", n=[1], d=[2], memory=[3, 4], sum="fma")  # fma needs M >= 4
    assert [v.verdict for v in r.verdicts] == ["n/a", "refuted"]
    assert "smallest feasible memory is M = 4" in r.verdicts[0].evidence


def test_time_limit_leaves_unreached_instances_open():
    r = check_claim("Q >= 17", n=[2], d=[2], memory=range(3, 30), time_limit=0.5,
                    search_time=10)  # fmt: skip
    assert r.stopped == "time limit" and r.seconds < 5
    assert any(v.evidence == "not reached: time limit" for v in r.verdicts)


def test_cli_exit_codes_and_json(capsys, tmp_path):
    args = ["--n", "1", "--d", "1", "--memory", "3", "--certificates", str(tmp_path)]
    assert main(["check", "Q >= 4", *args]) == 0
    assert main(["check", "Q >= 5", *args, "--json"]) == 1
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["counts"] == {"refuted": 1} and out["verdicts"][0]["upper"] == 4
    assert main(["check", "Q >= N/(M-3)", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a finite real number" in err[0]
