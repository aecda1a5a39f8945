"""Benchmark of newsarchive against Hugo and Pelican (docs/design.md §7): run.py, see README.md."""
