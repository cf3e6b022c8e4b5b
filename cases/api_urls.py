from django.urls import path

from cases import api

urlpatterns = [
    path("cases/", api.CaseListCreateApi.as_view(), name="cases"),
    path("cases/search/", api.CaseSearchApi.as_view(), name="case-search"),
    path("cases/duplicates/", api.DuplicateListApi.as_view(), name="case-duplicates"),
    path(
        "cases/duplicates/<uuid:flag_id>/resolve/",
        api.DuplicateResolveApi.as_view(),
        name="case-duplicate-resolve",
    ),
    path("cases/statistics/", api.StatisticsApi.as_view(), name="case-statistics"),
    path("cases/cdm-requests/export.csv", api.CdmExportApi.as_view(), name="cdm-export"),
    path("cases/<uuid:case_id>/", api.CaseDetailApi.as_view(), name="case-detail"),
    path(
        "cases/<uuid:case_id>/transition/", api.CaseTransitionApi.as_view(), name="case-transition"
    ),
    path("cases/<uuid:case_id>/vouch/", api.CaseVouchApi.as_view(), name="case-vouch"),
    path("cases/<uuid:case_id>/verify/", api.CaseVerifyApi.as_view(), name="case-verify"),
    path(
        "cases/<uuid:case_id>/verification/revoke/",
        api.CaseVerificationRevokeApi.as_view(),
        name="case-verification-revoke",
    ),
    path("cases/<uuid:case_id>/contacts/", api.CaseContactAddApi.as_view(), name="case-contacts"),
    path("cases/<uuid:case_id>/assign/", api.CaseAssignApi.as_view(), name="case-assign"),
    path("cases/<uuid:case_id>/hold/", api.CaseHoldApi.as_view(), name="case-hold"),
    path("cases/<uuid:case_id>/timeline/", api.CaseTimelineApi.as_view(), name="case-timeline"),
    path("cases/<uuid:case_id>/family/", api.FamilyListCreateApi.as_view(), name="case-family"),
    path(
        "cases/<uuid:case_id>/cdm-requests/",
        api.CdmRequestListCreateApi.as_view(),
        name="case-cdm-requests",
    ),
    path("family/<uuid:member_id>/", api.FamilyMemberApi.as_view(), name="family-member"),
    path(
        "family/<uuid:member_id>/flags/", api.SecurityFlagCreateApi.as_view(), name="family-flags"
    ),
    path(
        "flags/<uuid:flag_id>/resolve/", api.SecurityFlagResolveApi.as_view(), name="flag-resolve"
    ),
    path("flags/<uuid:flag_id>/review/", api.SecurityFlagReviewApi.as_view(), name="flag-review"),
    path("cdm-requests/<uuid:request_id>/ready/", api.CdmReadyApi.as_view(), name="cdm-ready"),
    path("cdm-requests/<uuid:request_id>/submit/", api.CdmSubmitApi.as_view(), name="cdm-submit"),
    path("cdm-requests/<uuid:request_id>/issue/", api.CdmIssueApi.as_view(), name="cdm-issue"),
    path("cdm-requests/<uuid:request_id>/reject/", api.CdmRejectApi.as_view(), name="cdm-reject"),
    path(
        "cdm-requests/<uuid:request_id>/withdraw/",
        api.CdmWithdrawApi.as_view(),
        name="cdm-withdraw",
    ),
]
