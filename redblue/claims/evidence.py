"""What is known of one instance: proven lower bounds and replayed upper bounds on Q(G, M),
and the I/O of schedules, each fact with where it comes from.

A lower bound is trusted only from a proof: the trivial bound (needed inputs plus
outputs), the project's explicit-constant bounds (proven in ``proofs/`` for the attention
DAG with product vertices), the exact search (exhaustive under an admissible bound), or
the certified methods of :mod:`redblue.lower` whose proofs cover the game
(:func:`certified_facts`).
An upper bound is trusted only from a strategy that was replayed, or from a block counter
that equals the replay (tested on grids) where the moves are too many to replay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from redblue.bounds import explicit
from redblue.claims.variants import AttentionVariant
from redblue.errors import InvalidInputError
from redblue.game import replay
from redblue.game.compiled import CompiledGraph, compile_graph
from redblue.game.strategy import Strategy
from redblue.lower import lower_bound
from redblue.lower.certified import bound_methods
from redblue.search import solve
from redblue.search.ilp import trivial_lower_bound
from redblue.strategies import greedy_moves
from redblue.strategies.greedy import ORDERS, cheapest_greedy_moves

__all__ = ["Fact", "Instance", "attention_instance", "certified_facts", "graph_instance",
           "lower_facts",
           "schedule_fact", "schedule_seconds", "search_facts", "upper_facts"]

#: Most moves a schedule is replayed with; beyond, its block counter gives the I/O.
MAX_REPLAY_MOVES = 3_000_000
#: Seconds per node or move of each phase, about twice what a 2-core machine took in 2026
#: (building a 137k-node attention DAG 1.3 s, compiling it 0.7 s, greedy 1.0 s, a
#: schedule's moves and replay 0.5 s per million): a time limit skips a phase whose
#: estimate exceeds what is left, so no single phase runs far past the limit.
SECONDS_PER = {"node": 3e-5, "greedy node": 2e-5, "move": 2e-6}


@dataclass(frozen=True)
class Fact:
    """One bound and its source.

    Attributes
    ----------
    value : int
    source : str
        Where it comes from, e.g. ``"exact search (optimal)"`` or ``"flash2 (replayed)"``.
    strategy : Strategy or None
        For an upper bound obtained by replay: the strategy, valid at this instance.
    graph : networkx.DiGraph or None
        The DAG ``strategy`` runs on when it is not the instance's own (standard
        attention runs on the early-normalised DAG).
    """

    value: int
    source: str
    strategy: Strategy | None = None
    graph: nx.DiGraph | None = None


@dataclass
class Instance:
    """One point of a grid: its variables, its DAG and a label.

    Attributes
    ----------
    point : dict
        The values of the claim's variables (``N``, ``d``, ``M``; only ``M`` for a graph).
    group : tuple
        Instances with the same group share the DAG and differ only in M.
    label : str
        A name for files and tables, e.g. ``attention-N2-d1-chain-M4``.
    family : str
        ``"attention"`` or ``"graph"``.
    sum : str or None
        The attention DAG's summation shape.
    variant : str
        The game Q refers to (``"classic"``, or ``"no-recompute"`` on a user's graph).
    attention : AttentionVariant
        The attention variant of the DAG (causal, block mask, decode rows, heads,
        backward; the paper's graph by default).
    """

    point: dict[str, int]
    group: tuple
    label: str
    family: str
    sum: str | None
    graph: nx.DiGraph | None = None
    _compiled: CompiledGraph | None = None
    variant: str = "classic"
    attention: AttentionVariant = AttentionVariant()

    @property
    def memory(self) -> int:
        return self.point["M"]

    def dag(self) -> nx.DiGraph:
        """The DAG Q refers to (built on first use)."""
        if self.graph is None:
            self.graph = self.attention.dag(self.point["N"], self.point["d"], self.sum)
        return self.graph

    def compiled(self) -> CompiledGraph:
        if self._compiled is None:
            self._compiled = compile_graph(self.dag())
        return self._compiled

    def nodes(self) -> int:
        """The DAG's node count (in closed form before it is built)."""
        if self._compiled is not None:
            return self._compiled.n
        return self.attention.node_count(self.point["N"], self.point["d"], self.sum)

    def build_seconds(self) -> float:
        """Estimated seconds to build and compile the DAG (0 once done)."""
        return 0.0 if self._compiled is not None else self.nodes() * SECONDS_PER["node"]

    def describe(self) -> dict[str, Any]:
        """The instance as a JSON-ready dictionary."""
        out: dict[str, Any] = {"family": self.family, **self.point}
        if self.sum is not None:
            out["sum"] = self.sum
        named = {"decode_rows", "heads", "kv_heads"}  # in the point as Nq, H, Hkv
        return {**out, **{k: v for k, v in self.attention.describe().items() if k not in named}}


def attention_instance(n: int, d: int, memory: int, sum: str,
                       attention: AttentionVariant | None = None) -> Instance:
    """The attention DAG (late normalisation) with ``sum`` trees, at memory M: the
    paper's graph, or ``attention``'s variant of it."""
    v = AttentionVariant() if attention is None else attention
    return Instance({"N": n, "d": d, "M": memory, **v.variables()}, ("attention", n, d, sum),
                    f"attention{v.label()}-N{n}-d{d}-{sum}-M{memory}", "attention", sum,
                    attention=v)  # fmt: skip


def graph_instance(G: nx.DiGraph, compiled: CompiledGraph, memory: int, name: str) -> Instance:
    """A user's DAG at memory M."""
    return Instance({"M": memory}, ("graph", name), f"{name}-M{memory}", "graph", None, G,
                    compiled)  # fmt: skip


def lower_facts(inst: Instance, explicit_bounds: bool = True) -> list[Fact]:
    """Lower bounds on Q(G, M) that need no search: the trivial bound, and for the attention
    DAG with product vertices (tree or chain sums) the explicit-constant bounds (unless
    ``explicit_bounds`` is False, e.g. to test a claim against independent evidence only)."""
    facts = [Fact(trivial_lower_bound(inst.compiled()), "trivial bound (needed inputs "
                  "+ outputs)")]  # fmt: skip
    if (explicit_bounds and inst.family == "attention" and inst.sum in ("tree", "chain")
            and inst.attention.plain):  # proven for the paper's graph only
        n, d, m = inst.point["N"], inst.point["d"], inst.memory
        value, name = explicit.attention(n, d, m)
        if name != "trivial":
            facts.append(Fact(value, f"explicit {name} bound"))
    return facts


def schedule_seconds(inst: Instance, algorithm: str, max_moves: int = MAX_REPLAY_MOVES) -> float:
    """Estimated seconds of :func:`schedule_fact` (DAG build included); 0 for a count."""
    if algorithm == "greedy":
        return inst.build_seconds() + inst.nodes() * SECONDS_PER["greedy node"]
    n, d, m = inst.point["N"], inst.point["d"], inst.memory
    try:
        moves = inst.attention.estimated_moves(algorithm, n, d, m, inst.sum)
    except InvalidInputError:
        return 0.0  # it cannot run here: schedule_fact says so at once
    if moves > max_moves:
        return 0.0
    build = inst.build_seconds() if algorithm in inst.attention.schedules(inst.sum) else (
        inst.nodes() * SECONDS_PER["node"])
    return build + moves * SECONDS_PER["move"]


def schedule_fact(inst: Instance, algorithm: str, max_moves: int = MAX_REPLAY_MOVES) -> Fact:
    """The I/O of ``algorithm`` at ``inst``: replayed (with its strategy) when it has at
    most ``max_moves`` moves, else counted by its block counter.

    Raises
    ------
    InvalidInputError
        If the schedule cannot run there (memory too small, a summation shape it does not
        run on, or a block schedule on a user's graph).
    """
    if inst.family != "attention" and algorithm != "greedy":
        raise InvalidInputError(
            f"io({algorithm}) is defined on the attention family only; a user's graph has "
            f"io(greedy)"
        )
    m = inst.memory
    if algorithm == "greedy":
        moves = greedy_moves(inst.compiled(), m)  # valid in both games: it never recomputes
        result = replay(inst.compiled(), moves, m, inst.variant)
        return Fact(result.io, "greedy (replayed)", Strategy(moves.decode(), m, inst.variant))
    n, d, v = inst.point["N"], inst.point["d"], inst.attention
    count = v.count(algorithm, n, d, m, inst.sum)  # raises if M is too small for it
    if v.estimated_moves(algorithm, n, d, m, inst.sum) > max_moves:
        return Fact(count.io, f"{algorithm} (block counter; too many moves to replay here)")
    if algorithm in v.schedules(inst.sum):  # on the instance's own DAG, built once
        moves = v.moves(algorithm, inst.compiled(), n, d, m, inst.sum)
        result = replay(inst.compiled(), moves, m)
        return Fact(result.io, f"{algorithm} (replayed, {len(moves)} moves)",
                    Strategy(moves.decode(), m))  # fmt: skip
    sim = v.simulate_elsewhere(algorithm, n, d, m, inst.sum)
    return Fact(sim.result.io, f"{algorithm} (replayed, {len(sim.moves)} moves)",
                Strategy(sim.moves.decode(), m), sim.graph)  # fmt: skip


def upper_facts(
    inst: Instance,
    max_moves: int = MAX_REPLAY_MOVES,
    left: Callable[[], float | None] | None = None,
) -> list[Fact]:
    """Upper bounds on Q(G, M) from schedules that run on this very DAG, and greedy.

    Where greedy is the only one, its cheapest order of
    :data:`redblue.strategies.greedy.ORDERS` is added when it is cheaper.

    ``left``, if given, tells the seconds left: a schedule whose estimated cost
    (:func:`schedule_seconds`) exceeds them is skipped.
    """
    names = ["greedy"]
    if inst.family == "attention":
        names = list(inst.attention.schedules(inst.sum))
    facts = []
    for name in names:
        remaining = None if left is None else left()
        if remaining is not None and schedule_seconds(inst, name, max_moves) > remaining:
            continue
        try:
            facts.append(schedule_fact(inst, name, max_moves))
        except InvalidInputError:  # the memory is too small for this schedule
            continue
    # where greedy is the only schedule (a user's graph, tree sums), its other orders too
    remaining = None if left is None else left()
    greedy = [f for f in facts if f.source == "greedy (replayed)"]
    if names == ["greedy"] and greedy and (
            remaining is None or len(ORDERS) * schedule_seconds(inst, "greedy") <= remaining):
        other = cheaper_greedy_fact(inst)
        if other is not None and other.value < greedy[0].value:
            facts.append(other)
    return facts


def cheaper_greedy_fact(inst: Instance) -> Fact | None:
    """Belady's rule in the cheapest order of :data:`redblue.strategies.greedy.ORDERS`
    (depth-first from the outputs often beats the topological order of ``io(greedy)``),
    replayed; None when that is the topological order itself."""
    m = inst.memory
    moves, order = cheapest_greedy_moves(inst.compiled(), m)
    if order == "topological":
        return None
    result = replay(inst.compiled(), moves, m, inst.variant)
    return Fact(result.io, f"greedy in the {order} order (replayed)",
                Strategy(moves.decode(), m, inst.variant))  # fmt: skip


def search_facts(
    inst: Instance, seed: Strategy | None, time_limit: float | None
) -> tuple[Fact, Fact, bool]:
    """The exact search's proven lower bound, its best certificate, and whether they meet.

    ``seed`` (a strategy valid at this memory) seeds the search's upper bound.
    """
    r = solve(inst.compiled(), inst.memory, inst.variant, time_limit=time_limit, upper=seed)
    how = "optimal" if r.optimal else f"stopped by {r.stopped}"
    lower = Fact(r.lower, f"exact search ({how}, {r.states} states)")
    upper = Fact(r.upper, f"exact search certificate ({how})", r.strategy)
    return lower, upper, r.optimal


def certified_facts(inst: Instance, time_limit: float | None) -> list[Fact]:
    """The bounds of :func:`redblue.lower.lower_bound`'s methods (other than the trivial
    bound and the search) whose proofs cover the instance's game, each with its method's
    name as its source; none where no such method exists.

    Examples
    --------
    >>> from redblue.dags import fft_dag
    >>> G = fft_dag(16)
    >>> inst = graph_instance(G, compile_graph(G), 3, "fft16")
    >>> inst.variant = "no-recompute"
    >>> facts = certified_facts(inst, 1.0)
    >>> "mincut" in [f.source.split()[0] for f in facts], max(f.value for f in facts) >= 33
    (True, True)
    """
    methods = [m for m in bound_methods(inst.variant) if m != "trivial"]
    if not methods:
        return []
    lb = lower_bound(inst.compiled(), inst.memory, inst.variant, methods=methods,
                     time_limit=time_limit)  # fmt: skip
    facts = []
    for m in lb.methods:
        if m.status != "not run" and m.value > 0:  # a stopped method proved what it says
            how = "certified" if m.status == "ok" else f"certified, {m.status}"
            facts.append(Fact(m.value, f"{m.name} lower bound ({how}, redblue.lower)"))
    return facts
