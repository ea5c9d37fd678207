"""Seed tutorials (../shared/seeds/) ported to cynn: the examples run with only the import
lines changed (``import cynn as torch``), images replaced by generated arrays."""
