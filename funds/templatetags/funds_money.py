"""`{{ amount|money:currency }}`: an amount in minor units as people read it in the active
language (funds.money.format_amount: grouped; in Burmese with Myanmar digits and kyat in lakhs)."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from funds.money import format_amount

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    return format_amount(int(minor), str(currency), language=get_language() or "en")
