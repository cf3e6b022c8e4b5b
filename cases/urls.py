from django.urls import path

from cases import views

app_name = "cases"

CASE = "<uuid:case_id>/"
CDM = CASE + "cdm/<uuid:request_id>/"

urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("new/", views.case_create_view, name="create"),
    path("search/", views.case_search_view, name="search"),
    path("duplicates/", views.duplicates_view, name="duplicates"),
    path(
        "duplicates/<uuid:flag_id>/resolve/",
        views.duplicate_resolve_view,
        name="duplicate_resolve",
    ),
    path("cdm-requests/export.csv", views.cdm_export_view, name="cdm_export"),
    path("statistics/", views.statistics_view, name="statistics"),
    path(CASE, views.case_detail_view, name="detail"),
    path(CASE + "edit/", views.case_edit_view, name="edit"),
    path(CASE + "status/", views.case_transition_view, name="transition"),
    path(CASE + "vouch/", views.case_vouch_view, name="vouch"),
    path(CASE + "verify/", views.case_verify_view, name="verify"),
    path(CASE + "verification/revoke/", views.case_verification_revoke_view, name="revoke"),
    path(CASE + "assign/", views.case_assign_view, name="assign"),
    path(CASE + "hold/", views.case_hold_view, name="hold"),
    path(CASE + "notes/", views.case_note_view, name="note"),
    path(CASE + "contacts/", views.case_contact_add_view, name="contact_add"),
    path(CASE + "family/", views.family_member_add_view, name="family_add"),
    path(CASE + "family/<uuid:member_id>/edit/", views.family_member_edit_view, name="family_edit"),
    path(CASE + "family/<uuid:member_id>/flags/", views.security_flag_add_view, name="flag_add"),
    path(
        CASE + "flags/<uuid:flag_id>/resolve/",
        views.security_flag_resolve_view,
        name="flag_resolve",
    ),
    path(
        CASE + "flags/<uuid:flag_id>/review/", views.security_flag_review_view, name="flag_review"
    ),
    path(CASE + "cdm/", views.cdm_request_create_view, name="cdm_create"),
    path(CDM + "ready/", views.cdm_ready_view, name="cdm_ready"),
    path(CDM + "submit/", views.cdm_submit_view, name="cdm_submit"),
    path(CDM + "issue/", views.cdm_issue_view, name="cdm_issue"),
    path(CDM + "reject/", views.cdm_reject_view, name="cdm_reject"),
    path(CDM + "withdraw/", views.cdm_withdraw_view, name="cdm_withdraw"),
]
