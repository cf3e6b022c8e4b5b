"""Cells of the CSV files people download (each download an audited `export.csv`): the audit
log's export, the CDM list for the ministry, the funds' monthly sums."""

from __future__ import annotations

# A spreadsheet runs a cell starting with one of these as a formula (`=HYPERLINK(...)`, `@SUM`),
# and a tab or carriage return first hides the sign that follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """`value` as the text of a CSV cell that no spreadsheet runs: text a formula would start
    with is written plain (a leading `'`); None is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
