"""Cases API: thin views — validate input, fetch through a scoped selector, call one service.

Two kinds of answer. A case action (transition, vouch, verify, revoke, assign, hold) answers with
the case's new state (`CaseStateOutput`): nothing decrypted, so no read to record and nothing to
reload. Intake, an edit, a contact added and the detail itself answer with the detail, decrypted
for the reader: a view event records it (`detail_response`).

Every sentence written here is marked for translation at the raise (`gettext`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import search, selectors
from cases.audit_actions import CaseActions
from cases.models import Case, CaseNeed, CdmRequest, ContactChannel, DuplicateFlag, Need, Risk
from cases.pagination import COUNT_LIMIT, CaseListPagination
from cases.rules import today_or_later
from cases.serializers import (
    CASE_DETAIL_FIELDS,
    CDM_FIELDS,
    FAMILY_FIELDS,
    CaseCreateInput,
    CaseDetailOutput,
    CaseEventOutput,
    CaseListOutput,
    CaseStateOutput,
    CaseUpdateInput,
    CdmRequestOutput,
    ContactInput,
    FamilyMemberInput,
    FamilyMemberOutput,
    NoteInput,
    ReasonInput,
    SecurityFlagInput,
    SecurityFlagOutput,
    shown,
)
from cases.services import cdm, family, intake, lifecycle
from supportdesk.accounts.models import User
from supportdesk.api.authentication import AuthenticatedApiRequest
from supportdesk.api.pagination import Pagination
from supportdesk.api.serializers import bad_request, team_from_input, validated
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.services import audit_record_list_view, audit_record_view
from supportdesk.validators import not_in_future

RISK_NAMES = {risk.name.lower(): risk.value for risk in Risk}
# What CaseListOutput reads of a case (its team comes with it, select_related).
CASE_LIST_COLUMNS = (
    "id",
    "team__id",
    "team__name",
    "alias",
    "status",
    "verification",
    "risk",
    "on_hold",
    "shredded_at",
    "closed_at",
    "updated_at",
    "text_needs_review",
    "created_at",
)
FAMILY_VIEW_FIELDS = [f"family.{name}" for name in FAMILY_FIELDS]
CDM_VIEW_FIELDS = [f"cdm_requests.{name}" for name in CDM_FIELDS]


# The schema's description of a list row. The list writes its rows with `list_rows`, which a
# test holds to exactly what this serializer writes.
class CaseListRowOutput(CaseListOutput):
    """A list row, its needs given by the view (context "needs": {case id: [need, ...]})."""

    def get_needs(self, case: Case) -> list[str]:
        return list(self.context["needs"].get(case.pk, []))


_WHEN = serializers.DateTimeField()  # the row serializer's own representation of a time


def list_rows(page: list[Case], needs: dict[UUID, list[str]]) -> list[dict[str, Any]]:
    """The page's rows as `CaseListRowOutput` writes them, built directly: DRF's per-field
    machinery (a nested serializer per row for the team) was a fifth of a list request's CPU."""
    when = _WHEN.to_representation
    return [
        {
            "id": str(case.pk),
            "team": {"id": str(case.team.pk), "name": case.team.name},
            "status": case.status,
            "verification": case.verification,
            "risk": Risk(case.risk).name.lower(),
            "on_hold": case.on_hold,
            "shredded": case.shredded_at is not None,
            "closed_at": when(case.closed_at) if case.closed_at else None,
            "updated_at": when(case.updated_at),
            "alias": str(shown(case.alias)),
            "needs": list(needs.get(case.pk, [])),
            "text_needs_review": case.text_needs_review,
            "created_at": when(case.created_at),
        }
        for case in page
    ]


def case_from_input(*, user: User, case_id: UUID, field: str) -> Case:
    """Another case named in the input (a referral, a voucher): one of the user's teams', or a 400
    on `field`."""
    case = selectors.cases_for_user(user=user).filter(pk=case_id).first()
    if case is None:
        raise bad_request(field, _("No case of your teams has this id."))
    return case


def detail_response(
    request: AuthenticatedApiRequest, case: Case, *, status_code: int = 200
) -> Response:
    """The case as its detail shows it, decrypted for this reader, so a view event records it.

    `case` may come straight from a selector or a service (its row and team are loaded, its
    values open lazily): only the rows the output reads besides those are fetched here, two
    queries, instead of reloading the case with everything its page shows."""
    prefetch_related_objects(
        [case],
        Prefetch("need_rows", queryset=CaseNeed.objects.order_by("need")),
        Prefetch("contacts", queryset=ContactChannel.objects.order_by("kind", "id")),
    )
    audit_record_view(actor=request.user, obj=case, fields=CASE_DETAIL_FIELDS)
    context = {
        "possible_duplicates": selectors.possible_duplicate_count(case=case),
        "user": request.user,
    }
    return Response(CaseDetailOutput(case, context=context).data, status=status_code)


@shows_personal_data
class CaseListCreateApi(APIView):
    class FilterInput(serializers.Serializer):
        status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
        risk = serializers.ChoiceField(choices=sorted(RISK_NAMES), required=False)
        team = serializers.UUIDField(required=False)
        verification = serializers.ChoiceField(choices=Case.Verification.choices, required=False)
        need = serializers.ChoiceField(choices=Need.choices, required=False)

    class PageInput(serializers.Serializer):
        cursor = serializers.CharField(
            required=False, help_text="Where the next page starts: the `next` link carries it."
        )
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)

    @extend_schema(
        operation_id="cases_list",
        parameters=[FilterInput, PageInput],
        responses=inline_serializer(
            "CaseListPage",
            fields={
                "count": serializers.IntegerField(
                    allow_null=True,
                    help_text=f"Cases matching, exact up to {COUNT_LIMIT}; null above that.",
                ),
                "next": serializers.URLField(allow_null=True),
                "results": CaseListRowOutput(many=True),
            },
        ),
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        """A page of the user's cases, riskiest first, newest first within a risk. Keyset pages:
        follow `next`; no page costs more than the first (cases/pagination.py)."""
        data = validated(self.FilterInput, request.query_params)
        if "risk" in data:
            data["risk"] = RISK_NAMES[data["risk"]]
        cases = selectors.case_list(user=request.user, filters=selectors.CaseFilters(**data))
        paginator = CaseListPagination()
        # Only the columns a list row shows: a case's other sealed values (notes, medical notes,
        # the family's) are most of its row and are neither sent nor opened here.
        cases = cases.only(*CASE_LIST_COLUMNS).prefetch_related(None)  # needs: below
        page = paginator.paginate_queryset(cases, request)
        audit_record_list_view(
            actor=request.user, objects=page, fields=["alias"], action=CaseActions.LIST_VIEW
        )
        # The page's needs as (case, need) pairs in one query, not a model object per need.
        needs: dict[UUID, list[str]] = {case.pk: [] for case in page}
        rows = CaseNeed.objects.filter(case__in=list(needs)).order_by("need")
        for case_id, need in rows.values_list("case_id", "need"):
            needs[case_id].append(need)
        return paginator.get_paginated_response(list_rows(page, needs))

    @extend_schema(request=CaseCreateInput, responses={201: CaseDetailOutput})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(CaseCreateInput, request.data)
        team = team_from_input(user=request.user, team_id=data.pop("team"))
        referred_by = data.pop("referred_by", None)
        if referred_by is not None:
            referred_by = case_from_input(
                user=request.user, case_id=referred_by, field="referred_by"
            )
        contacts = [intake.ContactInput(**c) for c in data.pop("contacts", [])]
        case = intake.case_create(
            actor=request.user, team=team, contacts=contacts, referred_by=referred_by, **data
        )
        return detail_response(request, case, status_code=status.HTTP_201_CREATED)


class SearchHitOutput(serializers.Serializer):
    case = CaseListOutput()
    matched = serializers.ListField(
        child=serializers.ChoiceField(choices=search.MATCH_ORDER),
        help_text="What the query matched on this case (kinds, never values), surest first.",
    )


class SearchOutput(serializers.Serializer):
    results = SearchHitOutput(many=True)


@shows_personal_data
class CaseSearchApi(APIView):
    """Find cases of the user's teams by phone (any format), messaging handle, whole alias, case
    reference or CDM code. POST, so the query stays out of URLs and logs; rate-limited (429);
    out of scope finds nothing, like no match."""

    class InputSerializer(serializers.Serializer):
        query = serializers.CharField(max_length=search.QUERY_MAX_LENGTH)

    @extend_schema(request=InputSerializer, responses=SearchOutput)
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(self.InputSerializer, request.data)
        hits = search.cases_search(actor=request.user, query=data["query"])
        return Response(SearchOutput({"results": hits}).data)


@shows_personal_data
class CaseDetailApi(APIView):
    @extend_schema(responses=CaseDetailOutput)
    def get(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        return detail_response(request, case)

    @extend_schema(request=CaseUpdateInput(partial=True), responses=CaseDetailOutput)
    def patch(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        serializer = CaseUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        case = intake.case_update(actor=request.user, case=case, **serializer.validated_data)
        return detail_response(request, case)


class CaseActionApi(APIView):
    """What the case actions share: each POST validates its input, fetches the case in the user's
    scope, runs its one lifecycle service and answers with the case's new state. Not routed, and
    deliberately not marked: each action says itself whether it shows personal data."""

    def case_in_scope(self, request: AuthenticatedApiRequest, case_id: UUID) -> Case:
        # Every action's service locks the case and reads it whole: here only its id and team.
        return selectors.case_ref_for_user(user=request.user, case_id=case_id)

    def answer(self, case: Case) -> Response:
        return Response(CaseStateOutput(case, context={"user": self.request.user}).data)


@no_personal_data
class CaseTransitionApi(CaseActionApi):
    class InputSerializer(serializers.Serializer):
        to_status = serializers.ChoiceField(choices=Case.Status.choices)
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=CaseStateOutput)
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        case = lifecycle.case_transition(
            actor=request.user,
            case=self.case_in_scope(request, case_id),
            to_status=data["to_status"],
            reason=data.get("reason", ""),
        )
        return self.answer(case)


@no_personal_data
class CaseVouchApi(CaseActionApi):
    class InputSerializer(NoteInput):
        by_case = serializers.UUIDField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses=CaseStateOutput)
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        case = self.case_in_scope(request, case_id)
        by_case = None
        if data.get("by_case"):
            by_case = case_from_input(user=request.user, case_id=data["by_case"], field="by_case")
        case = lifecycle.case_vouch(
            actor=request.user, case=case, by_case=by_case, note=data.get("note", "")
        )
        return self.answer(case)


@no_personal_data
class CaseVerifyApi(CaseActionApi):
    @extend_schema(request=NoteInput, responses=CaseStateOutput)
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(NoteInput, request.data)
        case = lifecycle.case_verify(
            actor=request.user,
            case=self.case_in_scope(request, case_id),
            note=data.get("note", ""),
        )
        return self.answer(case)


@no_personal_data
class CaseVerificationRevokeApi(CaseActionApi):
    @extend_schema(request=ReasonInput, responses=CaseStateOutput)
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(ReasonInput, request.data)
        case = lifecycle.case_verification_revoke(
            actor=request.user, case=self.case_in_scope(request, case_id), reason=data["reason"]
        )
        return self.answer(case)


@no_personal_data
class CaseAssignApi(CaseActionApi):
    class InputSerializer(serializers.Serializer):
        team = serializers.UUIDField()

    @extend_schema(request=InputSerializer, responses=CaseStateOutput)
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        case = self.case_in_scope(request, case_id)
        team = team_from_input(user=request.user, team_id=data["team"])
        case = lifecycle.case_assign(actor=request.user, case=case, team=team)
        return self.answer(case)


@no_personal_data
class CaseHoldApi(CaseActionApi):
    class InputSerializer(serializers.Serializer):
        on_hold = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=CaseStateOutput)
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        case = lifecycle.case_hold_set(
            actor=request.user, case=self.case_in_scope(request, case_id), on_hold=data["on_hold"]
        )
        return self.answer(case)


@shows_personal_data
class CaseContactAddApi(APIView):
    @extend_schema(request=ContactInput, responses={201: CaseDetailOutput})
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(ContactInput, request.data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        intake.case_contact_add(actor=request.user, case=case, contact=intake.ContactInput(**data))
        return detail_response(request, case, status_code=status.HTTP_201_CREATED)


@shows_personal_data
class CaseTimelineApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    class InputSerializer(serializers.Serializer):
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
        audit_record_view(actor=request.user, obj=case, fields=["events.text", "events.message"])
        return paginator.get_paginated_response(CaseEventOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CaseEventOutput})
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
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
        audit_record_view(actor=request.user, obj=case, fields=FAMILY_VIEW_FIELDS)
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
        audit_record_view(actor=request.user, obj=member.case, fields=FAMILY_VIEW_FIELDS)
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
        flag = family.security_flag_resolve(
            actor=request.user, flag=flag, note=data.get("note", "")
        )
        return Response(SecurityFlagOutput(flag).data)


@no_personal_data
class SecurityFlagReviewApi(APIView):
    """Someone checked on the relative: the flag stays open and comes back on the new date."""

    class InputSerializer(serializers.Serializer):
        next_review_on = serializers.DateField(validators=[today_or_later])

    @extend_schema(request=InputSerializer, responses=SecurityFlagOutput)
    def post(self, request: AuthenticatedApiRequest, flag_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        flag = selectors.security_flag_get_for_user(user=request.user, flag_id=flag_id)
        flag = family.security_flag_reviewed(
            actor=request.user, flag=flag, next_review_on=data["next_review_on"]
        )
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
        audit_record_view(actor=request.user, obj=case, fields=CDM_VIEW_FIELDS)
        return Response(CdmRequestOutput(requests, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CdmRequestOutput})
    def post(self, request: AuthenticatedApiRequest, case_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        cdm_request = cdm.cdm_request_create(actor=request.user, case=case, **data)
        return Response(CdmRequestOutput(cdm_request).data, status=status.HTTP_201_CREATED)


class CdmActionApi(APIView):
    """What the steps of a CDM-code request share: each POST validates its input, fetches the
    request in the user's scope, runs its one service and answers with the request. The answer
    shows the code and rejection reason decrypted, so it records a view of the case. Not routed,
    and deliberately not marked: each step says itself what it shows."""

    def cdm_request_in_scope(
        self, request: AuthenticatedApiRequest, request_id: UUID
    ) -> CdmRequest:
        return selectors.cdm_request_get_for_user(user=request.user, request_id=request_id)

    def answer(self, request: AuthenticatedApiRequest, cdm_request: CdmRequest) -> Response:
        audit_record_view(actor=request.user, obj=cdm_request.case, fields=CDM_VIEW_FIELDS)
        return Response(CdmRequestOutput(cdm_request).data)


@shows_personal_data
class CdmReadyApi(CdmActionApi):
    @extend_schema(request=None, responses=CdmRequestOutput)
    def post(self, request: AuthenticatedApiRequest, request_id: UUID) -> Response:
        cdm_request = cdm.cdm_request_mark_ready(
            actor=request.user, request=self.cdm_request_in_scope(request, request_id)
        )
        return self.answer(request, cdm_request)


@shows_personal_data
class CdmSubmitApi(CdmActionApi):
    class InputSerializer(serializers.Serializer):
        submitted_on = serializers.DateField(validators=[not_in_future])
        channel = serializers.ChoiceField(choices=CdmRequest.Channel.choices)

    @extend_schema(request=InputSerializer, responses=CdmRequestOutput)
    def post(self, request: AuthenticatedApiRequest, request_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        cdm_request = cdm.cdm_request_submit(
            actor=request.user,
            request=self.cdm_request_in_scope(request, request_id),
            submitted_on=data["submitted_on"],
            channel=data["channel"],
        )
        return self.answer(request, cdm_request)


@shows_personal_data
class CdmIssueApi(CdmActionApi):
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=64)

    @extend_schema(request=InputSerializer, responses=CdmRequestOutput)
    def post(self, request: AuthenticatedApiRequest, request_id: UUID) -> Response:
        data = validated(self.InputSerializer, request.data)
        cdm_request = cdm.cdm_request_issue(
            actor=request.user,
            request=self.cdm_request_in_scope(request, request_id),
            code=data["code"],
        )
        return self.answer(request, cdm_request)


@shows_personal_data
class CdmRejectApi(CdmActionApi):
    @extend_schema(request=ReasonInput, responses=CdmRequestOutput)
    def post(self, request: AuthenticatedApiRequest, request_id: UUID) -> Response:
        data = validated(ReasonInput, request.data)
        cdm_request = cdm.cdm_request_reject(
            actor=request.user,
            request=self.cdm_request_in_scope(request, request_id),
            reason=data["reason"],
        )
        return self.answer(request, cdm_request)


@shows_personal_data
class CdmWithdrawApi(CdmActionApi):
    @extend_schema(request=None, responses=CdmRequestOutput)
    def post(self, request: AuthenticatedApiRequest, request_id: UUID) -> Response:
        cdm_request = cdm.cdm_request_withdraw(
            actor=request.user, request=self.cdm_request_in_scope(request, request_id)
        )
        return self.answer(request, cdm_request)


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
    computed_at = serializers.DateTimeField(
        help_text="When these figures were counted: at most CASE_STATISTICS_MAX_AGE seconds ago."
    )


@no_personal_data
class StatisticsApi(APIView):
    @extend_schema(responses=StatisticsOutput)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        """Whole-group figures, small counts masked; counted at most once per
        CASE_STATISTICS_MAX_AGE seconds (default 300) and cached in between."""
        return Response(StatisticsOutput(selectors.statistics_published()).data)
