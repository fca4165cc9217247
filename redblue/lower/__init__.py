"""Certified lower bounds on the optimal I/O of any DAG, by several independent methods."""
