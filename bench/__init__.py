"""Benchmarks (each prints ratios measured in one run); `bench/run.py` is issue 7's harness."""
