"""Explicit bounds against exact optima and schedules; the proof runner catches wrong claims."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest
import sympy

from redblue.bounds import explicit
from redblue.bounds.proof import Proof, find_proofs, proof_scripts, run_script
from redblue.bounds.results import ALGORITHMS, RESULTS, M, N, d, in_regime, result
from redblue.dags import attention_dag, matmul_dag
from redblue.game import replay
from redblue.strategies import greedy_strategy

search = pytest.importorskip("redblue.search")


@pytest.mark.parametrize("n,dd,m", [(1, 1, 3), (1, 2, 3), (1, 2, 4), (2, 1, 8)])
def test_explicit_attention_bounds_below_exact_optimum(n, dd, m):
    r = search.solve(attention_dag(n, dd), m, time_limit=5)
    assert r.optimal
    for bound in (explicit.trivial_attention(n, dd), explicit.large_cache(n, dd, m),
                  explicit.small_cache(n, dd, m), explicit.any_algorithm(n, dd, m)):  # fmt: skip
        assert bound <= r.io


@pytest.mark.parametrize("mm,k,n,m", [(1, 2, 2, 3), (2, 1, 2, 3), (1, 3, 1, 3), (2, 2, 2, 8)])
def test_explicit_matmul_bound_below_exact_optimum(mm, k, n, m):
    r = search.solve(matmul_dag(mm, k, n), m, time_limit=5)
    assert r.optimal
    assert explicit.matmul(mm, k, n, m) <= r.io
    assert explicit.trivial_matmul(mm, k, n) <= r.io


def test_trivial_bound_is_tight_with_a_big_cache_and_doubling_it_is_caught():
    G = attention_dag(2, 2)
    io = replay(G, greedy_strategy(G, 100)).io
    assert io == explicit.trivial_attention(2, 2) == 16
    p = Proof("wrong", "wrong", "doubled trivial bound")
    p.check("8Nd <= greedy io", 2 * explicit.trivial_attention(2, 2) <= io)
    assert not p.ok


def test_explicit_formulas_match_their_closed_forms():
    # large cache, M >= 2 d^2: ceil form >= N^2 d^2 / (2M) - M
    for n, dd, m in [(64, 8, 128), (100, 4, 64), (512, 16, 4096)]:
        assert explicit.large_cache(n, dd, m) >= n * n * dd * dd / (2 * m) - m
    for mm, k, n, m in [(64, 64, 64, 32), (100, 30, 70, 18)]:
        assert explicit.matmul(mm, k, n, m) >= mm * k * n / math.sqrt(2 * m) - m
    for n, dd, m in [(64, 8, 128), (64, 32, 16)]:
        assert explicit.any_algorithm(n, dd, m) >= min(n * n * dd * dd / (8 * m), n * n / 8) - m
    assert explicit.roots_per_part(2, 8) == 16 + 16
    assert explicit.matmul_products_per_part(8) == 32  # isqrt(1024)


def test_wrong_algebra_is_caught():
    p = Proof("wrong", "wrong", "a constant doubled")
    p.identity("M N^2 / (2M^2/d^2) = N^2 d^2 / M  (should be /(2M))",
               M * N**2 / (2 * M**2 / d**2), N**2 * d**2 / M)  # fmt: skip
    assert not p.ok and p.steps[0].ok is False


def test_flipped_regime_is_caught():
    p = Proof("wrong", "wrong", "Theorem 3.2 outside its regime")
    p.asymptotic("FlashAttention = O(N^2 d^2/M)", ALGORITHMS["flashattention-1"],
                 N**2 * d**2 / M, "O", ["M >= N*d"])  # fmt: skip
    assert not p.ok
    assert "witness" in p.steps[0].detail
    good = Proof("right", "right", "Theorem 3.2 in its regime")
    good.asymptotic("FlashAttention = O(N^2 d^2/M)", ALGORITHMS["flashattention-1"],
                    N**2 * d**2 / M, "O", ["M >= d", "M <= N*d"])  # fmt: skip
    assert good.ok


def test_an_asymptotic_step_records_what_it_compared():
    # a smaller lower-order term (2/N^2 for 2 N^2) keeps the verdict: only the recorded
    # expressions tell the two steps apart
    p = Proof("p", "p", "lower-order terms")
    for tail in (2 * N**2, 2 / N**2):
        p.asymptotic("main + tail = O(main)", N**2 * d / sympy.sqrt(M) + tail,
                     N**2 * d / sympy.sqrt(M), "O", ["M <= d**2", "d <= N"])  # fmt: skip
    assert p.ok
    assert [s.detail for s in p.steps] == [
        "Theta: f = 2*N**2 + N**2*d/sqrt(M), g = N**2*d/sqrt(M)",
        "Theta: f = 2/N**2 + N**2*d/sqrt(M), g = N**2*d/sqrt(M)",
    ]
    p.asymptotic("N^2 = O(N d)", "N**2", "N*d", "O", ["d <= N"])
    assert p.steps[-1].detail.startswith("Omega: f = N**2, g = N*d; witness {")


def test_undecided_nonnegativity_counts_as_failure():
    x = sympy.Symbol("x", real=True)
    p = Proof("wrong", "wrong", "x - 1 >= 0 is not always true")
    p.nonneg("x - 1 >= 0", x - 1)
    assert not p.ok


def test_a_wrong_script_fails_under_the_runner_and_the_cli(tmp_path):
    script = tmp_path / "thm_9_9.py"
    script.write_text(textwrap.dedent('''
        from redblue.bounds.proof import script_main
        from redblue.bounds import explicit
        from redblue.dags import attention_dag
        from redblue.game import replay
        from redblue.strategies import greedy_strategy
        TITLE = "Theorem 9.9"
        CLAIM = "Q >= 8Nd (the trivial bound with its constant doubled)"
        REGIME = ()
        def run(p):
            G = attention_dag(2, 2)
            io = replay(G, greedy_strategy(G, 100)).io
            p.check("8Nd <= io", 2 * explicit.trivial_attention(2, 2) <= io)
        if __name__ == "__main__":
            raise SystemExit(script_main(globals()))
    '''))
    assert not run_script(script).ok
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode == 1 and "FAIL" in done.stdout
    from redblue.cli import main

    assert main(["prove", "--dir", str(tmp_path), "all"]) == 1
    assert main(["prove", "--dir", str(tmp_path), "no-such-proof"]) == 2


def test_crashing_script_fails(tmp_path):
    script = tmp_path / "lemma_0_0.py"
    script.write_text("TITLE = 'x'\ndef run(p):\n    raise RuntimeError('boom')\n")
    proof = run_script(script)
    assert not proof.ok and "boom" in proof.error


def test_every_result_has_a_proof_script_and_names_resolve():
    stems = {p.stem for p in proof_scripts()}
    for name in ["thm_3_1", "thm_3_2", "lemma_3_3", "lemma_3_4", "thm_3_5", "lemma_3_6", "thm_3_7",
                 "lemma_4_1", "thm_4_4", "lemma_4_6", "lemma_4_7", "thm_4_8", "thm_4_14",
                 "thm_4_17", "lemma_2_7_2_8"]:  # fmt: skip
        assert name in stems
    assert [p.stem for p in find_proofs(["3.1"])] == ["thm_3_1"]
    assert [p.stem for p in find_proofs(["Lemma 4.6"])] == ["lemma_4_6"]
    assert [p.stem for p in find_proofs(["2.8"])] == ["lemma_2_7_2_8"]
    assert [p.stem for p in find_proofs(["4.1"])] == ["lemma_4_1"]
    with pytest.raises(KeyError):
        find_proofs(["9.99"])


def test_results_table():
    assert result("3.1").kind == "tight" and result("Theorem 4.8").name == "thm-4.8"
    assert in_regime(result("lemma-3.4").regime, N=8, d=2, M=4)
    assert not in_regime(result("lemma-3.4").regime, N=8, d=2, M=3)
    assert len({r.name for r in RESULTS}) == len(RESULTS)


# ------------------------------------------------------------- scripts that call sys.exit
_HEADER = "import sys\nfrom redblue.bounds.proof import script_main\nTITLE = {title!r}\n"
_SCRIPTS = {
    # exits 0 while imported: no step ever runs
    "a_exit_at_import": "sys.exit(0)\ndef run(p):\n    p.check('fine', True)\n",
    # exits 0 half-way through run: the failing step after it never runs
    "b_exit_in_run": "def run(p):\n    p.check('fine', True)\n    sys.exit(0)\n"
                     "    p.check('wrong', False)\n",
    "c_exit_nonzero": "def run(p):\n    p.check('fine', True)\n    raise SystemExit(3)\n",
    "d_fails": "def run(p):\n    p.check('wrong', False)\n",
    "e_passes": "def run(p):\n    p.check('fine', True)\n",
}
_MAIN = "if __name__ == '__main__':\n    raise SystemExit(script_main(globals()))\n"


def _write_scripts(folder, names):
    for name in names:
        text = _HEADER.format(title=name) + _SCRIPTS[name] + _MAIN
        (folder / f"{name}.py").write_text(text)


def test_a_script_exiting_fails_and_does_not_end_the_run(tmp_path, capsys):
    _write_scripts(tmp_path, _SCRIPTS)
    from redblue.cli import main

    assert main(["prove", "--dir", str(tmp_path), "all"]) == 1
    lines = capsys.readouterr().out.splitlines()
    verdicts = {line.split()[1]: line.split()[0] for line in lines if line[:4] in ("PASS", "FAIL")}
    assert verdicts == {
        "a_exit_at_import": "FAIL",
        "b_exit_in_run": "FAIL",
        "c_exit_nonzero": "FAIL",
        "d_fails": "FAIL",
        "e_passes": "PASS",
    }
    assert lines[-1] == "1/5 proofs pass"
    assert "sys.exit(0)" in run_script(tmp_path / "a_exit_at_import.py").error
    assert "sys.exit(0)" in run_script(tmp_path / "b_exit_in_run.py").error
    assert "sys.exit(3)" in run_script(tmp_path / "c_exit_nonzero.py").error


@pytest.mark.parametrize("names", [["a_exit_at_import", "d_fails"],
                                   ["b_exit_in_run", "e_passes"]])  # fmt: skip
def test_prove_exits_non_zero_whatever_a_script_exits_with(tmp_path, names, capsys):
    # in this process: the scripts run in a child of their own, and a SystemExit that
    # escaped ``prove`` would fail this test (the tests below run ``prove`` as a program)
    from redblue.cli import main

    _write_scripts(tmp_path, names)
    code = main(["prove", "--dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "FAIL " + names[0] in out
    assert out.splitlines()[-1] == f"{int('e_passes' in names)}/2 proofs pass"


# ends the process that runs it, with 0, and no SystemExit to catch: only a child process
# of its own keeps it from ending ``prove`` (run in a subprocess here: in the test's own
# process, a regression would end pytest with exit code 0)
_ENDS_PROCESS = {
    "f_os_exit_in_run": "import os\ndef run(p):\n    p.check('fine', True)\n    os._exit(0)\n",
    "g_os_exit_at_import": "import os\nos._exit(0)\ndef run(p):\n    p.check('fine', True)\n",
}


def test_prove_survives_scripts_that_end_the_process(tmp_path):
    # one run of ``prove`` (a program) over scripts that end their process, first, in the
    # middle and last, at import and in run: each is a failed proof with its exit code,
    # and the scripts after each run in a new child, in order
    _write_scripts(tmp_path, ["d_fails", "e_passes"])
    enders = {"a_ends": _ENDS_PROCESS["f_os_exit_in_run"], **_ENDS_PROCESS}
    for name, body in enders.items():  # a_ends sorts first: d_fails runs in a new child
        (tmp_path / f"{name}.py").write_text(_HEADER.format(title=name) + body + _MAIN)
    done = subprocess.run([sys.executable, "-m", "redblue", "prove", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    verdicts = [line.split()[:2] for line in lines if line[:4] in ("PASS", "FAIL")]
    assert verdicts == [["FAIL", "a_ends"], ["FAIL", "d_fails"], ["PASS", "e_passes"],
                        ["FAIL", "f_os_exit_in_run"], ["FAIL", "g_os_exit_at_import"]]
    ended = ("error: the script ended the process that ran it (exit code 0) before its "
             "steps ended")  # fmt: skip
    assert lines[0] == f"FAIL a_ends         a_ends:  (0.0 s); {ended}"
    assert "PASS e_passes       e_passes: 1 instance (0.0 s)" in lines
    for name in _ENDS_PROCESS:
        assert next(line for line in lines if name in line).endswith(ended), name
    assert lines[-1] == "1/5 proofs pass"


def test_a_script_may_start_processes_of_its_own(tmp_path, capsys):
    # the ILP runs HiGHS in a child process: the process that runs the scripts must allow it
    (tmp_path / "h_child.py").write_text(
        "import multiprocessing\nTITLE = 'child'\n"
        "def run(p):\n"
        "    child = multiprocessing.get_context('fork').Process(target=int)\n"
        "    child.start()\n    child.join()\n    p.check('a child ran', child.exitcode == 0)\n"
    )
    from redblue.cli import main

    assert main(["prove", "--dir", str(tmp_path), "all"]) == 0, capsys.readouterr()
    assert capsys.readouterr().out.startswith("PASS h_child")


def test_a_script_exiting_in_run_fails_when_run_alone(tmp_path):
    _write_scripts(tmp_path, ["b_exit_in_run"])
    done = subprocess.run([sys.executable, str(tmp_path / "b_exit_in_run.py")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1 and "FAILED" in done.stdout


# ------------------------------------------- explicit bounds where they are not zero
@pytest.mark.parametrize("name", ["large_cache", "small_cache", "any_algorithm",
                                  "any_algorithm_binary"])  # fmt: skip
def test_explicit_bounds_below_every_counted_schedule_where_non_zero(name):
    from redblue.analysis.measures import COUNTER_POINTS, best_counted

    bound = getattr(explicit, name)
    compared = 0
    for pt in COUNTER_POINTS:
        b = bound(*pt)
        best = best_counted(*pt)
        if b > 0 and best is not None:
            compared += 1
            assert b <= best[0], (name, pt, b, best)
    assert compared > 1000  # not vacuous: the bound met a non-zero value often


def test_explicit_bounds_below_replayed_schedules_where_non_zero():
    from redblue.analysis.measures import best_replayed

    compared = 0
    for pt in [(42, 1, 23), (16, 1, 11), (14, 4, 29), (16, 8, 6), (12, 3, 11), (16, 4, 20)]:
        io, _ = best_replayed(*pt)
        for name in ("large_cache", "small_cache", "any_algorithm", "any_algorithm_binary"):
            b = getattr(explicit, name)(*pt)
            compared += b > 0
            assert b <= io, (name, pt, b, io)
    assert compared >= 6
