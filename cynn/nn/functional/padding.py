"""Functional padding ops."""
__all__ = []
