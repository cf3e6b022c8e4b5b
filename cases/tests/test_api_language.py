"""The cases API's own field errors reach the user in their language (Accept-Language: my).

The Burmese catalogue (locale/my/LC_MESSAGES/django.po) is compiled into a temporary directory for
these tests, so they read the .po as it is now, with no `make messages` first. A message with no
Burmese translation fails, naming its msgid.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from rest_framework.test import APIClient

from cases.tests.factories import CaseFactory, FamilyMemberFactory
from supportdesk.accounts.models import Team, User
from supportdesk.testing import token_client

pytestmark = pytest.mark.django_db
PO_FILE = Path(django_settings.BASE_DIR) / "locale" / "my" / "LC_MESSAGES" / "django.po"
BURMESE_LETTER = re.compile(r"[\u1000-\u109f]")


@pytest.fixture
def burmese(settings, tmp_path: Path) -> None:
    """The current Burmese catalogue, compiled and in use (LOCALE_PATHS resets Django's caches)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed: the catalogue cannot be compiled")
    target = tmp_path / "my" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(  # noqa: S603 - gettext's msgfmt with fixed arguments
        [msgfmt, "-o", str(target / "django.mo"), str(PO_FILE)], check=True
    )
    settings.LOCALE_PATHS = [tmp_path]


@dataclass(frozen=True)
class FieldError:
    name: str
    field: str
    msgid: str  # exactly the English the API writes
    call: Callable[[APIClient, Team, Team], Any]


def intake(api: APIClient, team: Team, **overrides: Any) -> Any:
    body = {
        "team": str(team.pk),
        "alias": "Special 007",
        "service_branch": "army",
        "contact_method": "messaging_app",
        **overrides,
    }
    return api.post("/api/v1/cases/", body, format="json", HTTP_ACCEPT_LANGUAGE="my")


def flag_dates_reversed(api: APIClient, team: Team, other_team: Team) -> Any:
    member = FamilyMemberFactory.create(case=CaseFactory.create(team=team))
    body = {
        "kind": "threatened",
        "severity": 3,
        "observed_on": "2026-11-20",
        "review_on": "2026-11-19",
    }
    return api.post(
        f"/api/v1/family/{member.pk}/flags/", body, format="json", HTTP_ACCEPT_LANGUAGE="my"
    )


FIELD_ERRORS = [
    FieldError(
        "team-not-mine",
        "team",
        "Choose one of your teams.",
        lambda api, team, other_team: intake(api, other_team),
    ),
    FieldError(
        "referral-not-mine",
        "referred_by",
        "No case of your teams has this id.",
        lambda api, team, other_team: intake(api, team, referred_by=str(uuid.uuid4())),
    ),
    FieldError(
        "still-serving-with-a-date",
        "date_left",
        "Someone still serving has no date of leaving.",
        lambda api, team, other_team: intake(api, team, still_serving=True, date_left="2021-03-01"),
    ),
    FieldError(
        "review-before-observed",
        "review_on",
        "The review date cannot be before the date it was observed.",
        flag_dates_reversed,
    ),
]


@pytest.mark.parametrize("error", FIELD_ERRORS, ids=lambda e: e.name)
def test_a_field_error_comes_back_in_burmese(
    error: FieldError, burmese: None, volunteer: User, team: Team, other_team: Team
) -> None:
    response = error.call(token_client(volunteer), team, other_team)
    with translation.override("my"):
        expected = translation.gettext(error.msgid)

    assert response.status_code == 400, response.content
    assert expected != error.msgid, f"no Burmese in locale/my for msgid {error.msgid!r}"
    assert BURMESE_LETTER.search(expected)
    assert response.json()[error.field] == [expected]
