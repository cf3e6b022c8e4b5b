"""Team scope: membership and coordination predicates, and fetching a record through its team."""

from __future__ import annotations

import uuid

import pytest
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from supportdesk.accounts import scope
from supportdesk.accounts.middleware import RequestContextMiddleware
from supportdesk.accounts.models import Membership, Team, User
from supportdesk.errors import NotFound


def test_members_and_coordinators_of_a_team(
    volunteer: User, coordinator: User, outsider: User, administrator: User, team: Team
) -> None:
    assert scope.is_member_of(volunteer, team) and scope.is_member_of(coordinator, team.pk)
    assert not scope.is_member_of(outsider, team) and not scope.is_member_of(administrator, team)
    assert scope.is_coordinator_of(coordinator, team)
    assert not scope.is_coordinator_of(volunteer, team)


def test_a_coordinator_coordinates_only_the_teams_they_are_on(
    coordinator: User, team: Team, other_team: Team
) -> None:
    assert not scope.is_coordinator_of(coordinator, other_team)
    assert list(scope.teams_of(coordinator)) == [team]


def test_the_predicates_combine_as_rules_predicates(coordinator: User, team: Team) -> None:
    either = scope.is_team_coordinator | scope.has_coordinator_role
    assert either.test(coordinator, team)


def test_require_member_tells_an_outsider_nothing(outsider: User, team: Team) -> None:
    with pytest.raises(NotFound):
        scope.require_member(outsider, team)


def test_require_coordinator_tells_a_member_why(
    volunteer: User, outsider: User, team: Team
) -> None:
    with pytest.raises(scope.NotCoordinator):
        scope.require_coordinator(volunteer, team)
    with pytest.raises(NotFound):
        scope.require_coordinator(outsider, team)


def test_get_in_scope_answers_not_found_outside_the_users_teams(
    volunteer: User, outsider: User, administrator: User, team: Team
) -> None:
    membership = Membership.objects.get(user=volunteer, team=team)
    found = scope.get_in_scope(Membership, user=volunteer, pk=membership.pk, team_path="team")
    assert found == membership
    for stranger in (outsider, administrator):
        with pytest.raises(NotFound):
            scope.get_in_scope(Membership, user=stranger, pk=membership.pk, team_path="team")


def test_get_in_scope_for_coordinators_only(volunteer: User, coordinator: User, team: Team) -> None:
    membership = Membership.objects.get(user=volunteer, team=team)

    def fetch(user: User) -> Membership:
        return scope.get_in_scope(
            Membership, user=user, pk=membership.pk, team_path="team", coordinator=True
        )

    assert fetch(coordinator) == membership
    with pytest.raises(NotFound):
        fetch(volunteer)


def test_not_found_is_also_djangos_404() -> None:
    """A page that lets it rise shows the ordinary not-found page, never a 500."""
    assert isinstance(NotFound(), Http404)


def test_one_question_reads_a_membership_once(
    volunteer: User, team: Team, django_assert_num_queries
) -> None:
    with scope.one_question(), django_assert_num_queries(1):
        assert scope.is_member_of(volunteer, team)
        assert scope.is_member_of(volunteer, team.pk)
    with django_assert_num_queries(2):  # outside a question, every check asks
        assert scope.is_member_of(volunteer, team) and scope.is_member_of(volunteer, team)


@pytest.mark.parametrize("change", ["delete", "remove", "clear"])
def test_a_membership_removed_within_a_question_is_asked_again(
    volunteer: User, team: Team, change: str
) -> None:
    """A request (one question) that removes a membership must not go on trusting it."""
    with scope.one_question():
        assert scope.is_member_of(volunteer, team)
        if change == "delete":
            Membership.objects.filter(user=volunteer, team=team).delete()
        elif change == "remove":
            team.members.remove(volunteer)
        else:
            volunteer.teams.clear()
        assert not scope.is_member_of(volunteer, team)
        with pytest.raises(NotFound):
            scope.require_member(volunteer, team)


@pytest.mark.parametrize("change", ["create", "add"])
def test_a_membership_added_within_a_question_is_asked_again(
    outsider: User, team: Team, change: str
) -> None:
    with scope.one_question():
        assert not scope.is_member_of(outsider, team)
        if change == "create":
            Membership.objects.create(user=outsider, team=team)
        else:
            team.members.add(outsider)
        assert scope.is_member_of(outsider, team)


def test_a_record_found_in_scope_answers_the_membership_check(
    volunteer: User, team: Team, other_team: Team, django_assert_num_queries
) -> None:
    membership = Membership.objects.get(user=volunteer, team=team)
    with scope.one_question():
        scope.get_in_scope(Membership, user=volunteer, pk=membership.pk, team_path="team")
        with django_assert_num_queries(0):
            scope.require_member(volunteer, team)
    Membership.objects.create(user=volunteer, team=other_team)
    with scope.one_question():
        assert scope.team_of(volunteer, other_team.pk) == other_team
        with django_assert_num_queries(0):
            scope.require_member(volunteer, other_team.pk)
        assert scope.team_of(volunteer, uuid.uuid4()) is None


def test_each_request_is_its_own_question(volunteer: User, team: Team, other_team: Team) -> None:
    """The middleware opens one question per request: a membership changed between two requests,
    even by a write that sends no signal, is not remembered by the second."""
    answers = []

    def view(request: HttpRequest) -> HttpResponse:
        answers.append(scope.is_member_of(volunteer, team))
        return HttpResponse()

    middleware = RequestContextMiddleware(view)
    middleware(RequestFactory().get("/"))
    Membership.objects.filter(user=volunteer, team=team).update(team=other_team)  # no signal
    middleware(RequestFactory().get("/"))
    assert answers == [True, False]
