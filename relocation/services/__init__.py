"""Writes of relocation, one module per part of the work (docs/relocation.md)."""
