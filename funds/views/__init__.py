"""Funds pages for phones (server-rendered; funds/api.py does the same work for programs): the
funds with their balances and charts (`overview`), money for a case, the approval queue and a
request's steps (`disbursements`), donations and their import (`donations`)."""

from funds.views.disbursements import (
    approval_queue_view,
    disbursement_approve_view,
    disbursement_confirm_view,
    disbursement_detail_view,
    disbursement_list_view,
    disbursement_pay_view,
    disbursement_reconcile_view,
    disbursement_reject_view,
    disbursement_withdraw_view,
    request_money_view,
)
from funds.views.donations import (
    donation_detail_view,
    donation_import_confirm_view,
    donation_import_view,
    donation_list_view,
    donation_record_view,
    donor_forget_view,
)
from funds.views.overview import funds_overview_view

__all__ = [
    "approval_queue_view",
    "disbursement_approve_view",
    "disbursement_confirm_view",
    "disbursement_detail_view",
    "disbursement_list_view",
    "disbursement_pay_view",
    "disbursement_reconcile_view",
    "disbursement_reject_view",
    "disbursement_withdraw_view",
    "donation_detail_view",
    "donation_import_confirm_view",
    "donation_import_view",
    "donation_list_view",
    "donation_record_view",
    "donor_forget_view",
    "funds_overview_view",
    "request_money_view",
]
