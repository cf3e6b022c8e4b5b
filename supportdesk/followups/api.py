"""/api/v1/notifications/ (the user's own inbox), /api/v1/followups/problems/ (administrators)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.api.authentication import AuthenticatedApiRequest
from supportdesk.api.pagination import Pagination
from supportdesk.api.serializers import validated
from supportdesk.followups import selectors, services


def paginated(
    view: APIView, request: Request, rows: QuerySet[Any], output: type[serializers.Serializer]
) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(output(page, many=True).data)


class NotificationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    text = serializers.CharField(source="sentence", help_text="In the reader's language.")
    link = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationListApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    class InputSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[InputSerializer], responses=NotificationOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        data = validated(self.InputSerializer, request.query_params)
        rows = selectors.notifications_for_user(user=request.user, unread_only=data["unread"])
        return paginated(self, request, rows, NotificationOutput)


class NotificationUnreadCountApi(APIView):
    class OutputSerializer(serializers.Serializer):
        unread = serializers.IntegerField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        count = selectors.notifications_unread_count(user=request.user)
        return Response(self.OutputSerializer({"unread": count}).data)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOutput)
    def post(self, request: AuthenticatedApiRequest, notification_id: UUID) -> Response:
        notification = selectors.notification_get_for_user(
            user=request.user, notification_id=notification_id
        )
        notification = services.notification_mark_read(
            actor=request.user, notification=notification
        )
        return Response(NotificationOutput(notification).data)


class NotificationReadAllApi(APIView):
    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: AuthenticatedApiRequest) -> Response:
        marked = services.notifications_mark_all_read(actor=request.user)
        return Response(self.OutputSerializer({"marked": marked}).data)


class FollowUpProblemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    subject_type = serializers.CharField(source="subject_type.model")
    subject_id = serializers.CharField()
    state = serializers.CharField()
    due_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField()
    last_error = serializers.CharField()
    finished_at = serializers.DateTimeField(allow_null=True)


class FollowUpProblemListApi(APIView):
    pagination_class = Pagination  # its GET answers a page: the schema says so

    @extend_schema(responses=FollowUpProblemOutput(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        rows = selectors.followup_problems_for_user(user=request.user)
        return paginated(self, request, rows, FollowUpProblemOutput)


class FollowUpRetryApi(APIView):
    @extend_schema(request=None, responses={200: FollowUpProblemOutput})
    def post(self, request: AuthenticatedApiRequest, followup_id: int) -> Response:
        followup = selectors.followup_get_problem_for_user(
            user=request.user, followup_id=followup_id
        )
        followup = services.followup_retry(actor=request.user, followup=followup)
        return Response(FollowUpProblemOutput(followup).data, status=status.HTTP_200_OK)
