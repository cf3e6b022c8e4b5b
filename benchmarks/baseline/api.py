"""A plain DRF ModelViewSet over the baseline tables: what the same endpoints cost with no
encryption, no team scoping and no audit. The list is DRF's own PageNumberPagination (a COUNT
per page, as a plain app would have it)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from benchmarks.baseline.models import (
    Case,
    CaseEvent,
    CaseNeed,
    CdmRequest,
    Contact,
    DuplicateFlag,
    FamilyMember,
    SecurityFlag,
    Team,
)

# cases.rules.TRANSITIONS, copied: the baseline loads none of the project's apps.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"verifying", "declined", "hiding", "in_service", "lost_contact"}),
    "verifying": frozenset({"accepted", "declined", "hiding", "in_service", "lost_contact"}),
    "accepted": frozenset({"in_transit", "hiding", "lost_contact", "detained", "closed"}),
    "hiding": frozenset({"accepted", "in_transit", "lost_contact", "detained", "closed"}),
    "in_service": frozenset(
        {"verifying", "accepted", "hiding", "lost_contact", "detained", "closed"}
    ),
    "in_transit": frozenset({"safe_area", "hiding", "lost_contact", "detained"}),
    "safe_area": frozenset({"resettled", "in_transit", "closed"}),
    "resettled": frozenset({"closed"}),
    "lost_contact": frozenset(
        {"accepted", "hiding", "in_transit", "safe_area", "detained", "closed"}
    ),
    "detained": frozenset({"accepted", "hiding", "lost_contact", "closed"}),
    "declined": frozenset({"reopened"}),
    "closed": frozenset({"reopened"}),
    "reopened": frozenset({"verifying", "accepted", "hiding", "in_service", "declined", "closed"}),
}


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "kind", "phone", "handle"]


class FlagSerializer(serializers.ModelSerializer):
    class Meta:
        model = SecurityFlag
        fields = ["id", "kind", "severity", "observed_on", "source", "review_on", "resolved_at"]


class FamilySerializer(serializers.ModelSerializer):
    flags = FlagSerializer(many=True, read_only=True)

    class Meta:
        model = FamilyMember
        fields = [
            "id",
            "relation",
            "name",
            "location",
            "phone",
            "age_group",
            "in_military_compound",
            "with_case",
            "flags",
        ]


class CdmSerializer(serializers.ModelSerializer):
    class Meta:
        model = CdmRequest
        fields = ["id", "kind", "state", "code", "issued_at", "created_at"]


class NeedsField(serializers.Field):
    def to_representation(self, value: Any) -> list[str]:
        return [row.need for row in value.all()]


class CaseListSerializer(serializers.ModelSerializer):
    team = TeamSerializer(read_only=True)
    needs = NeedsField(read_only=True)

    class Meta:
        model = Case
        fields = ["id", "alias", "team", "status", "verification", "risk", "needs", "created_at"]


class CaseDetailSerializer(serializers.ModelSerializer):
    team = TeamSerializer(read_only=True)
    needs = NeedsField(read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)
    family = FamilySerializer(many=True, read_only=True)
    cdm_requests = CdmSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        exclude = ["on_hold"]


class ContactInput(serializers.Serializer):
    kind = serializers.CharField(max_length=16)
    value = serializers.CharField(max_length=200)


class CaseCreateSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    contacts = ContactInput(many=True, required=False, write_only=True)
    needs = serializers.ListField(child=serializers.CharField(), required=False, write_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "team",
            "alias",
            "real_name",
            "service_branch",
            "contact_method",
            "notes",
            "contacts",
            "needs",
        ]
        read_only_fields = ["id"]

    @transaction.atomic
    def create(self, validated_data: dict[str, Any]) -> Case:
        contacts = validated_data.pop("contacts", [])
        needs = validated_data.pop("needs", [])
        case = Case.objects.create(**validated_data)
        CaseNeed.objects.bulk_create(CaseNeed(case=case, need=need) for need in sorted(set(needs)))
        rows = [
            Contact(
                case=case,
                kind=c["kind"],
                **{"phone" if c["kind"] == "phone" else "handle": c["value"]},
            )
            for c in contacts
        ]
        Contact.objects.bulk_create(rows)
        CaseEvent.objects.create(case=case, kind="created", to_status="new")
        phones = [row.phone for row in rows if row.phone]
        handles = [row.handle for row in rows if row.handle]
        same = Contact.objects.filter(Q(phone__in=phones) | Q(handle__in=handles)).exclude(
            case=case
        )
        DuplicateFlag.objects.bulk_create(
            DuplicateFlag(case=case, other_id=other, matched_on="phone")
            for other in set(same.values_list("case_id", flat=True))
        )
        return case


class TransitionInput(serializers.Serializer):
    to_status = serializers.CharField(max_length=16)


class CaseViewSet(viewsets.ModelViewSet):
    def get_queryset(self) -> QuerySet[Case]:
        cases = Case.objects.select_related("team").prefetch_related("needs")
        if self.action == "retrieve":
            cases = cases.prefetch_related(
                "contacts",
                Prefetch("family", queryset=FamilyMember.objects.prefetch_related("flags")),
                "cdm_requests",
            )
        params = self.request.query_params
        for name in ("status", "risk", "team", "verification"):
            if params.get(name):
                cases = cases.filter(**{name: params[name]})
        if params.get("need"):
            cases = cases.filter(needs__need=params["need"])
        return cases.order_by("-risk", "-created_at")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "list":
            return CaseListSerializer
        if self.action == "create":
            return CaseCreateSerializer
        return CaseDetailSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = serializer.save()
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=pk)
            target = data.validated_data["to_status"]
            if target not in TRANSITIONS.get(case.status, frozenset()):
                return Response({"to_status": ["Not allowed."]}, status=409)
            CaseEvent.objects.create(
                case=case, kind="status", from_status=case.status, to_status=target
            )
            case.status = target
            case.save(update_fields=["status", "updated_at"])
        return Response({"id": str(case.pk), "status": case.status})


class StatisticsView(APIView):
    def get(self, request: Request) -> Response:
        weeks: dict[str, Counter[str]] = {}
        recorded = (
            Case.objects.annotate(week=TruncWeek("created_at"))
            .values("week")
            .annotate(contacts=Count("id"), defections=Count("id", filter=Q(still_serving=False)))
        )
        for row in recorded:
            counts = weeks.setdefault(row["week"].date().isoformat(), Counter())
            counts.update(new_contacts=row["contacts"], defections=row["defections"])
        issued = (
            CdmRequest.objects.filter(state="issued")
            .annotate(week=TruncWeek("issued_at"))
            .values("week")
            .annotate(codes=Count("id"))
        )
        for row in issued:
            weeks.setdefault(row["week"].date().isoformat(), Counter())["cdm_codes"] += row["codes"]
        return Response(
            {
                "weeks": [{"week": w, **weeks[w]} for w in sorted(weeks, reverse=True)],
                "by_service_branch": list(
                    Case.objects.values("service_branch").annotate(n=Count("id")).order_by()
                ),
                "by_status": list(Case.objects.values("status").annotate(n=Count("id")).order_by()),
            }
        )
