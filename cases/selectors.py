"""Reads for cases, always scoped to the user asking (supportdesk.accounts.scope): out-of-scope
objects are not found (404)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from cases.models import (
    Case,
    CaseEvent,
    CaseNeed,
    CdmRequest,
    ContactChannel,
    DuplicateFlag,
    FamilyMember,
    SecurityFlag,
)
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import get_in_scope, in_scope, teams_of
from supportdesk.errors import NotFound

# Counts below this are published as "<5": small numbers can point at a person.
SMALL_COUNT = 5


def cases_for_user(*, user: User) -> QuerySet[Case]:
    """The cases of the user's teams. Administrators, on no team, see none."""
    return in_scope(Case, user=user, team_path="team")


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    risk: int | None = None
    team: UUID | None = None
    verification: str | None = None
    need: str | None = None
    cdm: str | None = None  # the state of one of its CDM-code requests


def case_list(*, user: User, filters: CaseFilters | None = None) -> QuerySet[Case]:
    filters = filters or CaseFilters()
    cases = cases_for_user(user=user).filter(shredded_at__isnull=True)
    conditions = {
        "status": filters.status,
        "risk": filters.risk,
        "team_id": filters.team,
        "verification": filters.verification,
        "need_rows__need": filters.need,
        "cdm_requests__state": filters.cdm,
    }
    cases = cases.filter(**{key: value for key, value in conditions.items() if value})
    if filters.cdm:
        cases = cases.distinct()  # a case may have had several requests in that state
    return (
        cases.select_related("team")
        .prefetch_related(Prefetch("need_rows", queryset=CaseNeed.objects.order_by("need")))
        .order_by("-risk", "-created_at", "-id")
    )


def case_get_for_user(*, user: User, case_id: UUID) -> Case:
    return get_in_scope(Case, user=user, pk=case_id, team_path="team")


def case_ref_for_user(*, user: User, case_id: UUID) -> Case:
    """The case's id and team, if it is in the user's scope: enough to hand to a service that
    locks the case and reads it whole (`lifecycle.case_locked`), without reading it twice."""
    return get_in_scope(Case.objects.only("id", "team"), user=user, pk=case_id, team_path="team")


def case_detail(*, user: User, case_id: UUID) -> Case:
    """A case with what its page shows, in a fixed number of queries."""
    detail = Case.objects.select_related("vouched_by_user", "verified_by").prefetch_related(
        "need_rows",
        Prefetch("contacts", queryset=ContactChannel.objects.order_by("kind", "id")),
        Prefetch(
            "family",
            queryset=FamilyMember.objects.order_by("created_at").prefetch_related(
                Prefetch("flags", queryset=SecurityFlag.objects.order_by("-observed_on"))
            ),
        ),
        Prefetch("cdm_requests", queryset=CdmRequest.objects.order_by("-created_at")),
    )
    return get_in_scope(detail, user=user, pk=case_id, team_path="team")


def case_timeline(*, user: User, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("-created_at")


def family_member_get_for_user(*, user: User, member_id: UUID) -> FamilyMember:
    return get_in_scope(FamilyMember, user=user, pk=member_id, team_path="case__team")


def security_flag_get_for_user(*, user: User, flag_id: UUID) -> SecurityFlag:
    return get_in_scope(SecurityFlag, user=user, pk=flag_id, team_path="family_member__case__team")


def cdm_request_get_for_user(*, user: User, request_id: UUID) -> CdmRequest:
    return get_in_scope(CdmRequest, user=user, pk=request_id, team_path="case__team")


def cdm_requests_ready_for_export(*, user: User) -> list[CdmRequest]:
    """Ready requests of the teams the user coordinates."""
    if not user.is_coordinator:
        return []
    return list(
        in_scope(CdmRequest, user=user, team_path="case__team")
        .select_related("case")
        .filter(state=CdmRequest.State.READY)
        .order_by("created_at")
    )


def _either_side(user: User) -> Q:
    """A possible duplicate concerns both teams: the newer case's and the older case's."""
    teams = teams_of(user)
    return Q(case__team__in=teams) | Q(other__team__in=teams)


def duplicate_flags_for_user(*, user: User) -> QuerySet[DuplicateFlag]:
    """Open possible duplicates with a case of a team the coordinator coordinates, on either side
    of the pair (the coordinators of both teams are told, and both may act)."""
    if not user.is_coordinator:
        return DuplicateFlag.objects.none()
    return (
        DuplicateFlag.objects.filter(_either_side(user), state=DuplicateFlag.State.OPEN)
        .select_related("case__team", "other__team")
        .order_by("-created_at")
    )


def duplicate_flag_get_for_user(*, user: User, flag_id: UUID) -> DuplicateFlag:
    flag = (
        DuplicateFlag.objects.filter(_either_side(user), pk=flag_id)
        .select_related("case__team", "other__team")
        .first()
    )
    if flag is None or not user.is_coordinator:
        raise NotFound()
    return flag


def possible_duplicate_count(*, case: Case) -> int:
    """Open possible duplicates of the case, whether it is the newer or the older of the pair."""
    pairs = Q(case=case) | Q(other=case)
    return DuplicateFlag.objects.filter(pairs, state=DuplicateFlag.State.OPEN).count()


# --- Statistics safe to publish -----------------------------------------------------------------


def publishable(count: int) -> str:
    return "<5" if count < SMALL_COUNT else str(count)


def statistics() -> dict[str, list[dict[str, str]]]:
    """Counts across the whole group, with small counts masked, for the public daily figures.

    New contacts and defections count cases by the week they were recorded (a defection is a case
    of someone who has left; the date they left is encrypted and cannot be grouped in SQL); CDM
    codes count requests by the week the code was issued."""
    live = Case.objects.filter(merged_into__isnull=True)
    weeks: dict[str, Counter[str]] = {}
    recorded = (
        live.annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(contacts=Count("id"), defections=Count("id", filter=Q(still_serving=False)))
    )
    for row in recorded:
        counts = weeks.setdefault(row["week"].date().isoformat(), Counter())
        counts.update(new_contacts=row["contacts"], defections=row["defections"])
    issued = (
        CdmRequest.objects.filter(state=CdmRequest.State.ISSUED)
        .annotate(week=TruncWeek("issued_at"))
        .values("week")
        .annotate(codes=Count("id"))
    )
    for row in issued:
        weeks.setdefault(row["week"].date().isoformat(), Counter())["cdm_codes"] += row["codes"]
    metrics = ("new_contacts", "defections", "cdm_codes")
    return {
        "weeks": [
            {"week": week, **{m: publishable(weeks[week][m]) for m in metrics}}
            for week in sorted(weeks, reverse=True)
        ],
        "by_service_branch": [
            {"service_branch": row["service_branch"], "cases": publishable(row["n"])}
            for row in live.values("service_branch")
            .annotate(n=Count("id"))
            .order_by("service_branch")
        ],
        "by_status": [
            {"status": row["status"], "cases": publishable(row["n"])}
            for row in live.values("status").annotate(n=Count("id")).order_by("status")
        ],
    }


# The API's statistics are computed at most once per STATISTICS_MAX_AGE seconds (default 300)
# and served from the cache in between: counting every case per request grows with the table.
STATISTICS_CACHE_KEY = "cases:statistics:v1"


def statistics_max_age() -> int:
    return int(settings.CASE_STATISTICS_MAX_AGE)


def statistics_published() -> dict[str, Any]:
    """`statistics()` as the API publishes it, with `computed_at`: figures at most
    `statistics_max_age()` seconds old (docs/cases.md, "Statistics"). Whole-group counts with
    small counts masked, so one cached copy serves every reader."""
    figures = cache.get(STATISTICS_CACHE_KEY)
    if figures is None:
        figures = {**statistics(), "computed_at": timezone.now()}
        cache.set(STATISTICS_CACHE_KEY, figures, timeout=statistics_max_age())
    return figures
