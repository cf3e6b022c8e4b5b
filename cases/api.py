"""Cases API: thin views — validate input, fetch through a scoped selector, call one service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors
from cases.models import Case, CdmRequest, DuplicateFlag, Need, Risk
from cases.rules import today_or_later
from cases.serializers import (
    CASE_DETAIL_FIELDS,
    CDM_FIELDS,
    FAMILY_FIELDS,
    CaseCreateInput,
    CaseDetailOutput,
    CaseEventOutput,
    CaseListOutput,
    CaseUpdateInput,
    CdmRequestOutput,
    ContactInput,
    FamilyMemberInput,
    FamilyMemberOutput,
    SecurityFlagInput,
    SecurityFlagOutput,
)
from cases.services import cdm, family, intake, lifecycle
from supportdesk.api.authentication import AuthenticatedApiRequest
from supportdesk.api.pagination import Pagination
from supportdesk.api.serializers import validated
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_list_view, audit_record_view

RISK_NAMES = {risk.name.lower(): risk.value for risk in Risk}
# A list shows only aliases: recorded per case shown, but apart from `case.view` (a read of the
# case's details), which the bulk-reading alert counts.
LIST_VIEW_ACTION = "case.list_view"


def bad_request(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


def detail_response(
    request: AuthenticatedApiRequest, case: Case, *, status_code: int = 200, fetched: bool = False
) -> Response:
    """The case as its detail shows it; `fetched` when `case` came from selectors.case_detail."""
    if not fetched:
        case = selectors.case_detail(user=request.user, case_id=case.pk)
    audit_record_view(actor=request.user, obj=case, fields=CASE_DETAIL_FIELDS)
    context = {"possible_duplicates": selectors.possible_duplicate_count(case=case)}
    return Response(CaseDetailOutput(case, context=context).data, status=status_code)


@shows_personal_data
class CaseListCreateApi(APIView):
    class FilterInput(serializers.Serializer):
        status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
        risk = serializers.ChoiceField(choices=sorted(RISK_NAMES), required=False)
        team = serializers.UUIDField(required=False)
        verification = serializers.ChoiceField(choices=Case.Verification.choices, required=False)
        need = serializers.ChoiceField(choices=Need.choices, required=False)

    @extend_schema(parameters=[FilterInput], responses=CaseListOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(self.FilterInput, request.query_params)
        if "risk" in data:
            data["risk"] = RISK_NAMES[data["risk"]]
        cases = selectors.case_list(user=request.user, filters=selectors.CaseFilters(**data))
        paginator = Pagination()
        page = paginator.paginate_queryset(cases, request, view=self) or []
        audit_record_list_view(
            actor=request.user, objects=page, fields=["alias"], action=LIST_VIEW_ACTION
        )
        return paginator.get_paginated_response(CaseListOutput(page, many=True).data)

    @extend_schema(request=CaseCreateInput, responses={201: CaseDetailOutput})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(CaseCreateInput, request.data)
        team = selectors.teams_visible_to(request.user).filter(pk=data.pop("team")).first()
        if team is None:
            raise bad_request("team", "Choose one of your teams.")
        referred_by = data.pop("referred_by", None)
        if referred_by is not None:
            referred_by = selectors.cases_for_user(user=request.user).filter(pk=referred_by).first()
            if referred_by is None:
                raise bad_request("referred_by", "No case of your teams has this id.")
        contacts = [intake.ContactInput(**c) for c in data.pop("contacts", [])]
        case = intake.case_create(
            actor=request.user, team=team, contacts=contacts, referred_by=referred_by, **data
        )
        return detail_response(request, case, status_code=status.HTTP_201_CREATED)


@shows_personal_data
class CaseDetailApi(APIView):
    @extend_schema(responses=CaseDetailOutput)
    def get(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        case = selectors.case_detail(user=request.user, case_id=case_id)
        return detail_response(request, case, fetched=True)

    @extend_schema(request=CaseUpdateInput(partial=True), responses=CaseDetailOutput)
    def patch(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        serializer = CaseUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        case = intake.case_update(actor=request.user, case=case, **serializer.validated_data)
        return detail_response(request, case)


def _case_action(
    service: Any, input_class: type[serializers.Serializer] | None = None
) -> type[APIView]:
    """A POST endpoint that runs one lifecycle service on a case and answers with the case."""

    @shows_personal_data
    class CaseActionApi(APIView):
        @extend_schema(request=input_class, responses=CaseDetailOutput)
        def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
            data = validated(input_class, request.data) if input_class else {}
            case = selectors.case_get_for_user(user=request.user, case_id=case_id)
            case = service(actor=request.user, case=case, **data)
            return detail_response(request, case)

    return CaseActionApi


class TransitionInput(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Case.Status.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class HoldInput(serializers.Serializer):
    on_hold = serializers.BooleanField()


CaseTransitionApi = _case_action(lifecycle.case_transition, TransitionInput)
CaseVerifyApi = _case_action(lifecycle.case_verify, NoteInput)
CaseVerificationRevokeApi = _case_action(lifecycle.case_verification_revoke, ReasonInput)
CaseHoldApi = _case_action(lifecycle.case_hold_set, HoldInput)


@shows_personal_data
class CaseVouchApi(APIView):
    class InputSerializer(serializers.Serializer):
        by_case = serializers.UUIDField(required=False, allow_null=True)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=CaseDetailOutput)
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        by_case = None
        if data.get("by_case"):
            by_case = selectors.cases_for_user(user=request.user).filter(pk=data["by_case"]).first()
            if by_case is None:
                raise bad_request("by_case", "No case of your teams has this id.")
        case = lifecycle.case_vouch(
            actor=request.user, case=case, by_case=by_case, note=data.get("note", "")
        )
        return detail_response(request, case)


@shows_personal_data
class CaseContactAddApi(APIView):
    @extend_schema(request=ContactInput, responses={201: CaseDetailOutput})
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(ContactInput, request.data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        intake.case_contact_add(actor=request.user, case=case, contact=intake.ContactInput(**data))
        return detail_response(request, case, status_code=status.HTTP_201_CREATED)


@shows_personal_data
class CaseAssignApi(APIView):
    class InputSerializer(serializers.Serializer):
        team = serializers.UUIDField()

    @extend_schema(request=InputSerializer, responses=CaseDetailOutput)
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        team = selectors.teams_visible_to(request.user).filter(pk=data["team"]).first()
        if team is None:
            raise bad_request("team", "Choose one of your teams.")
        case = lifecycle.case_assign(actor=request.user, case=case, team=team)
        return detail_response(request, case)


@shows_personal_data
class CaseTimelineApi(APIView):
    class NoteInput(serializers.Serializer):
        text = serializers.CharField(max_length=5000)

    @extend_schema(responses=CaseEventOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        paginator = Pagination()
        page = (
            paginator.paginate_queryset(
                selectors.case_timeline(user=request.user, case=case), request, view=self
            )
            or []
        )
        audit_record_view(actor=request.user, obj=case, fields=["events.text"])
        return paginator.get_paginated_response(CaseEventOutput(page, many=True).data)

    @extend_schema(request=NoteInput, responses={201: CaseEventOutput})
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.NoteInput, request.data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        event = lifecycle.case_note_add(actor=request.user, case=case, text=data["text"])
        return Response(CaseEventOutput(event).data, status=status.HTTP_201_CREATED)


# --- Family ---------------------------------------------------------------------------------------


@shows_personal_data
class FamilyListCreateApi(APIView):
    @extend_schema(responses=FamilyMemberOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        case = selectors.case_detail(user=request.user, case_id=case_id)
        members = list(case.family.all())
        audit_record_view(
            actor=request.user, obj=case, fields=[f"family.{name}" for name in FAMILY_FIELDS]
        )
        return Response(FamilyMemberOutput(members, many=True).data)

    @extend_schema(request=FamilyMemberInput, responses={201: FamilyMemberOutput})
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(FamilyMemberInput, request.data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        member = family.family_member_create(actor=request.user, case=case, **data)
        return Response(FamilyMemberOutput(member).data, status=status.HTTP_201_CREATED)


@shows_personal_data
class FamilyMemberApi(APIView):
    @extend_schema(request=FamilyMemberInput(partial=True), responses=FamilyMemberOutput)
    def patch(self, request: AuthenticatedApiRequest, member_id: UUID) -> Response:
        serializer = FamilyMemberInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        member = selectors.family_member_get_for_user(user=request.user, member_id=member_id)
        member = family.family_member_update(
            actor=request.user, member=member, **serializer.validated_data
        )
        audit_record_view(
            actor=request.user, obj=member.case, fields=[f"family.{name}" for name in FAMILY_FIELDS]
        )
        return Response(FamilyMemberOutput(member).data)


@no_personal_data
class SecurityFlagCreateApi(APIView):
    @extend_schema(request=SecurityFlagInput, responses={201: SecurityFlagOutput})
    def post(self, request: AuthenticatedApiRequest, member_id: UUID) -> Response:
        data = validated(SecurityFlagInput, request.data)
        member = selectors.family_member_get_for_user(user=request.user, member_id=member_id)
        flag = family.security_flag_add(actor=request.user, member=member, **data)
        return Response(SecurityFlagOutput(flag).data, status=status.HTTP_201_CREATED)


@no_personal_data
class SecurityFlagResolveApi(APIView):
    @extend_schema(request=NoteInput, responses=SecurityFlagOutput)
    def post(self, request: AuthenticatedApiRequest, flag_id: UUID) -> Response:
        data = validated(NoteInput, request.data)
        flag = selectors.security_flag_get_for_user(user=request.user, flag_id=flag_id)
        flag = family.security_flag_resolve(actor=request.user, flag=flag, **data)
        return Response(SecurityFlagOutput(flag).data)


@no_personal_data
class SecurityFlagReviewApi(APIView):
    """Someone checked on the relative: the flag stays open and comes back on the new date."""

    class ReviewInput(serializers.Serializer):
        next_review_on = serializers.DateField(validators=[today_or_later])

    @extend_schema(request=ReviewInput, responses=SecurityFlagOutput)
    def post(self, request: AuthenticatedApiRequest, flag_id: UUID) -> Response:
        data = validated(self.ReviewInput, request.data)
        flag = selectors.security_flag_get_for_user(user=request.user, flag_id=flag_id)
        flag = family.security_flag_reviewed(actor=request.user, flag=flag, **data)
        return Response(SecurityFlagOutput(flag).data)


# --- Duplicates ---------------------------------------------------------------------------------


class DuplicateOutput(serializers.Serializer):
    id = serializers.UUIDField()
    case = serializers.UUIDField(source="case_id")
    other = serializers.UUIDField(source="other_id")
    matched_on = serializers.CharField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()


@no_personal_data
class DuplicateListApi(APIView):
    @extend_schema(responses=DuplicateOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        flags = selectors.duplicate_flags_for_user(user=request.user)
        return Response(DuplicateOutput(flags, many=True).data)


@no_personal_data
class DuplicateResolveApi(APIView):
    class InputSerializer(serializers.Serializer):
        same_person = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=DuplicateOutput)
    def post(self, request: AuthenticatedApiRequest, flag_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        flag: DuplicateFlag = selectors.duplicate_flag_get_for_user(
            user=request.user, flag_id=flag_id
        )
        flag = intake.duplicate_resolve(actor=request.user, flag=flag, **data)
        return Response(DuplicateOutput(flag).data)


# --- CDM codes ----------------------------------------------------------------------------------


@shows_personal_data
class CdmRequestListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=CdmRequest.Kind.choices)

    @extend_schema(responses=CdmRequestOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        requests = list(case.cdm_requests.order_by("-created_at"))
        audit_record_view(
            actor=request.user, obj=case, fields=[f"cdm_requests.{name}" for name in CDM_FIELDS]
        )
        return Response(CdmRequestOutput(requests, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CdmRequestOutput})
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        cdm_request = cdm.cdm_request_create(actor=request.user, case=case, **data)
        return Response(CdmRequestOutput(cdm_request).data, status=status.HTTP_201_CREATED)


class SubmitInput(serializers.Serializer):
    submitted_on = serializers.DateField()
    channel = serializers.ChoiceField(choices=CdmRequest.Channel.choices)


class IssueInput(serializers.Serializer):
    code = serializers.CharField(max_length=64)


def _cdm_action(
    service: Any, input_class: type[serializers.Serializer] | None = None
) -> type[APIView]:
    @shows_personal_data
    class CdmActionApi(APIView):
        @extend_schema(request=input_class, responses=CdmRequestOutput)
        def post(self, request: AuthenticatedApiRequest, request_id: UUID) -> Response:
            data = validated(input_class, request.data) if input_class else {}
            cdm_request = selectors.cdm_request_get_for_user(
                user=request.user, request_id=request_id
            )
            cdm_request = service(actor=request.user, request=cdm_request, **data)
            audit_record_view(
                actor=request.user,
                obj=cdm_request.case,
                fields=[f"cdm_requests.{name}" for name in CDM_FIELDS],
            )
            return Response(CdmRequestOutput(cdm_request).data)

    return CdmActionApi


CdmReadyApi = _cdm_action(cdm.cdm_request_mark_ready)
CdmSubmitApi = _cdm_action(cdm.cdm_request_submit, SubmitInput)
CdmIssueApi = _cdm_action(cdm.cdm_request_issue, IssueInput)
CdmRejectApi = _cdm_action(cdm.cdm_request_reject, ReasonInput)
CdmWithdrawApi = _cdm_action(cdm.cdm_request_withdraw)


@shows_personal_data
class CdmExportApi(APIView):
    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request: AuthenticatedApiRequest) -> HttpResponse:
        requests = selectors.cdm_requests_ready_for_export(user=request.user)
        body = cdm.cdm_requests_export(actor=request.user, requests=requests)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cdm-requests.csv"'
        return response


# --- Statistics -----------------------------------------------------------------------------------


class StatisticsOutput(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    by_service_branch = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField())
    )
    by_status = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


@no_personal_data
class StatisticsApi(APIView):
    @extend_schema(responses=StatisticsOutput)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return Response(StatisticsOutput(selectors.statistics()).data)
