"""Writes of funds, one module per part of the work (docs/funds.md)."""
