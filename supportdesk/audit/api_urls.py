"""The audit app's routes under /api/v1/audit/ (collected by supportdesk.urls)."""

from django.urls import path

from supportdesk.audit import api

urlpatterns = [
    path("audit/events/", api.EventListApi.as_view(), name="audit-events"),
    path("audit/events/export.csv", api.EventExportApi.as_view(), name="audit-events-export"),
    path(
        "audit/objects/<str:object_type>/<str:object_id>/events/",
        api.ObjectEventListApi.as_view(),
        name="audit-object-events",
    ),
    path(
        "audit/actors/<uuid:actor_id>/events/",
        api.ActorEventListApi.as_view(),
        name="audit-actor-events",
    ),
    path("audit/alerts/", api.AlertListApi.as_view(), name="audit-alerts"),
    path(
        "audit/alerts/<int:alert_id>/acknowledge/",
        api.AlertAcknowledgeApi.as_view(),
        name="audit-alert-acknowledge",
    ),
    path(
        "audit/alerts/<int:alert_id>/revoke-all/",
        api.AlertRevokeAllApi.as_view(),
        name="audit-alert-revoke-all",
    ),
    path(
        "audit/checkpoints/latest/",
        api.CheckpointLatestApi.as_view(),
        name="audit-checkpoint-latest",
    ),
    path("audit/proofs/inclusion/", api.InclusionProofApi.as_view(), name="audit-proof-inclusion"),
    path(
        "audit/proofs/consistency/",
        api.ConsistencyProofApi.as_view(),
        name="audit-proof-consistency",
    ),
]
