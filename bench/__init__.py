"""Benchmarks. Each prints ratios against a floor measured in the same run, never absolute claims."""
