"""Compiled kernels (built from pyx/ by setup.py)."""
