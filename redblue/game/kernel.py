"""The compiled replay loop of the classic and no-recomputation games.

The loop is written in the subset of Python that numba compiles; under
``NUMBA_DISABLE_JIT=1`` (numba's switch) it runs as plain Python (correct, about 100x
slower). It reports the first violation as integer codes; :mod:`redblue.game.rules` turns
them into messages.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Violation codes returned by the kernels (0 = the sequence is legal).
OK = 0
LOAD_NO_BLUE = 1
LOAD_HAS_RED = 2
STORE_NO_RED = 3
STORE_HAS_BLUE = 4
COMPUTE_INPUT = 5
COMPUTE_HAS_RED = 6
COMPUTE_PRED_NOT_RED = 7
COMPUTE_AGAIN = 8
DELETE_NO_RED = 9
DELETE_BLUE_NO_BLUE = 10
RED_LIMIT = 11
OUTPUT_NOT_BLUE = 12
BAD_KIND = 13


@njit(cache=True, nogil=True)
def play_classic(kinds, nodes, pred_ptr, pred_idx, is_input, is_output, memory,
                 allow_recompute, check_outputs):  # fmt: skip
    """Replay encoded moves under the classic rules (optionally without recomputation).

    Returns ``(code, t, detail, loads, stores, computes, recomputations, peak_red,
    red_at_failure)``. ``code`` is 0 for a legal sequence; otherwise ``t`` is the index
    of the first illegal move (``len(kinds)`` for an output left without blue) and
    ``detail`` a node id or move index that explains it (see rules.explain).
    """
    n = is_input.shape[0]
    red = np.zeros(n, dtype=np.bool_)
    blue = is_input.copy()
    first_compute = np.full(n, -1, dtype=np.int64)
    n_red = 0
    peak = 0
    loads = 0
    stores = 0
    computes = 0
    recomputes = 0
    for t in range(kinds.shape[0]):
        kind = kinds[t]
        v = nodes[t]
        if kind == 0:  # load
            if not blue[v]:
                return LOAD_NO_BLUE, t, -1, loads, stores, computes, recomputes, peak, n_red
            if red[v]:
                return LOAD_HAS_RED, t, -1, loads, stores, computes, recomputes, peak, n_red
            if n_red >= memory:
                return RED_LIMIT, t, -1, loads, stores, computes, recomputes, peak, n_red
            red[v] = True
            n_red += 1
            loads += 1
        elif kind == 1:  # store
            if not red[v]:
                return STORE_NO_RED, t, -1, loads, stores, computes, recomputes, peak, n_red
            if blue[v]:
                return STORE_HAS_BLUE, t, -1, loads, stores, computes, recomputes, peak, n_red
            blue[v] = True
            stores += 1
        elif kind == 2:  # compute
            if is_input[v]:
                return COMPUTE_INPUT, t, -1, loads, stores, computes, recomputes, peak, n_red
            if red[v]:
                return COMPUTE_HAS_RED, t, -1, loads, stores, computes, recomputes, peak, n_red
            for e in range(pred_ptr[v], pred_ptr[v + 1]):
                u = pred_idx[e]
                if not red[u]:
                    return (COMPUTE_PRED_NOT_RED, t, u, loads, stores, computes, recomputes,
                            peak, n_red)  # fmt: skip
            if first_compute[v] >= 0:
                if not allow_recompute:
                    return (COMPUTE_AGAIN, t, first_compute[v], loads, stores, computes,
                            recomputes, peak, n_red)  # fmt: skip
                recomputes += 1
            else:
                first_compute[v] = t
            if n_red >= memory:
                return RED_LIMIT, t, -1, loads, stores, computes, recomputes, peak, n_red
            red[v] = True
            n_red += 1
            computes += 1
        elif kind == 3:  # delete
            if not red[v]:
                return DELETE_NO_RED, t, -1, loads, stores, computes, recomputes, peak, n_red
            red[v] = False
            n_red -= 1
        elif kind == 4:  # delete-blue
            if not blue[v]:
                return DELETE_BLUE_NO_BLUE, t, -1, loads, stores, computes, recomputes, peak, n_red
            blue[v] = False
        else:
            return BAD_KIND, t, -1, loads, stores, computes, recomputes, peak, n_red
        if n_red > peak:
            peak = n_red
    t_end = kinds.shape[0]
    if check_outputs:
        for v in range(n):
            if is_output[v] and not blue[v]:
                return OUTPUT_NOT_BLUE, t_end, v, loads, stores, computes, recomputes, peak, n_red
    return OK, t_end, -1, loads, stores, computes, recomputes, peak, n_red
