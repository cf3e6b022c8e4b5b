"""The possible-duplicates page: coordinators decide, seeing only the cases they may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case, ContactChannel, DuplicateFlag
from cases.tests.factories import CaseFactory, ContactFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db
PAGE = reverse("cases:duplicates")


def flag_between(newer: Case, older: Case) -> DuplicateFlag:
    return DuplicateFlag.objects.create(case=newer, other=older, matched_on="phone")


def resolve(user: User, flag: DuplicateFlag, same: str, confirmed: str = "1"):
    """A decision, pressed twice as the page asks (`confirmed=""`: the first press only)."""
    url = reverse("cases:duplicate_resolve", args=[flag.pk])
    return verified_client(user).post(url, {"same_person": same, "confirmed": confirmed})


def test_a_coordinator_sees_both_cases_of_their_team(coordinator: User, team: Team) -> None:
    flag_between(
        CaseFactory.create(team=team, alias="Newer"), CaseFactory.create(team=team, alias="Older")
    )
    response = verified_client(coordinator).get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Newer" in html and "Older" in html and "Same person (merge)" in html


def test_the_other_teams_case_stays_hidden(coordinator: User, team: Team, other_team: Team) -> None:
    older = CaseFactory.create(team=other_team, alias="Elsewhere")
    flag_between(CaseFactory.create(team=team, alias="Mine"), older)
    html = verified_client(coordinator).get(PAGE).content.decode()
    assert "Mine" in html and "a case of another team" in html
    assert "Elsewhere" not in html and str(older.pk) not in html


def test_volunteers_and_outsiders_get_404(volunteer: User, outsider: User, team: Team) -> None:
    flag = flag_between(CaseFactory.create(team=team), CaseFactory.create(team=team))
    for user in (volunteer, outsider):
        assert verified_client(user).get(PAGE).status_code == 404
        assert resolve(user, flag, "0").status_code == 404
    flag.refresh_from_db()
    assert flag.state == DuplicateFlag.State.OPEN


def test_a_coordinator_of_another_team_gets_404(team: Team, other_team: Team) -> None:
    flag = flag_between(CaseFactory.create(team=team), CaseFactory.create(team=team))
    stranger = MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user
    assert "Same person" not in verified_client(stranger).get(PAGE).content.decode()
    assert resolve(stranger, flag, "1").status_code == 404


def test_not_the_same_person_closes_the_flag(coordinator: User, team: Team) -> None:
    flag = flag_between(CaseFactory.create(team=team), CaseFactory.create(team=team))
    response = resolve(coordinator, flag, "0")
    assert response.status_code == 302 and response["Location"] == PAGE
    flag.refresh_from_db()
    assert flag.state == DuplicateFlag.State.NOT_SAME and flag.resolved_by == coordinator


def test_same_person_merges_the_newer_case_into_the_older(coordinator: User, team: Team) -> None:
    older, newer = CaseFactory.create(team=team), CaseFactory.create(team=team)
    ContactFactory.create(case=newer, phone="+959420999888")
    flag = flag_between(newer, older)
    assert resolve(coordinator, flag, "1").status_code == 302
    newer.refresh_from_db()
    assert newer.merged_into == older and newer.status == Case.Status.CLOSED
    assert ContactChannel.objects.get().case == older
    follow = verified_client(coordinator).get(PAGE)
    assert "Nothing to check." in follow.content.decode()


def test_deciding_twice_is_409_with_the_sentence(coordinator: User, team: Team) -> None:
    flag = flag_between(CaseFactory.create(team=team), CaseFactory.create(team=team))
    resolve(coordinator, flag, "0")
    response = resolve(coordinator, flag, "0")
    assert response.status_code == 409
    assert "This possible duplicate has already been decided." in response.content.decode()


def test_merging_across_teams_is_offered_only_to_a_coordinator_of_both(
    coordinator: User, team: Team, other_team: Team
) -> None:
    flag = flag_between(CaseFactory.create(team=team), CaseFactory.create(team=other_team))
    html = verified_client(coordinator).get(PAGE).content.decode()
    assert "Only a coordinator of both teams can merge" in html
    assert "Same person (merge)" not in html and "Not the same person" in html
    assert resolve(coordinator, flag, "1").status_code == 404  # the other case is out of scope
    flag.refresh_from_db()
    assert flag.state == DuplicateFlag.State.OPEN
    MembershipFactory.create(team=other_team, user=coordinator)
    assert resolve(coordinator, flag, "1").status_code == 302
    flag.refresh_from_db()
    assert flag.state == DuplicateFlag.State.MERGED


def test_a_missing_answer_is_a_400(coordinator: User, team: Team) -> None:
    flag = flag_between(CaseFactory.create(team=team), CaseFactory.create(team=team))
    assert resolve(coordinator, flag, "perhaps").status_code == 400


def test_the_older_cases_coordinators_see_the_pair_and_may_say_not_the_same(
    coordinator: User, team: Team, other_team: Team
) -> None:
    """Both teams are told; both see the flag. Here `coordinator` runs the older case only."""
    newer = CaseFactory.create(team=other_team, alias="Newcomer")
    older = CaseFactory.create(team=team, alias="Known")
    for case in (newer, older):
        ContactFactory.create(case=case, kind=ContactChannel.Kind.PHONE, phone="09420123456")
    flag = flag_between(newer, older)
    html = verified_client(coordinator).get(PAGE).content.decode()
    assert "Known" in html and "A newer case of another team" in html
    assert "Newcomer" not in html and str(newer.pk) not in html
    assert "ending in 456" in html  # which of their own case's numbers matched
    assert "Same person (merge)" not in html and "Not the same person" in html
    page = verified_client(coordinator).get(reverse("cases:detail", args=[older.pk]))
    assert "may be the same person as another case" in page.content.decode()
    assert resolve(coordinator, flag, "1").status_code == 404  # merging needs both teams
    assert resolve(coordinator, flag, "0").status_code == 302
    flag.refresh_from_db()
    assert flag.state == DuplicateFlag.State.NOT_SAME
