"""The charts of the funds page: inline SVG with no style attribute and no script, bars in
proportion, labels translated and amounts formatted for the reader's language."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from funds import charts

IN = [
    {"month": "2026-10", "currency": "MMK", "channel": "cash", "total": 1_250_000, "count": 2},
    {"month": "2026-11", "currency": "MMK", "channel": "bank_transfer", "total": 500, "count": 1},
    {"month": "2026-11", "currency": "USD", "channel": "cash", "total": 9_900, "count": 1},
]
OUT = [
    {"month": "2026-11", "currency": "MMK", "purpose": "medical", "total": 625_000, "count": 1},
    {"month": "2026-11", "currency": "MMK", "purpose": "food", "total": 50_000, "count": 3},
]


@pytest.fixture
def burmese_catalog(tmp_path: Path, settings: Any) -> None:
    """The Burmese catalog compiled into a temporary folder (the checkout holds the .po)."""
    if not shutil.which("msgfmt"):
        pytest.skip("msgfmt (gettext) is not installed")
    folder = tmp_path / "my" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source = Path(settings.BASE_DIR) / "locale" / "my" / "LC_MESSAGES" / "django.po"
    subprocess.run(  # noqa: S603 - a fixed command on the checkout's own file
        ["msgfmt", "-o", str(folder / "django.mo"), str(source)],  # noqa: S607
        check=True,
    )
    settings.LOCALE_PATHS = [str(tmp_path)]


def test_months_and_purposes_are_summed_per_currency() -> None:
    months = charts.months_of(IN, OUT, "MMK")
    assert [(m.month, m.money_in, m.money_out) for m in months] == [
        ("2026-10", 1_250_000, 0),
        ("2026-11", 500, 675_000),
    ]
    assert [total for _label, total in charts.by_purpose(OUT, "MMK")] == [625_000, 50_000]
    assert charts.months_of(IN, OUT, "THB") == []


def test_at_most_six_months_are_drawn() -> None:
    rows = [
        {"month": f"2026-{n:02d}", "currency": "MMK", "channel": "cash", "total": n, "count": 1}
        for n in range(1, 13)
    ]
    drawn = [m.month for m in charts.months_of(rows, [], "MMK")]
    assert drawn == [f"2026-{n:02d}" for n in range(7, 13)]


def test_the_month_chart_in_english() -> None:
    with translation.override("en"):
        svg = str(charts.month_chart(charts.months_of(IN, OUT, "MMK"), "MMK"))
    assert svg.startswith("<svg") and 'viewBox="0 0 320 ' in svg
    assert "style" not in svg and "<script" not in svg
    assert "Money in" in svg and "Money out" in svg
    assert "Largest: 1,250,000 MMK" in svg
    assert "Oct 2026 · Money in: 1,250,000 MMK" in svg  # the month as `month` writes it
    # The largest bar is the full plot height (150); half the amount, half the height.
    assert 'height="150.0"' in svg and 'height="75.0"' not in svg
    assert 'height="2"' in svg  # 500 kyat still shows


def test_the_purpose_chart_in_english() -> None:
    with translation.override("en"):
        svg = str(charts.purpose_chart(charts.by_purpose(OUT, "MMK"), "MMK"))
    assert "Medical" in svg and "625,000 MMK" in svg and "Food" in svg and "50,000 MMK" in svg
    assert 'width="304.0"' in svg and 'width="24.3"' in svg  # 304 x 50,000 / 625,000
    assert "style" not in svg


@pytest.mark.usefixtures("burmese_catalog")
def test_the_charts_in_burmese_translate_labels_and_show_lakhs() -> None:
    with translation.override("my"):
        month = str(charts.month_chart(charts.months_of(IN, OUT, "MMK"), "MMK"))
        purpose = str(charts.purpose_chart(charts.by_purpose(OUT, "MMK"), "MMK"))
        medical = translation.gettext("Medical")
        money_in = translation.gettext("Money in")
    assert medical != "Medical"  # the catalog has it
    assert medical in purpose
    assert money_in in month
    assert "၁၂ သိန်း ၅၀,၀၀၀ ကျပ်" in month  # noqa: RUF001 - Myanmar digits, in lakhs
    assert "၆ သိန်း ၂၅,၀၀၀ ကျပ်" in purpose  # noqa: RUF001
    assert "1,250,000" not in month and "625,000" not in purpose
    assert "၁၀-၂၀၂၆" in month and "Oct" not in month  # months as numbers, no English names


def test_an_empty_chart_says_so() -> None:
    with translation.override("en"):
        assert "No money yet." in str(charts.month_chart([], "MMK"))
        assert "No aid paid yet." in str(charts.purpose_chart([], "MMK"))


def test_labels_are_escaped() -> None:
    rows = [{"month": "2026-11", "currency": "MMK", "purpose": "<b>x</b>", "total": 5, "count": 1}]
    svg = str(charts.purpose_chart(charts.by_purpose(rows, "MMK"), "MMK"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
