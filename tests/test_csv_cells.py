"""A cell of a downloaded CSV never runs as a spreadsheet formula."""

import pytest

from supportdesk.audit.csv_cells import csv_cell


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_formula_would_start_with_is_written_plain(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "cell"),
    [("Special 77", "Special 77"), (1250, "1250"), ("a=b", "a=b"), ("", ""), (None, "")],
)
def test_other_values_are_written_as_they_are_and_none_is_empty(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_a_negative_number_is_written_plain_too() -> None:
    assert csv_cell(-5) == "'-5"
