"""Charts of money in and out, drawn on the server as inline SVG: no script, no library, no
stylesheet of their own (the site's policy allows no inline style, so every colour and size is
an SVG presentation attribute). Drawn 320 units wide, about the width of a card on the
narrowest phone (360 px), so a unit is about a pixel there; wider screens scale it up. Labels
are translated and amounts formatted for the active language (funds.money.format_amount); each
bar carries its exact amount as a <title>, and the pages show the same figures in a table under
each chart."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from funds.models import Disbursement
from funds.money import format_amount
from supportdesk import formatting
from supportdesk.formatting import in_digits

WIDTH = 320
MONTHS = 6
IN_COLOUR = "#2e6b34"
OUT_COLOUR = "#a4161a"
TEXT_COLOUR = "#1b1b1b"
MUTED = "#5a5a5a"
FONT = "system-ui, 'Noto Sans Myanmar', 'Myanmar Text', sans-serif"


def _money(minor: int, currency: str) -> str:
    return format_amount(minor, currency, language=get_language() or "en")


@dataclass(frozen=True)
class Month:
    month: str  # "2026-11"
    money_in: int
    money_out: int

    @property
    def first_day(self) -> datetime.date:
        return datetime.date.fromisoformat(f"{self.month}-01")


def months_of(
    money_in: Iterable[Mapping[str, object]],
    money_out: Iterable[Mapping[str, object]],
    currency: str,
    *,
    count: int = MONTHS,
) -> list[Month]:
    """In and out per month in one currency (selectors.money_in_by_month and _out_), the last
    `count` months that had any money."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for side, rows in ((0, money_in), (1, money_out)):
        for row in rows:
            if row["currency"] == currency:
                totals[str(row["month"])][side] += int(row["total"])  # type: ignore[call-overload]
    months = sorted(totals)[-count:]
    return [Month(month, totals[month][0], totals[month][1]) for month in months]


def by_purpose(money_out: Iterable[Mapping[str, object]], currency: str) -> list[tuple[str, int]]:
    """Aid paid per purpose in one currency, largest first (purpose labels translated)."""
    totals: dict[str, int] = defaultdict(int)
    for row in money_out:
        if row["currency"] == currency:
            totals[str(row["purpose"])] += int(row["total"])  # type: ignore[call-overload]
    labels = dict(Disbursement.Purpose.choices)
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [(str(labels.get(purpose, purpose)), total) for purpose, total in ranked]


def _svg(height: int, label: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
        'role="img" aria-label="{label}" font-family="{font}" font-size="15" fill="{text}">'
        "<title>{label}</title>{body}</svg>",
        w=WIDTH,
        h=height,
        label=label,
        font=FONT,
        text=TEXT_COLOUR,
        body=body,
    )


def month_chart(months: list[Month], currency: str) -> SafeString:
    """Money in and out per month as pairs of bars, with a legend and the largest amount."""
    title = _("Money in and out by month (%(currency)s)") % {"currency": currency}
    if not months:
        return _svg(
            40,
            title,
            format_html('<text x="8" y="24" fill="{}">{}</text>', MUTED, _("No money yet.")),
        )
    plot, base = 150, 202  # bars stand on y = base, at most `plot` tall
    largest = max(max(m.money_in, m.money_out) for m in months) or 1
    slot = (WIDTH - 16) / len(months)
    bar = min(slot * 0.36, 28)
    parts = [
        format_html(
            '<rect x="8" y="6" width="14" height="14" fill="{}"/>'
            '<text x="28" y="18">{}</text>'
            '<rect x="165" y="6" width="14" height="14" fill="{}"/>'
            '<text x="185" y="18">{}</text>'
            '<text x="8" y="42" fill="{}" font-size="13">{}</text>'
            '<line x1="8" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            IN_COLOUR,
            _("Money in"),
            OUT_COLOUR,
            _("Money out"),
            MUTED,
            _("Largest: %(amount)s") % {"amount": _money(largest, currency)},
            base,
            WIDTH - 8,
            base,
            MUTED,
        )
    ]
    for index, month in enumerate(months):
        left = 8 + index * slot + (slot - 2 * bar - 4) / 2
        for offset, amount, colour, side in (
            (0, month.money_in, IN_COLOUR, _("Money in")),
            (bar + 4, month.money_out, OUT_COLOUR, _("Money out")),
        ):
            height = round(plot * amount / largest, 1)
            if amount and height < 2:
                height = 2  # a small amount still shows
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} · {}: {}</title></rect>",
                    round(left + offset, 1),
                    round(base - height, 1),
                    round(bar, 1),
                    height,
                    colour,
                    formatting.month(month.first_day),
                    side,
                    _money(amount, currency),
                )
            )
        centre = round(8 + index * slot + slot / 2, 1)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" fill="{}" font-size="12">{}</text>',
                centre,
                base + 18,
                formatting.month_alone(month.first_day),
                centre,
                base + 32,
                MUTED,
                in_digits(date_format(month.first_day, "Y")),
            )
        )
    # Each part was built by format_html, which escapes every value put in it.
    return _svg(base + 40, title, mark_safe("".join(parts)))  # noqa: S308  # nosec B308 B703


def purpose_chart(purposes: list[tuple[str, int]], currency: str) -> SafeString:
    """Aid paid per purpose: one labelled bar per purpose, its amount above the bar's end."""
    title = _("Aid paid by purpose (%(currency)s)") % {"currency": currency}
    if not purposes:
        return _svg(
            40,
            title,
            format_html('<text x="8" y="24" fill="{}">{}</text>', MUTED, _("No aid paid yet.")),
        )
    largest = max(total for _label, total in purposes) or 1
    row = 46
    parts = format_html_join(
        "",
        '<text x="8" y="{}">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
        '<rect x="8" y="{}" width="{}" height="16" fill="{}"><title>{}: {}</title></rect>',
        (
            (
                index * row + 16,
                label,
                WIDTH - 8,
                index * row + 16,
                MUTED,
                _money(total, currency),
                index * row + 22,
                max(round((WIDTH - 16) * total / largest, 1), 2),
                OUT_COLOUR,
                label,
                _money(total, currency),
            )
            for index, (label, total) in enumerate(purposes)
        ),
    )
    return _svg(len(purposes) * row + 4, title, parts)
