"""The part lemmas' proof scripts (lemma_3_3, lemma_3_6, lemma_4_6), made to fail.

Records pinned in tests/pinned/proof_steps.json, planted errors, and the scripts' own
formulas by hand, as in tests/test_proofs_scripts.py.
"""
