"""The funds page: each fund's balance, what is set aside for approved requests and what is
available, and per currency the charts of money in and out by month and of aid by purpose,
each with its figures in a table. Sums only: no person, no case."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from funds import charts, selectors
from supportdesk.accounts.access import AuthenticatedRequest
from supportdesk.audit.coverage import no_personal_data


@no_personal_data
@require_GET
def funds_overview_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    funds = list(selectors.funds_for_user(user=user))
    money_in = selectors.money_in_by_month(user=user)
    money_out = selectors.money_out_by_month(user=user)
    currencies = sorted(
        {fund.currency for fund in funds}
        | {str(row["currency"]) for row in [*money_in, *money_out]}
    )
    sections = []
    for currency in currencies:
        months = charts.months_of(money_in, money_out, currency)
        purposes = charts.by_purpose(money_out, currency)
        sections.append(
            {
                "currency": currency,
                "funds": [fund for fund in funds if fund.currency == currency],
                "months": months,
                "purposes": purposes,
                "month_chart": charts.month_chart(months, currency),
                "purpose_chart": charts.purpose_chart(purposes, currency),
            }
        )
    return render(request, "funds/overview.html", {"sections": sections})
