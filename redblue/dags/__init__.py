"""Computation DAGs for the red-blue pebble game.

One module per family, each a plain function returning a ``networkx.DiGraph`` whose nodes
follow one convention (see :func:`attention_dag`): ``op`` on every node; ``tensor`` and
``index`` on inputs (``op="input"``) and outputs (``output=True``); ``args``, the ordered
operands, on every other node.

- :mod:`~redblue.dags.attention`: the attention DAG of Saha & Ye (2024) and variants;
  :mod:`~redblue.dags.attention_masks` (causal, block-sparse, KV-cache key patterns),
  :mod:`~redblue.dags.attention_decode` (split-K decoding),
  :mod:`~redblue.dags.multihead` (grouped-query heads);
- :mod:`~redblue.dags.attention_backward`: the attention backward pass (dQ, dK, dV);
- :mod:`~redblue.dags.matmul`: standard matrix multiplication;
- :mod:`~redblue.dags.classic`: chain and pyramid;
- :mod:`~redblue.dags.fft`: the FFT butterfly;
- :mod:`~redblue.dags.random_dags`: reproducible random DAGs;
- :mod:`~redblue.dags.evaluate`: run a DAG on numbers, and the numpy attention reference;
- :mod:`~redblue.dags.validate`: what the game needs of a DAG (structure only), and what
  the evaluator needs (the node conventions above).

Graph files (node-link JSON, GraphML, DOT, edge lists, KTH, HyperDAG) are read and written
by :mod:`redblue.readwrite`.

Every builder takes ``max_nodes`` (default :data:`MAX_NODES`, 5,000,000) and refuses a
larger graph before building any of it, with its closed-form node count in the message.
"""

from __future__ import annotations

from redblue.dags._builder import MAX_NODES
from redblue.dags.attention import attention_dag, attention_node_count
from redblue.dags.attention_backward import (
    attention_backward_dag,
    attention_backward_node_count,
    backward_inputs,
    reference_attention_backward,
)
from redblue.dags.attention_decode import split_decode_dag
from redblue.dags.attention_masks import key_pattern
from redblue.dags.classic import chain_dag, pyramid_dag
from redblue.dags.evaluate import evaluate, output_tensors, reference_attention
from redblue.dags.fft import fft_dag
from redblue.dags.matmul import matmul_dag, matmul_node_count
from redblue.dags.multihead import multihead_attention_dag
from redblue.dags.random_dags import random_dag
from redblue.dags.validate import validate_computation, validate_dag

__all__ = [
    "MAX_NODES",
    "attention_backward_dag",
    "attention_backward_node_count",
    "attention_dag",
    "backward_inputs",
    "attention_node_count",
    "chain_dag",
    "evaluate",
    "fft_dag",
    "key_pattern",
    "matmul_dag",
    "matmul_node_count",
    "multihead_attention_dag",
    "output_tensors",
    "pyramid_dag",
    "random_dag",
    "reference_attention",
    "reference_attention_backward",
    "split_decode_dag",
    "validate_computation",
    "validate_dag",
]
