"""Writes for cases, one module per part of the work: intake, lifecycle, family, CDM codes."""
