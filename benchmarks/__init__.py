"""Reproducible performance measurements: one command each, printing a table."""
