"""The runner behind ``proofs/*.py`` and ``redblue prove``.

A proof script defines ``TITLE``, ``CLAIM``, ``REGIME`` (a tuple of inequalities, empty
for every M) and ``run(p)``, where ``p`` is a :class:`Proof`; it ends with
``raise SystemExit(script_main(globals()))``. ``run`` records each step:

* :meth:`Proof.identity` -- two sympy expressions are equal (``simplify(a - b) == 0``);
* :meth:`Proof.nonneg` -- an expression is >= 0, after substituting the regime
  (e.g. ``M = 2*d**2 + u`` with ``u >= 0``), as sympy's assumptions system decides it;
* :meth:`Proof.asymptotic` -- an O / Omega / Theta relation by
  :func:`redblue.bounds.compare`, with its regime;
* :meth:`Proof.check` -- any predicate checked on a concrete instance.

Any failed step (or an exception) fails the proof; a script exits 1 then. A script
that exits while the runner imports it or runs ``run`` (``sys.exit(0)`` included) fails
too: the steps after the exit never ran, and under ``redblue prove`` the exit would
otherwise end the whole command with the script's code, hiding every other result.
``redblue prove`` and the paper check run the scripts in a child process
(:func:`run_scripts`), so a script that ends the process itself (``os._exit``) fails too.
Expressions given as text are read by :mod:`redblue.bounds.expressions`, never
evaluated as Python.
"""

from __future__ import annotations

import importlib.util
import io
import json
import multiprocessing
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy

from redblue.bounds.compare import compare
from redblue.bounds.expressions import as_sympy
from redblue.progress import phase, set_verbosity, verbosity

__all__ = [
    "Proof",
    "Step",
    "script_main",
    "run_script",
    "run_scripts",
    "proof_scripts",
    "find_proofs",
    "PROOFS_DIR",
]


def _proofs_dir() -> Path:
    """The checkout's ``proofs/`` folder, installed as ``redblue.proofs`` (pyproject.toml).

    Imported from a source tree (the tests run so) the package has no ``proofs``
    subpackage, and the folder beside it is used.
    """
    spec = importlib.util.find_spec("redblue.proofs")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(__file__).resolve().parent.parent.parent / "proofs"


#: Where the proof scripts live (see :func:`_proofs_dir`).
PROOFS_DIR = _proofs_dir()


@dataclass
class Step:
    """One recorded step: ``kind`` is algebra, asymptotic or instance."""

    kind: str
    text: str
    ok: bool
    detail: str = ""


@dataclass
class Proof:
    """The record of one proof: its claim and every step checked."""

    name: str
    title: str
    claim: str
    regime: tuple[str, ...] = ()
    steps: list[Step] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    echo: bool = False

    # ------------------------------------------------------------------ recording
    def _add(self, kind: str, text: str, ok: bool, detail: str = "") -> bool:
        step = Step(kind, text, bool(ok), detail)
        self.steps.append(step)
        if self.echo:
            mark = "ok  " if step.ok else "FAIL"
            print(f"  [{mark}] {kind:10s} {text}" + (f"  ({detail})" if detail else ""))
        return step.ok

    def note(self, text: str) -> None:
        """Print a line of the derivation (not a check)."""
        if self.echo:
            print(f"         {text}")

    def check(self, text: str, ok: bool, detail: str = "") -> bool:
        """A predicate checked on a concrete instance."""
        return self._add("instance", text, ok, detail)

    def identity(self, text: str, lhs: Any, rhs: Any) -> bool:
        """``lhs == rhs`` as sympy expressions."""
        diff = sympy.simplify(as_sympy(lhs, relation=False) - as_sympy(rhs, relation=False))
        return self._add("algebra", text, diff == 0, f"{lhs} = {rhs}")

    def nonneg(self, text: str, expr: Any, subs: dict | None = None) -> bool:
        """``expr >= 0`` for all positive symbols, after the substitution ``subs``.

        Symbols should be declared positive (or nonnegative for slack variables); the
        decision is sympy's (``is_nonnegative`` of the factored, expanded or simplified
        form). Undecided counts as a failure.
        """
        e = as_sympy(expr, relation=False)
        if subs:
            e = e.subs(subs)
        ok = False
        for form in (sympy.factor(e), sympy.expand(e), sympy.simplify(e), sympy.together(e)):
            if form.is_nonnegative:
                ok = True
                break
        return self._add("algebra", text, ok, f"{sympy.factor(e)} >= 0")

    def asymptotic(
        self, text: str, f: Any, g: Any, relation: str, assumptions: Iterable[str] = ()
    ) -> bool:
        """``f = relation(g)`` (``"O"``, ``"Omega"`` or ``"Theta"``) under the assumptions.

        The detail names the relation found and the two expressions compared, as sympy
        prints them: a verdict alone cannot tell which f and g were compared.
        """
        c = compare(f, g, list(assumptions))
        ok = getattr(c, relation)
        fs, gs = as_sympy(f, relation=False), as_sympy(g, relation=False)
        detail = f"{c.relation()}: f = {fs}, g = {gs}"
        if c.empty_region:  # true, but only vacuously: say so in the record
            detail += f"; {c.note()}"
        if not ok:
            detail += f"; witness {c.witness if relation != 'Omega' else c.witness_omega}"
        regime = ", ".join(assumptions) or "all"
        return self._add("asymptotic", f"{text}  [{regime}]", ok, detail)

    # -------------------------------------------------------------------- results
    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.steps) and all(s.ok for s in self.steps)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.steps:
            out[s.kind] = out.get(s.kind, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "claim": self.claim,
            "regime": list(self.regime),
            "ok": self.ok,
            "steps": len(self.steps),
            "counts": self.counts(),
            "failed": [s.text for s in self.steps if not s.ok],
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }

    def line(self) -> str:
        c = self.counts()
        what = ", ".join(f"{v} {k}" for k, v in sorted(c.items()))
        verdict = "PASS" if self.ok else "FAIL"
        extra = ""
        if not self.ok:
            bad = [s.text for s in self.steps if not s.ok]
            extra = f"; failed: {bad[0]}" if bad else f"; error: {self.error}"
        return f"{verdict} {self.name:14s} {self.title}: {what} ({self.seconds:.1f} s){extra}"


def _execute(name: str, namespace: dict[str, Any], echo: bool) -> Proof:
    proof = Proof(
        name=name,
        title=namespace.get("TITLE", name),
        claim=namespace.get("CLAIM", ""),
        regime=tuple(namespace.get("REGIME", ())),
        echo=echo,
    )
    if echo:
        print(f"{proof.title}: {proof.claim}")
        print(f"regime: {', '.join(proof.regime) or 'every M'}")
    start = time.perf_counter()
    try:
        run: Callable[[Proof], None] = namespace["run"]
        run(proof)
    except SystemExit as exc:  # whatever the code, the steps after the exit never ran
        proof.error = f"run() called sys.exit({exc.code!r}) before its steps ended"
        if echo:
            print(f"error: {proof.error}")
    except Exception as exc:  # a crash is a failed proof, reported as such
        proof.error = f"{type(exc).__name__}: {exc}"
        if echo:
            traceback.print_exc()
    proof.seconds = time.perf_counter() - start
    if echo:
        print(f"verdict: {'PROVED (all checks pass)' if proof.ok else 'FAILED'}"
              f" -- {proof.line()}")  # fmt: skip
    return proof


def script_main(namespace: dict[str, Any]) -> int:
    """Run a proof script's ``run`` with printing; the exit code (0 or 1)."""
    name = Path(namespace.get("__file__", "proof")).stem
    return 0 if _execute(name, namespace, echo=True).ok else 1


def run_script(path: str | Path, echo: bool = False) -> Proof:
    """Load a proof script and run it (without its ``__main__`` block)."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"redblue_proof_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:  # the import must only define; an exit here ran no step
        error = f"sys.exit({exc.code!r}) while importing the script"
        return Proof(path.stem, path.stem, "", error=error)
    except Exception as exc:
        return Proof(path.stem, path.stem, "", error=f"{type(exc).__name__}: {exc}")
    with phase(f"proof {path.stem}"):
        return _execute(path.stem, vars(module), echo)


class _Relay(io.TextIOBase):
    """A text stream of the child that sends what is written to the parent as it comes.

    Printing stays live (a script's steps with ``echo``, progress on stderr) and reaches
    the parent's own ``sys.stdout`` and ``sys.stderr``, whatever they are (a captured
    stream under pytest, a file): the child's file descriptors are not the parent's streams.
    """

    def __init__(self, conn: Any, name: str, lock: threading.Lock) -> None:
        self._conn, self._name, self._lock = conn, name, lock

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            with self._lock:  # progress speaks from a timer thread too
                self._conn.send((self._name, text))
        return len(text)


def _worker(conn: Any, paths: list[str], echo: bool, level: int) -> None:
    """Run ``paths`` in order and send each :class:`Proof` back, with what it printed.

    A script that ends this process (``os._exit``, a signal) sends nothing more: the parent
    sees the pipe close before the result (:func:`run_scripts`). ``level`` is the parent's
    :mod:`redblue.progress` verbosity (a spawned process starts silent).
    """
    set_verbosity(level)
    lock = threading.Lock()
    sys.stdout, sys.stderr = _Relay(conn, "out", lock), _Relay(conn, "err", lock)
    try:
        for path in paths:
            proof = run_script(path, echo=echo)
            with lock:
                conn.send(("proof", proof))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the parent reports it
        pass
    finally:
        conn.close()


def run_scripts(paths: Iterable[str | Path], echo: bool = False) -> Iterator[Proof]:
    """Run proof scripts in a process of their own; yield each :class:`Proof` as it ends.

    The scripts run one after another in a child process, so that nothing a script does
    can end the caller with its own exit code: ``sys.exit`` is a failed proof already
    (:func:`run_script`), and a script that ends the process itself (``os._exit(0)``, a
    signal, a crash of the interpreter) is reported as a failed proof with the child's exit
    code; a new child then runs the scripts after it. What the scripts print (their steps
    with ``echo``, progress lines) comes out on this process's ``sys.stdout`` and
    ``sys.stderr`` as it is printed.

    Parameters
    ----------
    paths : iterable of str or Path
        The scripts, in the order to run them.
    echo : bool
        Print every step of each proof (the ``-v`` of ``redblue prove``).

    Yields
    ------
    Proof
        One per script, in order.

    Examples
    --------
    >>> [p.ok for p in run_scripts(find_proofs(["lemma_4_7"]))]
    [True]
    """
    todo = [str(p) for p in paths]
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    while todo:
        parent, child = ctx.Pipe(duplex=False)
        # not a daemon: a script may start processes of its own (the ILP runs HiGHS in one)
        worker = ctx.Process(target=_worker, args=(child, todo, echo, verbosity()))
        worker.start()
        child.close()  # the parent keeps only its end: a dead worker then reads as EOF
        try:
            while todo:
                try:
                    kind, what = parent.recv()
                except EOFError:
                    worker.join()
                    stem = Path(todo.pop(0)).stem
                    yield Proof(stem, stem, "", error=(
                        "the script ended the process that ran it (exit code "
                        f"{worker.exitcode}) before its steps ended"))  # fmt: skip
                    break  # a new worker for the rest
                if kind == "proof":
                    todo.pop(0)
                    yield what
                else:
                    stream = sys.stdout if kind == "out" else sys.stderr
                    stream.write(what)
                    stream.flush()
        finally:
            parent.close()
            if worker.is_alive():  # the caller stopped early, or Ctrl-C
                worker.terminate()
            worker.join()


def proof_scripts(directory: str | Path | None = None) -> list[Path]:
    """Every ``*.py`` proof script of the directory (default :data:`PROOFS_DIR`), sorted."""
    d = Path(directory) if directory is not None else PROOFS_DIR
    return sorted(p for p in d.glob("*.py") if not p.name.startswith("_"))


def _key(text: str) -> str:
    t = text.lower()
    for word in ("theorem", "lemma", "thm"):
        t = t.replace(word, "")
    return "".join(ch for ch in t if ch.isdigit() or ch == "_" or ch == ".").replace(".", "_")


def find_proofs(names: Iterable[str], directory: str | Path | None = None) -> list[Path]:
    """The scripts for ``names`` (``all``, a stem like ``thm_3_1``, or ``3.1``, ``Lemma 4.6``).

    Raises
    ------
    KeyError
        With the first name that matches no script.
    """
    scripts = proof_scripts(directory)
    out: list[Path] = []
    for name in names:
        if name == "all":
            out.extend(scripts)
            continue
        hits = [p for p in scripts if p.stem == name]
        if not hits:
            key = _key(name).strip("_")
            hits = [p for p in scripts if key and key in _key(p.stem).strip("_").split("__")]
            hits = hits or [p for p in scripts if key and _key(p.stem).strip("_") == key]
            hits = hits or [
                p for p in scripts if key and f"_{key}_" in f"_{_key(p.stem).strip('_')}_"
            ]
        if not hits:
            raise KeyError(name)
        out.extend(h for h in hits if h not in out)
    return out


if __name__ == "__main__":  # pragma: no cover
    results = list(run_scripts(proof_scripts()))
    print(json.dumps([r.to_dict() for r in results], indent=1))
    sys.exit(0 if all(r.ok for r in results) else 1)
