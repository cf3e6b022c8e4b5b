"""Input and output shapes of the relocation API, shared with the pages' forms. Every text is
bounded, so nothing oversized reaches the vault."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from relocation.models import NOTE_LENGTH, PLACE_LENGTH, Area, RouteLeg, SafeHouse, Waypoint
from relocation.selectors import LegDetail, PlanDetail, SafeHouseCard
from supportdesk.vault.crypto import is_shredded
from supportdesk.vault.normalise import normalise_phone


def shown(value: Any) -> Any:
    return str(value) if is_shredded(value) else value


def _text(max_length: int = NOTE_LENGTH, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class AreaInput(serializers.Serializer):
    team = serializers.UUIDField()
    township = serializers.CharField(max_length=100)
    region = _text(100)
    country = serializers.CharField(max_length=100, required=False, default="Myanmar")


class AreaOutput(serializers.Serializer):
    id = serializers.UUIDField()
    team = serializers.UUIDField(source="team_id")
    township = serializers.CharField()
    region = serializers.CharField()
    country = serializers.CharField()
    unsafe = serializers.BooleanField()


def _phone(value: str) -> str:
    if value:
        try:
            normalise_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
    return value


class SafeHouseInput(serializers.Serializer):
    team = serializers.UUIDField()
    code_name = serializers.CharField(max_length=60)
    area = serializers.UUIDField()
    capacity = serializers.IntegerField(min_value=1, max_value=500)
    address = _text()
    contact_name = _text(200)
    contact_phone = _text(40, validators=[_phone])
    notes = _text()
    shared_with = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=20
    )


class SafeHouseUpdateInput(SafeHouseInput):
    team = None
    version = serializers.IntegerField(min_value=1)


class SafeHouseOutput(serializers.Serializer):
    """A house as this reader may see it: the secret fields only when `revealed`."""

    def to_representation(self, card: SafeHouseCard) -> dict[str, Any]:
        house = card.house
        data: dict[str, Any] = {
            "id": str(house.pk),
            "code_name": house.code_name,
            "area": AreaOutput(house.area).data,
            "status": house.status,
            "capacity": house.capacity,
            "occupancy": card.occupancy,
            "own_team": card.own,
            "revealed": card.revealed,
            "version": house.version,
            "moves": card.moves,
        }
        if card.revealed:
            data |= {name: shown(getattr(house, name)) for name in SECRET_OUTPUT}
        return data


SECRET_OUTPUT = ("address", "contact_name", "contact_phone", "notes")


class SafeHouseStatusInput(serializers.Serializer):
    move = serializers.ChoiceField(choices=["suspend", "activate", "compromise", "retire"])
    reason = _text()
    version = serializers.IntegerField(min_value=1, required=False)


class TeamSettingsInput(serializers.Serializer):
    check_in_interval_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60)


class PlanInput(serializers.Serializer):
    notes = _text()


class PlanUpdateInput(PlanInput):
    # Notes are all a plan's own text: an update without them has nothing to say (and was a 500).
    notes = serializers.CharField(max_length=NOTE_LENGTH, allow_blank=True)
    version = serializers.IntegerField(min_value=1)


class PlanMoveInput(VersionInput):
    note = _text()


class LegInput(serializers.Serializer):
    from_kind = serializers.ChoiceField(choices=Waypoint.choices)
    from_safe_house = serializers.UUIDField(required=False, allow_null=True)
    from_area = serializers.UUIDField(required=False, allow_null=True)
    from_place = _text(PLACE_LENGTH)
    to_kind = serializers.ChoiceField(choices=Waypoint.choices)
    to_safe_house = serializers.UUIDField(required=False, allow_null=True)
    to_area = serializers.UUIDField(required=False, allow_null=True)
    to_place = _text(PLACE_LENGTH)
    transport = serializers.ChoiceField(choices=RouteLeg.Transport.choices)
    escorts = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=10)
    planned_departure = serializers.DateTimeField()
    planned_arrival = serializers.DateTimeField()
    cover_story = _text()
    documents_notes = _text()
    risk_notes = _text()
    check_in_interval_minutes = serializers.IntegerField(
        min_value=5, max_value=24 * 60, required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        departure, arrival = attrs.get("planned_departure"), attrs.get("planned_arrival")
        if departure and arrival and arrival <= departure:
            raise serializers.ValidationError(
                {"planned_arrival": [_("The arrival must be after the departure.")]}
            )
        return attrs


class LegAddInput(LegInput):
    version = serializers.IntegerField(min_value=1)  # the plan's


class LegUpdateInput(LegInput):
    version = serializers.IntegerField(min_value=1)  # the leg's


class CheckInInput(serializers.Serializer):
    note = _text(500)
    location = _text(PLACE_LENGTH)


class CheckInOutput(serializers.Serializer):
    id = serializers.UUIDField()
    leg = serializers.UUIDField(source="leg_id")
    by = serializers.UUIDField(source="by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    late = serializers.BooleanField()
    note = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()

    def get_note(self, check_in: Any) -> str:
        return str(shown(check_in.note))

    def get_location(self, check_in: Any) -> str:
        return str(shown(check_in.location))


def _waypoint(leg: RouteLeg, side: str) -> dict[str, Any]:
    house: SafeHouse | None = getattr(leg, f"{side}_safe_house")
    area: Area | None = house.area if house is not None else getattr(leg, f"{side}_area")
    return {
        "kind": getattr(leg, f"{side}_kind"),
        "safe_house": None
        if house is None
        else {"id": str(house.pk), "code_name": house.code_name, "status": house.status},
        "area": None if area is None else AreaOutput(area).data,
        "place": shown(getattr(leg, f"{side}_place")),
    }


class LegOutput(serializers.Serializer):
    def to_representation(self, leg: RouteLeg) -> dict[str, Any]:
        moves: dict[Any, list[str]] = self.context.get("leg_moves", {})
        return {
            "id": str(leg.pk),
            "plan": str(leg.plan_id),
            "case": str(leg.case_id),
            "number": leg.number,
            "from": _waypoint(leg, "from"),
            "to": _waypoint(leg, "to"),
            "transport": leg.transport,
            "escorts": [{"id": str(u.pk), "username": u.username} for u in leg.escorts.all()],
            "planned_departure": serializers.DateTimeField().to_representation(
                leg.planned_departure
            ),
            "planned_arrival": serializers.DateTimeField().to_representation(leg.planned_arrival),
            "cover_story": shown(leg.cover_story),
            "documents_notes": shown(leg.documents_notes),
            "risk_notes": shown(leg.risk_notes),
            "abort_reason": shown(leg.abort_reason),
            "state": leg.state,
            "check_in_interval_minutes": leg.check_in_interval_minutes,
            "check_in_due_at": _time(leg.check_in_due_at),
            "last_check_in_at": _time(leg.last_check_in_at),
            "ladder": leg.ladder,
            "overdue": leg.overdue_at is not None,
            "flagged": leg.flagged_at is not None,
            "version": leg.version,
            "moves": moves.get(leg.pk, []),
        }


def _time(value: Any) -> str | None:
    return None if value is None else serializers.DateTimeField().to_representation(value)


class PlanSummaryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    case = serializers.UUIDField(source="case_id")
    approval = serializers.CharField()
    progress = serializers.CharField()
    flagged = serializers.SerializerMethodField()
    version = serializers.IntegerField()
    drafted_by = serializers.UUIDField(source="drafted_by_id", allow_null=True)
    approved_by = serializers.UUIDField(source="approved_by_id", allow_null=True)
    created_at = serializers.DateTimeField()

    def get_flagged(self, plan: Any) -> bool:
        return plan.flagged_at is not None


class PlanDetailOutput(serializers.Serializer):
    def to_representation(self, detail: PlanDetail) -> dict[str, Any]:
        plan = detail.plan
        return {
            **PlanSummaryOutput(plan).data,
            "notes": shown(plan.notes),
            "journey_hours": round(detail.journey_time.total_seconds() / 3600, 1),
            "warnings": [str(w) for w in detail.warnings],
            "moves": detail.moves,
            "editable": detail.editable,
            "legs": LegOutput(detail.legs, many=True, context={"leg_moves": detail.leg_moves}).data,
        }


class LegDetailOutput(serializers.Serializer):
    def to_representation(self, detail: LegDetail) -> dict[str, Any]:
        return {
            **LegOutput(detail.leg, context={"leg_moves": {detail.leg.pk: detail.moves}}).data,
            "can_check_in": detail.can_check_in,
            "check_ins": CheckInOutput(detail.check_ins, many=True).data,
        }
