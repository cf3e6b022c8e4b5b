"""The money-input table: what a volunteer may type, and what each mistake is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from funds.money import format_amount, major_text, parse_amount

ACCEPTED = [
    ("50000", "MMK", 50_000),
    ("  50000 ", "MMK", 50_000),
    ("၅၀၀၀၀", "MMK", 50_000),
    ("၁၂၃4", "MMK", 1234),
    ("007", "MMK", 7),
    (500000, "MMK", 500_000),
    ("12", "USD", 1200),
    ("12.5", "USD", 1250),
    ("12.50", "USD", 1250),
    ("၁၂.၅၀", "USD", 1250),
    ("0.01", "THB", 1),
    ("100000000", "MMK", 100_000_000),
]
REFUSED = [
    ("1e3", "MMK", "without commas"),
    ("NaN", "MMK", "without commas"),
    ("Infinity", "USD", "without commas"),
    ("-5", "MMK", "without commas"),
    ("+5", "MMK", "without commas"),
    ("1,000", "MMK", "without commas"),
    ("1 000", "MMK", "without commas"),
    ("\uff11\uff10\uff10\uff10", "MMK", "without commas"),  # full-width
    ("\u0661\u0660\u0660\u0660", "MMK", "without commas"),  # Arabic-Indic
    ("\u06f1\u06f0\u06f0\u06f0", "MMK", "without commas"),  # extended Arabic-Indic
    ("႐႑", "MMK", "without commas"),  # Shan digits
    ("", "MMK", "Enter an amount"),
    ("   ", "MMK", "Enter an amount"),
    ("0", "MMK", "more than zero"),
    ("0.00", "USD", "more than zero"),
    ("12.5", "MMK", "whole numbers"),
    ("12.505", "USD", "at most 2 digits"),
    (".5", "USD", "without commas"),
    ("5.", "USD", "without commas"),
    ("0x10", "MMK", "without commas"),
    ("1_000", "MMK", "without commas"),
    ("100000001", "MMK", "limit of 100,000,000 MMK"),
    ("50000.01", "USD", "limit of 50,000.00 USD"),
    ("9" * 40, "MMK", "without commas"),
    (12.5, "USD", "in digits"),
    (True, "MMK", "in digits"),
    (None, "MMK", "in digits"),
    ("5", "EUR", "Choose the currency"),
]


@pytest.mark.parametrize(("raw", "currency", "minor"), ACCEPTED)
def test_accepted_amounts(raw: object, currency: str, minor: int) -> None:
    assert parse_amount(raw, currency) == minor


@pytest.mark.parametrize(("raw", "currency", "said"), REFUSED)
def test_refused_amounts_say_why(raw: object, currency: str, said: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_amount(raw, currency)
    assert said in refused.value.messages[0]


@override_settings(FUNDS_MAX_AMOUNT_MMK=1000)
def test_the_cap_is_a_setting() -> None:
    assert parse_amount("1000", "MMK") == 1000
    with pytest.raises(ValidationError, match="1,000 MMK"):
        parse_amount("1001", "MMK")


@pytest.mark.parametrize(
    ("minor", "currency", "language", "shown"),
    [
        (1_250_000, "MMK", "en", "1,250,000 MMK"),
        (1250, "USD", "en", "12.50 USD"),
        (5, "THB", "en", "0.05 THB"),
        (1_250_000, "MMK", "my", "၁၂ သိန်း ၅၀,၀၀၀ ကျပ်"),  # noqa: RUF001 - Myanmar digits
        (30_000_000, "MMK", "my", "၃၀၀ သိန်း"),
        (50_000, "MMK", "my", "၅၀,၀၀၀ ကျပ်"),  # noqa: RUF001 - Myanmar digits
        (0, "MMK", "my", "၀ ကျပ်"),  # noqa: RUF001 - Myanmar digits
        (123_456_700_000, "MMK", "my", "၁,၂၃၄,၅၆၇ သိန်း"),
        (123_456, "USD", "my", "၁,၂၃၄.၅၆ USD"),
    ],
)
def test_amounts_are_shown_grouped_and_in_lakhs_in_burmese(
    minor: int, currency: str, language: str, shown: str
) -> None:
    assert format_amount(minor, currency, language=language) == shown


def test_major_text_round_trips_through_the_parser() -> None:
    for minor, currency in [(1, "USD"), (1250, "THB"), (500_000, "MMK")]:
        assert parse_amount(major_text(minor, currency), currency) == minor
    assert major_text(-150, "USD") == "-1.50"
