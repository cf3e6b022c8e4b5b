"""Reads of funds, always scoped to the user asking (supportdesk.accounts.scope): out-of-scope
records are not found (404). Donations and donors are for the team's coordinators."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from funds.models import Account, Disbursement, Donation, Transfer
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import get_in_scope, in_scope

PAID_STATES = (
    Disbursement.State.PAID,
    Disbursement.State.CONFIRMED,
    Disbursement.State.RECONCILED,
)


def funds_for_user(
    *, user: User, currency: str | None = None, earmark: str | None = None
) -> QuerySet[Account]:
    funds = in_scope(Account, user=user, team_path="team").filter(kind=Account.Kind.FUND)
    if currency:
        funds = funds.filter(currency=currency)
    if earmark:
        funds = funds.filter(earmark=earmark)
    return funds.select_related("team").order_by("team__name", "name")


def fund_get_for_user(*, user: User, fund_id: UUID) -> Account:
    return get_in_scope(
        Account.objects.filter(kind=Account.Kind.FUND), user=user, pk=fund_id, team_path="team"
    )


def transfers_of_fund(*, fund: Account) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(debit_account=fund) | Transfer.objects.filter(credit_account=fund)
    ).order_by("-created_at", "pk")


def transfer_get_for_user(*, user: User, transfer_id: UUID) -> Transfer:
    return get_in_scope(Transfer, user=user, pk=transfer_id, team_path="debit_account__team")


def donations_for_user(
    *, user: User, fund: UUID | None = None, channel: str | None = None
) -> QuerySet[Donation]:
    if not user.is_coordinator:
        return Donation.objects.none()
    donations = in_scope(Donation, user=user, team_path="fund__team")
    if fund:
        donations = donations.filter(fund_id=fund)
    if channel:
        donations = donations.filter(channel=channel)
    return donations.select_related("fund").order_by("-received_on", "-created_at")


def donation_get_for_user(*, user: User, donation_id: UUID) -> Donation:
    return get_in_scope(
        Donation.objects.select_related("donor", "fund"),
        user=user,
        pk=donation_id,
        team_path="fund__team",
        coordinator=True,
    )


@dataclass(frozen=True)
class DisbursementFilters:
    state: str | None = None
    case: UUID | None = None
    purpose: str | None = None
    currency: str | None = None


def disbursements_for_user(
    *, user: User, filters: DisbursementFilters | None = None
) -> QuerySet[Disbursement]:
    filters = filters or DisbursementFilters()
    conditions = {
        "state": filters.state,
        "case_id": filters.case,
        "purpose": filters.purpose,
        "currency": filters.currency,
    }
    return (
        in_scope(Disbursement, user=user, team_path="case__team")
        .filter(**{key: value for key, value in conditions.items() if value})
        .select_related("case", "fund")
        .annotate(approval_count=Count("approvals"))
        .order_by("-created_at", "pk")
    )


def disbursement_get_for_user(*, user: User, disbursement_id: UUID) -> Disbursement:
    return get_in_scope(
        Disbursement.objects.select_related("case__team", "fund"),
        user=user,
        pk=disbursement_id,
        team_path="case__team",
    )


# --- Reports ------------------------------------------------------------------------------------


def money_in_by_month(*, user: User) -> list[dict[str, object]]:
    """Donations received per month, channel and currency, in the user's teams (a reversed
    donation is no money in: its reversing transfer took it out again)."""
    rows = (
        in_scope(Donation, user=user, team_path="fund__team")
        .filter(reversed_at__isnull=True)
        .annotate(month=TruncMonth("received_on"))
        .values("month", "channel", "currency")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("month", "currency", "channel")
    )
    return [{**row, "month": row["month"].strftime("%Y-%m")} for row in rows]


def money_out_by_month(*, user: User) -> list[dict[str, object]]:
    """Aid paid per month, purpose and currency, in the user's teams."""
    rows = (
        in_scope(Disbursement, user=user, team_path="case__team")
        .filter(state__in=PAID_STATES)
        .annotate(month=TruncMonth("paid_at"))
        .values("month", "purpose", "currency")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("month", "currency", "purpose")
    )
    return [{**row, "month": row["month"].strftime("%Y-%m")} for row in rows]


def aid_per_case(*, user: User) -> list[dict[str, object]]:
    """Aid paid to each case of the user's teams, per currency (cases named by reference)."""
    rows = (
        in_scope(Disbursement, user=user, team_path="case__team")
        .filter(state__in=PAID_STATES)
        .values("case_id", "currency")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("case_id", "currency")
    )
    return [{**row, "case": row["case_id"].hex[:8].upper()} for row in rows]
