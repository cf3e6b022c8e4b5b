"""Relocation API: thin views that validate input, fetch through a scoped selector (404 out of
scope), call one service and answer. Responses showing decrypted data record it: a leg's or
plan's texts as a read of the case (`case.view`), a safe house's address as `safehouse.view`.
Moves (approve, start, arrive, ...) answer with states only, nothing decrypted."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Case
from cases.selectors import case_get_for_user
from cases.serializers import ReasonInput
from relocation import selectors
from relocation.audit_actions import SafeHouseActions
from relocation.models import (
    CHECK_IN_SECRET_FIELDS,
    LEG_SECRET_FIELDS,
    SAFE_HOUSE_SECRET_FIELDS,
    Area,
    RouteLeg,
    RoutePlan,
    SafeHouse,
)
from relocation.serializers import (
    AreaInput,
    AreaOutput,
    CheckInInput,
    CheckInOutput,
    LegAddInput,
    LegDetailOutput,
    LegUpdateInput,
    PlanDetailOutput,
    PlanInput,
    PlanMoveInput,
    PlanSummaryOutput,
    PlanUpdateInput,
    SafeHouseInput,
    SafeHouseOutput,
    SafeHouseStatusInput,
    SafeHouseUpdateInput,
    TeamSettingsInput,
    VersionInput,
)
from relocation.services import checkins, houses, legs, plans
from supportdesk.accounts.models import Team, User
from supportdesk.api.authentication import AuthenticatedApiRequest
from supportdesk.api.pagination import Pagination
from supportdesk.api.serializers import bad_request, team_from_input, validated
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_list_view, audit_record_view

PLAN_VIEW_FIELDS = ["route_plans.notes", *[f"route_legs.{name}" for name in LEG_SECRET_FIELDS]]
LEG_VIEW_FIELDS = [f"route_legs.{name}" for name in LEG_SECRET_FIELDS]
CHECK_IN_VIEW_FIELDS = [f"check_ins.{name}" for name in CHECK_IN_SECRET_FIELDS]


def teams_from_input(*, team_ids: list[UUID]) -> list[Team]:
    found = list(Team.objects.filter(pk__in=team_ids))
    if len(found) != len(set(team_ids)):
        raise bad_request("shared_with", _("One of these teams does not exist."))
    return found


def area_from_input(*, team_id: object, area_id: UUID | None, field: str) -> Area | None:
    if area_id is None:
        return None
    area = Area.objects.filter(pk=area_id, team_id=team_id).first()
    if area is None:
        raise bad_request(field, _("Choose one of your team's areas."))
    return area


def leg_objects(*, case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in a leg's input, resolved among what the case's team may use (400 on the field)."""
    resolved = dict(data)
    resolved.pop("version", None)
    for side in ("from", "to"):
        key = f"{side}_safe_house"
        if resolved.get(key):
            house = selectors.safe_house_usable_by_team(team=case.team, house_id=resolved[key])
            if house is None:
                raise bad_request(key, _("Choose a safe house your team may use."))
            resolved[key] = house
        key = f"{side}_area"
        if key in resolved:
            resolved[key] = area_from_input(team_id=case.team_id, area_id=resolved[key], field=key)
    if "escorts" in resolved:
        ids = set(resolved["escorts"])
        escorts = list(
            User.objects.filter(pk__in=ids, memberships__team_id=case.team_id).distinct()
        )
        if len(escorts) != len(ids):
            raise bad_request("escorts", _("Escorts are volunteers of the case's team."))
        resolved["escorts"] = escorts
    return resolved


def house_answer(
    request: AuthenticatedApiRequest, card: selectors.SafeHouseCard, *, status_code: int = 200
) -> Response:
    if card.revealed:
        audit_record_view(actor=request.user, obj=card.house, fields=SAFE_HOUSE_SECRET_FIELDS)
    return Response(SafeHouseOutput(card).data, status=status_code)


def plan_answer(
    request: AuthenticatedApiRequest, plan: RoutePlan, *, status_code: int = 200
) -> Response:
    detail = selectors.plan_detail_for(user=request.user, plan=plan)
    audit_record_view(actor=request.user, obj=plan.case, fields=PLAN_VIEW_FIELDS)
    return Response(PlanDetailOutput(detail).data, status=status_code)


def leg_answer(
    request: AuthenticatedApiRequest, leg: RouteLeg, *, status_code: int = 200
) -> Response:
    detail = selectors.route_leg_detail(user=request.user, leg_id=leg.pk)
    audit_record_view(
        actor=request.user, obj=detail.leg.case, fields=[*LEG_VIEW_FIELDS, *CHECK_IN_VIEW_FIELDS]
    )
    return Response(LegDetailOutput(detail).data, status=status_code)


# --- Areas --------------------------------------------------------------------------------------


@no_personal_data
class AreaListCreateApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    @extend_schema(responses=AreaOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.areas_for_user(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(AreaOutput(page or [], many=True).data)

    @extend_schema(request=AreaInput, responses={201: AreaOutput})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(AreaInput, request.data)
        team = team_from_input(user=request.user, team_id=data.pop("team"))
        area = houses.area_create(actor=request.user, team=team, **data)
        return Response(AreaOutput(area).data, status=status.HTTP_201_CREATED)


@no_personal_data
class AreaUnsafeApi(APIView):
    @extend_schema(request=ReasonInput, responses=AreaOutput)
    def post(self, request: AuthenticatedApiRequest, area_id: UUID) -> Response:
        data = validated(ReasonInput, request.data)
        area = selectors.area_get_for_user(user=request.user, area_id=area_id)
        area = houses.area_mark_unsafe(actor=request.user, area=area, reason=data["reason"])
        return Response(AreaOutput(area).data)


# --- Safe houses --------------------------------------------------------------------------------


@shows_personal_data
class SafeHouseListCreateApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    class FilterInput(serializers.Serializer):
        status = serializers.ChoiceField(choices=SafeHouse.Status.choices, required=False)

    @extend_schema(parameters=[FilterInput], responses=SafeHouseOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(self.FilterInput, request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.safe_houses_for_user(user=request.user, status=data.get("status")),
            request,
            view=self,
        )
        cards = selectors.safe_house_cards(user=request.user, houses=page or [])
        audit_record_list_view(
            actor=request.user,
            objects=[card.house for card in cards if card.revealed],
            fields=SAFE_HOUSE_SECRET_FIELDS,
            action=SafeHouseActions.VIEW,
        )
        return paginator.get_paginated_response(SafeHouseOutput(cards, many=True).data)

    @extend_schema(request=SafeHouseInput, responses={201: SafeHouseOutput})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(SafeHouseInput, request.data)
        team = team_from_input(user=request.user, team_id=data.pop("team"))
        area = area_from_input(team_id=team.pk, area_id=data.pop("area"), field="area")
        assert area is not None  # noqa: S101 - the field is required
        shared = teams_from_input(team_ids=data.pop("shared_with", []))
        house = houses.safe_house_create(
            actor=request.user, team=team, area=area, shared_with=shared, **data
        )
        card = selectors.safe_house_get_for_user(user=request.user, house_id=house.pk)
        return house_answer(request, card, status_code=status.HTTP_201_CREATED)


@shows_personal_data
class SafeHouseDetailApi(APIView):
    @extend_schema(responses=SafeHouseOutput)
    def get(self, request: AuthenticatedApiRequest, house_id: UUID) -> Response:
        card = selectors.safe_house_get_for_user(user=request.user, house_id=house_id)
        return house_answer(request, card)

    @extend_schema(request=SafeHouseUpdateInput(partial=True), responses=SafeHouseOutput)
    def patch(self, request: AuthenticatedApiRequest, house_id: UUID) -> Response:
        serializer = SafeHouseUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise bad_request("version", _("This field is required."))
        house = selectors.safe_house_get_for_coordinator(user=request.user, house_id=house_id)
        if "area" in data:
            data["area"] = area_from_input(
                team_id=house.team_id, area_id=data["area"], field="area"
            )
        shared = data.pop("shared_with", None)
        houses.safe_house_update(
            actor=request.user,
            house=house,
            shared_with=None if shared is None else teams_from_input(team_ids=shared),
            **data,
        )
        card = selectors.safe_house_get_for_user(user=request.user, house_id=house_id)
        return house_answer(request, card)


class HouseStateOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    version = serializers.IntegerField()


@no_personal_data
class SafeHouseStatusApi(APIView):
    @extend_schema(request=SafeHouseStatusInput, responses=HouseStateOutput)
    def post(self, request: AuthenticatedApiRequest, house_id: UUID) -> Response:
        data = validated(SafeHouseStatusInput, request.data)
        house = selectors.safe_house_get_for_coordinator(user=request.user, house_id=house_id)
        house = houses.safe_house_status_set(actor=request.user, house=house, **data)
        return Response(HouseStateOutput(house).data)


# --- Team settings ------------------------------------------------------------------------------


@no_personal_data
class TeamSettingsApi(APIView):
    @extend_schema(responses=TeamSettingsInput)
    def get(self, request: AuthenticatedApiRequest, team_id: UUID) -> Response:
        team = selectors.team_for_user(user=request.user, team_id=team_id)
        return Response({"check_in_interval_minutes": selectors.check_in_minutes_for(team)})

    @extend_schema(request=TeamSettingsInput, responses=TeamSettingsInput)
    def put(self, request: AuthenticatedApiRequest, team_id: UUID) -> Response:
        data = validated(TeamSettingsInput, request.data)
        team = selectors.team_for_user(user=request.user, team_id=team_id)
        found = houses.relocation_settings_set(actor=request.user, team=team, **data)
        return Response({"check_in_interval_minutes": found.check_in_interval_minutes})


# --- Plans --------------------------------------------------------------------------------------


@shows_personal_data
class CasePlansApi(APIView):
    """GET lists a case's plans (states only); POST drafts one and answers with its detail."""

    pagination_class = Pagination  # its GET answers a page: the schema says so

    @extend_schema(responses=PlanSummaryOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        case = case_get_for_user(user=request.user, case_id=case_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.route_plans_for_case(case=case), request, view=self
        )
        return paginator.get_paginated_response(PlanSummaryOutput(page or [], many=True).data)

    @extend_schema(request=PlanInput, responses={201: PlanDetailOutput})
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(PlanInput, request.data)
        case = case_get_for_user(user=request.user, case_id=case_id)
        plan = plans.route_plan_create(actor=request.user, case=case, **data)
        return plan_answer(request, plan, status_code=status.HTTP_201_CREATED)


@shows_personal_data
class PlanDetailApi(APIView):
    @extend_schema(responses=PlanDetailOutput)
    def get(self, request: AuthenticatedApiRequest, plan_id: UUID) -> Response:
        detail = selectors.route_plan_detail(user=request.user, plan_id=plan_id)
        audit_record_view(actor=request.user, obj=detail.plan.case, fields=PLAN_VIEW_FIELDS)
        return Response(PlanDetailOutput(detail).data)

    @extend_schema(request=PlanUpdateInput, responses=PlanDetailOutput)
    def patch(self, request: AuthenticatedApiRequest, plan_id: UUID) -> Response:
        data = validated(PlanUpdateInput, request.data)
        plan = selectors.route_plan_get_for_user(user=request.user, plan_id=plan_id)
        plan = plans.route_plan_update(actor=request.user, plan=plan, **data)
        return plan_answer(request, plan)


class PlanMoveApi(APIView):
    """submit / approve / return / cancel: each a route of its own, answering the plan's state.
    Not routed itself, and deliberately not marked."""

    move = ""

    @extend_schema(request=PlanMoveInput, responses=PlanSummaryOutput)
    def post(self, request: AuthenticatedApiRequest, plan_id: UUID) -> Response:
        data = validated(PlanMoveInput, request.data)
        plan = selectors.route_plan_get_for_user(user=request.user, plan_id=plan_id)
        plan = plans.route_plan_move(actor=request.user, plan=plan, move=self.move, **data)
        return Response(PlanSummaryOutput(plan).data)


@no_personal_data
class PlanSubmitApi(PlanMoveApi):
    move = "submit"


@no_personal_data
class PlanApproveApi(PlanMoveApi):
    move = "approve"


@no_personal_data
class PlanReturnApi(PlanMoveApi):
    move = "return"


@no_personal_data
class PlanCancelApi(PlanMoveApi):
    move = "cancel"


# --- Legs ---------------------------------------------------------------------------------------


@shows_personal_data
class PlanLegsApi(APIView):
    @extend_schema(request=LegAddInput, responses={201: LegDetailOutput})
    def post(self, request: AuthenticatedApiRequest, plan_id: UUID) -> Response:
        data = validated(LegAddInput, request.data)
        plan = selectors.route_plan_get_for_user(user=request.user, plan_id=plan_id)
        version = data["version"]
        leg_input = plans.LegInput(**leg_objects(case=plan.case, data=data))
        leg = plans.route_leg_add(actor=request.user, plan=plan, version=version, data=leg_input)
        return leg_answer(request, leg, status_code=status.HTTP_201_CREATED)


@shows_personal_data
class LegDetailApi(APIView):
    @extend_schema(responses=LegDetailOutput)
    def get(self, request: AuthenticatedApiRequest, leg_id: UUID) -> Response:
        detail = selectors.route_leg_detail(user=request.user, leg_id=leg_id)
        audit_record_view(
            actor=request.user,
            obj=detail.leg.case,
            fields=[*LEG_VIEW_FIELDS, *CHECK_IN_VIEW_FIELDS],
        )
        return Response(LegDetailOutput(detail).data)

    @extend_schema(request=LegUpdateInput(partial=True), responses=LegDetailOutput)
    def patch(self, request: AuthenticatedApiRequest, leg_id: UUID) -> Response:
        serializer = LegUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "version" not in data:
            raise bad_request("version", _("This field is required."))
        leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
        version = data["version"]
        changes = leg_objects(case=leg.case, data=data)
        leg = plans.route_leg_update(actor=request.user, leg=leg, version=version, changes=changes)
        return leg_answer(request, leg)

    # A DELETE carries no body in OpenAPI: `version` goes in the query (a JSON body still works).
    @extend_schema(request=None, parameters=[VersionInput], responses={200: PlanSummaryOutput})
    def delete(self, request: AuthenticatedApiRequest, leg_id: UUID) -> Response:
        data = validated(VersionInput, request.data or request.query_params)
        leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
        plan = plans.route_leg_remove(actor=request.user, leg=leg, version=data["version"])
        return Response(PlanSummaryOutput(plan).data)


class LegStateOutput(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.CharField()
    version = serializers.IntegerField()
    plan_progress = serializers.CharField(source="plan.progress")
    case_status = serializers.CharField(source="case.status")


@no_personal_data
class LegStartApi(APIView):
    @extend_schema(request=None, responses=LegStateOutput)
    def post(self, request: AuthenticatedApiRequest, leg_id: UUID) -> Response:
        leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
        leg = legs.route_leg_start(actor=request.user, leg=leg)
        return Response(LegStateOutput(leg).data)


@no_personal_data
class LegArriveApi(APIView):
    @extend_schema(request=None, responses=LegStateOutput)
    def post(self, request: AuthenticatedApiRequest, leg_id: UUID) -> Response:
        leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
        leg = legs.route_leg_arrive(actor=request.user, leg=leg)
        return Response(LegStateOutput(leg).data)


@no_personal_data
class LegAbortApi(APIView):
    @extend_schema(request=ReasonInput, responses=LegStateOutput)
    def post(self, request: AuthenticatedApiRequest, leg_id: UUID) -> Response:
        data = validated(ReasonInput, request.data)
        leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
        leg = legs.route_leg_abort(actor=request.user, leg=leg, reason=data["reason"])
        return Response(LegStateOutput(leg).data)


@shows_personal_data
class LegCheckInsApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    @extend_schema(responses=CheckInOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, leg_id: UUID) -> Response:
        leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.check_ins_for_leg(leg=leg), request, view=self)
        audit_record_view(actor=request.user, obj=leg.case, fields=CHECK_IN_VIEW_FIELDS)
        return paginator.get_paginated_response(CheckInOutput(page or [], many=True).data)

    @extend_schema(request=CheckInInput, responses={201: CheckInOutput})
    def post(self, request: AuthenticatedApiRequest, leg_id: UUID) -> Response:
        data = validated(CheckInInput, request.data)
        leg = selectors.route_leg_get_for_user(user=request.user, leg_id=leg_id)
        check_in = checkins.route_leg_check_in(actor=request.user, leg=leg, **data)
        # The answer echoes what was just typed: a read like any other.
        audit_record_view(actor=request.user, obj=leg.case, fields=CHECK_IN_VIEW_FIELDS)
        return Response(CheckInOutput(check_in).data, status=status.HTTP_201_CREATED)
