"""Benchmarks: scripts that print figures and write them into docs/benchmarks.md."""
