"""The proof scripts: one per theorem or lemma of Saha & Ye (ICML 2024).

Each script states its claim and regime, checks every algebraic step with sympy and every
predicate on concrete instances, and exits non-zero on any failure. Run one with
``python proofs/thm_3_1.py``, or all with ``redblue prove all``. Installed with redblue as
the package ``redblue.proofs``.
"""
