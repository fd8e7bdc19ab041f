"""Benchmarks: each prints its figures and a ratio against a baseline measured in the same run.

Not part of the test suite. `python bench/run_all.py` runs them all (see docs/performance.md).
"""
