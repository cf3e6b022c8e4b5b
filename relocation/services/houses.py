"""Safe houses, waypoint areas and a team's relocation settings: kept by the team's coordinators.

Marking a house compromised or an area unsafe takes effect at once (no plan can add it: the leg
services refuse it under their lock); the follow-up row written in the same transaction lets the
next sweep flag every live leg through it and alert the people concerned (services.compromise).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from relocation.audit_actions import AreaActions, RouteActions, SafeHouseActions
from relocation.models import Area, SafeHouse, TeamRelocationSettings
from relocation.services.common import field_error, require_version
from relocation.workflows import SAFE_HOUSE_STATUS, NotAllowed
from supportdesk.accounts import scope
from supportdesk.accounts.models import Team, User
from supportdesk.audit.services import audit_record, change_record
from supportdesk.followups.services import followup_schedule
from supportdesk.vault.normalise import normalise_phone, normalise_text

HOUSE_COMPROMISED = "relocation.compromise.house"
AREA_UNSAFE = "relocation.compromise.area"
HOUSE_TEXT_FIELDS = ("address", "contact_name", "notes")
HOUSE_PLAIN_FIELDS = ("code_name", "capacity", "area")


def require_coordinator(actor: User, team: Team) -> None:
    scope.require_coordinator(actor, team, NotAllowed())


def _text(raw: str) -> str:
    return normalise_text(raw or "").value


@transaction.atomic
def area_create(
    *, actor: User, team: Team, township: str, region: str = "", country: str = "Myanmar"
) -> Area:
    require_coordinator(actor, team)
    township, region, country = _text(township), _text(region), _text(country)
    if Area.objects.filter(team=team, township=township, region=region, country=country).exists():
        raise field_error("township", gettext_lazy("Your team already has this area."))
    area = Area.objects.create(
        id=uuid.uuid4(), team=team, township=township, region=region, country=country
    )
    audit_record(actor=actor, action=AreaActions.CREATE, obj=area, fields=[])
    return area


@transaction.atomic
def area_mark_unsafe(*, actor: User, area: Area, reason: str) -> Area:
    """No plan may go through the area from now on; the next sweep flags the legs that do."""
    require_coordinator(actor, area.team)
    # Two coordinators may mark it at once: one propagation, one record.
    area = Area.objects.select_for_update().get(pk=area.pk)
    if area.unsafe_at is None:
        area.unsafe_at = timezone.now()
        area.unsafe_reason = _text(reason)
        area.save(update_fields=["unsafe_at", "unsafe_reason"])
        change_record(
            actor=actor, action=AreaActions.UNSAFE, obj=area, fields=["unsafe_at", "unsafe_reason"]
        )
        followup_schedule(kind=AREA_UNSAFE, subject=area, due_at=area.unsafe_at, team=area.team)
    return area


def _house_values(values: dict[str, object]) -> dict[str, object]:
    cleaned = {
        name: _text(str(value)) if name in HOUSE_TEXT_FIELDS else value
        for name, value in values.items()
    }
    if cleaned.get("contact_phone"):
        cleaned["contact_phone"] = normalise_phone(str(cleaned["contact_phone"]))
    return cleaned


def _require_team_area(team: Team, area: Area) -> None:
    if area.team_id != team.pk:
        raise field_error("area", gettext_lazy("Choose one of your team's areas."))


@transaction.atomic
def safe_house_create(
    *,
    actor: User,
    team: Team,
    code_name: str,
    area: Area,
    capacity: int,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    notes: str = "",
    shared_with: Iterable[Team] = (),
) -> SafeHouse:
    require_coordinator(actor, team)
    _require_team_area(team, area)
    code_name = _text(code_name)
    if SafeHouse.objects.filter(team=team, code_name=code_name).exists():
        raise field_error("code_name", gettext_lazy("Your team already has a house by this name."))
    values = _house_values(
        {
            "address": address,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "notes": notes,
        }
    )
    house = SafeHouse.objects.create(
        id=uuid.uuid4(), team=team, code_name=code_name, area=area, capacity=capacity, **values
    )
    shared = [t for t in shared_with if t.pk != team.pk]
    if shared:
        house.shared_with.add(*shared)
    filled = [name for name in values if values[name]]
    audit_record(actor=actor, action=SafeHouseActions.CREATE, obj=house, fields=filled)
    return house


@transaction.atomic
def safe_house_update(
    *,
    actor: User,
    house: SafeHouse,
    version: int,
    shared_with: Iterable[Team] | None = None,
    **changes: object,
) -> SafeHouse:
    """Change a house's details (coordinators of its team). A stale `version` answers 409."""
    require_coordinator(actor, house.team)
    house = SafeHouse.objects.select_for_update().select_related("team", "area").get(pk=house.pk)
    require_version(house, version)
    if "area" in changes:
        _require_team_area(house.team, changes["area"])  # type: ignore[arg-type]
    if "code_name" in changes:
        changes["code_name"] = _text(str(changes["code_name"]))
        taken = SafeHouse.objects.filter(team=house.team, code_name=changes["code_name"])
        if taken.exclude(pk=house.pk).exists():
            raise field_error(
                "code_name", gettext_lazy("Your team already has a house by this name.")
            )
    for name, value in _house_values(changes).items():
        setattr(house, name, value)
    house.version += 1
    house.save()
    fields = sorted(changes)
    if shared_with is not None:
        house.shared_with.set([t for t in shared_with if t.pk != house.team_id])
        fields.append("shared_with")
    audit_record(actor=actor, action=SafeHouseActions.UPDATE, obj=house, fields=fields)
    return house


@transaction.atomic
def safe_house_status_set(
    *, actor: User, house: SafeHouse, move: str, reason: str = "", version: int | None = None
) -> SafeHouse:
    """Suspend, activate, retire or mark compromised (with a reason). Compromise schedules its
    propagation in the same transaction."""
    # Two coordinators may press at once; and a leg being written through this house waits
    # (services.plans locks the house too), so it sees the new status.
    house = SafeHouse.objects.select_for_update().select_related("team", "area").get(pk=house.pk)
    found = SAFE_HOUSE_STATUS.check(user=actor, team=house.team, state=house.status, name=move)
    require_version(house, version)
    if move == "compromise" and not reason.strip():
        raise field_error("reason", gettext_lazy("Say why the house is compromised."))
    house.status = found.target
    house.version += 1
    fields = ["status"]
    if move == "compromise":
        house.compromised_at = timezone.now()
        house.compromised_reason = _text(reason)
        fields += ["compromised_at", "compromised_reason"]
    house.save(update_fields=[*fields, "version", "updated_at"])
    action = SafeHouseActions.COMPROMISE if move == "compromise" else SafeHouseActions.STATUS
    change_record(actor=actor, action=action, obj=house, fields=fields)
    if house.compromised_at is not None and move == "compromise":
        followup_schedule(
            kind=HOUSE_COMPROMISED, subject=house, due_at=house.compromised_at, team=house.team
        )
    return house


@transaction.atomic
def relocation_settings_set(
    *, actor: User, team: Team, check_in_interval_minutes: int
) -> TeamRelocationSettings:
    require_coordinator(actor, team)
    found, _created = TeamRelocationSettings.objects.update_or_create(
        team=team, defaults={"check_in_interval_minutes": check_in_interval_minutes}
    )
    audit_record(
        actor=actor,
        action=RouteActions.TEAM_SETTINGS,
        obj=team,
        fields=["check_in_interval_minutes"],
    )
    return found
