"""``check_claim``: a claimed bound or schedule cost, checked on every instance of a grid.

For each instance the claim gets one verdict with its evidence:

``refuted``
    A claim about Q: a replayed strategy whose I/O breaks a lower-bound claim (written
    as a certificate anyone can replay), or a proven lower bound that breaks an
    upper-bound claim. A claim about a schedule: its replayed or counted I/O.
``confirmed``
    Every value Q can take, given what is proven, satisfies the claim (a proven lower
    bound meets a lower-bound claim: the trivial, explicit, search or certified bounds of
    :mod:`redblue.lower`, named by method; a replayed strategy meets an upper-bound
    claim); for a schedule, its I/O satisfies it.
``open``
    The claim lies inside [proven lower, best upper]: not decided within the limits.
``n/a``
    The instance has no calculation (M below the DAG's smallest feasible memory) or the
    schedule cannot run there.

Q(G, M) is non-increasing in M (a strategy within M red pebbles is one within more), so
each DAG's instances are taken in increasing M, each search seeded with the best strategy
found at a smaller M, and at the end a lower bound proven at a larger M is passed down to
the smaller ones, an upper bound at a smaller M up to the larger ones.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

import networkx as nx
import sympy

from redblue.checks import check_time_limit, short_repr
from redblue.claims.claim import Claim, parse_claim
from redblue.claims.evidence import (
    MAX_REPLAY_MOVES,
    Fact,
    Instance,
    attention_instance,
    certified_facts,
    graph_instance,
    lower_facts,
    schedule_fact,
    schedule_seconds,
    search_facts,
    upper_facts,
)
from redblue.claims.variants import AttentionVariant, attention_variant
from redblue.errors import InvalidInputError
from redblue.game import replay
from redblue.game.compiled import compile_graph
from redblue.game.rules import get_rules
from redblue.progress import phase
from redblue.readwrite import write_json, write_strategy
from redblue.search.core import MAX_NODES

__all__ = ["ClaimCheck", "InstanceVerdict", "VERDICTS", "check_claim"]

VERDICTS = ("refuted", "confirmed", "open", "n/a")
#: (verdict, why, the deciding fact, lower, upper) of one instance
Decision = tuple[str, str, Fact | None, Fact | None, Fact | None]
SUMS = ("tree", "chain", "fma")


@dataclass
class InstanceVerdict:
    """The verdict of a claim at one instance.

    Attributes
    ----------
    instance : dict
        ``family``, the variables (``N``, ``d``, ``M``) and ``sum``.
    verdict : str
        One of :data:`VERDICTS`.
    bound : str
        The claim's right-hand side at this instance (exact), e.g. ``"519.125"`` or
        ``"8*sqrt(2)"``; ``bound_value`` is it as a float.
    lower, upper : Fact or None
        The best proven lower bound on the subject and the best upper bound (for a
        schedule both are its I/O).
    evidence : str
        One sentence: what decided the verdict.
    certificate : str or None
        Where the refuting strategy was written (with ``graph_file``, the DAG it runs on).
    """

    instance: dict[str, Any]
    verdict: str
    bound: str
    bound_value: float
    lower: Fact | None
    upper: Fact | None
    evidence: str
    certificate: str | None = None
    graph_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (facts as value and source)."""
        out = {"instance": self.instance, "verdict": self.verdict, "bound": self.bound,
               "bound_value": self.bound_value, "evidence": self.evidence,
               "certificate": self.certificate, "graph_file": self.graph_file}  # fmt: skip
        for name in ("lower", "upper"):
            fact = getattr(self, name)
            out[name] = None if fact is None else fact.value
            out[f"{name}_source"] = None if fact is None else fact.source
        return out

    def as_row(self) -> dict[str, Any]:
        """One row of scalars: :meth:`to_dict` with the instance's fields spread out."""
        out = self.to_dict()
        return {**out.pop("instance"), **out}


@dataclass
class ClaimCheck:
    """The outcome of :func:`check_claim`: one :class:`InstanceVerdict` per instance."""

    claim: str
    verdicts: list[InstanceVerdict]
    seconds: float
    stopped: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def refuted(self) -> bool:
        """Whether any instance refutes the claim."""
        return self.counts.get("refuted", 0) > 0

    def as_rows(self) -> list[dict[str, Any]]:
        """One row of scalars an instance (the claim first), e.g. for ``pandas.DataFrame``."""
        return [{"claim": self.claim, **v.as_row()} for v in self.verdicts]

    def __repr__(self) -> str:
        # one line: the verdicts (with their facts) stay in ``verdicts``
        counts = ", ".join(f"{n:,} {k}" for k, n in self.counts.items() if n)
        claim = short_repr(self.claim)
        return f"ClaimCheck({claim}: {counts or 'no instances'}, {self.seconds:.1f} s)"

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "counts": self.counts, "seconds": round(self.seconds, 3),
                "stopped": self.stopped, "verdicts": [v.to_dict() for v in self.verdicts]}


class _Clock:
    """The whole check's time limit: every phase asks it what is left."""

    def __init__(self, limit: float | None):
        self.start = time.monotonic()
        self.limit = limit

    def left(self) -> float | None:
        return None if self.limit is None else self.limit - (time.monotonic() - self.start)

    def out(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    def allows(self, seconds: float) -> bool:
        """Whether a phase estimated to take ``seconds`` fits in what is left."""
        left = self.left()
        return left is None or seconds <= left


def _instances(
    family: str | None, n: Sequence[int] | None, d: Sequence[int] | None,
    memory: Sequence[int] | None, sum: str, graph: nx.DiGraph | None, graph_name: str,
    attention: AttentionVariant,
) -> list[Instance]:
    if not memory:
        raise InvalidInputError("give the memory sizes M to check (e.g. --memory 3..20)")
    if graph is not None:
        if family is not None or n or d:
            raise InvalidInputError("a user's graph takes only memory sizes, not a family, N or d")
        if not attention.plain:
            raise InvalidInputError("the attention variants (causal, block mask, decode rows, "
                                    "heads, backward) apply to the attention family, not a "
                                    "user's graph")  # fmt: skip
        compiled = compile_graph(graph)
        return [graph_instance(graph, compiled, m, graph_name) for m in memory]
    if family != "attention":
        raise InvalidInputError(f"unknown family {family!r} (expected 'attention', or a graph)")
    if sum not in SUMS:
        raise InvalidInputError(f"sum must be one of {', '.join(SUMS)}, got {sum!r}")
    if not n or not d:
        raise InvalidInputError("the attention family needs N and d values "
                                "(e.g. --n 1..4 --d 1..3)")
    for a in n:  # a mask of the wrong shape, a row with no key: refused before any work
        attention.check_instance(a)
    return [attention_instance(a, b, m, sum, attention) for a in n for b in d for m in memory]


def _interval_verdict(
    claim: Claim, value: sympy.Expr, lo: Fact, hi: Fact | None
) -> tuple[str, str, Fact | None]:
    """Verdict of ``Q op value`` knowing ``lo.value <= Q <= hi.value``, why, and the fact
    that decided it (``hi`` None: no upper bound was found within the time limit)."""
    if claim.op == "==" and value != sympy.floor(value):  # with or without an upper bound
        return "refuted", f"Q is a whole number and the bound {value} is not", None
    if hi is None:
        return _lower_only_verdict(claim, value, lo)
    if claim.op == "==":
        if hi.value < value:
            return "refuted", f"Q <= {hi.value} ({hi.source})", hi
        if lo.value > value:
            return "refuted", f"Q >= {lo.value} ({lo.source})", lo
        if lo.value == hi.value:
            return "confirmed", f"Q = {lo.value} ({lo.source}; {hi.source})", lo
        return "open", f"{lo.value} <= Q <= {hi.value}", None
    ok_lo, ok_hi = claim.holds(lo.value, value), claim.holds(hi.value, value)
    lower_claim = claim.op in (">=", ">")
    if ok_lo and ok_hi:  # every Q in [lo, hi] satisfies it
        fact = lo if lower_claim else hi
        return "confirmed", f"Q {'>=' if lower_claim else '<='} {fact.value} ({fact.source})", fact
    if not ok_lo and not ok_hi:  # no Q in [lo, hi] does
        fact = hi if lower_claim else lo
        return "refuted", f"Q {'<=' if lower_claim else '>='} {fact.value} ({fact.source})", fact
    return "open", f"{lo.value} <= Q <= {hi.value}", None


def _lower_only_verdict(claim: Claim, value: sympy.Expr, lo: Fact) -> tuple[str, str, Fact | None]:
    ok = claim.holds(lo.value, value)
    if claim.op in (">=", ">") and ok:
        return "confirmed", f"Q >= {lo.value} ({lo.source})", lo
    if claim.op in ("<=", "<", "==") and not ok and (claim.op != "==" or lo.value > value):
        return "refuted", f"Q >= {lo.value} ({lo.source})", lo
    return "open", f"Q >= {lo.value}; no upper bound within the time limit", None


def _best(facts: Sequence[Fact], lower: bool) -> Fact:
    # ties go to a fact with a strategy (a certificate beats a count)
    key = (lambda f: (f.value, f.strategy is not None)) if lower else (
        lambda f: (-f.value, f.strategy is not None))
    return max(facts, key=key)


def _optimum_claim(claim: Claim, group: list[Instance], values: dict[str, sympy.Expr],
                   clock: _Clock, search_time: float | None, search_max_nodes: int,
                   max_moves: int, explicit_bounds: bool) -> dict[str, Decision]:
    """Verdicts of a claim about Q on one DAG's instances (increasing M)."""
    lows: dict[str, Fact] = {}
    highs: dict[str, Fact] = {}
    out: dict[str, Decision] = {}
    carry: Fact | None = None  # the best strategy so far, valid at every larger M
    for inst in group:
        if clock.out():
            out[inst.label] = ("open", "not reached: time limit", None, None, None)
            continue
        if not clock.allows(inst.build_seconds()):
            out[inst.label] = ("open", "not reached: time limit (building its DAG would take "
                               f"about {inst.build_seconds():.0f} s)", None, None, None)
            continue
        try:
            compiled = inst.compiled()
            for other in group:  # one DAG for the whole group, built once
                other.graph, other._compiled = inst.graph, compiled
            compiled.check_memory(inst.memory)
        except InvalidInputError as exc:
            out[inst.label] = ("n/a", str(exc), None, None, None)
            continue
        ups = upper_facts(inst, max_moves, clock.left)
        if carry is not None:  # re-verified at this memory, never trusted
            io = replay(inst.compiled(), carry.strategy, inst.memory, inst.variant).io
            ups.append(Fact(io, f"{carry.source}, at M = {carry.strategy.memory}",
                            carry.strategy))  # fmt: skip
        lo = _best(lower_facts(inst, explicit_bounds), True)
        hi = _best(ups, False) if ups else None
        verdict = _interval_verdict(claim, values[inst.label], lo, hi)[0]
        limit = search_time
        left = clock.left()
        if left is not None:
            limit = left if limit is None else min(limit, left)
        closed = False
        if verdict == "open" and inst.compiled().n <= search_max_nodes and not clock.out():
            slo, shi, closed = search_facts(inst, None if hi is None else hi.strategy, limit)
            lo = _best([lo, slo], True)
            hi = shi if hi is None else _best([hi, shi], False)
            verdict = _interval_verdict(claim, values[inst.label], lo, hi)[0]
        if verdict == "open" and not closed and not clock.out():
            # beyond the search, or stopped by it: the certified methods of redblue.lower
            left = clock.left()
            limit = search_time if left is None else min(search_time or left, left)
            lo = _best([lo, *certified_facts(inst, limit)], True)
        lows[inst.label], highs[inst.label] = lo, hi
        if hi is not None and hi.strategy is not None and (carry is None or hi.value < carry.value):
            carry = hi
    # monotonicity in M: lower bounds pass down (upper bounds were carried up)
    known = [inst.label for inst in group if inst.label in lows]
    lows.update(zip(known, pass_lower_bounds_down([lows[k] for k in known]), strict=True))
    for inst in group:
        if inst.label in lows:
            lo, hi = lows[inst.label], highs[inst.label]
            if hi is not None and lo.value > hi.value:  # a proof or a replay is wrong
                raise AssertionError(
                    f"inconsistent evidence at {inst.label}: lower bound {lo.value} "
                    f"({lo.source}) > upper bound {hi.value} ({hi.source})"
                )
            out[inst.label] = (*_interval_verdict(claim, values[inst.label], lo, hi), lo, hi)
    return out


def pass_lower_bounds_down(lows: Sequence[Fact]) -> list[Fact]:
    """Lower bounds of one DAG in increasing M, each raised to the best at any larger M.

    Q(G, M) is non-increasing in M, so a lower bound proven at M' >= M holds at M.

    Examples
    --------
    >>> [f.value for f in pass_lower_bounds_down([Fact(5, "a"), Fact(9, "b"), Fact(7, "c")])]
    [9, 9, 7]
    """
    out: list[Fact] = []
    best: Fact | None = None
    for lo in reversed(lows):
        if best is not None and best.value > lo.value:
            lo = Fact(best.value, f"{best.source}, at a larger M (Q is non-increasing in M)")
        if best is None or lo.value > best.value:
            best = lo
        out.append(lo)
    return out[::-1]


def _schedule_claim(claim: Claim, inst: Instance, value: sympy.Expr, clock: _Clock,
                    max_moves: int) -> Decision:
    cost = schedule_seconds(inst, claim.subject, max_moves)
    if clock.out() or not clock.allows(cost):
        return "open", f"not reached: time limit (estimated {cost:.1f} s)", None, None, None
    try:
        fact = schedule_fact(inst, claim.subject, max_moves)
    except InvalidInputError as exc:
        if "io(" in str(exc):
            raise
        return "n/a", str(exc), None, None, None
    verdict = "confirmed" if claim.holds(fact.value, value) else "refuted"
    return verdict, f"io({claim.subject}) = {fact.value} ({fact.source})", fact, fact, fact


def _write_certificate(v: InstanceVerdict, inst: Instance, fact: Fact, folder: Path,
                       graph_path: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    strategy_path = folder / f"{inst.label}.strategy.json"
    write_strategy(fact.strategy, strategy_path)
    if graph_path is None or fact.graph is not None:
        graph_file = folder / f"{inst.label}.graph.json"
        write_json(inst.dag() if fact.graph is None else fact.graph, graph_file)
        graph_path = str(graph_file)
    v.certificate, v.graph_file = str(strategy_path), graph_path


def check_claim(
    claim: str | Claim,
    *,
    family: str | None = "attention",
    n: Sequence[int] | None = None,
    d: Sequence[int] | None = None,
    memory: Sequence[int] | None = None,
    sum: str = "chain",
    variant: str = "classic",
    graph: nx.DiGraph | None = None,
    graph_path: str | None = None,
    time_limit: float | None = None,
    search_time: float | None = 5.0,
    search_max_nodes: int = MAX_NODES,
    max_moves: int = MAX_REPLAY_MOVES,
    explicit_bounds: bool = True,
    certificates: str | os.PathLike[str] | None = None,
    progress: Callable[[InstanceVerdict], None] | None = None,
    causal: bool = False,
    block_mask: Any = None,
    block_size: int | None = None,
    decode_rows: int | None = None,
    heads: int | None = None,
    kv_heads: int | None = None,
    backward: bool = False,
) -> ClaimCheck:
    """Check a claim about I/O on every instance of a grid: refuted, confirmed or open.

    Parameters
    ----------
    claim : str or Claim
        ``"Q >= EXPR"``, ``"Q <= EXPR"``, ``"Q == EXPR"`` about the optimal I/O of the
        game ``variant``, or ``"io(ALG) <= EXPR"`` (any relation) about a schedule (flash1,
        flash2, standard, tiling, greedy). EXPR uses N, d, M, numbers, + - * / **, and
        Min, Max, sqrt, log, ceiling, floor (see :func:`parse_claim`).
    family : {"attention"} or None
        The DAG family; None with ``graph``.
    n, d, memory : sequences of int
        The grid (every combination is an instance); a graph takes ``memory`` only.
    sum : {"chain", "tree", "fma"}, default "chain"
        The attention DAG's summation shape (the block schedules run on chain and fma).
    variant : {"classic", "no-recompute"}, default "classic"
        The game Q refers to; the no-recompute game on a user's ``graph`` only (the block
        schedules and the explicit bounds are stated for the classic game).
    graph : networkx.DiGraph, optional
        A user's DAG instead of a family; ``graph_path`` is its file (for the
        certificates' replay command).
    time_limit : float, optional
        Seconds for the whole check, every phase included; instances not reached are
        reported open with "not reached: time limit".
    search_time : float or None, default 5
        Seconds for each exact search (run only where the cheap evidence leaves the claim
        open, and only on DAGs of at most ``search_max_nodes`` nodes), and for the
        certified lower bounds of :mod:`redblue.lower` (run where the claim is still open
        and the search did not prove the optimum: :func:`certified_facts`).
    max_moves : int
        Schedules with more moves are counted by their block counters, not replayed.
    explicit_bounds : bool, default True
        Use the project's explicit-constant lower bounds as evidence (attention, tree or
        chain sums). Turn off to test a claim against the trivial bound and the exact
        search only, e.g. a claim that *is* one of those bounds.
    certificates : path, optional
        A folder: each refuting strategy is written there with the DAG it runs on.
    progress : callable, optional
        Called with each :class:`InstanceVerdict` as it is decided.
    causal, block_mask, block_size, decode_rows, heads, kv_heads, backward
        The attention variant the instances are on (``docs/attention-variants.md``): a
        causal mask; a block mask of ``block_size`` blocks; ``decode_rows`` query rows
        against a KV cache of ``N`` keys; ``heads`` query heads over ``kv_heads`` K/V
        heads; or the backward pass. Q refers to the variant's DAG, ``io(ALG)`` to the
        schedule run on it (replayed, or counted by its block counter); the
        explicit-constant bounds, proven for the paper's graph, are not used.

    Returns
    -------
    ClaimCheck

    Raises
    ------
    InvalidInputError
        On a malformed claim, a bound that is not a finite real number at some instance
        (checked before any work), or a bad grid.

    Examples
    --------
    >>> r = check_claim("Q >= 4*N*d", n=[1, 2], d=[1], memory=[3, 4], search_time=None)
    >>> sorted(r.counts.items())
    [('confirmed', 4)]
    >>> r = check_claim("io(flash2) <= 4*N*d + 16*N**2*d**2/M", n=[16], d=[1], memory=[9])
    >>> r.verdicts[0].verdict, r.verdicts[0].upper.value
    ('refuted', 544)

    References
    ----------
    .. [1] B. Saha and C. Ye, "The I/O complexity of attention, or how optimal is
       FlashAttention?", ICML 2024.
    """
    clock = _Clock(check_time_limit(time_limit))
    search_time = check_time_limit(search_time, "search_time")
    c = claim if isinstance(claim, Claim) else parse_claim(claim)
    name = Path(graph_path).stem if graph_path else "graph"
    attention = attention_variant(causal=causal, block_mask=block_mask, block_size=block_size,
                                  decode_rows=decode_rows, heads=heads, kv_heads=kv_heads,
                                  backward=backward)  # fmt: skip
    instances = _instances(family, n, d, memory, sum, graph, name, attention)
    variant = get_rules(variant).name
    if variant != "classic" and graph is None:
        raise InvalidInputError(f"the {variant} game is checked on a user's graph only (the "
                                "block schedules and explicit bounds are for the classic game)")
    for inst in instances:
        inst.variant = variant
    values = {inst.label: c.value(inst.point) for inst in instances}  # refuse before work
    if not c.about_optimum and graph is not None and c.subject != "greedy":
        raise InvalidInputError(f"io({c.subject}) is defined on the attention family only; "
                                "a user's graph has io(greedy)")  # fmt: skip
    if not c.about_optimum:
        attention.check_schedule(c.subject)
    if c.about_optimum:  # one DAG a group, in increasing M
        groups = [sorted(g, key=lambda i: i.memory)
                  for _, g in groupby(instances, key=lambda i: i.group)]  # fmt: skip
    else:
        groups = [[inst] for inst in instances]
    verdicts = []
    for group in groups:
        where = group[0].label + (f" to M = {group[-1].memory}" if len(group) > 1 else "")
        with phase(f"checking {c.text} on {where}"):
            if c.about_optimum:
                decided = _optimum_claim(c, group, values, clock, search_time,
                                         search_max_nodes, max_moves, explicit_bounds)
            else:
                decided = {i.label: _schedule_claim(c, i, values[i.label], clock, max_moves)
                           for i in group}  # fmt: skip
        for inst in group:
            verdict, why, fact, lo, hi = decided[inst.label]
            value = values[inst.label]
            v = InstanceVerdict(inst.describe(), verdict, str(value), float(value), lo, hi, why)
            if (certificates is not None and verdict == "refuted" and fact is not None
                    and fact.strategy is not None):
                _write_certificate(v, inst, fact, Path(certificates), graph_path)
            verdicts.append(v)
            if progress is not None:
                progress(v)
    counts = {k: n_k for k in VERDICTS if (n_k := len([v for v in verdicts if v.verdict == k]))}
    unreached = any(v.evidence.startswith("not reached") for v in verdicts)
    return ClaimCheck(c.text, verdicts, time.monotonic() - clock.start,
                      "time limit" if unreached or clock.out() else None, counts)  # fmt: skip
