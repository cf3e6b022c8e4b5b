"""Other apps add sections to the case page through a registry; cases imports none of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases.models import Case
from cases.sections import CaseSection, register_case_section, unregister_case_section
from cases.tests.factories import CaseFactory
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.accounts.models import Team, User
from supportdesk.testing import verified_client

seen: list[tuple[str, Case]] = []


def _build(request: AuthenticatedRequest, case: Case) -> dict[str, Any] | None:
    seen.append((request.user.username, case))
    if case.alias == "Hidden here":
        return None
    return {"word": "Marigold"}


@pytest.fixture
def section(settings: Any, tmp_path: Any) -> Iterator[CaseSection]:
    (tmp_path / "probe.html").write_text(
        '<section id="probe">{{ section.word }} {{ case.ref }}</section>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}
    ]
    probe = CaseSection(name="tests.probe", order=99, template="probe.html", build=_build)
    register_case_section(probe)
    seen.clear()
    yield probe
    unregister_case_section(probe.name)


def test_a_registered_section_is_on_the_case_page_with_its_context(
    section: CaseSection, volunteer: User, team: Team
) -> None:
    case = CaseFactory.create(team=team)
    page = verified_client(volunteer).get(f"/cases/{case.pk}/").content.decode()
    assert f'<section id="probe">Marigold {case.ref}</section>' in page
    assert page.index('id="probe"') < page.index('id="timeline"')
    assert seen == [(volunteer.username, case)]


def test_a_section_that_returns_none_is_left_out(
    section: CaseSection, volunteer: User, team: Team
) -> None:
    case = CaseFactory.create(team=team, alias="Hidden here")
    page = verified_client(volunteer).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="probe"' not in page
    assert seen == [(volunteer.username, case)]


def test_a_section_is_never_built_for_a_case_out_of_scope(
    section: CaseSection, outsider: User, team: Team
) -> None:
    case = CaseFactory.create(team=team)
    assert verified_client(outsider).get(f"/cases/{case.pk}/").status_code == 404
    assert seen == []


def test_two_sections_cannot_share_a_name(section: CaseSection) -> None:
    with pytest.raises(ImproperlyConfigured):
        register_case_section(
            CaseSection(name=section.name, order=1, template="x.html", build=_build)
        )
