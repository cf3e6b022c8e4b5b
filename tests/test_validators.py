"""Dates of things that happened are never in the future, in the site's time zone."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from supportdesk.validators import not_in_future

# 20:00 UTC on 31 December is already 1 January in Yangon (UTC+6:30).
YANGON_NEW_YEAR = datetime.datetime(2026, 12, 31, 20, 0, tzinfo=datetime.UTC)


@time_machine.travel(YANGON_NEW_YEAR, tick=False)
def test_today_in_yangon_is_allowed_and_tomorrow_is_not() -> None:
    not_in_future(datetime.date(2027, 1, 1))  # today in Yangon, still yesterday in UTC
    not_in_future(datetime.date(2021, 3, 1))
    not_in_future(None)
    with pytest.raises(ValidationError) as refused:
        not_in_future(datetime.date(2027, 1, 2))
    assert refused.value.code == "future_date"
