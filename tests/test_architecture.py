"""The architecture as docs/architecture.md draws it: a true map, one-way imports, no outside refs.

1. The map is true: every module under ``redblue/`` (but ``__init__.py`` and
   ``__main__.py``) is named in the first column of one of its tables, and every path
   named there exists. How the first column is read (:func:`named_paths`): its backticked
   tokens are paths, relative to the directory of the section heading when the heading
   ends with ``/`` (``## redblue/``), else to the checkout; a token with a ``/`` sets the
   directory for the bare file names after it in the same cell (``dags/matmul.py``,
   ``classic.py`` is ``dags/classic.py``); a token ending with ``/`` names a whole
   directory.
2. Data flows one way: the layers contracts of ``[tool.importlinter]`` in pyproject.toml
   hold (``lint-imports``: every import, lazy ones inside functions too), and the map
   states the same layer order as the contract.
3. The project stands on its own: no tracked file refers to notes kept outside it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "redblue"
MAP = ROOT / "docs" / "architecture.md"
TOKEN = re.compile(r"`([^`]+)`")
ARROW = "->"
# Spelled in two pieces so that this file does not name them itself.
OUTSIDE_REFERENCES = ("PAPER" + ".md", "DESIGN" + ".md", ".." + "/shared")


def named_paths(text: str) -> list[tuple[str, Path]]:
    """Every path the map's tables name in their first column, as (token, path); a path of
    a whole directory ends with ``/`` in its token."""
    named: list[tuple[str, Path]] = []
    base = ROOT
    table_row = 0
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip().strip("`")
            base = ROOT / heading if heading.endswith("/") else ROOT
            continue
        if not line.startswith("|"):
            table_row = 0
            continue
        table_row += 1
        if table_row <= 2:  # the header and the |---| line
            continue
        folder = base
        for token in TOKEN.findall(line.split("|")[1]):
            if "/" in token:
                path = base / token
                folder = path if token.endswith("/") else path.parent
            else:
                path = folder / token
            named.append((token, path))
    return named


def stated_layers(text: str) -> list[list[str]]:
    """The layer order the map states: the ``a, b -> c -> ...`` line of its Layers section,
    lowest layer first, each layer's modules sorted."""
    section = text.split("\n## Layers", 1)
    assert len(section) == 2, "docs/architecture.md has no '## Layers' section"
    line = next((x for x in section[1].splitlines() if ARROW in x), None)
    assert line is not None, "the Layers section of docs/architecture.md states no order"
    return [sorted(m.strip().strip("`") for m in layer.split(",")) for layer in line.split(ARROW)]


def contract_layers(container: str) -> list[list[str]]:
    """The layers of the import-linter contract on ``container``, lowest first, each
    layer's modules sorted."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c.get("containers") == [container])
    return [sorted(m.strip() for m in re.split(r"[:|]", layer)) for layer in reversed(layers)]


def test_every_module_is_on_the_map():
    named = named_paths(MAP.read_text(encoding="utf-8"))
    files = {path for token, path in named if not token.endswith("/")}
    folders = [path for token, path in named if token.endswith("/")]
    missing = [
        module.relative_to(ROOT).as_posix()
        for module in sorted(PACKAGE.rglob("*.py"))
        if module.name not in ("__init__.py", "__main__.py")
        and "__pycache__" not in module.parts
        and module not in files
        and not any(folder in module.parents for folder in folders)
    ]
    assert not missing, "not named in the tables of docs/architecture.md: " + ", ".join(missing)


def test_every_path_on_the_map_exists():
    named = named_paths(MAP.read_text(encoding="utf-8"))
    assert len(named) > 20, "docs/architecture.md: its tables name almost no paths"
    bogus = [
        f"`{token}` ({path.relative_to(ROOT).as_posix()})"
        for token, path in named
        if not (path.is_dir() if token.endswith("/") else path.is_file())
    ]
    assert not bogus, "docs/architecture.md names paths that do not exist: " + ", ".join(bogus)


def test_imports_flow_one_way():
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    if "No module named 'importlinter'" in done.stderr:
        pytest.fail("import-linter is missing: pip install '.[test]'")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout, done.stdout


def test_the_map_states_the_contract_order():
    stated = stated_layers(MAP.read_text(encoding="utf-8"))
    contract = contract_layers("redblue")
    assert stated == contract, (
        f"docs/architecture.md states the layers {stated}, pyproject.toml's contract "
        f"{contract} (both lowest first)"
    )


def test_no_file_refers_to_notes_outside_the_project():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: no list of tracked files")
    found = []
    for name in listed.stdout.decode().split("\0"):
        path = ROOT / name
        if not name or not path.is_file():  # deleted in the work tree, not yet committed
            continue
        data = path.read_bytes()
        if b"\0" in data:  # binary
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            found += [f"{name}:{number} refers to {ref}" for ref in OUTSIDE_REFERENCES
                      if ref in line]  # fmt: skip
    assert not found, "the project must stand on its own:\n" + "\n".join(found)
