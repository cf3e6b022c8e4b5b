"""The case list's keyset pages and the cached statistics (cases/pagination.py, docs/cases.md)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import pagination, selectors
from cases.models import Case
from cases.tests.factories import CaseFactory
from supportdesk.testing import token_client

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"


def _cases(team, count: int) -> list[Case]:
    """`count` cases of mixed risk, recorded a minute apart, in the list's order."""
    start = timezone.now() - datetime.timedelta(days=1)
    made = []
    for n in range(count):
        case = CaseFactory.create(team=team, risk=1 + n % 4)
        Case.objects.filter(pk=case.pk).update(created_at=start + datetime.timedelta(minutes=n))
        made.append(case)
    return sorted(
        Case.objects.filter(pk__in=[c.pk for c in made]),
        key=lambda c: (c.risk, c.created_at, c.pk.hex),
        reverse=True,
    )


def test_following_next_shows_every_case_once_riskiest_first(volunteer, team) -> None:
    expected = [str(c.pk) for c in _cases(team, 12)]
    api = token_client(volunteer)
    seen, url, pages = [], f"{CASES}?page_size=5", 0
    while url:
        body = api.get(url).json()
        assert body["count"] == 12
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == expected
    assert pages == 3


def test_a_case_recorded_meanwhile_does_not_shift_the_next_page(volunteer, team) -> None:
    expected = [str(c.pk) for c in _cases(team, 6)]
    api = token_client(volunteer)
    first = api.get(f"{CASES}?page_size=3").json()
    # Riskiest and newest: it sorts first, so page numbers would push the first page's last case
    # onto the second page; the cursor starts the second page after it, whatever came in above.
    CaseFactory.create(team=team, risk=4)
    second = api.get(first["next"]).json()
    assert [r["id"] for r in first["results"] + second["results"]] == expected


def test_pages_after_the_first_cost_the_same_queries(volunteer, team) -> None:
    _cases(team, 9)
    api = token_client(volunteer)

    def queries(url: str) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            answer = api.get(url)
        assert answer.status_code == 200
        return len(captured), answer.json()

    first_count, first = queries(f"{CASES}?page_size=3")
    second_count, _second = queries(first["next"])
    assert second_count == first_count


def test_above_the_count_limit_count_is_null(volunteer, team, monkeypatch) -> None:
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    _cases(team, 5)
    api = token_client(volunteer)
    assert api.get(f"{CASES}?page_size=2").json()["count"] is None
    assert api.get(f"{CASES}?page_size=2&status=closed").json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=WzEsICJ5ZXN0ZXJkYXkiLCAiYWJjIl0", "cursor"),  # [1, "yesterday", "abc"]
        ("page_size=0", "page_size"),
        ("page_size=many", "page_size"),
    ],
)
def test_a_bad_cursor_or_page_size_is_a_400(volunteer, query, field) -> None:
    answer = token_client(volunteer).get(f"{CASES}?{query}")
    assert answer.status_code == 400
    assert field in answer.json()


def test_statistics_are_counted_once_per_max_age(volunteer, team, settings) -> None:
    settings.CASE_STATISTICS_MAX_AGE = 300
    cache.delete(selectors.STATISTICS_CACHE_KEY)
    api = token_client(volunteer)
    CaseFactory.create_batch(6, team=team)
    first = api.get("/api/v1/cases/statistics/").json()
    CaseFactory.create_batch(6, team=team)
    with CaptureQueriesContext(connection) as captured:
        cached = api.get("/api/v1/cases/statistics/").json()
    assert cached == first  # the same figures, counted at the same time
    assert not any("GROUP BY" in q["sql"] for q in captured.captured_queries)
    cache.delete(selectors.STATISTICS_CACHE_KEY)  # what expiry does after max age
    fresh = api.get("/api/v1/cases/statistics/").json()
    assert fresh["computed_at"] > first["computed_at"]
    assert fresh["by_status"] != first["by_status"]
