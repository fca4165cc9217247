"""The paper check: Saha & Ye's claims checked on grids of attention instances.

One job a module, data flowing one way (each imports only those above it):

- :mod:`redblue.paper.grid`: the sweep tasks (:func:`attention_tasks`), their columns,
  the default grid of ``redblue paper`` (:func:`paper_grid`), the DAG of the exact search;
- :mod:`redblue.paper.measure`: every simulation: the row of one instance
  (:func:`measure_attention`), Lemma 3.3's root counts (:func:`lemma_3_3_counts`);
- :mod:`redblue.paper.verdicts`: :class:`Verdict`, :func:`check_rows` and
  :func:`summary_line`;
- :mod:`redblue.paper.proofs`: the scripts of ``proofs/`` as verdicts;
- :mod:`redblue.paper.document`, :mod:`redblue.paper.figures`,
  :mod:`redblue.paper.report`: the report, rendered from what was computed
  (:func:`~redblue.paper.report.load_rows`, :func:`~redblue.paper.report.write_report`);
- :mod:`redblue.paper.run`: :func:`paper_check`, grid -> sweeps -> verdicts -> report.

References
----------
.. [1] B. Saha and C. Ye, "The I/O Complexity of Attention, or How Optimal is
   FlashAttention?", ICML 2024 (Theorems 3.1, 3.2, 3.5; Lemma 3.3).
"""

from redblue.paper.grid import (
    SCHEDULES,
    PaperGrid,
    attention_columns,
    attention_tasks,
    exact_dag,
    on_exact_dag,
    paper_grid,
)
from redblue.paper.measure import lemma_3_3_counts, measure_attention, paper_bound
from redblue.paper.proofs import proof_verdicts
from redblue.paper.run import paper_check
from redblue.paper.verdicts import Verdict, check_rows, summary_line

__all__ = [
    "SCHEDULES",
    "PaperGrid",
    "Verdict",
    "attention_columns",
    "attention_tasks",
    "check_rows",
    "exact_dag",
    "lemma_3_3_counts",
    "measure_attention",
    "on_exact_dag",
    "paper_bound",
    "paper_check",
    "paper_grid",
    "proof_verdicts",
    "summary_line",
]
