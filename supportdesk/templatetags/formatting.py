"""The formatting functions of `supportdesk.formatting` as template filters of the same names,
a builtin library (settings `TEMPLATES`): every template has them without loading them."""

from django import template

from supportdesk import formatting

register = template.Library()

FILTERS = (
    "when",
    "day",
    "month",
    "month_alone",
    "clock",
    "number",
    "digits",
    "size",
    "ago",
    "phone",
    "phone_link",
)
for _name in FILTERS:
    register.filter(_name, getattr(formatting, _name), is_safe=False)
