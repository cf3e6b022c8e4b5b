"""Audit log API for administrators: search events, who touched an object, what an account did,
CSV export, alerts. Anyone else gets 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.api.authentication import AuthenticatedApiRequest
from supportdesk.api.pagination import Pagination
from supportdesk.api.serializers import validated
from supportdesk.audit import alerts as alert_services
from supportdesk.audit import selectors
from supportdesk.audit.export import events_export_csv
from supportdesk.audit.models import AuditAlert, AuditEvent


class EventFilterInput(serializers.Serializer):
    actor = serializers.CharField(required=False, allow_blank=True, max_length=150)
    object_type = serializers.CharField(required=False, allow_blank=True, max_length=64)
    object_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    action = serializers.CharField(required=False, allow_blank=True, max_length=64)
    since = serializers.DateTimeField(required=False, allow_null=True)
    until = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since >= until:
            raise serializers.ValidationError({"until": "Must be later than since."})
        return attrs


class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    actor_id = serializers.UUIDField(allow_null=True)
    actor_username = serializers.SerializerMethodField()
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())
    request_id = serializers.CharField()
    ip = serializers.CharField(allow_null=True)
    sealed = serializers.SerializerMethodField()

    def get_actor_username(self, event: AuditEvent) -> str:
        return self.context["names"].get(event.actor_id, "")

    def get_sealed(self, event: AuditEvent) -> bool:
        return event.chain_position is not None


def _filters(request: AuthenticatedApiRequest, **preset: Any) -> selectors.EventFilters:
    selectors.require_administrator(request.user)  # 404 before 400: no hint the route exists
    data = validated(EventFilterInput, {**request.query_params.dict(), **preset})
    return selectors.EventFilters.from_data(data)


def _page(
    view: APIView, request: AuthenticatedApiRequest, filters: selectors.EventFilters
) -> Response:
    events = selectors.events_for_user(user=request.user, filters=filters)
    paginator = Pagination()
    page = paginator.paginate_queryset(events, request, view=view) or []
    context = {"names": selectors.actor_names(page)}
    return paginator.get_paginated_response(EventOutput(page, many=True, context=context).data)


class EventListApi(APIView):
    @extend_schema(parameters=[EventFilterInput], responses=EventOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return _page(self, request, _filters(request))


class ObjectEventListApi(APIView):
    """Everything recorded about one object; `?action=case.view` answers "who viewed case X"."""

    @extend_schema(parameters=[EventFilterInput], responses=EventOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, object_type: str, object_id: str) -> Response:
        filters = _filters(request, object_type=object_type, object_id=object_id)
        return _page(self, request, filters)


class ActorEventListApi(APIView):
    """Everything one account did."""

    @extend_schema(parameters=[EventFilterInput], responses=EventOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, actor_id: UUID) -> Response:
        return _page(self, request, _filters(request, actor=str(actor_id)))


class EventExportApi(APIView):
    @extend_schema(parameters=[EventFilterInput], responses={(200, "text/csv"): str})
    def get(self, request: AuthenticatedApiRequest) -> StreamingHttpResponse:
        events = selectors.events_for_user(user=request.user, filters=_filters(request))
        return events_export_csv(actor=request.user, events=events)


class AlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    created_at = serializers.DateTimeField()
    subject_id = serializers.UUIDField(allow_null=True)
    detail = serializers.CharField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by_id = serializers.UUIDField(allow_null=True)


class AlertListApi(APIView):
    class InputSerializer(serializers.Serializer):
        open = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[InputSerializer], responses=AlertOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        selectors.require_administrator(request.user)
        data = validated(self.InputSerializer, request.query_params)
        alerts = selectors.alerts_for_user(user=request.user, open_only=data["open"])
        paginator = Pagination()
        page = paginator.paginate_queryset(alerts, request, view=self) or []
        return paginator.get_paginated_response(AlertOutput(page, many=True).data)


class AlertAcknowledgeApi(APIView):
    @extend_schema(request=None, responses=AlertOutput)
    def post(self, request: AuthenticatedApiRequest, alert_id: int) -> Response:
        alert = selectors.alert_get_for_user(user=request.user, alert_id=alert_id)
        alert = alert_services.alert_acknowledge(actor=request.user, alert=alert)
        return Response(AlertOutput(alert).data)


class AlertRevokeAllApi(APIView):
    """Cut off the account an alert is about (revoke-all), and acknowledge the alert."""

    @extend_schema(request=None, responses=AlertOutput)
    def post(self, request: AuthenticatedApiRequest, alert_id: int) -> Response:
        alert: AuditAlert = selectors.alert_get_for_user(user=request.user, alert_id=alert_id)
        subject = selectors.alert_subject_get(alert=alert)
        alert = alert_services.alert_revoke_subject(
            actor=request.user, alert=alert, subject=subject
        )
        return Response(AlertOutput(alert).data)
