from django.urls import path

from funds import views

app_name = "funds"

D = "disbursements/<uuid:disbursement_id>/"
STEPS = {
    "approve": views.disbursement_approve_view,
    "reject": views.disbursement_reject_view,
    "withdraw": views.disbursement_withdraw_view,
    "pay": views.disbursement_pay_view,
    "confirm": views.disbursement_confirm_view,
    "reconcile": views.disbursement_reconcile_view,
}

urlpatterns = [
    path("", views.funds_overview_view, name="overview"),
    path("cases/<uuid:case_id>/request/", views.request_money_view, name="request"),
    path("approvals/", views.approval_queue_view, name="approvals"),
    path("disbursements/", views.disbursement_list_view, name="disbursements"),
    path(D, views.disbursement_detail_view, name="disbursement"),
    *[path(f"{D}{name}/", view, name=name) for name, view in STEPS.items()],
    path("donations/", views.donation_list_view, name="donations"),
    path("donations/new/", views.donation_record_view, name="donation_record"),
    path("donations/import/", views.donation_import_view, name="donation_import"),
    path(
        "donations/import/confirm/",
        views.donation_import_confirm_view,
        name="donation_import_confirm",
    ),
    path("donations/<uuid:donation_id>/", views.donation_detail_view, name="donation"),
    path(
        "donations/<uuid:donation_id>/forget-donor/",
        views.donor_forget_view,
        name="donor_forget",
    ),
]
