"""What :func:`redblue.lower.lower_bound` returns: one result per method, and the best."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MethodResult", "LowerBound", "STATUSES"]

#: ``"ok"``: the method ran to the end of its plan; ``"stopped"``: the deadline cut it
#: short (``value`` is what it had proven by then, or 0); ``"not run"``: ``reason`` says why
#: (a game variant its proof does not cover, a method not implemented yet, no time left).
STATUSES = ("ok", "stopped", "not run")


@dataclass
class MethodResult:
    """One method's proven lower bound on Q(G, M).

    Attributes
    ----------
    name : str
    value : int
        A proven lower bound on the I/O of every complete calculation (0 when not run).
    seconds : float
    status : {"ok", "stopped", "not run"}
    reason : str or None
        Why the method stopped or did not run.
    witness : dict
        What a reader needs to check ``value`` (JSON-ready): the cut, the eigenvalue sums,
        the search's bounds, and the formula that turns them into ``value``.
    """

    name: str
    value: int
    seconds: float
    status: str
    reason: str | None = None
    witness: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "name": self.name,
            "value": self.value,
            "seconds": round(self.seconds, 4),
            "status": self.status,
            "reason": self.reason,
            "witness": self.witness,
        }

    def __repr__(self) -> str:
        why = f", {self.reason}" if self.reason else ""
        return (f"<MethodResult {self.name}: {self.value} ({self.status}{why}, "
                f"{self.seconds:.2f} s)>")  # fmt: skip


@dataclass
class LowerBound:
    """The outcome of :func:`redblue.lower.lower_bound`.

    Attributes
    ----------
    lower : int
        The best proven lower bound over the methods that ran (at least ``trivial``).
    trivial : int
        Needed inputs plus non-input outputs (always computed: it costs O(V + E)).
    memory : int
    variant : str
    nodes : int
        Nodes of the graph.
    methods : list of MethodResult
        One per method asked for, in the order they ran.
    """

    lower: int
    trivial: int
    memory: int
    variant: str
    nodes: int
    methods: list[MethodResult]

    def method(self, name: str) -> MethodResult:
        """The result of the method ``name`` (KeyError if it was not asked for)."""
        for m in self.methods:
            if m.name == name:
                return m
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary, with every method's witness."""
        return {
            "lower": self.lower,
            "trivial": self.trivial,
            "memory": self.memory,
            "variant": self.variant,
            "nodes": self.nodes,
            "methods": [m.as_dict() for m in self.methods],
        }

    def __repr__(self) -> str:
        parts = ", ".join(f"{m.name} {m.value if m.status != 'not run' else '-'}"
                          for m in self.methods)  # fmt: skip
        return (f"<LowerBound Q >= {self.lower} (trivial {self.trivial}; {parts}; "
                f"M = {self.memory}, {self.variant})>")  # fmt: skip
