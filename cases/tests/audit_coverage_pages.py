"""How to call each case page that shows personal data, and the view event it must record.

Every action of the case page answers GET with the case page itself (its form open), so each
action route is covered by a GET that must record the view of the case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cases.models import Case, CdmRequest, DuplicateFlag
from cases.tests.factories import (
    CaseFactory,
    CdmRequestFactory,
    FamilyMemberFactory,
    SecurityFlagFactory,
)
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.audit.tests.coverage import ViewCoverage, register_personal_data_route


def _member(team: Team, role: str = User.Role.VOLUNTEER) -> User:
    return MembershipFactory.create(team=team, user__role=role).user


def _viewed(case: Case) -> list[tuple[str, str, str]]:
    return [("case.view", "cases.case", case.pk.hex)]


def _listed(case: Case) -> list[tuple[str, str, str]]:
    return [("case.list_view", "cases.case", case.pk.hex)]


@register_personal_data_route("cases:list")
def _case_list() -> ViewCoverage:
    case = CaseFactory.create()
    return ViewCoverage(user=_member(case.team), expect=_listed(case))


@register_personal_data_route("cases:search")
def _case_search() -> ViewCoverage:
    case = CaseFactory.create()
    return ViewCoverage(
        user=_member(case.team),
        method="post",
        data={"q": case.ref},
        expect=[*_listed(case), ("case.search", "", "")],
    )


def _case_page(name: str, extra: Callable[[Case], dict[str, Any]] | None = None) -> None:
    """A GET of a route under /cases/<case_id>/ shows the case page."""

    def setup() -> ViewCoverage:
        case = CaseFactory.create()
        kwargs = {"case_id": case.pk, **(extra(case) if extra else {})}
        user = _member(case.team, User.Role.COORDINATOR)
        return ViewCoverage(user=user, kwargs=kwargs, expect=_viewed(case))

    register_personal_data_route(f"cases:{name}")(setup)


for _name in (
    "detail",
    "edit",
    "transition",
    "vouch",
    "verify",
    "revoke",
    "assign",
    "hold",
    "note",
    "family_add",
    "contact_add",
    "cdm_create",
):
    _case_page(_name)
_case_page("flag_add", lambda case: {"member_id": FamilyMemberFactory.create(case=case).pk})
_case_page("family_edit", lambda case: {"member_id": FamilyMemberFactory.create(case=case).pk})
_case_page(
    "flag_review",
    lambda case: {"flag_id": SecurityFlagFactory.create(family_member__case=case).pk},
)
_case_page(
    "flag_resolve",
    lambda case: {"flag_id": SecurityFlagFactory.create(family_member__case=case).pk},
)
for _step in ("ready", "submit", "issue", "reject", "withdraw"):
    _case_page(f"cdm_{_step}", lambda case: {"request_id": CdmRequestFactory.create(case=case).pk})


def _duplicate() -> tuple[User, DuplicateFlag]:
    team = TeamFactory.create()
    older, newer = CaseFactory.create(team=team), CaseFactory.create(team=team)
    flag = DuplicateFlag.objects.create(case=newer, other=older, matched_on="phone")
    return _member(team, User.Role.COORDINATOR), flag


@register_personal_data_route("cases:duplicates")
def _duplicates() -> ViewCoverage:
    user, flag = _duplicate()
    return ViewCoverage(user=user, expect=_listed(flag.case) + _listed(flag.other))


@register_personal_data_route("cases:duplicate_resolve")
def _duplicate_resolve() -> ViewCoverage:
    user, flag = _duplicate()
    return ViewCoverage(user=user, kwargs={"flag_id": flag.pk}, expect=_listed(flag.case))


@register_personal_data_route("cases:cdm_export")
def _cdm_export() -> ViewCoverage:
    request = CdmRequestFactory.create(state=CdmRequest.State.READY)
    user = _member(request.case.team, User.Role.COORDINATOR)
    return ViewCoverage(user=user, expect=[("export.csv", "cases.cdmrequest", request.pk.hex)])


# --- Relocation pages (relocation/urls.py): each GET shows the case's journey or a house ---------


def _relocation_journey() -> dict[str, Any]:
    from relocation.services import legs as leg_services
    from relocation.tests.conftest import approved, legs_of, two_legs
    from relocation.tests.factories import SafeHouseFactory

    team = TeamFactory.create()
    volunteer, coordinator = _member(team), _member(team, User.Role.COORDINATOR)
    house = SafeHouseFactory.create(team=team)
    case = CaseFactory.create(team=team, status="accepted", verification="verified")
    plan = approved(
        two_legs(actor=volunteer, case=case, house=house), drafter=volunteer, approver=coordinator
    )
    leg = leg_services.route_leg_start(actor=volunteer, leg=legs_of(plan)[0])
    return {"volunteer": volunteer, "house": house, "case": case, "plan": plan, "leg": leg}


def _relocation_page(name: str, kwargs: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    def setup() -> ViewCoverage:
        world = _relocation_journey()
        return ViewCoverage(
            user=world["volunteer"], kwargs=kwargs(world), expect=_viewed(world["case"])
        )

    register_personal_data_route(f"relocation:{name}")(setup)


for _name in ("plan", "plan_move"):
    _relocation_page(_name, lambda w: {"plan_id": w["plan"].pk})
for _name in ("leg", "leg_edit", "leg_check_in", "leg_start", "leg_arrive", "leg_abort"):
    _relocation_page(_name, lambda w: {"leg_id": w["leg"].pk})


@register_personal_data_route("relocation:house")
def _safe_house() -> ViewCoverage:
    world = _relocation_journey()  # the volunteer's case is on its way to the house
    house = world["house"]
    return ViewCoverage(
        user=world["volunteer"],
        kwargs={"house_id": house.pk},
        expect=[("safehouse.view", "relocation.safehouse", house.pk.hex)],
    )
