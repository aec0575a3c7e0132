"""Benchmarks: scripts that measure and print, never tests (see benchmarks/README.md).

Run from the repo root: ``.venv/bin/python -m benchmarks.run`` (or ``make bench``).
"""
