"""Reads for accounts, always scoped to the user asking."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from supportdesk.accounts.models import Team, User


def teams_for_user(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).order_by("name")


def teams_coordinated_by(*, user: User) -> QuerySet[Team]:
    if not user.is_coordinator:
        return Team.objects.none()
    return teams_for_user(user=user)


def users_revocable_by(*, actor: User) -> QuerySet[User]:
    """Accounts `actor` may cut off: all for administrators, their teams' members for coordinators,
    and always their own."""
    if actor.is_administrator:
        return User.objects.all()
    if actor.is_coordinator:
        members = User.objects.filter(memberships__team__in=teams_coordinated_by(user=actor))
        return (members | User.objects.filter(pk=actor.pk)).distinct()
    return User.objects.filter(pk=actor.pk)


def user_get_revocable(*, actor: User, user_id: UUID) -> User:
    user = users_revocable_by(actor=actor).filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user
