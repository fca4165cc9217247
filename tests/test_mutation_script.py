"""benchmarks/mutation_score.py edits only a copy of the project, and edits it the same way
whether it runs from inside the copy or from the checkout with ``--root COPY``.

mutmut itself never runs here: ``subprocess.run`` is replaced by a stub that records the
command and where it ran.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "mutation_score.py"
PYPROJECT = """[tool.mutmut]
source_paths = ["redblue"]
only_mutate = [
    "redblue/bounds/*",
    "proofs/*",
]
pytest_add_cli_args_test_selection = [
    "tests/test_a.py",
    "tests/test_b.py",
]
pytest_add_cli_args = ["-q"]
"""
KERNEL = "import numba\n\n@njit(cache=True)\ndef f(x):\n    return x + 1\n"


@pytest.fixture()
def script(monkeypatch):
    spec = importlib.util.spec_from_file_location("mutation_score_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []

    def fake_run(cmd, cwd=None, env=None, **_):
        calls.append((cmd, Path(cwd), dict(env or {})))
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(module.subprocess, "run", fake_run)
    module.calls = calls
    return module


def _project(where: Path, checkout: bool) -> Path:
    (where / "redblue" / "search").mkdir(parents=True)
    (where / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (where / "redblue" / "search" / "heuristics.py").write_text(KERNEL, encoding="utf-8")
    if checkout:
        (where / ".git").mkdir()
    return where


def _selection(root: Path) -> list[str]:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    return re.findall(r'"(tests/[^"]+)"', text)


def _mutated(root: Path) -> list[str]:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    return re.findall(r'"([^"]+)"', re.search(r"only_mutate = \[[^\]]*\]", text)[0])


def test_a_copy_is_a_folder_without_git(script, tmp_path):
    assert script._is_copy(tmp_path)
    (tmp_path / ".git").write_text("gitdir: /elsewhere\n")  # a worktree: .git is a file
    assert not script._is_copy(tmp_path)
    (tmp_path / ".git").unlink()
    (tmp_path / ".git").mkdir()  # a checkout
    assert not script._is_copy(tmp_path)


@pytest.mark.parametrize("from_inside", [True, False], ids=["inside the copy", "--root COPY"])
def test_the_claims_target_runs_its_own_tests_in_the_copy(
    script, tmp_path, monkeypatch, from_inside
):
    copy = _project(tmp_path / "copy", checkout=False)
    if from_inside:  # the script of the copy: --root defaults to its own project
        monkeypatch.setattr(script, "ROOT", copy)
        argv = ["--run", "claims"]
    else:
        argv = ["--run", "claims", "--root", str(copy)]
    assert script.main(argv) == 2  # no mutants/ folder after the stub: no table
    assert _selection(copy) == sorted(script.TESTS["claims"])
    assert "tests/test_claims_variants.py" in _selection(copy)
    ((cmd, cwd, env),) = script.calls
    assert cwd == copy and cmd[-len(script.TARGETS["claims"]) :] == script.TARGETS["claims"]
    assert cmd[cmd.index("--max-children") + 1] == "1"
    assert env.get("NUMBA_DISABLE_JIT") == os.environ.get("NUMBA_DISABLE_JIT")  # left as it was


@pytest.mark.parametrize("from_inside", [True, False], ids=["inside the copy", "--root COPY"])
def test_the_heuristics_target_unjits_the_copy(script, tmp_path, monkeypatch, from_inside):
    copy = _project(tmp_path / "copy", checkout=False)
    if from_inside:
        monkeypatch.setattr(script, "ROOT", copy)
    argv = ["--run", "heuristics"] + ([] if from_inside else ["--root", str(copy)])
    script.main(argv)
    kernel = (copy / "redblue" / "search" / "heuristics.py").read_text(encoding="utf-8")
    assert "@njit" not in kernel and "def f(x):" in kernel
    assert _selection(copy) == script.TESTS["heuristics"]
    ((_, cwd, env),) = script.calls
    assert cwd == copy and env["NUMBA_DISABLE_JIT"] == "1"


def test_a_checkout_is_never_edited(script, tmp_path, monkeypatch, capsys):
    checkout = _project(tmp_path / "checkout", checkout=True)
    before = {p: p.read_bytes() for p in checkout.rglob("*") if p.is_file()}
    monkeypatch.setattr(script, "ROOT", checkout)
    script.main(["--run", "claims"])
    assert "git checkout" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="copy without .git"):
        script.main(["--run", "heuristics", "--root", str(checkout)])
    assert {p: p.read_bytes() for p in checkout.rglob("*") if p.is_file()} == before
    assert len(script.calls) == 1  # claims ran (full selection); heuristics was refused


def test_every_target_has_mutants_and_tests_that_exist(script):
    root = SCRIPT.parent.parent
    assert set(script.TESTS) <= set(script.TARGETS)
    for target, tests in script.TESTS.items():
        missing = [t for t in tests if not (root / t).is_file()]
        assert not missing, f"{target}: {missing}"


def test_the_table_counts_each_kind(script, tmp_path, capsys):
    pytest.importorskip("mutmut")
    meta = tmp_path / "mutants" / "redblue" / "claims" / "check.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {"redblue.claims.check.x_f__mutmut_1": 1, "redblue.claims.check.x_f__mutmut_2": 0,
             "redblue.claims.check.x_f__mutmut_3": 1, "redblue.claims.check.x_f__mutmut_4": None,
             "redblue.bounds.other.x_g__mutmut_1": 0}  # fmt: skip
    meta.write_text(json.dumps({"exit_code_by_key": codes}), encoding="utf-8")
    table = script.results(tmp_path / "mutants", script.TARGETS["claims"])
    assert table == {
        "redblue/claims/check.py": {
            "redblue.claims.check.x_f__mutmut_1": "killed",
            "redblue.claims.check.x_f__mutmut_2": "survived",
            "redblue.claims.check.x_f__mutmut_3": "killed",
            "redblue.claims.check.x_f__mutmut_4": "not run",
        }
    }
    assert script.main(["claims", "--root", str(tmp_path), "--survivors"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"redblue/claims/check\.py\s+4\s+2\s+1\s+0\s+0\s+1\s+66\.7%", out), out
    assert out.rstrip().endswith("redblue.claims.check.x_f__mutmut_2")


def test_the_proofs_target_mutates_only_the_scripts(script, tmp_path):
    copy = _project(tmp_path / "copy", checkout=False)
    script.main(["--run", "proofs", "--root", str(copy), "--only", "proofs.thm_3_*"])
    assert _mutated(copy) == ["proofs/*"] and _selection(copy) == script.TESTS["proofs"]
    ((cmd, cwd, _),) = script.calls
    assert cmd[-1] == "proofs.thm_3_*" and cwd == copy
    copy2 = _project(tmp_path / "copy2", checkout=False)
    script.main(["--run", "claims", "--root", str(copy2)])  # no MUTATE entry: all files
    assert _mutated(copy2) == ["redblue/bounds/*", "proofs/*"]
