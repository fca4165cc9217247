"""The partition, backward and exact-optima proof scripts, made to fail.

Records pinned in tests/pinned/proof_steps.json, planted errors, and the scripts' own
formulas by hand, as in tests/test_proofs_scripts.py.
"""
