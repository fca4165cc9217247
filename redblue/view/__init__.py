"""See a pebbling: a self-contained HTML viewer of a DAG and a strategy."""
