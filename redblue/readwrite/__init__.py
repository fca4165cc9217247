"""Graphs and strategies in and out: every file format redblue reads or writes."""
