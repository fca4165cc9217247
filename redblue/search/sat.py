"""A second independent oracle: "is there a strategy with at most k I/O?" as SAT.

It shares no code with the A* search (:mod:`redblue.search.core`) nor with the ILP
(:mod:`redblue.search.ilp`): it reads only the :class:`CompiledGraph`, builds a
time-indexed CNF and asks CaDiCaL (through python-sat) for a strategy of at most ``k``
I/O, ``k`` down from the best strategy known until the answer is no (or up from a
lower bound until it is yes). python-sat is used because it wraps maintained CDCL
solvers (CaDiCaL 1.9.5) with incremental solving under assumptions, conflict budgets,
and tested cardinality encodings (sequential counters, the incremental totalizer of
Martins et al.); writing any of those by hand would be a second, untested SAT solver.

**Relevant vertices.** A vertex is *relevant* when it is a non-input output or an
ancestor of one. Deleting every move on an irrelevant vertex from a valid strategy
keeps it valid (a compute of a relevant vertex has only relevant operands; the red
count only falls; outputs that are inputs are blue from the start) and no dearer, so
irrelevant vertices get no variables. ``trivial`` = relevant inputs + non-input outputs:
each relevant input is red at some time (some compute needs it, recursively) and only a
load makes it red; each non-input output needs a store.

**Encoding** with steps ``t = 1..T`` (state 0 is the start: no red, blue = inputs). For
every relevant vertex ``v``: ``r[v,t]``, ``b[v,t]`` (red, blue after step ``t``) and
``l[v,t]``, ``s[v,t]``, ``c[v,t]`` (load, store, compute in step ``t``):

- ``r[v,t] -> r[v,t-1] or l[v,t] or c[v,t]`` (red appears by load or compute only; it
  may vanish freely, R4);
- ``l[v,t] -> b[v,t-1] and not r[v,t-1] and r[v,t]``;
- ``c[v,t] -> not r[v,t-1] and r[v,t]`` and ``c[v,t] -> r[u,t]`` for every operand
  ``u``; ``c`` is false on inputs; ``not (l and c)``; at most one compute a step, and a
  step without a compute is followed by none (computes fill a prefix of the steps);
- ``b[v,t] <-> b[v,t-1] or s[v,t]`` (blue is never deleted) and
  ``s[v,t] -> r[v,t-1] and not b[v,t-1]``;
- ``sum_v r[v,t] <= M`` (sequential counter) for every ``t``; ``b[o,T]`` for outputs;
- no-recompute: ``done[v,t] >= done[v,t-1], c[v,t]`` and ``c[v,t] -> not done[v,t-1]``;
- the I/O ``sum l + s`` feeds an incremental totalizer; ``sum <= k`` is one assumption;
- normal form: ``l[u,t]`` needs a compute of a successor of ``u`` in step ``t``; an
  output's store ``s[o,t]`` needs ``c[o,t-1]``; no-recompute: a vertex red after step
  ``t`` has a successor not computed before step ``t`` (or is an output without blue);
- implied (to help the solver): each relevant input loaded, each relevant non-input
  computed, each non-input output stored at some step; no-recompute: the operands of a
  compute were computed before, and steps ``1..m`` each hold a compute.

A step plays as its store, then deletions (red at ``t-1``, not at ``t``), then its loads,
then its compute (``_Encoding.decode``). Every load, store and compute is then legal (an
operand red at the end of the step is red before the compute: it was red and not
deleted, or loaded in this step; the step's only compute is the vertex itself), the red
count never exceeds ``max(|red at t-1|, |red at t|) <= M``, and the moves are exactly
the true variables: a model of cost ``<= k`` is a strategy of cost ``<= k``, which is
replayed before it is returned.

**Horizon (no-recompute).** Claim: if a no-recompute strategy ``S`` of cost ``q``
exists, the encoding with ``T >= m + 1`` steps, ``m`` = relevant non-inputs, has a model
of cost ``<= q``. Drop from ``S`` its moves on irrelevant vertices, its blue deletions
(a blue pebble only enables loads and the end condition, so keeping it breaks no move)
and every store of a vertex already blue; none of this raises the cost. Then put it in
normal form: postpone each load to just before the first compute that uses it (the
vertex stays blue, so the load stays legal and the red count between only falls; a load
no compute uses is dropped); move each output's one store to just after the compute that
last made it red (it stayed red till the store; blue earlier changes nothing); delete a
red pebble on a vertex whose successors are all computed (and, an output, stored) right
away (nothing can use it again: no recompute). Let ``v_1..v_p`` (``p <= m``, each
computed once) be its computes; segment ``i`` is the moves after ``v_{i-1}`` up to and
including the compute of ``v_i``, and segment ``p + 1`` the rest. Set ``R_i``, ``B_i`` =
red and blue sets at the end of segment ``i`` and map segment ``i`` to step ``i``:
``c[v_i, i]``; ``l[x,i]`` for ``x`` in ``R_i \\ R_{i-1}``, ``x != v_i``; ``s[x,i]`` for
``x`` in ``B_i \\ B_{i-1}``; steps after ``p + 1`` keep the last state (in step
``p + 1`` no load, ``r`` = ``R_p`` intersected with the red set at the end). Each constraint
holds: a vertex first made red inside a segment without a compute is loaded, so it was
blue then, and blue only from before the segment (a store inside it would need it red
before); a stored vertex was red when stored, hence red at the segment's start (else it
was loaded, so blue, so the store was dropped); the operands of ``v_i`` are red at its
compute, the segment's last move; ``v_i`` is not red before it (never computed before,
never blue); a load of segment ``i`` serves ``v_i``, a store of output ``v_i`` opens
segment ``i + 1``, and a dead value is gone by the end of the segment after it died.
Each relevant non-input is computed (an output needs a store, so red, so a compute;
operands likewise), so ``p = m``: the implied clauses hold too. Each true ``l``/``s``
stands for at least one load/store of ``S``. So with ``T = m + 1`` (the default), UNSAT
at ``k`` proves ``Q > k`` in the no-recompute game.

**Implied clauses (no-recompute, ``T = m + 1``; each family of ``SatOptions``).** Each
holds in some model of least cost of the encoding above, so UNSAT stays a proof:

- *windows*: steps ``1..m`` compute the ``m`` relevant non-inputs once each, operands
  first, so ``c[v,t]`` only for ``1 + (non-input ancestors of v) <= t <= m -
  (descendants of v)`` (``done`` fixed outside); a red pebble needs a successor not yet
  computed or an unstored output (clause D), so ``r[v,t]`` is false after the last step
  a successor (or, an output, its store) may take and before its own compute (an input:
  the first step a successor may be computed, when its first load serves it); a load
  serves a successor's compute, so ``l[v,t]`` only in the successors' windows. These
  are consequences of the clauses above: they hold in every model.
- *S*: a non-output's store ``s[v,t]`` implies ``not r[v,t]`` and a load of ``v`` after
  step ``t``; *L*: a live value (clause D's condition holds for it at step ``t``)
  leaves red in step ``t`` only if at least ``M`` pebbles are red after step ``t``
  (``full_t``, a conditional at-least-``M`` counter). Among the models of least cost
  take one with the most red pebble-steps (``sum r``), and among those the latest
  stores (``sum`` of store steps). It satisfies L: else keep ``v`` red in step ``t``
  (room: fewer than ``M`` red); the clauses of step ``t`` hold (D by liveness; ``v``
  was red, so not loaded, computed nor counted twice), a load of ``v`` in step
  ``t + 1`` would become void (a cheaper model: impossible), a non-output's store in
  step ``t`` moves to ``t + 1`` with the deletion (an output's stays, clause N2): one
  more red pebble-step at the same cost, a contradiction. It satisfies S: a stored
  non-output red after its store stays red to some step ``t'`` where it leaves (clause
  D clears every non-output by step ``m + 1``); no load of ``v`` falls in
  ``t + 1..t'`` (it is red), so its store moves to ``t'`` (legal: red before, not
  blue), a later store at the same cost and red count; and a store no later load reads
  can be dropped (cheaper). So UNSAT with S and L proves what UNSAT without them does.
- *the count*: ``b`` is never deleted and only a store sets it, and a store needs
  ``not b`` before, so each non-input is stored at most once: its stores are
  ``b[v,T]``; an output's is certain (``b[o,T]``), a constant taken off ``k``; loads
  are counted only in their windows (false outside). The same sum, fewer inputs to the
  totalizer.
- *prefix* (I/O spent plus I/O owed): the loads of ``v`` are counted as ``g[v,j]``,
  ``j = 1..deg(v)`` ("``v`` loaded at least ``j`` times"; a load serves a compute of a
  successor in its step, clause N4, and each successor is computed once, so ``v`` is
  loaded at most ``deg(v)`` = out-degree times), through counters ``a[v,t,j]`` (at
  least ``j`` loads in steps ``1..t``: false at ``t = 0``, kept from ``t - 1``, set by
  a load after ``j - 1``), ``g[v,j] = a[v,T,j]``. The owed clauses: if after step
  ``t`` ``v`` exists (an input, or ``done``), a successor is not done and ``v`` is not
  red, then ``a[v,t,j-1]`` implies ``g[v,j]`` and (a non-input) ``b[v,t]``. Set every
  ``a`` and ``g`` to its true value in a model of the encoding: each clause holds (the
  successor's compute needs ``v`` red; only a load can make it red again, no
  recompute, so a load follows step ``t``, after ``j - 1`` by then: ``j`` in all; that
  load needs ``v`` blue, and blue after step ``t`` means blue by step ``t``: ``v`` is
  not red between, so no store), and the sum of the ``g`` is the number of loads. So
  the models and their costs are those of the encoding without the family (each
  counter only over-counts if set above its true value, which makes a model dearer,
  never cheaper than its replay, which is checked), and UNSAT proves what it did; the
  solver, though, sees "I/O spent by step ``t`` plus loads owed after it > k" as
  soon as the prefix fixes them, where the plain count waits for the loads.
- *pressure*: after step ``t < m`` let ``live[v,t]`` be forced true when ``v`` exists
  (an input, or ``done``) and a successor is not ``done``. At most ``M`` of the live
  values are red; each other one is owed a load after step ``t`` (as in *prefix*), a
  different load for each. So loads after ``t`` >= live - ``M``, and loads by ``t``
  (``sum_j a[v,t,j]``, true values) + non-output stores by ``t`` (``b[v,t]``) + live
  ``<=`` the I/O less the outputs' stores ``+ M <= k - (outputs) + M``: one totalizer
  per step, bounded by an assumption beside the I/O's. With ``live`` at its true value
  every model of the encoding satisfies it (and a ``live`` set true beyond the truth
  only makes the bound harder), so UNSAT proves what it did.
- *symmetry* (lex-leader): an automorphism ``p`` of the DAG (it maps edges to edges
  and outputs to outputs, so relevant vertices, windows, ancestors and descendants to
  theirs) maps a model to a model (``x[v,t] -> x[p(v),t]`` for every family above:
  each is defined from the graph alone; the counters' auxiliary variables are derived
  anew) of the same cost, whose computes are
  ``p(v_1)..p(v_m)``. Take the set of least-cost models satisfying every other family
  (not empty, by the proofs above; closed under the automorphisms) and in it one whose
  compute sequence is lexicographically least (vertices ordered by number): for each
  kept ``p``, ``v_1..v_m <= p(v_1)..p(v_m)``, i.e. at the first ``t`` with
  ``p(v_t) != v_t``, ``v_t < p(v_t)``. The clauses say exactly that: ``e_t`` ("``p``
  fixes ``v_1..v_t``", set to its true value) follows from ``e_{t-1}`` and a compute of
  a fixed vertex, and ``e_{t-1}`` forbids the compute of a ``v`` with ``p(v) < v``.
  Any set of automorphisms is sound (each is one more constraint the same model
  satisfies); at most :data:`SYMMETRY_PERMS` are kept.
- *phases* (a strategy given as ``hint``): only the solver's first guess of each
  variable, which changes no answer.

**Search direction.** ``k`` goes down from the best strategy known: a model replays to
some I/O ``q <= k`` and the next call asks ``q - 1``; the first UNSAT (at ``q - 1``)
proves ``Q >= q`` with the model of cost ``q`` in hand. Upward, every UNSAT on the way
raises the lower bound and the first model is optimal. Both ask the same hardest call
(``k = Q - 1``); downward skips the easier UNSATs below it.

**Classic game: a model search.** An optimal strategy may recompute, and no bound on its
number of computes is proven here, so a bounded horizon proves nothing about Q: an UNSAT
at ``k`` only says "no strategy of at most T steps with <= k I/O"
(``details["sat_no_strategy"]`` holds the largest such ``k``); the reported lower bound
stays the trivial one (or the ``start`` proven elsewhere). What the method does there is
find strategies: ``T = m + 1 + recomputes`` steps leave room for that many
recomputations (``recomputes`` of :func:`sat_search`). A vertex computed in several
steps needs no new variable: ``c[v,t] -> not r[v,t-1]`` lets it be computed again once
its pebble is gone, the decoder emits each compute, and the replay checks the moves. The
horizon proof's segments, without its ``done`` and clause D, map a classic strategy with
``p <= T - 1`` computes to a model of no more cost. Two families keep the least cost of
the models of each horizon (so they only speed the search):

- *windows*, lower end only: every compute of ``v`` has its non-input operands red, and
  only a compute makes a vertex red the first time (a load needs blue, a store red), so
  each non-input ancestor of ``v`` is computed in an earlier step, distinct ones in
  distinct steps: ``c[v,t]`` only for ``t >= 1 + (non-input ancestors)``. The upper
  ends, the red and the load windows are left out (a recomputation may follow the
  descendants).
- *uses*: ``f[v,t]`` ("``v`` has a use in step ``t`` or later": a successor computed in
  a step ``>= t``, or ``v`` stored in a step ``> t``, chained as ``f[v,t] -> use(t) or
  f[v,t+1]``, ``f[v,T+1]`` false) and ``r[v,t] -> c[v,t] or f[v,t]``. Given any model,
  set ``r[v,t]`` false wherever it is true, ``c[v,t]`` is not, and no use follows, and
  ``f`` to its true value. Every clause still holds: a red pebble kept is kept at the
  next step only by a compute there; the uses themselves are untouched (a successor's
  compute in step ``t`` needs ``r[v,t]``, a store in step ``t`` needs ``r[v,t-1]``, a
  load serves the compute of its step, N4); loads and computes of ``v`` need it not red
  before (fewer red only helps); the red count falls. Same moves but deletions, same
  cost.

The other families are left out: S and L rest on clause D and ``done``, prefix and
pressure count at most out-degree loads and say only a load makes a value red again (a
recomputation does too); symmetry would be sound (an automorphism maps classic models to
models and the lex-least argument does not use ``done``) but its clauses fight the phases
of a known strategy, and an UNSAT proves nothing there anyway.

**Neighbourhoods** (:func:`sat_neighbourhoods`, both games, it only finds): the steps of
the best strategy outside a window are fixed by assumptions (after the window shifted
``e`` steps later, in an encoding of ``e`` more steps), the window is free, and the
solver asks for less I/O within a conflict budget; every model is replayed. Small
windows are easy calls, so it walks from a known strategy to cheaper ones that
recompute, where the whole formula does not answer.

**Solver.** CaDiCaL runs with its defaults or one of its own named configurations
(:data:`CADICAL_CONFIGS`, option ``cadical``); the calls get conflict budgets doubled
from :data:`FIRST_BUDGET` to :data:`MAX_BUDGET`, a schedule that does not depend on the
machine's speed, so that a run's conflicts repeat on a loaded machine.

References
----------
.. [1] J.-W. Hong and H. T. Kung, "I/O complexity: the red-blue pebble game", STOC 1981.
.. [2] R. Martins, S. Joshi, V. Manquinho and I. Lynce, "Incremental cardinality
   constraints for MaxSAT", CP 2014 (the incremental totalizer).
.. [3] A. Ignatiev, A. Morgado and J. Marques-Silva, "PySAT: A Python toolkit for
   prototyping with SAT oracles", SAT 2018.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from redblue.errors import InvalidInputError
from redblue.game.compiled import CompiledGraph
from redblue.game.replay import replay
from redblue.game.strategy import COMPUTE, DELETE, LOAD, STORE, EncodedMoves
from redblue.search.limits import Limits, Stopped

__all__ = ["CADICAL_CONFIGS", "CLASSIC_RECOMPUTES", "SOLVER", "SatOptions", "SatOutcome",
           "relevant_vertices", "sat_neighbourhoods", "sat_search", "sat_trivial_bound"]

#: the CDCL solver python-sat runs
SOLVER = "cadical195"
#: conflicts of the first solver call; each later one doubles it up to MAX_BUDGET
FIRST_BUDGET = 2000
#: most conflicts between two looks at the clock (about 0.2 to 1 s on attention DAGs)
MAX_BUDGET = 10_000
#: bytes a clause is assumed to take inside the solver (for the memory guard)
BYTES_PER_CLAUSE = 120
#: most automorphisms given lex-leader clauses (any subset of the group is sound)
SYMMETRY_PERMS = 64
#: extra steps ``solve(method="sat")`` gives the classic game's model search
CLASSIC_RECOMPUTES = 4


@dataclass
class SatOutcome:
    """What :func:`sat_search` found.

    Attributes
    ----------
    lower : int
        A proven lower bound on Q(G, M): the trivial one, raised by each UNSAT answer
        when the horizon makes the encoding exact (no-recompute, ``T >= m + 1``).
    moves : EncodedMoves or None
        The decoded, replayed model of the first ``k`` found satisfiable; None if none.
    upper : int or None
        Its replayed I/O.
    conflicts : int
        Conflicts of the solver over every call.
    stopped : str or None
        "time limit", "interrupted" or "memory limit"; None if it finished.
    details : dict
        ``horizon``, ``sat_exact``, ``sat_variables``, ``sat_clauses``, ``sat_calls``,
        ``sat_no_strategy`` (largest ``k`` shown UNSAT at this horizon, -1 if none).
    """

    lower: int
    moves: EncodedMoves | None
    upper: int | None
    conflicts: int
    stopped: str | None
    details: dict[str, Any] = field(default_factory=dict)


def relevant_vertices(graph: CompiledGraph) -> np.ndarray:
    """Mask of the non-input outputs and their ancestors (see the module docstring).

    Examples
    --------
    >>> import networkx as nx
    >>> from redblue.game import compile_graph
    >>> G = nx.DiGraph([("a", "b"), ("a", "c"), ("b", "d")])
    >>> G.nodes["d"]["output"] = True
    >>> C = compile_graph(G)
    >>> sorted(C.nodes[v] for v in range(C.n) if relevant_vertices(C)[v])
    ['a', 'b', 'd']
    """
    keep = graph.is_output & ~graph.is_input
    stack = list(np.flatnonzero(keep))
    while stack:
        v = stack.pop()
        for u in graph.predecessors(v):
            if not keep[u]:
                keep[u] = True
                stack.append(int(u))
    return keep


def sat_trivial_bound(graph: CompiledGraph) -> int:
    """Relevant inputs (each loaded at least once) plus non-input outputs (each stored).

    Examples
    --------
    >>> from redblue.dags import chain_dag
    >>> from redblue.game import compile_graph
    >>> sat_trivial_bound(compile_graph(chain_dag(4)))
    2
    """
    keep = relevant_vertices(graph)
    return int((keep & graph.is_input).sum() + (graph.is_output & ~graph.is_input).sum())


@dataclass(frozen=True)
class SatOptions:
    """Which clause families :func:`sat_search` adds beyond the exact encoding.

    Each family is sound in the no-recompute game (the module docstring proves it); in
    the classic game only ``windows`` (its lower end: no compute before the ancestors')
    and ``uses`` are added, proven there for a bounded horizon.

    Attributes
    ----------
    windows : bool
        Units that fix each compute to the steps its ancestors and descendants leave it,
        and each red pebble to the steps a successor may still use it.
    lazy : bool
        Normal form L: a live value leaves red only when the other red pebbles fill M.
    stores : bool
        Normal form S: a non-output is stored in the step it leaves red, and only when a
        later step loads it again.
    card : str
        The python-sat encoding of "at most M red" (a name of ``pysat.card.EncType``).
    symmetry : bool
        Lex-leader clauses over up to :data:`SYMMETRY_PERMS` automorphisms of the DAG:
        the sequence of computes is no larger than its image under each of them.
    prefix : bool
        Prefix I/O bounds: the loads are counted per vertex (``g[v,j]``: ``v`` loaded at
        least ``j`` times), and ``g[v,j]`` is set as soon as a prefix of the steps forces
        it (``j - 1`` loads so far, ``v`` live and not red), so that the I/O spent plus the
        I/O owed meets ``k`` early.
    pressure : bool
        Memory pressure: after each step, the I/O so far (loads counted as in
        ``prefix``) plus the live values is at most ``k + M`` (those not red, all but
        ``M``, each owe a load).
    phases : bool
        Set the solver's preferred phases from the ``hint`` strategy given to
        :func:`sat_search` (no effect without one; no effect on the answer). Alone it
        slowed the proofs (UNSAT calls) measured 1.4 to 1.9 times; with symmetry and
        prefix it was even, and it is what finds the models below a known strategy on
        attention N = 3, d = 1 (none found without it in 120 s).
    uses : bool
        Classic game only (implied there by clause D otherwise): a red pebble not just
        computed has a use ahead, a successor's compute in its step or later or a store
        of it in a later step.
    cadical : {"", "unsat", "sat"}
        A named configuration of CaDiCaL's options (:data:`CADICAL_CONFIGS`; "" keeps
        its defaults). It changes how the solver searches, never the formula, so never
        an answer.
    """

    windows: bool = True
    lazy: bool = True
    stores: bool = True
    card: str = "seqcounter"
    symmetry: bool = True
    prefix: bool = True
    phases: bool = True
    pressure: bool = False
    cadical: str = ""
    uses: bool = True


#: CaDiCaL's own named configurations (its ``config.cpp``), set through python-sat's
#: ``configure``: "unsat" targets unsatisfiable formulas, "sat" satisfiable ones (its
#: stable mode only; the elimination and subsumption efforts of CaDiCaL's "sat" are left
#: out: their names changed between versions and ``configure`` ignores unknown names)
CADICAL_CONFIGS = {
    "": {},
    "unsat": {"stabilize": 0, "walk": 0},
    "sat": {"stabilizeonly": 1},
}


def _windows(preds: list[list[int]], succs: list[list[int]], is_in: list[bool],
             m: int) -> tuple[list[int], list[int]]:  # fmt: skip
    """First and last step of each vertex's compute when steps ``1..m`` compute the
    ``m`` non-inputs once each in a topological order: after its non-input ancestors,
    before its descendants."""
    nv = len(preds)
    indeg = [len(p) for p in preds]
    order = [i for i in range(nv) if not indeg[i]]
    for v in order:  # Kahn: the list grows while it is read
        for w in succs[v]:
            indeg[w] -= 1
            if not indeg[w]:
                order.append(w)
    anc: list[set[int]] = [set() for _ in range(nv)]
    desc: list[set[int]] = [set() for _ in range(nv)]
    for v in order:
        for u in preds[v]:
            anc[v] |= anc[u] | {u}
    for v in reversed(order):
        for w in succs[v]:
            desc[v] |= desc[w] | {w}
    first = [1 + sum(not is_in[u] for u in anc[i]) for i in range(nv)]
    last = [m - len(desc[i]) for i in range(nv)]
    return first, last


class _Encoding:
    """The CNF of the module docstring: variable numbers and clauses."""

    def __init__(self, graph: CompiledGraph, memory: int, no_recompute: bool, T: int,
                 ubound: int, lim: Limits, options: SatOptions | None = None):  # fmt: skip
        from pysat.card import CardEnc, EncType, ITotalizer

        opt = SatOptions() if options is None else options
        card = getattr(EncType, opt.card)
        self.graph, self.T, self.memory = graph, T, memory
        keep = relevant_vertices(graph)
        self.verts = [int(v) for v in np.flatnonzero(keep)]
        pos = {v: i for i, v in enumerate(self.verts)}
        nv = len(self.verts)
        self.nv = nv
        self.m = m = int((keep & ~graph.is_input).sum())
        # r, b for t = 0..T; l, s, c (and done) for t = 0..T with t = 0 unused (fixed false)
        self.top = 0

        def block() -> int:
            base = self.top
            self.top += (T + 1) * nv
            return base

        self.R, self.B, self.L, self.S, self.C = (block() for _ in range(5))
        self.D = block() if no_recompute else None
        clauses: list[list[int]] = []
        add = clauses.append
        is_in = [bool(graph.is_input[v]) for v in self.verts]
        is_out = [bool(graph.is_output[v]) and not is_in[i] for i, v in enumerate(self.verts)]
        preds = [[pos[int(u)] for u in graph.predecessors(v)] for v in self.verts]
        succs: list[list[int]] = [[] for _ in range(nv)]
        for i in range(nv):
            for u in preds[i]:
                succs[u].append(i)
        r, b, ld, st, c = self.r, self.b, self.l, self.s, self.c
        counters = opt.prefix or opt.pressure  # loads counted per vertex
        # windows (no-recompute, normal form): the compute of v fills one of the steps
        # 1..m after its non-input ancestors and before its descendants
        first, last = _windows(preds, succs, is_in, m) if no_recompute and opt.windows \
            else ([1] * nv, [T] * nv)  # fmt: skip
        for i in range(nv):  # the start: nothing red, blue on the inputs
            add([-r(i, 0)])
            add([b(i, 0)] if is_in[i] else [-b(i, 0)])
            for x in (ld, st, c):
                add([-x(i, 0)])
            if no_recompute:
                add([-self.d(i, 0)])
            if is_in[i]:
                for t in range(T + 1):
                    add([-c(i, t)])
                    add([-st(i, t)])  # already blue, never stored (b never deleted)
            if graph.is_output[self.verts[i]]:
                add([b(i, T)])
        if no_recompute and opt.windows:
            for i in range(nv):
                if not is_in[i]:
                    for t in range(1, T + 1):
                        if not first[i] <= t <= last[i]:
                            add([-c(i, t)])
                        if t < first[i]:
                            add([-self.d(i, t)])
                        elif t >= last[i]:
                            add([self.d(i, t)])
                # red only from the first step it can be computed or loaded for a
                # successor, until the last step a successor (or its store) may use it
                lo = first[i] if not is_in[i] else min((first[w] for w in succs[i]), default=1)
                hi = max([last[w] for w in succs[i]] + ([last[i] + 1] if is_out[i] else []),
                         default=T)  # fmt: skip
                for t in range(1, T + 1):
                    if t < lo or t > hi:
                        add([-r(i, t)])
        # implied by every strategy on the relevant vertices (redundant, they help the
        # solver): each relevant input loaded, each relevant non-input computed, each
        # non-input output stored, at some step
        for i in range(nv):
            add([ld(i, t) for t in range(1, T + 1)] if is_in[i]
                else [c(i, t) for t in range(1, T + 1)])  # fmt: skip
        for i in range(nv):
            if is_out[i]:
                add([st(i, t) for t in range(1, T + 1)])
        # the I/O: each non-input is stored at most once (blue stays), so its stores are
        # b[v,T]; an output's store is certain (a constant); loads only in the steps a
        # successor may be computed (load_from..load_to, all steps without windows)
        io_lits = [b(i, T) for i in range(nv) if not is_in[i] and not is_out[i]]
        self.io_offset = sum(is_out)
        load_from, load_to = [1] * nv, [T] * nv
        if no_recompute and opt.windows:
            for i in range(nv):
                load_from[i] = min((first[w] for w in succs[i]), default=T + 1)
                load_to[i] = max((last[w] for w in succs[i]), default=0)
                for t in range(1, T + 1):
                    if not load_from[i] <= t <= load_to[i]:
                        add([-ld(i, t)])
        active: list[int] = []  # active[t]: step t holds a compute
        for t in range(1, T + 1):
            lim.check()
            full = None  # "at least M red after step t" (lazy deletion)
            if no_recompute and opt.lazy and memory < nv:
                self.top += 1
                full = self.top
            for i in range(nv):
                add([-r(i, t), r(i, t - 1), ld(i, t), c(i, t)])
                add([-ld(i, t), b(i, t - 1)])
                add([-ld(i, t), -r(i, t - 1)])
                add([-ld(i, t), r(i, t)])
                add([-c(i, t), -r(i, t - 1)])
                add([-c(i, t), r(i, t)])
                add([-c(i, t), -ld(i, t)])
                for u in preds[i]:
                    add([-c(i, t), r(u, t)])
                add([-b(i, t), b(i, t - 1), st(i, t)])
                add([-b(i, t - 1), b(i, t)])
                add([-st(i, t), b(i, t)])
                add([-st(i, t), r(i, t - 1)])
                add([-st(i, t), -b(i, t - 1)])
                # normal form: a load serves the step's compute (N4), an output is stored
                # in the step after its compute (N2)
                add([-ld(i, t)] + [c(w, t) for w in succs[i]])
                if is_out[i]:
                    add([-st(i, t), c(i, t - 1)])
                elif no_recompute and opt.stores and not is_in[i]:
                    # normal form S: a value is stored in the step it leaves red, and only
                    # if it is loaded again later
                    add([-st(i, t), -r(i, t)])
                    add([-st(i, t)] + [ld(i, u) for u in range(t + 1, T + 1)])
                if no_recompute:
                    d = self.d
                    add([-d(i, t - 1), d(i, t)])
                    add([-c(i, t), d(i, t)])
                    add([-d(i, t), d(i, t - 1), c(i, t)])
                    add([-c(i, t), -d(i, t - 1)])
                    for u in preds[i]:  # operands computed before (implied)
                        if not is_in[u]:
                            add([-c(i, t), d(u, t - 1)])
                    # dead values go (normal form D): red after step t needs a successor
                    # not computed before step t, or (an output) no blue yet
                    if succs[i] or is_out[i]:
                        live = [-d(w, t - 1) for w in succs[i]]
                        if is_out[i]:
                            live.append(-b(i, t - 1))
                        add([-r(i, t)] + live)
                        if full is not None:
                            # normal form L: a live value leaves red only when the
                            # red pebbles after the step are all in use
                            for x in live:
                                add([-r(i, t - 1), r(i, t), -x, full])
                if load_from[i] <= t <= load_to[i] and not (no_recompute and counters):
                    io_lits.append(ld(i, t))
            reds = [r(i, t) for i in range(nv)]
            if memory < nv:
                enc = CardEnc.atmost(reds, bound=memory, top_id=self.top, encoding=card)
                self.top = max(self.top, enc.nv)
                clauses.extend(enc.clauses)
            if full is not None:
                enc = CardEnc.atleast(reds, bound=memory, top_id=self.top, encoding=card)
                self.top = max(self.top, enc.nv)
                clauses.extend([-full] + cl for cl in enc.clauses)
            comps = [c(i, t) for i in range(nv) if not is_in[i]]
            if len(comps) > 1:
                enc = CardEnc.atmost(comps, bound=1, top_id=self.top, encoding=EncType.ladder)
                self.top = max(self.top, enc.nv)
                clauses.extend(enc.clauses)
            self.top += 1
            active.append(self.top)
            add([-self.top] + comps)
            if no_recompute:  # every relevant non-input computed once: steps 1..m compute
                add([self.top] if t <= m else [-self.top])
            if t > 1:  # a compute at step t needs one at step t - 1
                for lit in comps:
                    add([-lit, active[-2]])
        lim.check()
        self.is_in, self.symmetry, self.clauses = is_in, 0, clauses
        if not no_recompute and opt.windows:  # classic: no compute before its ancestors'
            first, _ = _windows(preds, succs, is_in, m)
            for i in range(nv):
                for t in range(1, min(first[i], T + 1) if not is_in[i] else 1):
                    add([-c(i, t)])
        if not no_recompute and opt.uses:
            self._uses(succs)
        if no_recompute and counters:
            io_lits.extend(self._prefix_bounds(preds, succs, is_in, opt.prefix))
        if no_recompute and opt.symmetry:
            self._lex_leader(graph, pos, is_in, lim)
        if not io_lits:  # nothing to count: one literal fixed false
            self.top += 1
            add([-self.top])
            io_lits.append(self.top)
        # sum of I/O <= k for every k < ubound, through the assumption -rhs[k]
        bound = max(1, ubound - self.io_offset)
        self.tot = ITotalizer(io_lits, ubound=bound, top_id=self.top)
        self.top = self.tot.top_id
        clauses.extend(self.tot.cnf.clauses)
        self.pressure: list[Any] = []
        if no_recompute and opt.pressure and memory < nv:
            self._pressure(succs, is_in, is_out, memory, bound)
        self.clauses = clauses

    def _uses(self, succs: list[list[int]]) -> None:
        """Option ``uses`` (classic game): a red pebble not just computed has a use in
        its step or later (``f[v,t]``: a successor computed in a step ``>= t``, or ``v``
        stored in a step ``> t``)."""
        T, add, r, c, st = self.T, self.clauses.append, self.r, self.c, self.s
        for i in range(self.nv):
            f = self._fresh(T + 2)  # f[t], t = 0..T + 1; f[T + 1] is false
            add([-f[T + 1]])
            for t in range(1, T + 1):
                add([-r(i, t), c(i, t), f[t]])
                add([-f[t], f[t + 1]] + [c(w, t) for w in succs[i]]
                    + ([st(i, t + 1)] if t < T else []))  # fmt: skip

    def _fresh(self, count: int) -> list[int]:
        self.top += count
        return list(range(self.top - count + 1, self.top + 1))

    def _prefix_bounds(self, preds: list[list[int]], succs: list[list[int]],
                       is_in: list[bool], owed: bool = True) -> list[int]:  # fmt: skip
        """The load counters and (``owed``) the I/O owed after each step (option
        ``prefix``); returns the literals ``g[v,j]`` that count the loads."""
        T, add = self.T, self.clauses.append
        r, b, ld, d = self.r, self.b, self.l, self.d
        counted: list[int] = []
        self.load_rows: list[list[list[int]]] = []  # a[v][j][t], v by relevant index
        for i in range(self.nv):
            # a[j][t]: at least j + 1 loads of i in steps 1..t (each load serves a
            # distinct successor's one compute, so at most len(succs[i]) of them)
            a = [self._fresh(T + 1) for _ in succs[i]]
            self.load_rows.append(a)
            for j, row in enumerate(a):
                add([-row[0]])
                for t in range(1, T + 1):
                    add([-row[t - 1], row[t]])
                    add([-ld(i, t), row[t]] + ([-a[j - 1][t - 1]] if j else []))
                counted.append(row[T])
            # owed: after step t, i exists (an input, or computed), a successor still
            # needs it and it is not red: a load follows (so a blue pebble now)
            for t in range(1, T + 1 if owed else 1):
                for w in succs[i]:
                    owed = [d(w, t), r(i, t)] + ([] if is_in[i] else [-d(i, t)])
                    for j, row in enumerate(a):
                        add(owed + ([-a[j - 1][t]] if j else []) + [row[T]])
                    if not is_in[i]:
                        add(owed + [b(i, t)])
        return counted

    def _pressure(self, succs: list[list[int]], is_in: list[bool], is_out: list[bool],
                  memory: int, bound: int) -> None:  # fmt: skip
        """Option ``pressure``: after step ``t < m``, the loads and non-output stores so
        far plus the live values (``live[v,t]``) are at most ``k + M`` (a totalizer per
        step, asked with the I/O's)."""
        from pysat.card import ITotalizer

        add, d, b = self.clauses.append, self.d, self.b
        for t in range(1, self.m):
            lits = [row[t] for rows in self.load_rows for row in rows]
            lits += [b(i, t) for i in range(self.nv) if not is_in[i] and not is_out[i]]
            for i in range(self.nv):
                if not succs[i]:
                    continue
                (live,) = self._fresh(1)
                for w in succs[i]:  # i exists and a successor is still to be computed
                    add(([] if is_in[i] else [-d(i, t)]) + [d(w, t), live])
                lits.append(live)
            tot = ITotalizer(lits, ubound=bound + memory, top_id=self.top)
            self.top = tot.top_id
            self.clauses.extend(tot.cnf.clauses)
            self.pressure.append(tot)

    def _lex_leader(self, graph: CompiledGraph, pos: dict[int, int], is_in: list[bool],
                    lim: Limits) -> None:  # fmt: skip
        """Option ``symmetry``: the computes ``v_1..v_m`` are no larger (lexicographically,
        vertices by number) than ``p(v_1)..p(v_m)`` for each automorphism ``p`` kept;
        ``e_t`` stands for "``p`` fixes ``v_1..v_t``"."""
        from redblue.search.symmetry import automorphisms

        add, c = self.clauses.append, self.c
        comp = [i for i in range(self.nv) if not is_in[i]]
        for p in automorphisms(graph, SYMMETRY_PERMS + 1, lim):
            img = [pos[int(p[v])] for v in self.verts]
            if all(img[i] == i for i in comp):
                continue  # fixes every compute: nothing to compare
            self.symmetry += 1
            equal: list[int] = []  # e_{t-1}, true before step 1
            for t in range(1, self.m + 1):
                (e,) = self._fresh(1)
                for i in comp:
                    if img[i] < i:  # v_t > p(v_t) at the first difference
                        add([-x for x in equal] + [-c(i, t)])
                    elif img[i] == i:
                        add([-x for x in equal] + [-c(i, t), e])
                equal = [e]

    def phases(self, moves: EncodedMoves) -> list[int]:
        """Preferred phases from a strategy: its ``i``-th compute and the moves before it
        since the previous one as step ``i`` (the horizon proof's segments), its moves
        after the last compute as the steps after."""
        return [lit for t, row in enumerate(self.step_values(moves, self.T), 1)
                for lit in self.literals(row, t)]  # fmt: skip

    def literals(self, row: list[tuple[str, int, bool]], t: int) -> list[int]:
        """The literals of one step's values (a row of :meth:`step_values`) at step ``t``."""
        lits = []
        for name, i, on in row:
            var = getattr(self, name)(i, t)
            lits.append(var if on else -var)
        return lits

    def step_values(self, moves: EncodedMoves, steps: int) -> list[list[tuple[str, int, bool]]]:
        """The values of a strategy's steps ``1..steps`` as rows ``(variable name, vertex,
        value)`` (the segments of :meth:`phases`), for an encoding of any horizon."""
        nv, pos = self.nv, {v: i for i, v in enumerate(self.verts)}
        red: set[int] = set()
        blue = {i for i in range(nv) if self.is_in[i]}
        done: set[int] = set()
        loads: set[int] = set()
        stores: set[int] = set()
        rows: list[list[tuple[str, int, bool]]] = []

        def close(comp: int | None) -> None:
            row = []
            for i in range(nv):
                for var, on in (("r", i in red), ("b", i in blue),
                                ("l", i in loads and i in red), ("s", i in stores),
                                ("c", i == comp)):  # fmt: skip
                    row.append((var, i, on))
                if self.D is not None:
                    row.append(("d", i, i in done))
            rows.append(row)
            loads.clear()
            stores.clear()

        for kind, node in zip(moves.kinds.tolist(), moves.nodes.tolist(), strict=True):
            i = pos.get(node)
            if i is None:
                continue
            if kind == LOAD:
                red.add(i)
                loads.add(i)
            elif kind == STORE:
                blue.add(i)
                stores.add(i)
            elif kind == DELETE:
                red.discard(i)
            elif kind == COMPUTE:
                red.add(i)
                done.add(i)
                if len(rows) == steps:
                    break
                close(i)
        while len(rows) < steps:
            close(None)
        return rows

    def _var(self, base: int, i: int, t: int) -> int:
        return base + t * self.nv + i + 1

    def r(self, i: int, t: int) -> int:
        return self._var(self.R, i, t)

    def b(self, i: int, t: int) -> int:
        return self._var(self.B, i, t)

    def l(self, i: int, t: int) -> int:  # noqa: E743 - the load variable, as in the docstring
        return self._var(self.L, i, t)

    def s(self, i: int, t: int) -> int:
        return self._var(self.S, i, t)

    def c(self, i: int, t: int) -> int:
        return self._var(self.C, i, t)

    def d(self, i: int, t: int) -> int:
        return self._var(self.D, i, t)

    def at_most(self, k: int) -> list[int]:
        """The assumption "sum of I/O <= k" (none needed at or above the bound)."""
        k -= self.io_offset
        if k < 0:
            return [-self.tot.rhs[0], self.tot.rhs[0]]  # below the certain stores: UNSAT
        held = [-self.tot.rhs[k]] if k < len(self.tot.rhs) else []
        for tot in self.pressure:  # option pressure: spent + live <= k + M at each step
            if k + self.memory < len(tot.rhs):
                held.append(-tot.rhs[k + self.memory])
        return held

    def decode(self, model: list[int]) -> EncodedMoves:
        """The moves of a model: each step's stores, deletions, loads, then its compute."""
        true = np.zeros(self.top + 2, bool)
        pos = np.array([x for x in model if 0 < x <= self.top], np.int64)
        true[pos] = True
        kinds: list[int] = []
        nodes: list[int] = []
        for t in range(1, self.T + 1):
            steps = ((STORE, [true[self.s(i, t)] for i in range(self.nv)]),
                     (DELETE, [true[self.r(i, t - 1)] and not true[self.r(i, t)]
                               for i in range(self.nv)]),
                     (LOAD, [true[self.l(i, t)] for i in range(self.nv)]),
                     (COMPUTE, [true[self.c(i, t)] for i in range(self.nv)]))  # fmt: skip
            for kind, chosen in steps:
                for i in range(self.nv):
                    if chosen[i]:
                        kinds.append(kind)
                        nodes.append(self.verts[i])
        return EncodedMoves(self.graph, np.array(kinds, np.int8), np.array(nodes, np.int32))


def _rules(no_recompute: bool):
    from redblue.game.rules import get_rules

    return get_rules("no-recompute" if no_recompute else "classic")


def sat_search(
    graph: CompiledGraph,
    memory: int,
    no_recompute: bool,
    upper: int,
    *,
    horizon: int | None = None,
    start: int | None = None,
    time_limit: float | None = None,
    limits: Limits | None = None,
    solver: str = SOLVER,
    direction: str = "down",
    options: SatOptions | None = None,
    hint: EncodedMoves | None = None,
    recomputes: int = 0,
) -> SatOutcome:
    """Ask the encoding for a strategy of I/O ``<= k`` down from ``upper - 1`` (or up).

    Parameters
    ----------
    graph : CompiledGraph
    memory : int
        The red-pebble limit M (at least the largest in-degree plus one).
    no_recompute : bool
        The game variant; only there is an UNSAT answer a lower bound on Q.
    upper : int
        The I/O of a strategy already known (e.g. greedy): only ``k < upper`` is asked,
        and UNSAT at ``upper - 1`` proves that strategy optimal (no-recompute).
    horizon : int, optional
        Steps ``T``; default ``m + 1`` with ``m`` the relevant non-inputs (exact in
        no-recompute; a smaller one drops the proof).
    start : int, optional
        A lower bound on Q proven elsewhere (default and at least
        :func:`sat_trivial_bound`): no ``k`` below it is asked; a start above Q makes
        the answer no proof.
    time_limit : float, optional
        Seconds (besides ``limits``).
    limits : Limits, optional
        The caller's deadline, Ctrl-C flag and memory guard. The solver runs in calls of
        a conflict budget (:data:`FIRST_BUDGET` doubled up to :data:`MAX_BUDGET`, a
        schedule that does not depend on the machine's speed, so that the conflicts of a
        run repeat on a loaded machine; only a call that would overrun half the time
        left, at the rate just measured, is cut short), the clock looked at
        between calls.
    solver : str
        A python-sat solver name.
    direction : {"down", "up"}
        ``"down"`` (default): ask ``k = upper - 1``; each model found sets the next ``k``
        to its replayed I/O less one, and the first UNSAT ends the search (it is the one
        proof of optimality). ``"up"``: raise ``k`` from ``start`` until a model exists
        (every UNSAT on the way raises the lower bound).
    options : SatOptions, optional
        The implied clause families and the cardinality encoding (default:
        :class:`SatOptions`).
    hint : EncodedMoves, optional
        A strategy (e.g. the one of I/O ``upper``) whose steps become the solver's
        preferred phases (option ``phases``); it changes the speed, never the answer.
    recomputes : int, default 0
        Steps added to the default horizon (``T = m + 1 + recomputes``), room for that
        many recomputations in the classic game (the model search there); ignored when
        ``horizon`` is given.

    Returns
    -------
    SatOutcome
        ``details["sat_log"]`` lists each ``k`` asked as ``(k, answer, seconds,
        conflicts)`` with ``answer`` "sat", "unsat" or "unknown" (stopped).

    Raises
    ------
    InvalidInputError
        For an unknown direction, cardinality encoding or CaDiCaL configuration, a
        negative ``recomputes``, or a CaDiCaL configuration with another solver.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph
    >>> out = sat_search(compile_graph(pyramid_dag(3)), 3, True, upper=20)
    >>> out.lower, out.upper, out.details["sat_exact"]
    (11, 11, True)
    >>> [(k, answer) for k, answer, _, _ in out.details["sat_log"]][-1]
    (10, 'unsat')
    """
    from pysat.card import EncType
    from pysat.solvers import Solver

    if direction not in ("down", "up"):
        raise InvalidInputError(f"unknown direction {direction!r} (expected down or up)")
    opt = SatOptions() if options is None else options
    if not hasattr(EncType, opt.card):
        raise InvalidInputError(f"unknown cardinality encoding {opt.card!r}")
    if opt.cadical not in CADICAL_CONFIGS or (opt.cadical and "cadical" not in solver):
        raise InvalidInputError(f"unknown CaDiCaL configuration {opt.cadical!r} for "
                                f"{solver} (expected one of {sorted(CADICAL_CONFIGS)[1:]})")
    if recomputes < 0:
        raise InvalidInputError(f"recomputes must be at least 0, not {recomputes}")
    if not no_recompute:  # the other families are proven in no-recompute only
        opt = replace(opt, lazy=False, stores=False, symmetry=False,
                      prefix=False, pressure=False)
    lim = Limits(time_limit) if limits is None else limits.within(time_limit)
    keep = relevant_vertices(graph)
    m = int((keep & ~graph.is_input).sum())
    T = m + 1 + recomputes if horizon is None else int(horizon)
    exact = no_recompute and T >= m + 1
    trivial = sat_trivial_bound(graph)
    if start is not None:
        trivial = max(trivial, int(start))
    log: list[tuple[int, str, float, int]] = []
    details: dict[str, Any] = {"horizon": T, "sat_exact": exact, "sat_no_strategy": -1,
                               "sat_calls": 0, "sat_direction": direction,
                               "sat_log": log}  # fmt: skip
    if upper <= trivial:
        return SatOutcome(trivial, None, None, 0, None, details)
    try:
        enc = _Encoding(graph, memory, no_recompute, T, upper, lim, opt)
        if lim.memory.exceeded(len(enc.clauses) * BYTES_PER_CLAUSE) is not None:
            return SatOutcome(trivial, None, None, 0, "memory limit", details)
        lim.check()
    except Stopped as stop:
        details["sat_skipped"] = "stopped while building the formula"
        return SatOutcome(trivial, None, None, 0, stop.reason, details)
    details.update(sat_variables=enc.top, sat_clauses=len(enc.clauses),
                   sat_automorphisms=enc.symmetry)  # fmt: skip
    rules = _rules(no_recompute)
    lower, budget, calls = trivial, FIRST_BUDGET, 0
    best: EncodedMoves | None = None
    best_io = upper
    stopped = None
    with Solver(name=solver) as sat:
        if opt.cadical:  # before the formula: options set while CaDiCaL is configuring
            sat.configure(CADICAL_CONFIGS[opt.cadical])
        sat.append_formula(enc.clauses)
        enc.clauses = []
        if hint is not None and opt.phases and hasattr(sat, "set_phases"):
            sat.set_phases(enc.phases(hint))
        k = upper - 1 if direction == "down" else trivial
        spent_k, conf_k = 0.0, _conflicts(sat)
        while lower <= k < best_io:
            stopped = lim.reason()
            if stopped is not None:
                log.append((k, "unknown", round(spent_k, 3), _conflicts(sat) - conf_k))
                break
            if hasattr(sat, "conf_budget"):
                sat.conf_budget(budget)
            t0 = time.monotonic()
            answer = sat.solve_limited(assumptions=enc.at_most(k))
            spent = time.monotonic() - t0
            spent_k += spent
            calls += 1
            if answer is None:  # budget used up: the next one doubles, within the time left
                rate = budget / max(spent, 1e-3)  # conflicts a second, just measured
                budget = min(2 * budget, MAX_BUDGET)
                left = lim.left()
                if left is not None and budget > rate * left / 2:
                    budget = max(100, int(rate * left / 2))
                continue
            now = _conflicts(sat)
            log.append((k, "sat" if answer else "unsat", round(spent_k, 3), now - conf_k))
            spent_k, conf_k = 0.0, now
            if answer is False:
                details["sat_no_strategy"] = max(details["sat_no_strategy"], k)
                if exact:
                    lower = max(lower, k + 1)
                if direction == "down":
                    break
                k += 1
                continue
            moves = enc.decode(sat.get_model())
            io = replay(graph, moves, memory, rules).io
            if io > k or (exact and io < lower):  # pragma: no cover - an encoding bug
                raise AssertionError(f"SAT model at k={k} replays to {io} I/O")
            best, best_io = moves, io
            if direction == "up":
                break
            k = io - 1
        conflicts = _conflicts(sat)  # read before the solver is deleted
    details["sat_calls"] = calls
    return SatOutcome(lower, best, None if best is None else best_io, conflicts, stopped,
                      details)  # fmt: skip


def _conflicts(sat: Any) -> int:
    try:
        return int(sat.accum_stats().get("conflicts", 0))
    except Exception:  # pragma: no cover - a solver without statistics
        return 0


def sat_neighbourhoods(
    graph: CompiledGraph,
    memory: int,
    no_recompute: bool,
    hint: EncodedMoves,
    *,
    widths: tuple[int, ...] = (12, 20, 30),
    extra: tuple[int, ...] = (0, 1, 2, 3),
    call_conflicts: int = 20_000,
    time_limit: float | None = None,
    limits: Limits | None = None,
    options: SatOptions | None = None,
) -> SatOutcome:
    """A cheaper strategy than ``hint`` by large-neighbourhood search: it only finds.

    The hint is first brought into the encoding's normal form (a model of cost at most
    its own, its steps as phases). Then, for each window of ``w`` steps (``w`` in
    ``widths``, starts a half width apart) and each ``e`` in ``extra``: the steps before
    the window are fixed to the best strategy's, the steps after it too, shifted ``e``
    steps later (assumptions, in an encoding of ``e`` more steps: room for ``e``
    recomputations in the classic game), and the solver asks for a model of less I/O
    than the best within
    ``call_conflicts`` conflicts. A model found is replayed and becomes the best; the
    windows start over. It stops when no window of the last width gives one, or at the
    time limit. The conflict budgets make a run without a time limit repeat exactly;
    under one, a call gets no more conflicts than half the time left allows (at the
    rate the last call measured), so the limit is kept.

    Every strategy it returns is replayed; no answer of it is a lower bound
    (``lower`` is :func:`sat_trivial_bound`).

    Parameters
    ----------
    graph, memory, no_recompute
        As for :func:`sat_search`.
    hint : EncodedMoves
        The strategy to improve.
    widths : tuple of int, default (12, 20, 30)
        Steps left free in a window (before the ``e`` extra ones): the first width until
        none of its windows gives a cheaper model, then the next.
    extra : tuple of int, default (0, 1, 2, 3)
        Extra steps tried in each window (only 0 in the no-recompute game, where every
        step computes a new vertex).
    call_conflicts : int, default 20000
        Conflicts each window gets.
    time_limit, limits, options
        As for :func:`sat_search`.

    Returns
    -------
    SatOutcome
        ``moves`` and ``upper``: the best strategy (the normal form of the hint if no
        window improved it); ``details["sat_log"]`` lists each improvement as ``(io,
        width, window start, extra steps, seconds)``; ``details["sat_windows"]`` the
        windows asked and ``details["sat_window_answers"]`` their answers.

    Raises
    ------
    InvalidInputError
        For no width, a width below 1 or a negative extra.

    Examples
    --------
    >>> from redblue.dags import pyramid_dag
    >>> from redblue.game import compile_graph, replay
    >>> from redblue.strategies.greedy import greedy_moves
    >>> C = compile_graph(pyramid_dag(3))
    >>> hint = greedy_moves(C, 3)
    >>> out = sat_neighbourhoods(C, 3, False, hint, widths=(4,))
    >>> replay(C, hint, 3, "classic").io, out.upper, out.lower
    (13, 12, 5)
    """
    from pysat.solvers import Solver

    widths = tuple(int(w) for w in widths)
    if not widths or min(widths) < 1 or any(e < 0 for e in extra):
        raise InvalidInputError(f"widths must be at least 1 and extra steps at least 0, "
                                f"not {widths} and {extra}")  # fmt: skip
    opt = SatOptions() if options is None else options
    if not no_recompute:
        opt = replace(opt, lazy=False, stores=False, symmetry=False, prefix=False,
                      pressure=False)  # fmt: skip
    if no_recompute:
        extra = (0,)
    lim = Limits(time_limit) if limits is None else limits.within(time_limit)
    rules = _rules(no_recompute)
    trivial = sat_trivial_bound(graph)
    upper = replay(graph, hint, memory, rules).io
    log: list[tuple[int, int, int, float]] = []
    details: dict[str, Any] = {"sat_exact": False, "sat_log": log, "sat_windows": 0}
    keep = relevant_vertices(graph)
    m = int((keep & ~graph.is_input).sum())
    computes = int(sum(1 for k, v in zip(hint.kinds.tolist(), hint.nodes.tolist(), strict=True)
                       if k == COMPUTE and keep[v]))  # fmt: skip
    best, best_io, conflicts, stopped = hint, upper, 0, None
    solvers: dict[int, tuple[_Encoding, Any]] = {}
    tally = [0, 0, 0]  # windows answered sat, unsat, unknown (budget out)

    def solver_for(T: int) -> tuple[_Encoding, Any]:
        if T not in solvers:
            enc = _Encoding(graph, memory, no_recompute, T, upper + 1, lim, opt)
            sat = Solver(name=SOLVER)
            if opt.cadical:
                sat.configure(CADICAL_CONFIGS[opt.cadical])
            sat.append_formula(enc.clauses)
            enc.clauses = []
            solvers[T] = (enc, sat)
        return solvers[T]

    rate: list[float] = []  # conflicts a second, as last measured

    def ask(enc: _Encoding, sat: Any, assumptions: list[int], k: int) -> Any:
        """The model's moves, or the solver's answer (False: none, None: budget out).

        Under a deadline a call gets no more conflicts than half the time left allows
        at the last measured rate (the first call at most FIRST_BUDGET): a call of
        ``call_conflicts`` took over a second, past a time limit of 1.5 s."""
        nonlocal conflicts
        before = _conflicts(sat)
        budget = call_conflicts
        left = lim.left()
        if left is not None:
            cap = FIRST_BUDGET if not rate else int(rate[0] * left / 2)
            budget = max(100, min(budget, cap))
        sat.conf_budget(budget)
        t0 = time.monotonic()
        answer = sat.solve_limited(assumptions=assumptions + enc.at_most(k))
        spent, used = time.monotonic() - t0, _conflicts(sat) - before
        if used >= 100 and spent > 0:
            rate[:] = [used / spent]
        conflicts += used
        details["sat_windows"] += 1
        tally[{True: 0, False: 1, None: 2}[answer]] += 1
        return enc.decode(sat.get_model()) if answer else answer

    try:
        # the normal form of the hint: a model of cost <= its own, phases from it
        steps = max(computes, m) + 1
        enc, sat = solver_for(steps)
        sat.set_phases(enc.phases(hint))
        while (found := ask(enc, sat, [], upper)) is None:
            stopped = lim.reason()
            if stopped is not None:
                raise Stopped(stopped)
        if found is not False:  # no model: the hint's moves stay (no window)
            best, best_io = found, replay(graph, found, memory, rules).io
        for w in widths if found is not False else ():
            improved = True
            while improved:  # the windows of width w, until none gives a cheaper model
                improved = False
                rows = enc.step_values(best, steps)
                for a, e in itertools.product(range(1, steps + 1, max(1, w // 2)), extra):
                    stopped = lim.reason()
                    if stopped is not None:
                        raise Stopped(stopped)
                    b = min(steps, a + w - 1)  # window a..b of the best, a..b+e here
                    wenc, wsat = solver_for(steps + e)
                    fixed = [lit for t in range(1, a) for lit in wenc.literals(rows[t - 1], t)]
                    fixed += [lit for t in range(b + 1, steps + 1)
                              for lit in wenc.literals(rows[t - 1], t + e)]  # fmt: skip
                    wsat.set_phases([lit for t in range(a, b + 1)
                                     for lit in wenc.literals(rows[t - 1], t)])  # fmt: skip
                    found = ask(wenc, wsat, fixed, best_io - 1)
                    if found is None or found is False:
                        continue
                    io = replay(graph, found, memory, rules).io
                    if io >= best_io:  # pragma: no cover - an encoding bug
                        raise AssertionError(f"window model replays to {io} >= {best_io}")
                    best, best_io, enc, steps = found, io, wenc, steps + e
                    log.append((io, w, a, e, round(lim.elapsed(), 1)))
                    improved = True
                    break
    except Stopped as stop:
        stopped = stop.reason
    finally:
        for _, s in solvers.values():
            s.delete()
    details["horizon"] = max(solvers, default=0)
    details["sat_window_answers"] = dict(zip(("sat", "unsat", "unknown"), tally, strict=True))
    return SatOutcome(trivial, best, best_io, conflicts, stopped, details)
