"""Case pages for volunteers on phones (server-rendered; the API in cases/api.py does the same
work for programs). Pages: list, intake, edit, a case's page, statistics (`pages`); the case
page's actions (`actions`); coordinators' duplicates and CDM export (`coordination`)."""

from cases.views.actions import (
    case_assign_view,
    case_contact_add_view,
    case_hold_view,
    case_note_view,
    case_transition_view,
    case_verification_revoke_view,
    case_verify_view,
    case_vouch_view,
    cdm_issue_view,
    cdm_ready_view,
    cdm_reject_view,
    cdm_request_create_view,
    cdm_submit_view,
    cdm_withdraw_view,
    family_member_add_view,
    family_member_edit_view,
    security_flag_add_view,
    security_flag_resolve_view,
    security_flag_review_view,
)
from cases.views.coordination import cdm_export_view, duplicate_resolve_view, duplicates_view
from cases.views.pages import (
    case_create_view,
    case_detail_view,
    case_edit_view,
    case_list_view,
    statistics_view,
)
from cases.views.search import case_search_view

__all__ = [
    "case_assign_view",
    "case_contact_add_view",
    "case_create_view",
    "case_detail_view",
    "case_edit_view",
    "case_hold_view",
    "case_list_view",
    "case_note_view",
    "case_search_view",
    "case_transition_view",
    "case_verification_revoke_view",
    "case_verify_view",
    "case_vouch_view",
    "cdm_export_view",
    "cdm_issue_view",
    "cdm_ready_view",
    "cdm_reject_view",
    "cdm_request_create_view",
    "cdm_submit_view",
    "cdm_withdraw_view",
    "duplicate_resolve_view",
    "duplicates_view",
    "family_member_add_view",
    "family_member_edit_view",
    "security_flag_add_view",
    "security_flag_resolve_view",
    "security_flag_review_view",
    "statistics_view",
]
