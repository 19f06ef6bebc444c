"""Benchmarks: `make bench` runs them all and writes BENCHMARKS.md (never part of `make test`)."""
