"""Test helpers: random DAGs and random walks over legal moves (independent of redblue)."""

from __future__ import annotations

import importlib
import importlib.util
import random
import sys
from pathlib import Path

import networkx as nx

KINDS = ("load", "store", "compute", "delete", "delete-blue")


def small_dag(edges_seed: int, nodes: int, max_indegree: int = 3) -> nx.DiGraph:
    """A random DAG with every node ``v{i}``; sinks are the outputs."""
    rng = random.Random(edges_seed)
    G = nx.DiGraph()
    for v in range(nodes):
        G.add_node(f"v{v}")
        if v == 0:
            continue
        k = rng.randint(0, min(v, max_indegree))
        for u in rng.sample(range(v), k):
            G.add_edge(f"v{u}", f"v{v}")
    return G


def legal_moves(G, red, blue, computed, memory, no_recompute):
    """Every legal move in the configuration (red, blue), by the rules of the game."""
    moves = []
    full = len(red) >= memory
    for v in G:
        if v in red:
            moves.append(("delete", v))
            if v not in blue:
                moves.append(("store", v))
        elif not full:
            if v in blue:
                moves.append(("load", v))
            if (
                G.in_degree(v) > 0
                and all(u in red for u in G.predecessors(v))
                and not (no_recompute and v in computed)
            ):
                moves.append(("compute", v))
        if v in blue:
            moves.append(("delete-blue", v))
    return moves


def random_walk(G, memory, steps, seed, no_recompute=False, weights=None):
    """A random legal move sequence of at most ``steps`` moves (stops when stuck)."""
    rng = random.Random(seed)
    red, blue, computed = set(), {v for v in G if G.in_degree(v) == 0}, set()
    weights = weights or {"load": 3, "store": 2, "compute": 6, "delete": 2, "delete-blue": 1}
    out = []
    for _ in range(steps):
        options = legal_moves(G, red, blue, computed, memory, no_recompute)
        if not options:
            break
        kind, v = rng.choices(options, [weights[k] for k, _ in options])[0]
        out.append((kind, v))
        if kind in ("load", "compute"):
            red.add(v)
            if kind == "compute":
                computed.add(v)
        elif kind == "store":
            blue.add(v)
        elif kind == "delete":
            red.remove(v)
        else:
            blue.remove(v)
    return out, red, blue


def reset_moves(G, red, blue):
    """Moves that return to the start configuration, or None if an input lost its blue."""
    inputs = {v for v in G if G.in_degree(v) == 0}
    if not inputs <= blue:
        return None
    moves = [("delete", v) for v in sorted(red)]
    moves += [("delete-blue", v) for v in sorted(blue - inputs)]
    return moves


def plant_bch_row_count(monkeypatch, mod) -> None:
    """Planted in a proof script ``mod`` (thm_4_14): ``explicit.bch_independent_rows`` one
    too many at N = 20, d = 10 (5 where m = 5, t = 2 gives 2t = 4), the rest of
    ``explicit`` as it is."""
    from types import SimpleNamespace

    real = mod.explicit
    monkeypatch.setattr(mod, "explicit", SimpleNamespace(
        bch_independent_rows=lambda n, d: real.bch_independent_rows(n, d) + ((n, d) == (20, 10)),
        any_algorithm_binary=real.any_algorithm_binary))  # fmt: skip


def records_script():
    """benchmarks/records.py loaded as a module (its seeds and SPECS are tested)."""
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "records.py"
    spec = importlib.util.spec_from_file_location("records_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def proof_script(stem: str):
    """``proofs.<stem>``: from the checkout's folder, or under mutmut from its copy."""
    if importlib.util.find_spec("proofs") is None:  # pytest run as a program: no cwd on path
        sys.path.append(str(Path(__file__).resolve().parent.parent))
    return importlib.import_module(f"proofs.{stem}")
