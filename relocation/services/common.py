"""Pieces every relocation service uses: locks in the one order every writer takes them (the case,
then its plans, then their legs, then safe houses), versions, and the case's timeline entries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from cases.models import Case, CaseEvent
from cases.services.common import timeline_event
from cases.services.lifecycle import case_locked
from relocation.models import RouteLeg, RoutePlan, SafeHouse
from relocation.workflows import StaleVersion
from supportdesk.accounts.models import User
from supportdesk.messages import Message

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def require_version(record: RoutePlan | RouteLeg | SafeHouse, version: int | None) -> None:
    """A write based on what the writer saw: refused (409) when someone changed it since."""
    if version is not None and version != record.version:
        raise StaleVersion()


def plan_locked(plan: RoutePlan) -> tuple[Case, RoutePlan]:
    """The plan's case, then the plan, locked for this transaction: two volunteers on phones may
    edit the same plan, and a leg moving changes the case's status too."""
    case = case_locked(plan.case)
    return case, RoutePlan.objects.select_for_update().get(pk=plan.pk)


def leg_locked(leg: RouteLeg) -> tuple[Case, RoutePlan, RouteLeg]:
    """Case, plan, leg, in that order (every writer takes them so: no deadlocks)."""
    case, plan = plan_locked(leg.plan)
    leg = RouteLeg.objects.select_for_update().get(pk=leg.pk)
    leg.plan, leg.case = plan, case
    return case, plan, leg


def houses_locked(ids: Iterable[object]) -> dict[object, SafeHouse]:
    """The houses a leg goes through, locked after the case and plan: a house being marked
    compromised at this moment either is seen here as compromised, or waits until this leg is
    written (and the propagation that follows finds it)."""
    wanted = sorted({i for i in ids if i is not None}, key=str)
    if not wanted:
        return {}
    found = SafeHouse.objects.select_for_update().select_related("area").filter(pk__in=wanted)
    return {house.pk: house for house in found.order_by("pk")}


def route_event(*, case: Case, actor: User | None, message: Message, text: str = "") -> CaseEvent:
    """A route line of the case's timeline (saved by `change_record`)."""
    return timeline_event(
        case=case, kind=CaseEvent.Kind.ROUTE, actor=actor, message=message, text=text
    )


def field_error(field: str, message: StrOrPromise) -> ValidationError:
    """Bad input found under the lock: 400 with the message on its field, nothing written."""
    return ValidationError({field: [str(message)]})


def field_errors(errors: dict[str, StrOrPromise]) -> ValidationError:
    return ValidationError({name: [str(message)] for name, message in errors.items()})
