"""Training instrumentation built on cynn's hooks.

``GradientLogger`` records per-parameter (and per-module) gradient statistics,
warns about vanishing or exploding gradients, and writes JSONL, CSV and a
gradient-flow figure; see ``cynn/hooks/gradient_logger.py``.
"""
from .gradient_logger import (RECORD_FIELDS, ExplodingGradientWarning, GradientLogger,
                              GradientWarning, VanishingGradientWarning, read_csv, read_jsonl)

__all__ = ["GradientLogger", "GradientWarning", "VanishingGradientWarning",
           "ExplodingGradientWarning", "RECORD_FIELDS", "read_jsonl", "read_csv"]
