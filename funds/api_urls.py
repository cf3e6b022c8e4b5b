from django.urls import path

from funds import api

P = "funds/"
urlpatterns = [
    path(P, api.FundListCreateApi.as_view(), name="funds"),
    path(f"{P}<uuid:fund_id>/", api.FundDetailApi.as_view(), name="funds-fund"),
    path(f"{P}<uuid:fund_id>/transfers/", api.FundTransfersApi.as_view(), name="funds-transfers"),
    path(
        f"{P}transfers/<uuid:transfer_id>/reverse/",
        api.TransferReverseApi.as_view(),
        name="funds-transfer-reverse",
    ),
    path(f"{P}donations/", api.DonationListCreateApi.as_view(), name="funds-donations"),
    path(
        f"{P}donations/<uuid:donation_id>/", api.DonationDetailApi.as_view(), name="funds-donation"
    ),
    path(
        f"{P}donations/<uuid:donation_id>/forget-donor/",
        api.DonorForgetApi.as_view(),
        name="funds-donor-forget",
    ),
    path(
        f"{P}donations/import/preview/",
        api.DonationImportPreviewApi.as_view(),
        name="funds-donations-import-preview",
    ),
    path(f"{P}donations/import/", api.DonationImportApi.as_view(), name="funds-donations-import"),
    path(f"{P}disbursements/", api.DisbursementListCreateApi.as_view(), name="funds-disbursements"),
    path(
        f"{P}disbursements/<uuid:disbursement_id>/",
        api.DisbursementDetailApi.as_view(),
        name="funds-disbursement",
    ),
    *[
        path(
            f"{P}disbursements/<uuid:disbursement_id>/{view.move}/",
            view.as_view(),
            name=f"funds-disbursement-{view.move}",
        )
        for view in (
            api.DisbursementApproveApi,
            api.DisbursementRejectApi,
            api.DisbursementWithdrawApi,
            api.DisbursementPayApi,
            api.DisbursementConfirmApi,
            api.DisbursementReconcileApi,
        )
    ],
    path(f"{P}reports/balances/", api.BalancesReportApi.as_view(), name="funds-report-balances"),
    path(f"{P}reports/monthly/", api.MonthlyReportApi.as_view(), name="funds-report-monthly"),
    path(
        f"{P}reports/monthly.csv",
        api.MonthlyReportCsvApi.as_view(),
        name="funds-report-monthly-csv",
    ),
    path(f"{P}reports/aid-per-case/", api.AidPerCaseReportApi.as_view(), name="funds-report-aid"),
]
