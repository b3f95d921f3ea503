"""Benchmarks with their budgets; run with `make bench` (or `python -m bench`)."""
