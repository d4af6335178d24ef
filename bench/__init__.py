"""Benchmarks, load and fault runs, and the synthetic corpus: development tooling, not the site.

A package so that tests import what they share with it (`from bench.servers import ...`).
Each script runs as `python -m bench.<name>` or as `python bench/<name>.py`.
"""
