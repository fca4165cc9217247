"""Schedules that emit pebbling strategies (verified by replay, never trusted)."""

from redblue.strategies.greedy import greedy_moves, greedy_strategy

__all__ = ["greedy_moves", "greedy_strategy"]
