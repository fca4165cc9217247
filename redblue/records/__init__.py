"""Certified optima of the red-blue pebble game: a record table whose every entry is replayed.

- :mod:`redblue.records.table`: the table (``records.json`` and ``certificates/``, package
  data), its loader, re-verification, computation and rendering.
"""

from redblue.records.table import (
    FAMILIES,
    Record,
    RecordCheck,
    build_instance,
    compute_record,
    instance_call,
    known_method,
    largest_proven,
    load_records,
    propagate_lower,
    propagate_upper,
    records_markdown,
    records_text,
    save_records,
    share_isomorphic,
    trivial_bound,
    verify_records,
)

__all__ = [
    "FAMILIES",
    "Record",
    "RecordCheck",
    "build_instance",
    "compute_record",
    "instance_call",
    "known_method",
    "largest_proven",
    "load_records",
    "propagate_lower",
    "propagate_upper",
    "records_markdown",
    "records_text",
    "save_records",
    "share_isomorphic",
    "trivial_bound",
    "verify_records",
]
