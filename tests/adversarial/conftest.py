"""A small world for the adversarial suite: the personas, a record of each kind on the team, and
the WSGI application called in process, on the test's own database connection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from cases.models import Case
from cases.tests.factories import (
    CaseFactory,
    CdmRequestFactory,
    FamilyMemberFactory,
    SecurityFlagFactory,
)
from funds.tests.factories import FundFactory
from relocation.tests.factories import RouteLegFactory, SafeHouseFactory
from supportdesk.accounts import services
from supportdesk.accounts.models import Team, User
from tests.adversarial import figures

ROLES = ("volunteer", "coordinator", "administrator")


@dataclass
class World:
    """Who calls, and the ids of real records, by the name a path parameter gives them."""

    users: dict[str, User]
    ids: dict[str, str] = field(default_factory=dict)

    def token(self, role: str) -> str:
        # A fresh token per request: the fuzzer may log out or revoke, which must not end the run.
        return services.api_token_issue(user=self.users[role]).token


@pytest.fixture
def quick_password_hashing(settings: Any) -> None:
    # The world is built once per operation and nobody logs in with its passwords: hashing them
    # with Argon2 would cost most of the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(
    quick_password_hashing: None,  # first: before the personas are created
    team: Team,
    volunteer: User,
    coordinator: User,
    administrator: User,
    outsider: User,
) -> World:
    case = CaseFactory.create(
        team=team, status=Case.Status.ACCEPTED, verification=Case.Verification.VERIFIED
    )
    member = FamilyMemberFactory.create(case=case)
    flag = SecurityFlagFactory.create(family_member=member)
    cdm = CdmRequestFactory.create(case=case)
    house = SafeHouseFactory.create(team=team)
    leg = RouteLegFactory.create(plan__case=case, case=case)
    fund = FundFactory.create(team=team)
    users = {"volunteer": volunteer, "coordinator": coordinator, "administrator": administrator}
    ids = {
        "case_id": case.id,
        "member_id": member.id,
        "flag_id": flag.id,
        "request_id": cdm.id,
        "house_id": house.id,
        "area_id": house.area_id,
        "plan_id": leg.plan_id,
        "leg_id": leg.id,
        "fund_id": fund.id,
        "team_id": team.id,
        # Revoking the outsider's access disturbs none of the callers.
        "user_id": outsider.id,
        "actor_id": volunteer.id,
    }
    return World(users=users, ids={name: str(value) for name, value in ids.items()})


@pytest.fixture
def wsgi_app(db: None) -> Iterator[WSGIHandler]:
    """The project's WSGI application, as gunicorn runs it. Like Django's test client, keep the
    test's connection open across requests (the handler closes it after each one otherwise)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = figures.summary()
    if lines:
        terminalreporter.section("adversarial figures")
        for line in lines:
            terminalreporter.write_line(line)
