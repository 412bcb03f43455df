"""Speedups of spaCy's and thinc's stock code, each with parity tests against the stock
code, and run only where geo._compat allows them (tested library versions, CLAIM_ATLAS_ACCEL).
"""
