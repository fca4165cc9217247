"""``check_claim`` / ``redblue check``: verdicts that could be wrong, checked against
replays, known optima and the exact interval logic."""

from __future__ import annotations

import json
import re
import time

import pytest
import sympy

from redblue.claims import Fact, check_claim, parse_claim, parse_range
from redblue.claims.check import (
    ClaimCheck,
    _best,
    _Clock,
    _interval_verdict,
    _schedule_claim,
    pass_lower_bounds_down,
)
from redblue.claims.evidence import (
    SECONDS_PER,
    attention_instance,
    cheaper_greedy_fact,
    graph_instance,
    lower_facts,
    schedule_fact,
    schedule_seconds,
    search_facts,
    upper_facts,
)
from redblue.claims.ranges import MAX_VALUES
from redblue.claims.variants import attention_variant
from redblue.cli import main
from redblue.dags import attention_dag, chain_dag
from redblue.errors import IllegalMoveError, InvalidInputError
from redblue.game import compile_graph, replay
from redblue.game.strategy import encode_moves
from redblue.readwrite import read_json, read_strategy, write_json
from redblue.strategies import count_io, estimated_moves
from redblue.strategies.greedy import ORDERS

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


def test_a_bound_too_large_at_an_instance_is_refused_at_once():
    # M**M**M**M**M is 3**(3**(3**(3**3))) at M = 3: evaluated outright, it never finishes
    start = time.perf_counter()
    with pytest.raises(InvalidInputError, match=r"at M=3: a power of about [\d,]+ bits"):
        check_claim("Q >= M**M**M**M**M", n=[1], d=[1], memory=[3, 4])
    assert time.perf_counter() - start < 5


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
    # a tie keeps the bound of the largest M
    out = pass_lower_bounds_down([Fact(5, "a"), Fact(7, "c"), Fact(7, "d")])
    assert [f.source.split(",")[0] for f in out] == ["d", "c", "d"]


def test_explicit_bounds_used_where_they_beat_the_trivial_one():
    # N=32, d=1: the large-cache bound (204 at M=3, 168 at M=4) beats 4Nd = 128; it must
    # stay below every replayed schedule (check_claim raises on a lower bound above an upper
    # one). Both instances are decided without a search (kept small: mutation runs rerun it)
    r = check_claim("Q >= 160", n=[32], d=[1], memory=[3, 4], search_time=None)
    assert [v.verdict for v in r.verdicts] == ["confirmed", "confirmed"]
    for v, value in zip(r.verdicts, (204, 168), strict=True):
        assert v.lower.source == "explicit large-cache bound"
        assert v.lower.value == value <= v.upper.value


@pytest.mark.slow
def test_explicit_bounds_used_where_flash_schedules_run():
    # N=64, d=1, M=8: the large-cache bound 408 beats 4Nd = 256 where the block schedules
    # run too (flash2 replays 8320): the bound stays below them
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


@pytest.mark.parametrize(
    "n",
    [pytest.param([8, 16], id="fast"),  # bounds up to 56, all met by the trivial bound
     pytest.param([8, 16, 42], id="full", marks=pytest.mark.slow)],  # open at N=42, M=8
)  # fmt: skip
def test_the_true_explicit_bounds_are_never_refuted_on_a_grid(n):
    # the unscaled bounds against replayed schedules, with the explicit bounds not used as
    # evidence: a refutation here would mean a proof in proofs/ is wrong
    for bound in (LARGE_CACHE_X10.replace("10*", ""), ANY_ALGORITHM):
        r = check_claim(bound, n=n, d=[1, 2], memory=[8, 23, 64],
                        search_time=None, explicit_bounds=False)  # fmt: skip
        assert r.counts.get("refuted", 0) == 0, bound
        assert r.counts.get("confirmed", 0) > 0  # the trivial bound meets it somewhere
        assert max(v.bound_value for v in r.verdicts) >= 8  # not only zero bounds


def test_flash2_cost_claim_refuted_by_replay():
    r = check_claim("io(flash2) <= 4*N*d + 16*N**2*d**2/M", n=[16], d=[1], memory=[9])
    (v,) = r.verdicts
    assert (v.verdict, v.upper.value) == ("refuted", 544)
    assert "replayed" in v.upper.source


def test_schedule_claim_beyond_replay_uses_the_counter():
    r = check_claim("io(tiling) >= 1", n=[4096], d=[64], memory=[256])
    (v,) = r.verdicts
    assert v.verdict == "confirmed" and "block counter" in v.upper.source


@pytest.fixture(scope="module")
def _searches():
    """The exact search's answers, by instance, game, time and seed strategy."""
    return {}


@pytest.fixture
def search_once(monkeypatch, _searches):
    """``search_facts`` run once per question in this module: the claims below ask the
    search the same question (same DAG, memory, time and seed), and it is deterministic."""
    import redblue.claims.check as check_mod

    def memo(inst, seed, limit):
        key = (inst.label, inst.variant, limit, None if seed is None else tuple(seed.moves))
        if key not in _searches:
            _searches[key] = search_facts(inst, seed, limit)
        return _searches[key]

    monkeypatch.setattr(check_mod, "search_facts", memo)
    return _searches


@pytest.mark.parametrize(
    "claim, verdict",
    [("Q == 15", "confirmed"), ("Q == 14", "refuted"), ("Q >= 16", "refuted"),
     ("Q >= 15", "confirmed"), ("Q <= 14", "refuted"), ("Q < 16", "confirmed")],
)
def test_claims_about_a_known_optimum(claim, verdict, search_once):
    # attention N=2, d=1 (chain sums) at M=4: the search proves Q = 15, cross-checked
    # elsewhere against the ILP; the six claims share one search (search_once)
    (v,) = check_claim(claim, n=[2], d=[1], memory=[4], search_time=60).verdicts
    assert v.verdict == verdict, v.evidence
    assert "exact search" in v.evidence and len(search_once) == 1  # one search, shared


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
    assert all(v.verdict == "open" for v in r.verdicts if v.evidence.startswith("not reached"))


def test_cli_exit_codes_and_json(capsys, tmp_path):
    args = ["--n", "1", "--d", "1", "--memory", "3", "-o", str(tmp_path)]
    assert main(["check", "Q >= 4", *args]) == 0
    assert main(["check", "Q >= 5", *args, "--json"]) == 1
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["counts"] == {"refuted": 1} and out["verdicts"][0]["upper"] == 4
    assert main(["check", "Q >= N/(M-3)", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a finite real number" in err[0]


# ------------------------------------------------------------------ ranges: limits and messages


def test_parse_range_holds_exactly_max_values_counted_over_all_items():
    assert parse_range(f"1..{MAX_VALUES}") == list(range(1, MAX_VALUES + 1))
    assert parse_range("9000..9001") == [9000, 9001]  # the count is hi - lo + 1, not hi + lo
    with pytest.raises(InvalidInputError, match=f"--n: more than {MAX_VALUES} values"):
        parse_range(f"1..{MAX_VALUES + 1}", "--n")
    half = MAX_VALUES // 2  # two items that only together hold one value too many
    with pytest.raises(InvalidInputError, match=f"more than {MAX_VALUES} values"):
        parse_range(f"1..{half},{half + 1}..{MAX_VALUES + 1}")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "--memory: expected values such as 1..4"),
        (" ", "--memory: expected values such as 1..4"),
        ("3..", "--memory: cannot read '3..'"),
        ("3.. ", "--memory: cannot read '3..'"),
        ("..3", "--memory: cannot read '..3'"),
        ("1,,2", "--memory: cannot read ''"),
        ("5..4", "--memory: 5..4 is empty"),
        ("0..3", "--memory: values must be at least 1, got 0"),
        ("x", "--memory must be a whole number"),
        ("2..y", "--memory must be a whole number"),
    ],
)
def test_parse_range_messages_name_the_option_and_the_item(text, message):
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        parse_range(text, "--memory")


def test_parse_range_minimum_is_inclusive():
    assert parse_range("0..2", minimum=0) == [0, 1, 2]
    with pytest.raises(InvalidInputError, match="at least 3, got 2"):
        parse_range("2..5", minimum=3)


# --------------------------------------------------------------- evidence: instances and search


def test_graph_instances_describe_a_graph_and_keep_its_dag():
    G = chain_dag(4)
    r = check_claim("Q >= 1", family=None, graph=G, memory=[2, 3], search_time=None)
    assert [v.instance for v in r.verdicts] == [{"family": "graph", "M": 2},
                                                {"family": "graph", "M": 3}]  # fmt: skip
    inst = graph_instance(G, compile_graph(G), 2, "chain")
    assert inst.dag() is G and inst.label == "chain-M2"
    assert lower_facts(inst)[0].value == 2  # one input, one output: no explicit bounds


def test_graph_certificate_written_without_a_graph_file_replays(tmp_path):
    (v, _) = check_claim("Q >= 3", family=None, graph=chain_dag(4), memory=[2, 3],
                         certificates=tmp_path).verdicts  # fmt: skip
    assert v.verdict == "refuted"
    assert replay(read_json(v.graph_file), read_strategy(v.certificate)).io == 2


def test_search_facts_prove_the_optimum_and_return_its_certificate():
    # chain of 4 nodes at M = 2: load the input, compute along, store the output: Q = 2
    G = chain_dag(4)
    inst = graph_instance(G, compile_graph(G), 2, "chain")
    seed = schedule_fact(inst, "greedy").strategy
    lower, upper, optimal = search_facts(inst, seed, None)
    assert optimal and lower.value == upper.value == 2
    assert lower.source.startswith("exact search (optimal, ")
    assert upper.source == "exact search certificate (optimal)"
    assert replay(G, upper.strategy).io == upper.value


def test_search_facts_stop_at_their_deadline_with_a_valid_bracket():
    inst = attention_instance(3, 2, 6, "chain")
    seed = schedule_fact(inst, "greedy")
    lower, upper, optimal = search_facts(inst, seed.strategy, 0.05)
    assert not optimal and lower.source.startswith("exact search (stopped by time")
    assert lower.value <= upper.value <= seed.value  # the seed bounds the search's answer
    assert replay(inst.dag(), upper.strategy, 6).io == upper.value
    # a seed better than the search's own greedy start (flash2 108 < greedy 444) is kept
    inst = attention_instance(6, 3, 40, "chain")
    flash2 = schedule_fact(inst, "flash2")
    assert flash2.value < schedule_fact(inst, "greedy").value
    lower, upper, _ = search_facts(inst, flash2.strategy, 0.05)
    assert lower.value <= upper.value <= flash2.value


def test_schedule_seconds_zero_where_nothing_is_replayed():
    inst = attention_instance(6, 3, 4, "chain")  # M too small for every block schedule
    assert all(schedule_seconds(inst, a) == 0.0 for a in ("flash1", "flash2", "tiling"))
    big = attention_instance(4096, 64, 256, "chain")  # counted, not replayed
    assert schedule_seconds(big, "tiling") == 0.0
    moves = estimated_moves("tiling", 6, 3, 40, sum="chain")
    at = attention_instance(6, 3, 40, "chain")
    assert schedule_seconds(at, "tiling", max_moves=moves) > 0  # exactly max_moves: replayed
    assert schedule_seconds(at, "tiling", max_moves=moves - 1) == 0.0


def test_schedule_seconds_grow_with_the_moves_and_count_the_build_once():
    inst = attention_instance(6, 3, 40, "chain")
    nodes = inst.nodes()
    per = SECONDS_PER
    for alg in ("flash1", "tiling"):  # on the instance's own DAG
        moves = estimated_moves(alg, 6, 3, 40, sum="chain")
        assert schedule_seconds(inst, alg) == pytest.approx(
            nodes * per["node"] + moves * per["move"])  # fmt: skip
    moves = estimated_moves("standard", 6, 3, 40, sum="chain")  # on its own (other) DAG
    assert schedule_seconds(inst, "standard") == pytest.approx(
        nodes * per["node"] + moves * per["move"])  # fmt: skip
    greedy = nodes * (per["node"] + per["greedy node"])
    assert schedule_seconds(inst, "greedy") == pytest.approx(greedy)
    inst.compiled()  # built: only the schedule's own work is left
    assert schedule_seconds(inst, "greedy") == pytest.approx(nodes * per["greedy node"])
    assert schedule_seconds(inst, "tiling") == pytest.approx(
        estimated_moves("tiling", 6, 3, 40, sum="chain") * per["move"])  # fmt: skip
    assert schedule_seconds(inst, "standard") == pytest.approx(
        nodes * per["node"] + moves * per["move"])  # fmt: skip


# ------------------------------------------------------------ check: reports, ties, limits


def test_json_report_carries_every_verdict_field(tmp_path):
    r = check_claim("Q >= 5", n=[1], d=[1], memory=[2, 3], certificates=tmp_path)
    data = json.loads(json.dumps(r.to_dict()))
    assert data["claim"] == "Q >= 5" and data["counts"] == r.counts == {"n/a": 1, "refuted": 1}
    assert data["stopped"] is None and abs(data["seconds"] - r.seconds) <= 5e-4
    na, refuted = data["verdicts"]
    assert na == {"instance": {"family": "attention", "N": 1, "d": 1, "M": 2, "sum": "chain"},
                  "verdict": "n/a", "bound": "5", "bound_value": 5.0,
                  "evidence": r.verdicts[0].evidence, "certificate": None, "graph_file": None,
                  "lower": None, "lower_source": None, "upper": None,
                  "upper_source": None}  # fmt: skip
    v = r.verdicts[1]
    assert refuted["verdict"] == "refuted" and refuted["upper"] == v.upper.value == 4
    assert refuted["upper_source"] == v.upper.source and refuted["lower"] == v.lower.value
    assert refuted["lower_source"] == v.lower.source and refuted["evidence"] == v.evidence
    assert refuted["certificate"] == v.certificate and refuted["graph_file"] == v.graph_file
    assert replay(read_json(v.graph_file), read_strategy(v.certificate)).io == 4


def test_best_fact_prefers_a_certificate_on_ties():
    strategy = read_strategy_of_chain()
    count, replayed = Fact(5, "count"), Fact(5, "replay", strategy)
    for facts in ([count, replayed], [replayed, count]):
        assert _best(facts, True) is replayed and _best(facts, False) is replayed
    assert _best([Fact(4, "a"), Fact(6, "b")], True).value == 6
    assert _best([Fact(4, "a"), Fact(6, "b")], False).value == 4


def read_strategy_of_chain():
    inst = graph_instance(chain_dag(3), compile_graph(chain_dag(3)), 2, "chain")
    return schedule_fact(inst, "greedy").strategy


def test_explicit_bounds_off_leaves_only_independent_evidence():
    # N=32, d=1, M=4: the claim 160 is met by the explicit large-cache bound 168 only
    on = check_claim("Q >= 160", n=[32], d=[1], memory=[4], search_time=None).verdicts[0]
    assert on.verdict == "confirmed" and on.lower.value == 168
    # the certified methods get 0.3 s (whatever they prove within it, the check below holds)
    r = check_claim("Q >= 160", n=[32], d=[1], memory=[4], search_time=0.3,
                    explicit_bounds=False)  # fmt: skip
    (v,) = r.verdicts
    # what is left: the trivial bound or a certified method of redblue.lower (timed)
    assert "explicit" not in v.lower.source, v.lower
    assert v.lower.source.startswith(("trivial bound", "parts", "search"))
    assert v.verdict == ("confirmed" if v.lower.value >= 160 else "open")


def test_no_search_where_the_schedules_already_decide():
    (v,) = check_claim("Q <= 10**6", n=[2], d=[1], memory=[4], search_time=30).verdicts
    assert v.verdict == "confirmed" and "exact search" not in v.upper.source + v.lower.source


def test_schedule_claims_not_reached_in_time_stay_open():
    r = check_claim("io(flash2) <= 1", n=[64], d=[8], memory=[100], time_limit=0.01)
    (v,) = r.verdicts
    assert v.verdict == "open" and v.evidence.startswith("not reached: time limit (estimated")
    assert r.stopped == "time limit"


def test_schedule_claims_counted_when_over_max_moves_even_with_a_clock():
    # replaying would take minutes here; with max_moves=10 the block counter answers at once
    r = check_claim("io(tiling) >= 1", n=[256], d=[16], memory=[200], max_moves=10,
                    time_limit=30)  # fmt: skip
    (v,) = r.verdicts
    assert v.verdict == "confirmed" and "block counter" in v.upper.source
    (v,) = check_claim("io(tiling) >= 1", n=[6], d=[3], memory=[40], max_moves=10).verdicts
    assert "block counter" in v.upper.source


def test_schedule_claim_where_the_schedule_cannot_run_is_not_applicable():
    (v,) = check_claim("io(flash2) <= 10", n=[6], d=[3], memory=[4]).verdicts
    assert v.verdict == "n/a" and "M >= " in v.evidence and v.upper is None


def test_standard_certificate_comes_with_its_own_dag(tmp_path):
    # standard attention runs on the early-normalised DAG: the certificate names that one
    folder = tmp_path / "a" / "b"  # created with its parents
    (v,) = check_claim("io(standard) <= 1", n=[3], d=[2], memory=[30],
                       certificates=folder).verdicts  # fmt: skip
    assert v.verdict == "refuted" and v.graph_file.startswith(str(folder))
    assert replay(read_json(v.graph_file), read_strategy(v.certificate)).io == v.upper.value


def test_parse_range_default_name_in_messages():
    with pytest.raises(InvalidInputError, match=r"^range: 4\.\.2 is empty"):
        parse_range("4..2")


def test_instances_of_different_dags_are_not_mixed():
    # each (N, d) has its own DAG: N = 2 must not be judged on N = 1's DAG
    r = check_claim("Q >= 4*N*d", n=[1, 2], d=[1], memory=[3, 4], search_time=None)
    assert [v.verdict for v in r.verdicts] == ["confirmed"] * 4
    assert [v.lower.value for v in r.verdicts] == [4, 4, 8, 8]


def test_lower_facts_explicit_by_default_on_tree_and_chain_sums():
    for shape in ("tree", "chain"):
        facts = lower_facts(attention_instance(32, 1, 4, shape))
        assert [f.value for f in facts] == [128, 168]  # 4Nd, then the large-cache bound
        assert facts[1].source == "explicit large-cache bound"
    assert [f.value for f in lower_facts(attention_instance(32, 1, 4, "fma"))] == [128]


def test_instance_node_count_in_closed_form_matches_the_built_dag():
    for shape in ("tree", "chain", "fma"):
        inst = attention_instance(3, 2, 9, shape)
        before = inst.nodes()
        assert before == inst.compiled().n == inst.nodes()


def test_schedules_on_fma_sums_use_the_fma_block_sizes():
    # tiling on fma sums runs from M = 5 (chain sums need more); replayed up to max_moves
    inst = attention_instance(4, 2, 5, "fma")
    moves = estimated_moves("tiling", 4, 2, 5, sum="fma")
    fact = schedule_fact(inst, "tiling", max_moves=moves)
    assert "replayed" in fact.source
    assert replay(inst.dag(), fact.strategy, 5).io == fact.value
    assert "block counter" in schedule_fact(inst, "tiling", max_moves=moves - 1).source
    assert schedule_seconds(inst, "tiling", max_moves=moves) > 0


def test_block_schedules_refused_on_a_users_graph():
    G = chain_dag(3)
    inst = graph_instance(G, compile_graph(G), 2, "chain")
    with pytest.raises(InvalidInputError, match=r"io\(flash2\) is defined on the attention"):
        schedule_fact(inst, "flash2")
    (fact,) = upper_facts(inst)
    assert fact.source == "greedy (replayed)" and replay(G, fact.strategy).io == fact.value


def test_upper_facts_on_the_attention_dag():
    for shape in ("chain", "fma"):
        inst = attention_instance(4, 2, 30, shape)
        facts = upper_facts(inst)
        assert [f.source.split(" ")[0] for f in facts] == ["flash1", "flash2", "tiling",
                                                           "greedy"]  # fmt: skip
        for f in facts:
            assert replay(inst.dag(), f.strategy, 30).io == f.value
        counted = upper_facts(inst, max_moves=10)
        assert all("block counter" in f.source for f in counted[:3])
        assert [f.value for f in counted] == [f.value for f in facts]  # counter == replay
    low = attention_instance(4, 2, 6, "chain")  # too small for flash1: the rest still run
    assert [f.source.split(" ")[0] for f in upper_facts(low)] == ["tiling", "greedy"]
    tree = upper_facts(attention_instance(4, 2, 30, "tree"))  # greedy alone: its orders too
    assert [f.source for f in tree] == ["greedy (replayed)",
                                        "greedy in the depth-first order (replayed)"]
    assert tree[1].value == 32 < tree[0].value  # the trivial bound 4Nd, met
    assert replay(attention_instance(4, 2, 30, "tree").dag(), tree[1].strategy, 30).io == 32


def test_a_cheaper_greedy_order_refutes_a_claim_on_a_users_graph():
    # Belady's rule costs 143 in the topological order on attention N=3, d=2 at M=6, 54
    # depth-first with the largest cone first: that certificate refutes Q >= 100
    G = attention_dag(3, 2)
    inst = graph_instance(G, compile_graph(G), 6, "chain")
    facts = upper_facts(inst)
    assert [(f.source, f.value) for f in facts] == [
        ("greedy (replayed)", 143), ("greedy in the depth-first-cone order (replayed)", 54)]
    (v,) = check_claim("Q >= 100", family=None, graph=G, memory=[6],
                       search_max_nodes=0).verdicts  # fmt: skip
    assert (v.verdict, v.upper.value) == ("refuted", 54)
    assert replay(G, v.upper.strategy, 6).io == 54
    chain = chain_dag(3)  # where the topological order is already the cheapest: no second
    assert len(upper_facts(graph_instance(chain, compile_graph(chain), 2, "chain"))) == 1


def test_upper_facts_skip_what_does_not_fit_in_the_time_left():
    names = ["flash1", "flash2", "tiling", "greedy"]
    inst = attention_instance(5, 3, 40, "chain")
    inst.compiled()  # built: each estimate is the schedule's own work, fixed
    costs = {a: schedule_seconds(inst, a) for a in names}
    assert len(set(costs.values())) == 4
    for budget in sorted(costs.values()):
        got = [f.source.split(" ")[0] for f in upper_facts(inst, left=lambda b=budget: b)]
        assert got == [a for a in names if costs[a] <= budget], budget
    assert upper_facts(attention_instance(5, 3, 40, "chain"), left=lambda: 0.0) == []


def test_instances_whose_dag_would_not_be_built_in_time_stay_open():
    r = check_claim("Q >= 1", n=[64], d=[8], memory=[100, 200], time_limit=0.5)
    assert [v.verdict for v in r.verdicts] == ["open", "open"] and r.stopped == "time limit"
    for v in r.verdicts:
        assert v.evidence.startswith("not reached: time limit (building its DAG would take")


# ------------------------------------------------------------ claims: what a refusal says


def test_claim_value_refusal_names_the_missing_and_the_defined_variables():
    c = parse_claim("Q >= N*d + M")
    with pytest.raises(InvalidInputError, match=r" uses d, which these instances do not "
                       r"define \(they define M, N\)$"):  # fmt: skip
        c.value({"M": 3, "N": 2})
    with pytest.raises(InvalidInputError, match=r" uses M, N, d, .*\(they define nothing\)$"):
        c.value({})


def test_claim_value_refuses_a_complex_bound_and_names_the_point():
    with pytest.raises(InvalidInputError, match=r"not a finite real number at M=3: sqrt\(2\)\*I$"):
        parse_claim("Q >= sqrt(M - 5)").value({"M": 3})  # finite but not real
    with pytest.raises(InvalidInputError, match=r"number at M=3, N=1, d=2: zoo$"):
        parse_claim("Q >= log(M - 3)").value({"M": 3, "N": 1, "d": 2})
    assert parse_claim("Q >= sqrt(M - 5)").value({"M": 9}) == 2


def test_unknown_schedule_refusal_lists_the_schedules():
    with pytest.raises(InvalidInputError, match=r"^unknown schedule io\(flash3\) \(expected one "
                       r"of flash1, flash2, standard, tiling, greedy\)$"):  # fmt: skip
        parse_claim("io(flash3) <= N")


def test_holds_refuses_a_sign_it_cannot_decide():
    # a bound sympy cannot compare with an integer (a free symbol) is refused, not guessed
    with pytest.raises(InvalidInputError, match=r"^cannot decide 3 >= x exactly$"):
        parse_claim("Q >= 1").holds(3, sympy.Symbol("x"))


@pytest.mark.parametrize(
    "claim, value, verdict, why",
    [
        ("Q >= 1", 10, "confirmed", "Q >= 10 (lower source)"),
        ("Q >= 1", 11, "open", None),
        ("Q > 1", 9, "confirmed", "Q >= 10 (lower source)"),
        ("Q > 1", 10, "open", None),
        ("Q <= 1", 9, "refuted", "Q >= 10 (lower source)"),
        ("Q <= 1", 10, "open", None),
        ("Q < 1", 10, "refuted", "Q >= 10 (lower source)"),
        ("Q < 1", 11, "open", None),
        ("Q == 1", 9, "refuted", "Q >= 10 (lower source)"),
        ("Q == 1", 10, "open", None),
        ("Q == 1", 11, "open", None),
    ],
)
def test_interval_verdicts_without_an_upper_bound(claim, value, verdict, why):
    # only Q >= 10 is known: a claim is decided only where that bound alone decides it
    got, evidence, fact = _interval_verdict(parse_claim(claim), sympy.Integer(value), LO, None)
    assert got == verdict and fact is (None if why is None else LO)
    assert evidence == (why or "Q >= 10; no upper bound within the time limit")


def test_equality_with_a_fraction_is_refuted_with_or_without_an_upper_bound():
    half = sympy.Rational(21, 2)  # inside [10, 14], yet Q is a whole number
    for hi in (HI, None):
        got, evidence, fact = _interval_verdict(parse_claim("Q == 1"), half, LO, hi)
        assert (got, fact) == ("refuted", None) and evidence == (
            "Q is a whole number and the bound 21/2 is not")  # fmt: skip


def test_claim_check_repr_rows_and_rounded_seconds():
    r = check_claim("Q >= 5", n=[1], d=[1], memory=[2, 3])
    assert [row["verdict"] for row in r.as_rows()] == ["n/a", "refuted"]
    row = r.as_rows()[1]
    assert row == {"claim": "Q >= 5", "family": "attention", "N": 1, "d": 1, "M": 3,
                   "sum": "chain", **{k: v for k, v in r.verdicts[1].to_dict().items()
                                      if k != "instance"}}  # fmt: skip
    assert row["upper"] == 4 and "instance" not in row
    assert r.verdicts[1].as_row() == {k: v for k, v in row.items() if k != "claim"}
    made = ClaimCheck("Q >= 5", [], 1.23456, None, {"refuted": 1234, "n/a": 2})
    assert repr(made) == "ClaimCheck('Q >= 5': 1,234 refuted, 2 n/a, 1.2 s)"
    assert made.to_dict()["seconds"] == 1.235  # milliseconds in the report
    assert repr(ClaimCheck("Q >= 5", [], 0.04, None, {"open": 0})) == (
        "ClaimCheck('Q >= 5': no instances, 0.0 s)")  # fmt: skip


def test_schedule_claim_time_estimate_uses_max_moves():
    # replaying flash2 here (~300k moves) would take about 4.7 s; with max_moves=10 it is
    # counted at once, so a 2 s limit still reaches it
    (v,) = check_claim("io(flash2) >= 1", n=[64], d=[8], memory=[100], max_moves=10,
                       time_limit=2).verdicts  # fmt: skip
    assert v.verdict == "confirmed" and "block counter" in v.upper.source
    assert v.upper.value == count_io("flash2", 64, 8, 100, sum="chain").io


def test_a_lower_bound_above_a_replayed_strategy_is_caught(monkeypatch):
    # plant a wrong proof: the check must stop on the contradiction, never report it
    import redblue.claims.check as check

    monkeypatch.setattr(check, "lower_facts", lambda inst, explicit: [Fact(10**6, "planted")])
    with pytest.raises(AssertionError, match=r"^inconsistent evidence at attention-N1-d1-"
                       r"chain-M3: lower bound 1000000 \(planted\) > upper bound 6 "
                       r"\(greedy \(replayed\)\)$"):  # fmt: skip
        check_claim("Q >= 1", n=[1], d=[1], memory=[3], search_time=None)


def test_a_strategy_found_at_a_smaller_memory_decides_a_larger_one():
    # N=2, d=1: the search proves Q(M=5) = 11; at M=6 every schedule costs more (greedy 12),
    # so the M=5 certificate, re-replayed at M=6, confirms Q <= 11 there without a search
    v5, v6 = check_claim("Q <= 11", n=[2], d=[1], memory=[5, 6]).verdicts
    assert v5.verdict == v6.verdict == "confirmed"
    assert v5.upper.source == "exact search certificate (optimal)"
    assert v6.upper.source == "exact search certificate (optimal), at M = 5"
    assert v6.evidence == "Q <= 11 (exact search certificate (optimal), at M = 5)"
    dag = attention_instance(2, 1, 6, "chain").dag()
    assert replay(dag, v6.upper.strategy, 6).io == v6.upper.value == 11


def test_search_only_on_dags_of_at_most_search_max_nodes():
    # Q <= 11 at N=2, d=1, M=5 is open on the schedules alone (greedy 20); the search
    # proves Q = 11 there, but only if the DAG's node count is within the limit
    nodes = attention_instance(2, 1, 5, "chain").nodes()
    (v,) = check_claim("Q <= 11", n=[2], d=[1], memory=[5], search_max_nodes=nodes).verdicts
    assert v.verdict == "confirmed" and v.upper.source.startswith("exact search")
    # (the certified methods, run where the search is not, get 0.3 s: no lower bound can
    # confirm an upper-bound claim, so the claim stays open whatever they prove)
    (v,) = check_claim("Q <= 11", n=[2], d=[1], memory=[5], search_max_nodes=nodes - 1,
                       search_time=0.3).verdicts  # fmt: skip
    assert v.verdict == "open" and "exact search" not in v.lower.source + v.upper.source


def test_search_stops_at_the_search_time_or_at_the_time_limit(monkeypatch):
    # N=2, d=2, M=3: the search does not finish in seconds; each limit must stop it (what
    # the search said, seen here: on a loaded machine its bound may not beat the trivial
    # one within 0.2 s, and then the verdict's lower bound does not name it)
    import redblue.claims.check as check_mod

    said = []

    def spy(inst, seed, limit):
        facts = search_facts(inst, seed, limit)
        said.append(facts[0].source)
        return facts

    monkeypatch.setattr(check_mod, "search_facts", spy)
    for limits in ({"search_time": 0.2}, {"search_time": 0.2, "time_limit": 120},
                   {"search_time": None, "time_limit": 1.0}):  # fmt: skip
        said.clear()
        r = check_claim("Q >= 40", n=[2], d=[2], memory=[3], **limits)
        (v,) = r.verdicts
        assert v.verdict == "open" and len(said) == 1, (limits, said)
        assert said[0].startswith("exact search (stopped by time"), (limits, said)
        assert v.lower.value <= 40 < v.upper.value and r.seconds < 30, limits
        assert replay(attention_instance(2, 2, 3, "chain").dag(), v.upper.strategy, 3).io == (
            v.upper.value)  # fmt: skip


def test_lower_facts_add_no_explicit_fact_where_the_explicit_bound_is_the_trivial_one():
    # at M = 100 for N = d = 1 the explicit bound is 4Nd itself: one fact, the trivial one
    facts = lower_facts(attention_instance(1, 1, 100, "chain"))
    assert [(f.value, f.source) for f in facts] == [
        (4, "trivial bound (needed inputs + outputs)")]  # fmt: skip


def test_upper_facts_estimate_with_the_given_max_moves():
    # counted schedules cost nothing, so they fit in no time left; greedy does not
    inst = attention_instance(4, 2, 30, "chain")
    inst.compiled()
    facts = upper_facts(inst, max_moves=10, left=lambda: 0.0)
    assert [f.source.split(" ")[0] for f in facts] == ["flash1", "flash2", "tiling"]
    assert all("block counter" in f.source for f in facts)


def test_only_a_replayable_upper_bound_is_carried_to_larger_memories():
    # with max_moves=10 the block schedules are counted (no strategy): the best upper
    # bound at M=30 is a count, which cannot be re-replayed at M=31 and is not carried
    r = check_claim("Q <= 10**6", n=[4], d=[2], memory=[30, 31], max_moves=10)
    assert [v.verdict for v in r.verdicts] == ["confirmed", "confirmed"]
    v30, v31 = r.verdicts
    assert v30.upper.strategy is None and "block counter" in v30.upper.source
    assert "at M = 30" not in v31.upper.source


@pytest.mark.parametrize(
    "claim, value, evidence",
    [("Q >= 1", 10, "Q >= 10 (lower source)"), ("Q <= 1", 14, "Q <= 14 (upper source)"),
     ("Q >= 1", 15, "Q <= 14 (upper source)"), ("Q <= 1", 9, "Q >= 10 (lower source)")],
)  # fmt: skip
def test_interval_verdict_evidence_states_the_deciding_bound(claim, value, evidence):
    assert _interval_verdict(parse_claim(claim), sympy.Integer(value), LO, HI)[1] == evidence


# --- certified lower bounds of redblue.lower as evidence (issue 13) ---


def test_a_lower_bound_claim_is_confirmed_by_a_certified_method_beyond_the_search():
    from redblue.dags import fft_dag
    from redblue.lower import METHODS

    G = fft_dag(64)  # 448 nodes: beyond the exact search; trivial 128, spectral 132
    r = check_claim("Q >= 129", family=None, graph=G, memory=[3], variant="no-recompute",
                    search_time=1)  # fmt: skip
    v = r.verdicts[0]
    assert v.verdict == "confirmed" and v.lower.value >= 129
    method = v.lower.source.split(" lower bound (certified")[0]
    assert method in METHODS and method not in ("trivial", "search")
    assert method in v.evidence and f"Q >= {v.lower.value}" in v.evidence
    # one more than proven: never confirmed by a bound below the claim
    above = check_claim(f"Q >= {v.lower.value + 1}", family=None, graph=G, memory=[3],
                        variant="no-recompute", search_time=1).verdicts[0]  # fmt: skip
    assert above.verdict == "open" or above.lower.value > v.lower.value
    # the classic game: the spectral and min-cut proofs do not cover it
    classic = check_claim("Q >= 129", family=None, graph=G, memory=[3], search_time=1)
    source = classic.verdicts[0].lower.source
    assert "mincut" not in source and "spectral" not in source


def test_a_classic_claim_never_rests_on_a_spectral_or_mincut_bound(monkeypatch):
    # Their proofs hold in the no-recompute game only (a value evicted unstored is never
    # red again; docs/checking-claims.md). Every method the certified path can run is
    # replaced by a stub: spectral and mincut "prove" enough to confirm the claim, the
    # others nothing. The classic check must never ask for them, in any game, and stay
    # open; the no-recompute check must ask for both and be confirmed by them.
    import redblue.lower.bound as bound_mod
    from redblue.dags import fft_dag
    from redblue.lower import MethodResult

    asked = []

    def stub(name):
        def run(graph, memory, variant, limits):
            asked.append((name, variant))
            return MethodResult(name, 250 if name in ("spectral", "mincut") else 0, 0.0, "ok")

        return run

    monkeypatch.setattr(bound_mod, "_RUN", {name: stub(name) for name in bound_mod._RUN})
    G = fft_dag(32)  # 192 nodes: beyond the exact search, so the certified methods run
    claim = "Q >= 200"  # above the trivial bound (64), below greedy's replayed 320 at M = 3
    (v,) = check_claim(claim, family=None, graph=G, memory=[3], search_time=1).verdicts
    assert v.verdict == "open" and v.upper.value == 320, v.evidence
    assert asked and {variant for _, variant in asked} == {"classic"}  # the path ran
    assert not {name for name, _ in asked} & {"spectral", "mincut"}, asked
    asked.clear()
    (v,) = check_claim(claim, family=None, graph=G, memory=[3], search_time=1,
                       variant="no-recompute").verdicts  # fmt: skip
    assert v.verdict == "confirmed", v.evidence
    assert v.lower.source == "spectral lower bound (certified, redblue.lower)"
    assert {("spectral", "no-recompute"), ("mincut", "no-recompute")} <= set(asked)


def test_the_no_recompute_game_is_checked_on_a_users_graph_only():
    with pytest.raises(InvalidInputError, match="user's graph only"):
        check_claim("Q >= 1", n=[2], d=[1], memory=[4], variant="no-recompute")
    with pytest.raises(InvalidInputError):
        check_claim("Q >= 1", family=None, graph=chain_dag(3), memory=[2], variant="nope")


def test_a_certified_bound_above_a_replayed_strategy_is_caught(monkeypatch):
    # a planted unsound method: its "bound" exceeds greedy's replayed I/O
    import redblue.claims.check as check_mod
    from redblue.dags import fft_dag

    monkeypatch.setattr(check_mod, "certified_facts",
                        lambda inst, limit: [Fact(10**6, "planted lower bound")])  # fmt: skip
    with pytest.raises(AssertionError, match="inconsistent evidence"):
        check_claim("Q >= 134", family=None, graph=fft_dag(64), memory=[3],
                    variant="no-recompute", search_time=1)  # fmt: skip


# ------------------------------------------- the clock and the time budget, made deterministic


def tree4():
    """Two leaf pairs summed into a root: Q = 7 at M = 3 (5 needed, plus a spill of one
    partial sum), found by greedy and proven by the search in milliseconds."""
    import networkx as nx

    G = nx.DiGraph()
    G.add_edges_from([(1, "p"), (2, "p"), (3, "q"), (4, "q"), ("p", "r"), ("q", "r")])
    return G


def frozen_clock(monkeypatch):
    """Make ``check_claim``'s clock report its whole limit as left, always: a check under a
    time limit then takes the same path on any machine."""
    import redblue.claims.check as check_mod

    class Frozen(check_mod._Clock):
        def left(self):
            return self.limit

    monkeypatch.setattr(check_mod, "_Clock", Frozen)
    return check_mod


def test_clock_counts_down_from_its_limit(monkeypatch):
    import redblue.claims.check as check_mod

    now = [100.0]
    monkeypatch.setattr(check_mod.time, "monotonic", lambda: now[0])
    clock = check_mod._Clock(3.0)
    now[0] = 101.0
    assert clock.left() == 2.0 and not clock.out()
    assert clock.allows(2.0) and not clock.allows(2.5)  # a phase of exactly what is left fits
    now[0] = 103.0
    assert clock.left() == 0.0 and clock.out()  # nothing left is out of time
    assert clock.allows(0.0) and not clock.allows(1e-9)
    unlimited = check_mod._Clock(None)
    now[0] = 10**9
    assert unlimited.left() is None and not unlimited.out() and unlimited.allows(10**9)


@pytest.mark.parametrize(
    "time_limit, search_time, expected",
    [(None, 2.0, 2.0), (3.0, 2.0, 2.0), (1.0, 2.0, 1.0), (1.0, None, 1.0), (None, None, None)],
)
def test_search_and_certified_methods_get_the_time_left(monkeypatch, time_limit, search_time,
                                                        expected):  # fmt: skip
    # each gets min(search_time, what is left); a stub search that stops open leaves the
    # claim to the certified methods, so both limits are seen
    check_mod = frozen_clock(monkeypatch)
    seen = {}

    def search(inst, seed, limit):
        seen["search"], seen["seed"] = limit, seed
        return Fact(5, "stub lower"), Fact(7, "stub upper", seed), False

    def certified(inst, limit):
        seen["certified"] = limit
        return [Fact(6, "stub certified")]

    monkeypatch.setattr(check_mod, "search_facts", search)
    monkeypatch.setattr(check_mod, "certified_facts", certified)
    (v,) = check_claim("Q >= 7", family=None, graph=tree4(), memory=[3],
                       time_limit=time_limit, search_time=search_time).verdicts  # fmt: skip
    assert seen["search"] == seen["certified"] == expected
    assert seen["seed"] is not None  # greedy's strategy (I/O 7) seeds the search
    assert v.verdict == "open" and (v.lower.value, v.lower.source) == (6, "stub certified")
    assert v.upper.source == "greedy (replayed)"  # a tie with the stub: the first one stays


def test_schedules_run_only_within_the_time_left(monkeypatch):
    # a user's graph is built already: with 1e-5 s left greedy (7 nodes x 2e-5 s) is
    # skipped and no upper bound exists; with 1 s it runs and confirms the claim
    frozen_clock(monkeypatch)
    kw = {"family": None, "graph": tree4(), "memory": [3], "search_max_nodes": 0}
    (v,) = check_claim("Q <= 100", time_limit=1e-5, **kw).verdicts
    assert v.verdict == "open" and v.upper is None
    assert v.evidence.endswith("no upper bound within the time limit")
    (v,) = check_claim("Q <= 100", time_limit=1.0, **kw).verdicts
    assert v.verdict == "confirmed" and v.upper.source == "greedy (replayed)"


def test_the_search_alone_decides_when_no_schedule_gives_an_upper_bound(monkeypatch):
    # no upper bound before the search (as when nothing fits in the time left): the search
    # starts unseeded and its certificate becomes the upper bound
    import redblue.claims.check as check_mod

    monkeypatch.setattr(check_mod, "upper_facts", lambda inst, max_moves, left: [])
    for claim, verdict in (("Q >= 7", "confirmed"), ("Q >= 8", "refuted"),
                           ("Q <= 6", "refuted"), ("Q == 7", "confirmed")):  # fmt: skip
        (v,) = check_claim(claim, family=None, graph=tree4(), memory=[3]).verdicts
        assert v.verdict == verdict, claim
        assert (v.lower.value, v.upper.value) == (7, 7)
        assert v.upper.source == "exact search certificate (optimal)"
        assert replay(tree4(), v.upper.strategy, 3).io == 7


def test_a_schedule_the_search_only_matches_stays_the_upper_bound():
    # greedy finds Q = 7 at once; the search proves it optimal but finds nothing better: the
    # replayed schedule stays the upper bound (ties keep the first fact)
    (v,) = check_claim("Q >= 7", family=None, graph=tree4(), memory=[3]).verdicts
    assert v.verdict == "confirmed" and v.lower.source.startswith("exact search (optimal")
    assert (v.lower.value, v.upper.value, v.upper.source) == (7, 7, "greedy (replayed)")


def test_certified_facts_ask_for_the_certified_methods_within_the_time_given(monkeypatch):
    # a stub lower_bound: which methods, game and time it is asked for, and which of its
    # answers become facts (not the ones not run, nor a bound of 0)
    from types import SimpleNamespace as Result

    import redblue.claims.evidence as evidence
    from redblue.lower.certified import bound_methods

    seen = {}

    def stub(G, memory, variant, *, methods, time_limit):
        seen.update(G=G, memory=memory, variant=variant, methods=list(methods),
                    time_limit=time_limit)  # fmt: skip
        return Result(methods=[Result(name="spectral", status="ok", value=9),
                               Result(name="mincut", status="stopped", value=8),
                               Result(name="parts", status="not run", value=7),
                               Result(name="hong-kung", status="ok", value=1),
                               Result(name="parts", status="ok", value=0)])  # fmt: skip

    monkeypatch.setattr(evidence, "lower_bound", stub)
    G = tree4()
    inst = graph_instance(G, compile_graph(G), 3, "tree4")
    inst.variant = "no-recompute"
    facts = evidence.certified_facts(inst, 2.5)
    assert seen.pop("G") is inst.compiled()
    assert seen == {"memory": 3, "variant": "no-recompute", "time_limit": 2.5,
                    "methods": [m for m in bound_methods("no-recompute") if m != "trivial"]}
    assert "spectral" in seen["methods"] and "search" not in seen["methods"]
    assert [(f.value, f.source) for f in facts] == [
        (9, "spectral lower bound (certified, redblue.lower)"),
        (8, "mincut lower bound (certified, stopped, redblue.lower)"),
        (1, "hong-kung lower bound (certified, redblue.lower)")]  # fmt: skip


def test_the_certified_methods_run_only_where_the_search_left_the_claim_open(monkeypatch):
    # the search proves Q = 7 here: the claim is decided and nothing else is run
    import redblue.claims.check as check_mod

    def certified(inst, limit):
        raise AssertionError("certified methods run on a decided claim")

    monkeypatch.setattr(check_mod, "certified_facts", certified)
    for claim in ("Q >= 7", "Q <= 6", "Q == 6"):  # each open on greedy's 7 and the trivial 5
        (v,) = check_claim(claim, family=None, graph=tree4(), memory=[3]).verdicts
        assert v.verdict != "open" and v.lower.source.startswith("exact search (optimal")


def test_the_best_strategy_is_carried_up_once_from_where_it_was_found(monkeypatch):
    # no schedule (patched away): the search's certificate at M = 3, replayed at M = 4 and
    # 5, decides both without a search; an equal bound found later does not replace it
    import redblue.claims.check as check_mod

    monkeypatch.setattr(check_mod, "upper_facts", lambda inst, max_moves, left: [])
    r = check_claim("Q <= 7", family=None, graph=tree4(), memory=[3, 4, 5])
    assert [v.verdict for v in r.verdicts] == ["confirmed"] * 3
    assert [v.upper.source for v in r.verdicts] == ["exact search certificate (optimal)"] + [
        "exact search certificate (optimal), at M = 3"] * 2  # fmt: skip
    assert [v.upper.value for v in r.verdicts] == [7, 7, 7]
    assert all(v.lower.source.startswith("trivial") for v in r.verdicts[1:])  # no search


def test_default_search_time_is_five_seconds(monkeypatch):
    check_mod = frozen_clock(monkeypatch)
    seen = []
    monkeypatch.setattr(check_mod, "search_facts", lambda inst, seed, limit: (
        seen.append(limit) or (Fact(7, "stub"), Fact(7, "stub", seed), True)))  # fmt: skip
    check_claim("Q >= 7", family=None, graph=tree4(), memory=[3])
    assert seen == [5.0]
    with pytest.raises(InvalidInputError, match=r"^search_time must be a positive number"):
        check_claim("Q >= 7", family=None, graph=tree4(), memory=[3], search_time=-1)


def test_a_parsed_claim_is_checked_as_given():
    (v,) = check_claim(parse_claim("Q >= 7"), family=None, graph=tree4(), memory=[3]).verdicts
    assert v.verdict == "confirmed"


def test_certificates_are_named_by_graph_and_memory_and_only_for_refutations(tmp_path):
    path = tmp_path / "tree.json"
    write_json(tree4(), path)
    for graph_path, name in ((None, "graph"), (str(path), "tree")):
        folder = tmp_path / name
        r = check_claim("Q >= 8", family=None, graph=tree4(), graph_path=graph_path,
                        memory=[3], certificates=folder)  # fmt: skip
        assert r.verdicts[0].certificate == str(folder / f"{name}-M3.strategy.json")
    folder = tmp_path / "confirmed"  # a confirmed or open claim writes nothing
    r = check_claim("Q <= 100", family=None, graph=tree4(), memory=[3, 4], certificates=folder)
    assert [v.certificate for v in r.verdicts] == [None, None] and not folder.exists()


def test_progress_gets_each_verdict_and_the_phases_name_the_instances(capsys):
    from redblue.progress import set_verbosity

    got = []
    set_verbosity(2)
    try:
        r = check_claim("Q >= 4", n=[1], d=[1], memory=[3, 4, 5], progress=got.append)
        check_claim("Q >= 4", n=[1], d=[1], memory=[4, 5])
        check_claim("io(greedy) >= 1", n=[1], d=[1], memory=[3])
    finally:
        set_verbosity(0)
    assert got == r.verdicts
    err = capsys.readouterr().err
    assert "redblue: checking Q >= 4 on attention-N1-d1-chain-M3 to M = 5 ...\n" in err
    assert "redblue: checking Q >= 4 on attention-N1-d1-chain-M4 to M = 5 ...\n" in err
    assert "redblue: checking io(greedy) >= 1 on attention-N1-d1-chain-M3 ...\n" in err


def test_no_certified_methods_once_a_stopped_search_decided_the_claim(monkeypatch):
    # a search stopped by its limit (stub) but with a strategy below the claim: refuted
    # by that upper bound, so no lower-bound method is run after it
    import redblue.claims.check as check_mod

    def certified(inst, limit):
        raise AssertionError("certified methods run on a decided claim")

    monkeypatch.setattr(check_mod, "search_facts", lambda inst, seed, limit: (
        Fact(5, "stub lower"), Fact(6, "stub upper", seed), False))  # fmt: skip
    monkeypatch.setattr(check_mod, "certified_facts", certified)
    (v,) = check_claim("Q >= 7", family=None, graph=tree4(), memory=[3]).verdicts
    assert (v.verdict, v.upper.source) == ("refuted", "stub upper")


def test_a_users_graph_has_io_greedy_and_only_it():
    (v,) = check_claim("io(greedy) <= 7", family=None, graph=tree4(), memory=[3]).verdicts
    assert (v.verdict, v.upper.value) == ("confirmed", 7)
    with pytest.raises(InvalidInputError, match=r"^io\(flash2\) is defined on the attention "
                       r"family only; a user's graph has io\(greedy\)$"):  # fmt: skip
        check_claim("io(flash2) <= 7", family=None, graph=tree4(), memory=[3])
    with pytest.raises(InvalidInputError, match=r"^the no-recompute game is checked on a "
                       r"user's graph only \(the block schedules and explicit bounds are for "
                       r"the classic game\)$"):  # fmt: skip
        check_claim("Q >= 1", n=[2], d=[1], memory=[4], variant="no-recompute")


def test_search_facts_pass_the_game_the_seed_and_the_limit(monkeypatch):
    # a stub solve: what the search is asked, and how its answer becomes two facts
    from types import SimpleNamespace as Result

    import redblue.claims.evidence as evidence

    seen = {}

    def stub(G, memory, variant, *, time_limit, upper):
        seen.update(G=G, memory=memory, variant=variant, time_limit=time_limit, upper=upper)
        return Result(optimal=False, stopped="time limit", lower=3, upper=9, states=12,
                      strategy="certificate")  # fmt: skip

    monkeypatch.setattr(evidence, "solve", stub)
    G = tree4()
    inst = graph_instance(G, compile_graph(G), 3, "tree4")
    inst.variant = "no-recompute"
    lower, upper, optimal = search_facts(inst, "seed", 1.5)
    assert seen == {"G": inst.compiled(), "memory": 3, "variant": "no-recompute",
                    "time_limit": 1.5, "upper": "seed"}  # fmt: skip
    assert not optimal and lower == Fact(3, "exact search (stopped by time limit, 12 states)")
    assert upper == Fact(9, "exact search certificate (stopped by time limit)", "certificate")


def test_graph_instances_of_two_graphs_are_two_groups():
    # a group shares one DAG: two graphs never share one, nor with an attention DAG
    G, H = chain_dag(3), chain_dag(4)
    a = graph_instance(G, compile_graph(G), 2, "a")
    assert a.group == graph_instance(G, compile_graph(G), 3, "a").group
    assert a.group != graph_instance(H, compile_graph(H), 2, "b").group
    assert a.group != attention_instance(1, 1, 2, "chain").group


def test_a_schedule_the_variant_lacks_is_refused_not_called_not_applicable():
    # check_claim refuses it up front; the schedule check itself re-raises the refusal
    backward = attention_instance(2, 1, 40, "chain", attention_variant(backward=True))
    with pytest.raises(InvalidInputError, match=r"io\(flash1\) has no backward schedule"):
        _schedule_claim(parse_claim("io(flash1) <= 100"), backward, sympy.Integer(100),
                        _Clock(None), 1000)
    # a schedule that cannot run at this memory is not applicable
    small = attention_instance(2, 1, 2, "chain")
    verdict, why, *_ = _schedule_claim(parse_claim("io(flash2) <= 100"), small,
                                       sympy.Integer(100), _Clock(None), 1000)
    assert verdict == "n/a" and "io(" not in why


@pytest.mark.parametrize("memory", [None, []])
def test_a_check_without_memory_sizes_says_to_give_them(memory):
    with pytest.raises(InvalidInputError, match=r"^give the memory sizes M to check \(e\.g\. "
                                                r"--memory 3\.\.20\)$"):  # fmt: skip
        check_claim("Q >= 1", n=[1], d=[1], memory=memory)


GRAPH_ONLY_M = "a user's graph takes only memory sizes, not a family, N or d"
GRAPH_NO_VARIANT = ("the attention variants (causal, block mask, decode rows, heads, backward) "
                    "apply to the attention family, not a user's graph")  # fmt: skip
NEEDS_N_D = "the attention family needs N and d values (e.g. --n 1..4 --d 1..3)"


@pytest.mark.parametrize(
    "grid, message",
    [
        ({"family": None, "n": [2], "graph": "chain"}, GRAPH_ONLY_M),
        ({"family": None, "d": [2], "graph": "chain"}, GRAPH_ONLY_M),
        ({"graph": "chain"}, GRAPH_ONLY_M),
        ({"family": None, "graph": "chain", "causal": True}, GRAPH_NO_VARIANT),
        ({"family": "fft", "n": [2], "d": [1]},
         "unknown family 'fft' (expected 'attention', or a graph)"),
        ({"n": [2], "d": [1], "sum": "x"}, "sum must be one of tree, chain, fma, got 'x'"),
        ({"n": [2]}, NEEDS_N_D),
        ({"d": [2]}, NEEDS_N_D),
    ],
)
def test_a_grid_the_family_does_not_take_is_refused_in_one_line(grid, message):
    kw = grid | ({"graph": chain_dag(3)} if "graph" in grid else {})
    with pytest.raises(InvalidInputError, match=f"^{re.escape(message)}$"):
        check_claim("Q >= 1", memory=[2], **kw)


def test_greedy_certificate_on_a_users_graph_is_for_its_game():
    G = chain_dag(4)
    inst = graph_instance(G, compile_graph(G), 2, "chain4")
    inst.variant = "no-recompute"
    fact = schedule_fact(inst, "greedy")
    assert fact.strategy.variant == "no-recompute"
    assert replay(inst.compiled(), fact.strategy).io == fact.value


def test_greedy_is_replayed_in_the_game_of_the_instance(monkeypatch):
    # moves are replayed, never trusted: a greedy that recomputed x[1] would be valid in
    # the classic game only, so at a no-recompute instance its replay must refuse it
    import redblue.claims.evidence as evidence

    G = chain_dag(3)
    recomputing = [("load", "x[0]"), ("compute", "x[1]"), ("delete", "x[1]"),
                   ("compute", "x[1]"), ("compute", "x[2]"), ("store", "x[2]")]  # fmt: skip
    monkeypatch.setattr(evidence, "greedy_moves", lambda C, m: encode_moves(C, recomputing))
    inst = graph_instance(G, compile_graph(G), 3, "chain3")
    assert schedule_fact(inst, "greedy").value == 2  # classic: valid, one load, one store
    inst.variant = "no-recompute"
    with pytest.raises(IllegalMoveError, match="x\\[1\\]"):
        schedule_fact(inst, "greedy")
    # the cheaper order's moves too: replayed in the instance's game, kept with its M
    monkeypatch.setattr(evidence, "cheapest_greedy_moves",
                        lambda C, m: (encode_moves(C, recomputing), "depth-first"))
    with pytest.raises(IllegalMoveError, match="x\\[1\\]"):
        cheaper_greedy_fact(inst)
    inst.variant = "classic"
    fact = cheaper_greedy_fact(inst)
    assert (fact.value, fact.strategy.memory, fact.strategy.variant) == (2, 3, "classic")
    assert replay(G, fact.strategy).io == 2  # at the strategy's own M and game


def test_a_cheaper_greedy_order_runs_only_in_the_time_left():
    inst = attention_instance(4, 2, 30, "tree")  # greedy alone: its other orders too
    inst.compiled()
    need = len(ORDERS) * schedule_seconds(inst, "greedy")

    def left(after):  # greedy itself fits; the second question answers ``after``
        answers = iter([1e9, after])
        return lambda: next(answers)

    assert len(upper_facts(inst, left=left(need))) == 2  # exactly enough
    assert len(upper_facts(inst, left=left(need * 0.99))) == 1
    # where the topological order is the cheapest there is no other fact
    chain = chain_dag(3)
    assert cheaper_greedy_fact(graph_instance(chain, compile_graph(chain), 2, "c")) is None
