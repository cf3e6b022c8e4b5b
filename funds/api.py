"""Funds API: thin views that validate input, fetch through a scoped selector (404 out of scope),
call one service and answer. Every money-moving request takes an `Idempotency-Key` header
(funds.services.idempotency); its answers carry states and amounts only, nothing decrypted, so
they can be kept for retries. Reads of decrypted fields record a view event."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from typing import Any, ClassVar
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_get_for_user
from cases.serializers import ReasonInput
from funds import selectors
from funds.audit_actions import DonationActions
from funds.models import DISBURSEMENT_SECRET_FIELDS, Account, Disbursement, Donation
from funds.money import Currency, parse_amount
from funds.serializers import (
    AidPerCaseOutput,
    ConfirmInput,
    DisbursementDetailOutput,
    DisbursementInput,
    DisbursementOutput,
    DonationDetailOutput,
    DonationInput,
    DonationOutput,
    FundInput,
    FundOutput,
    ImportInput,
    ImportRowOutput,
    PayInput,
    TransferOutput,
)
from funds.services import corrections, disbursements, donations, ledger
from funds.services.idempotency import idempotency_claim, idempotency_store
from supportdesk.api.authentication import AuthenticatedApiRequest
from supportdesk.api.pagination import Pagination
from supportdesk.api.serializers import bad_request, team_from_input, validated
from supportdesk.audit.actions import AuditActions
from supportdesk.audit.coverage import no_personal_data, shows_personal_data
from supportdesk.audit.csv_cells import csv_cell
from supportdesk.audit.services import audit_record_reads, audit_record_view
from supportdesk.errors import NotFound

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="A retry with the same key and body gets the first answer.",
)
DONATION_VIEW_FIELDS = ["reference", "reversal_reason"]
DISBURSEMENT_VIEW_FIELDS = [f"disbursements.{name}" for name in DISBURSEMENT_SECRET_FIELDS]


def amount_of(raw: Any, currency: str) -> int:
    try:
        return parse_amount(raw, currency)
    except DjangoValidationError as bad:
        raise serializers.ValidationError({"amount": bad.messages}) from None


def fund_from_input(request: AuthenticatedApiRequest, fund_id: UUID) -> Account:
    fund = selectors.funds_for_user(user=request.user).filter(pk=fund_id).first()
    if fund is None:
        raise bad_request("fund", _("Choose one of your team's funds."))
    return fund


def idempotent(
    request: AuthenticatedApiRequest,
    *,
    route: str,
    body: dict[str, Any],
    run: Callable[[], Response],
) -> Response:
    """The first answer for this key, or run the request and keep its answer, in one
    transaction (a refusal keeps nothing: a retry is run again)."""
    with transaction.atomic():
        record, replay = idempotency_claim(
            user=request.user,
            key=request.headers.get("Idempotency-Key", ""),
            route=route,
            body=body,
        )
        if replay:
            return Response(record.response, status=record.status)
        response = run()
        idempotency_store(record=record, status=response.status_code, response=response.data)
        return response


def paginated(view: APIView, request: AuthenticatedApiRequest, rows: Any, output: type) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(output(page or [], many=True).data)


# --- Funds and the ledger -----------------------------------------------------------------------


@no_personal_data
class FundListCreateApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    class FilterInput(serializers.Serializer):
        currency = serializers.ChoiceField(choices=Currency.choices, required=False)
        earmark = serializers.CharField(required=False)

    @extend_schema(parameters=[FilterInput], responses=FundOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(self.FilterInput, request.query_params)
        return paginated(
            self, request, selectors.funds_for_user(user=request.user, **data), FundOutput
        )

    @extend_schema(request=FundInput, responses={201: FundOutput})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(FundInput, request.data)
        team = team_from_input(user=request.user, team_id=data.pop("team"))
        fund = ledger.fund_create(actor=request.user, team=team, **data)
        return Response(FundOutput(fund).data, status=status.HTTP_201_CREATED)


@no_personal_data
class FundDetailApi(APIView):
    @extend_schema(responses=FundOutput)
    def get(self, request: AuthenticatedApiRequest, fund_id: UUID) -> Response:
        return Response(
            FundOutput(selectors.fund_get_for_user(user=request.user, fund_id=fund_id)).data
        )


@no_personal_data
class FundTransfersApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    @extend_schema(responses=TransferOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, fund_id: UUID) -> Response:
        fund = selectors.fund_get_for_user(user=request.user, fund_id=fund_id)
        return paginated(self, request, selectors.transfers_of_fund(fund=fund), TransferOutput)


@no_personal_data
class TransferReverseApi(APIView):
    """A correction, saying why; a donation's transfer or a payment's marks that record
    reversed too (funds.services.corrections.transfer_reverse)."""

    @extend_schema(request=ReasonInput, parameters=[IDEMPOTENCY], responses={201: TransferOutput})
    def post(self, request: AuthenticatedApiRequest, transfer_id: UUID) -> Response:
        data = validated(ReasonInput, request.data)
        transfer = selectors.transfer_get_for_user(user=request.user, transfer_id=transfer_id)

        def run() -> Response:
            reversal = corrections.transfer_reverse(
                actor=request.user, transfer=transfer, reason=data["reason"]
            )
            return Response(TransferOutput(reversal).data, status=status.HTTP_201_CREATED)

        body = {**data, "transfer": str(transfer_id)}
        return idempotent(request, route="transfer-reverse", body=body, run=run)


# --- Donations ----------------------------------------------------------------------------------


@no_personal_data
class DonationListCreateApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    class FilterInput(serializers.Serializer):
        fund = serializers.UUIDField(required=False)
        channel = serializers.ChoiceField(choices=Donation.Channel.choices, required=False)

    @extend_schema(parameters=[FilterInput], responses=DonationOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(self.FilterInput, request.query_params)
        return paginated(
            self, request, selectors.donations_for_user(user=request.user, **data), DonationOutput
        )

    @extend_schema(request=DonationInput, parameters=[IDEMPOTENCY], responses={201: DonationOutput})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(DonationInput, request.data)
        fund = fund_from_input(request, data.pop("fund"))
        data["amount"] = amount_of(data["amount"], fund.currency)

        def run() -> Response:
            donation = donations.donation_record(actor=request.user, fund=fund, **data)
            return Response(DonationOutput(donation).data, status=status.HTTP_201_CREATED)

        body = {**data, "fund": str(fund.pk)}
        return idempotent(request, route="donation-record", body=body, run=run)


@shows_personal_data
class DonationDetailApi(APIView):
    @extend_schema(responses=DonationDetailOutput)
    def get(self, request: AuthenticatedApiRequest, donation_id: UUID) -> Response:
        donation = selectors.donation_get_for_user(user=request.user, donation_id=donation_id)
        audit_record_view(actor=request.user, obj=donation, fields=DONATION_VIEW_FIELDS)
        if donation.donor is not None:
            audit_record_view(
                actor=request.user,
                obj=donation.donor,
                fields=["name", "contact"],
                action=DonationActions.DONOR_VIEW,
            )
        return Response(DonationDetailOutput(donation).data)


@no_personal_data
class DonorForgetApi(APIView):
    """A donor asked to be forgotten: their name and contact are destroyed for good; the
    donation stays in the books (audited as `donor.forget`)."""

    @extend_schema(request=None, parameters=[IDEMPOTENCY], responses=DonationOutput)
    def post(self, request: AuthenticatedApiRequest, donation_id: UUID) -> Response:
        donation = selectors.donation_get_for_user(user=request.user, donation_id=donation_id)
        donor = donation.donor
        if donor is None:
            raise donations.DonorForgotten(
                _("This donation is anonymous: there is no donor to forget.")
            )

        def run() -> Response:
            donations.donor_forget(actor=request.user, donor=donor)
            return Response(DonationOutput(donation).data)

        return idempotent(
            request, route="donor-forget", body={"donation": str(donation.pk)}, run=run
        )


def _import_input(request: AuthenticatedApiRequest) -> tuple[Account, bytes]:
    data = validated(ImportInput, request.data)
    return fund_from_input(request, data["fund"]), data["file"].read()


class ImportOutput(serializers.Serializer):
    rows = ImportRowOutput(many=True)
    recorded = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    errors = serializers.IntegerField()


def _import_answer(preview: donations.ImportPreview, *, recorded: int) -> dict[str, Any]:
    return ImportOutput(
        {
            "rows": preview.rows,
            "recorded": recorded,
            "duplicates": len(preview.duplicates),
            "errors": len(preview.errors),
        }
    ).data


@no_personal_data
class DonationImportPreviewApi(APIView):
    @extend_schema(request={"multipart/form-data": ImportInput}, responses=ImportOutput)
    def post(self, request: AuthenticatedApiRequest) -> Response:
        fund, content = _import_input(request)
        preview = donations.donations_import_preview(actor=request.user, fund=fund, content=content)
        return Response(_import_answer(preview, recorded=0))


@no_personal_data
class DonationImportApi(APIView):
    @extend_schema(
        request={"multipart/form-data": ImportInput},
        parameters=[IDEMPOTENCY],
        responses={201: ImportOutput},
    )
    def post(self, request: AuthenticatedApiRequest) -> Response:
        fund, content = _import_input(request)

        def run() -> Response:
            result = donations.donations_import(actor=request.user, fund=fund, content=content)
            answer = _import_answer(result, recorded=len(result.ok))
            return Response(answer, status=status.HTTP_201_CREATED)

        body = {"fund": str(fund.pk), "file": hashlib.sha256(content).hexdigest()}
        return idempotent(request, route="donation-import", body=body, run=run)


# --- Disbursements ------------------------------------------------------------------------------


@no_personal_data
class DisbursementListCreateApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    class FilterInput(serializers.Serializer):
        state = serializers.ChoiceField(choices=Disbursement.State.choices, required=False)
        case = serializers.UUIDField(required=False)
        purpose = serializers.ChoiceField(choices=Disbursement.Purpose.choices, required=False)
        currency = serializers.ChoiceField(choices=Currency.choices, required=False)

    @extend_schema(parameters=[FilterInput], responses=DisbursementOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        filters = selectors.DisbursementFilters(**validated(self.FilterInput, request.query_params))
        rows = selectors.disbursements_for_user(user=request.user, filters=filters)
        return paginated(self, request, rows, DisbursementOutput)

    @extend_schema(
        request=DisbursementInput, parameters=[IDEMPOTENCY], responses={201: DisbursementOutput}
    )
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(DisbursementInput, request.data)
        try:
            case = case_get_for_user(user=request.user, case_id=data["case"])
        except NotFound:
            raise bad_request("case", _("Choose one of your team's cases.")) from None
        fund = fund_from_input(request, data["fund"])
        amount = amount_of(data["amount"], fund.currency)

        def run() -> Response:
            asked = disbursements.disbursement_request(
                actor=request.user,
                case=case,
                fund=fund,
                purpose=data["purpose"],
                amount=amount,
                justification=data["justification"],
            )
            return Response(DisbursementOutput(asked).data, status=status.HTTP_201_CREATED)

        body = {**data, "amount": amount, "case": str(case.pk), "fund": str(fund.pk)}
        return idempotent(request, route="disbursement-request", body=body, run=run)


@shows_personal_data
class DisbursementDetailApi(APIView):
    @extend_schema(responses=DisbursementDetailOutput)
    def get(self, request: AuthenticatedApiRequest, disbursement_id: UUID) -> Response:
        found = selectors.disbursement_get_for_user(
            user=request.user, disbursement_id=disbursement_id
        )
        audit_record_view(actor=request.user, obj=found.case, fields=DISBURSEMENT_VIEW_FIELDS)
        return Response(DisbursementDetailOutput(found).data)


class DisbursementMoveApi(APIView):
    """One move of a request; subclasses name the move, its input and the service."""

    move: ClassVar[str]


def _move_api(
    name: str,
    service: Callable[..., Disbursement],
    input_serializer: type[serializers.Serializer] | None = None,
) -> type[DisbursementMoveApi]:
    """The view of the move `name`: it validates the input, fetches the request (404 out of
    scope) and answers it as `service(actor=..., disbursement=..., **input)` left it, once per
    Idempotency-Key. Each view has a `post` of its own, since the schema is kept on the function."""

    @no_personal_data
    class MoveApi(DisbursementMoveApi):
        move = name

        @extend_schema(
            request=input_serializer,
            parameters=[IDEMPOTENCY],
            responses=DisbursementOutput,
            operation_id=f"funds_disbursement_{name}",
        )
        def post(self, request: AuthenticatedApiRequest, disbursement_id: UUID) -> Response:
            data = validated(input_serializer, request.data) if input_serializer else {}
            found = selectors.disbursement_get_for_user(
                user=request.user, disbursement_id=disbursement_id
            )

            def run() -> Response:
                moved = service(actor=request.user, disbursement=found, **data)
                return Response(DisbursementOutput(moved).data)

            body = {**data, "disbursement": str(found.pk)}
            return idempotent(request, route=f"disbursement-{name}", body=body, run=run)

    MoveApi.__name__ = MoveApi.__qualname__ = f"Disbursement{name.capitalize()}Api"
    return MoveApi


DisbursementApproveApi = _move_api("approve", disbursements.disbursement_approve)
DisbursementRejectApi = _move_api("reject", disbursements.disbursement_reject, ReasonInput)
DisbursementWithdrawApi = _move_api("withdraw", disbursements.disbursement_withdraw)
DisbursementPayApi = _move_api("pay", disbursements.disbursement_pay, PayInput)
DisbursementConfirmApi = _move_api("confirm", disbursements.disbursement_confirm, ConfirmInput)
DisbursementReconcileApi = _move_api("reconcile", disbursements.disbursement_reconcile)


# --- Reports ------------------------------------------------------------------------------------


class MonthlyOutput(serializers.Serializer):
    money_in = serializers.ListField(child=serializers.DictField())
    money_out = serializers.ListField(child=serializers.DictField())


@no_personal_data
class BalancesReportApi(APIView):
    @extend_schema(responses=FundOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return Response(FundOutput(selectors.funds_for_user(user=request.user), many=True).data)


@no_personal_data
class MonthlyReportApi(APIView):
    @extend_schema(responses=MonthlyOutput)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return Response(
            MonthlyOutput(
                {
                    "money_in": selectors.money_in_by_month(user=request.user),
                    "money_out": selectors.money_out_by_month(user=request.user),
                }
            ).data
        )


@no_personal_data
class AidPerCaseReportApi(APIView):
    @extend_schema(responses=AidPerCaseOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        rows = selectors.aid_per_case(user=request.user)
        return Response(AidPerCaseOutput(rows, many=True).data)


EXPORT_COLUMNS = ["direction", "month", "currency", "channel_or_purpose", "count", "total_minor"]


@no_personal_data
class MonthlyReportCsvApi(APIView):
    """Sums only, no person; still a download of the team's books, so it is audited."""

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request: AuthenticatedApiRequest) -> HttpResponse:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for direction, rows, key in (
            ("in", selectors.money_in_by_month(user=request.user), "channel"),
            ("out", selectors.money_out_by_month(user=request.user), "purpose"),
        ):
            for row in rows:
                writer.writerow(
                    csv_cell(value)
                    for value in (
                        direction,
                        row["month"],
                        row["currency"],
                        row[key],
                        row["count"],
                        row["total"],
                    )
                )
        funds = selectors.funds_for_user(user=request.user)
        audit_record_reads(
            actor=request.user,
            action=AuditActions.EXPORT_CSV,
            object_type="funds.account",
            object_ids=[fund.pk.hex for fund in funds],
            fields=["donations", "disbursements"],
        )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="funds-monthly.csv"'
        return response
