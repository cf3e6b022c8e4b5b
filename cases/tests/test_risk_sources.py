"""Other apps raise a case's risk through registered risk sources, without cases importing them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases.models import Case, Risk
from cases.rules import register_risk_source, unregister_risk_source
from cases.services.lifecycle import case_locked, case_risk_refresh, case_transition
from cases.tests.factories import CaseFactory
from supportdesk.accounts.models import Team, User

ON_A_COMPROMISED_ROUTE: set[object] = set()


def compromised_route(case: Case) -> list[int]:
    return [Risk.HIGH] if case.pk in ON_A_COMPROMISED_ROUTE else []


@pytest.fixture
def source() -> Iterator[None]:
    register_risk_source("test.compromised_route", compromised_route)
    yield
    unregister_risk_source("test.compromised_route")
    ON_A_COMPROMISED_ROUTE.clear()


def test_a_registered_source_raises_the_risk_when_it_is_refreshed(
    source: None, team: Team, db: None
) -> None:
    case = CaseFactory.create(team=team)
    ON_A_COMPROMISED_ROUTE.add(case.pk)
    assert case_risk_refresh(case=case_locked(case)) == Risk.HIGH
    assert Case.objects.get(pk=case.pk).risk == Risk.HIGH


def test_the_source_keeps_counting_when_the_status_moves(
    source: None, volunteer: User, team: Team
) -> None:
    case = CaseFactory.create(team=team)
    ON_A_COMPROMISED_ROUTE.add(case.pk)
    moved = case_transition(actor=volunteer, case=case, to_status=Case.Status.VERIFYING)
    assert moved.risk == Risk.HIGH
    ON_A_COMPROMISED_ROUTE.clear()
    moved = case_transition(actor=volunteer, case=moved, to_status=Case.Status.HIDING)
    assert moved.risk == Risk.ELEVATED  # the status alone says so now


def test_a_name_is_registered_once(source: None) -> None:
    with pytest.raises(ImproperlyConfigured):
        register_risk_source("test.compromised_route", lambda case: [])
