"""Audit log API for administrators: search events, who touched an object, what an account did,
CSV export, alerts, the signed checkpoint and Merkle proofs. Anyone else gets 404."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.api.authentication import AuthenticatedApiRequest
from supportdesk.api.pagination import Pagination
from supportdesk.api.serializers import validated
from supportdesk.audit import alerts as alert_services
from supportdesk.audit import checkpoints, selectors
from supportdesk.audit.export import events_export_csv
from supportdesk.audit.models import AuditAlert, AuditEvent
from supportdesk.errors import NotFound


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
    pagination_class = Pagination  # its GET answers a page: the schema says so

    @extend_schema(parameters=[EventFilterInput], responses=EventOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return _page(self, request, _filters(request))


class ObjectEventListApi(APIView):
    """Everything recorded about one object; `?action=case.view` answers "who viewed case X"."""

    pagination_class = Pagination  # its GET answers a page: the schema says so

    @extend_schema(parameters=[EventFilterInput], responses=EventOutput(many=True))
    def get(self, request: AuthenticatedApiRequest, object_type: str, object_id: str) -> Response:
        filters = _filters(request, object_type=object_type, object_id=object_id)
        return _page(self, request, filters)


class ActorEventListApi(APIView):
    """Everything one account did."""

    pagination_class = Pagination  # its GET answers a page: the schema says so

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
    pagination_class = Pagination  # its GET answers a page: the schema says so

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


# --- Checkpoints and proofs -------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.BYTE)
class Base64HashField(serializers.Field):
    """A hash as standard base64, as checkpoints write them."""

    def to_representation(self, value: bytes) -> str:
        return base64.b64encode(bytes(value)).decode()


class CheckpointOutput(serializers.Serializer):
    tree_size = serializers.IntegerField()
    root_hash = Base64HashField()
    signed_at = serializers.DateTimeField()
    note = serializers.CharField(help_text="The signed checkpoint (C2SP signed note) to keep.")


class CheckpointLatestApi(APIView):
    """The newest signed checkpoint: what `manage.py audit_checkpoint --export` prints."""

    @extend_schema(responses=CheckpointOutput)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        selectors.require_administrator(request.user)
        checkpoint = checkpoints.checkpoint_latest()
        if checkpoint is None:
            raise NotFound(_("No audit checkpoint has been signed yet."))
        return Response(CheckpointOutput(checkpoint).data)


class InclusionProofApi(APIView):
    """Proof that a sealed event is in the log of `tree_size` events (RFC 6962 audit path)."""

    class InputSerializer(serializers.Serializer):
        event_id = serializers.IntegerField(min_value=1)
        tree_size = serializers.IntegerField(
            required=False, min_value=1, help_text="By default the newest checkpoint's size."
        )

    class OutputSerializer(serializers.Serializer):
        event_id = serializers.IntegerField()
        chain_position = serializers.IntegerField()
        leaf_index = serializers.SerializerMethodField()
        tree_size = serializers.IntegerField()
        leaf_data = serializers.CharField(help_text="The bytes the leaf hashes, after 0x00.")
        leaf_hash = Base64HashField()
        root_hash = Base64HashField()
        proof = serializers.ListField(child=Base64HashField())
        checkpoint = serializers.CharField(help_text="The signed note for this size, if kept.")

        def get_leaf_index(self, proof: checkpoints.InclusionProof) -> int:
            return proof.chain_position - 1

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        selectors.require_administrator(request.user)
        data = validated(self.InputSerializer, request.query_params)
        proof = checkpoints.inclusion_proof_for_event(
            event_id=data["event_id"], tree_size=data.get("tree_size")
        )
        return Response(self.OutputSerializer(proof).data)


class ConsistencyProofApi(APIView):
    """Proof that the log of `first` events is a prefix of the log of `second` (RFC 6962)."""

    class InputSerializer(serializers.Serializer):
        first = serializers.IntegerField(min_value=0)
        second = serializers.IntegerField(
            required=False, min_value=0, help_text="By default the newest checkpoint's size."
        )

    class OutputSerializer(serializers.Serializer):
        first = serializers.IntegerField()
        second = serializers.IntegerField()
        first_root = Base64HashField()
        second_root = Base64HashField()
        proof = serializers.ListField(child=Base64HashField())

    @extend_schema(parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        selectors.require_administrator(request.user)
        data = validated(self.InputSerializer, request.query_params)
        proof = checkpoints.consistency_proof_between(
            first=data["first"], second=data.get("second")
        )
        return Response(self.OutputSerializer(proof).data)
