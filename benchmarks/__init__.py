"""Benchmark of newsarchive against Hugo and Pelican (DESIGN §7): run.py, see README.md."""
