"""Case pages: list, intake, edit, the case page, statistics, for each persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case, CaseEvent, ContactChannel, DuplicateFlag, Risk
from cases.tests.factories import CaseFactory
from supportdesk.accounts.models import Team, User
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db


def test_volunteer_sees_list_detail_and_intake(volunteer: User, team: Team) -> None:
    case = CaseFactory(team=team)
    client = verified_client(volunteer)
    assert client.get(reverse("cases:list")).status_code == 200
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases:create")).status_code == 200
    assert client.get(reverse("cases:edit", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases:statistics")).status_code == 200
