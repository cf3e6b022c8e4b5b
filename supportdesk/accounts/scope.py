"""Team scope: the one place that says which teams a user works in and what that lets them reach.

A record is in a user's scope when its path to a team (`"team"`, `"case__team"`,
`"family_member__case__team"`, ...) ends at one of the user's teams. Out of scope is told exactly
like missing: `NotFound`, which every page and API answers with 404. Volunteers act in their teams;
coordinators coordinate the teams they are members of; administrators, on no team, reach no record.

The predicates are `rules` predicates, so an app can combine them for a step of its workflow
(`is_team_coordinator | is_leg_escort`); `supportdesk.workflow` asks them with `.test(user, team)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar
from uuid import UUID

import rules
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import Team, User
from supportdesk.errors import ApplicationError, Conflict, NotFound

M = TypeVar("M", bound=Model)


class NotCoordinator(Conflict):
    default_message = _("Only a coordinator of this team can do that.")


def teams_of(user: User) -> QuerySet[Team]:
    """The teams the user works in (a subquery when used in a filter)."""
    return Team.objects.filter(memberships__user=user)


def team_of(user: User, team_id: UUID) -> Team | None:
    """The team with this id if the user works in it, else None."""
    team = teams_of(user).filter(pk=team_id).first()
    if team is not None:
        _remember_member(user, team)
    return team


def _team_id(team: Team | UUID) -> UUID:
    return team.pk if isinstance(team, Team) else team


# Within one question asked of the scope, the same membership is read once. A question is a
# request (RequestContextMiddleware opens one around each), or, outside requests, a workflow's
# check or the moves a page may offer. Never longer: a user object may outlive a change of its
# memberships. Any membership written in the meantime empties what was read (`memberships_changed`,
# connected to Membership's signals by the accounts app).
_asked: ContextVar[dict[tuple[object, UUID], bool] | None] = ContextVar("scope_asked", default=None)


@contextmanager
def one_question() -> Iterator[None]:
    if _asked.get() is not None:  # already inside one: keep what it read
        yield
        return
    token = _asked.set({})
    try:
        yield
    finally:
        _asked.reset(token)


def memberships_changed(**_: object) -> None:
    """A membership was added or removed: what the current question read may be wrong now."""
    asked = _asked.get()
    if asked is not None:
        asked.clear()


def _remember_member(user: User, team: Team | UUID) -> None:
    """A record was just found through one of the user's teams: the user is a member of it."""
    asked = _asked.get()
    if asked is not None:
        asked[(user.pk, _team_id(team))] = True


@rules.predicate
def is_team_member(user: User, team: Team | UUID) -> bool:
    asked, key = _asked.get(), (user.pk, _team_id(team))
    if asked is not None and key in asked:
        return asked[key]
    member = user.memberships.filter(team_id=key[1]).exists()
    if asked is not None:
        asked[key] = member
    return member


@rules.predicate
def has_coordinator_role(user: User) -> bool:
    return user.is_coordinator


is_team_coordinator = has_coordinator_role & is_team_member


def is_member_of(user: User, team: Team | UUID) -> bool:
    return is_team_member.test(user, team)


def is_coordinator_of(user: User, team: Team | UUID) -> bool:
    return is_team_coordinator.test(user, team)


def require_member(user: User, team: Team | UUID) -> None:
    """A service's own check: someone outside the team learns nothing, not even that it exists."""
    if not is_member_of(user, team):
        raise NotFound()


def require_coordinator(
    user: User, team: Team | UUID, refusal: ApplicationError | None = None
) -> None:
    """Members who are not coordinators are told why (`refusal`, or NotCoordinator); others get
    NotFound."""
    require_member(user, team)
    if not is_coordinator_of(user, team):
        raise refusal or NotCoordinator()


def in_scope(records: type[M] | QuerySet[M], *, user: User, team_path: str) -> QuerySet[M]:
    """The records whose `team_path` ends at one of the user's teams."""
    queryset = records._default_manager.all() if isinstance(records, type) else records
    return queryset.filter(**{f"{team_path}__in": teams_of(user)})


def get_in_scope(
    records: type[M] | QuerySet[M],
    *,
    user: User,
    pk: object,
    team_path: str,
    coordinator: bool = False,
) -> M:
    """Fetch and authorise in one call: the record with this id if it is in the user's scope (and,
    with `coordinator`, if the user coordinates it), else NotFound. The team comes along
    (`select_related`), so services checking it again cost no query."""
    found = (
        in_scope(records, user=user, team_path=team_path)
        .select_related(team_path)
        .filter(pk=pk)
        .first()
    )
    if found is None or (coordinator and not user.is_coordinator):
        raise NotFound()
    team: Model = found
    for step in team_path.split("__"):
        team = getattr(team, step)
    _remember_member(user, team.pk)  # the services' own checks of the team ask nothing again
    return found
