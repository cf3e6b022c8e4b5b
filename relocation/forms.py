"""Forms of the relocation pages. Bounds match the API's serializers (relocation/serializers.py),
so a page refuses with a message per field what the API refuses, before any service writes."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.forms import PageForm, phone_checked
from relocation.models import NOTE_LENGTH, PLACE_LENGTH, Area, RouteLeg, SafeHouse, Waypoint
from relocation.services.plans import LEG_INPUT_FIELDS
from supportdesk.accounts.models import Team, User

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)
PLAN_MOVES = ("submit", "approve", "return", "cancel")


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


def _area(label: Any, max_length: int = NOTE_LENGTH, required: bool = False) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 3})
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget)


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Version"))
        super().__init__(min_value=1, **kwargs)


class PlanMoveForm(PageForm):
    move = forms.ChoiceField(label=_("Step"), choices=[(name, name) for name in PLAN_MOVES])
    version = VersionField()
    note = _area(_("Note (optional)"))


class AbortForm(PageForm):
    reason = _area(_("Why the leg was stopped"), required=True)


class CheckInForm(PageForm):
    note = _text(_("Short note (optional)"), 500)
    location = _text(
        _("Where you are, roughly (optional)"),
        PLACE_LENGTH,
        help_text=_("A township or a landmark, never an address."),
    )


class _TeamChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if isinstance(obj, SafeHouse):
            return f"{obj.code_name} · {obj.area.label}"
        if isinstance(obj, Area):
            return obj.label
        return str(obj)


class _Escorts(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.username)


def _house(label: Any) -> _TeamChoice:
    return _TeamChoice(
        label=label,
        queryset=SafeHouse.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("Choose a safe house your team may use.")},
    )


def _place_area(label: Any) -> _TeamChoice:
    return _TeamChoice(
        label=label,
        queryset=Area.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("Choose one of your team's areas.")},
    )


class LegForm(PageForm):
    """A leg of a plan, added or changed. The offered houses, areas and escorts are those of the
    case's team (the view passes them); the service checks every rule again under lock."""

    version = VersionField()
    from_kind = forms.ChoiceField(label=_("From (kind of place)"), choices=Waypoint.choices)
    from_safe_house = _house(_("From safe house"))
    from_area = _place_area(_("From area"))
    from_place = _text(_("From (place)"), PLACE_LENGTH)
    to_kind = forms.ChoiceField(label=_("To (kind of place)"), choices=Waypoint.choices)
    to_safe_house = _house(_("To safe house"))
    to_area = _place_area(_("To area"))
    to_place = _text(_("To (place)"), PLACE_LENGTH)
    transport = forms.ChoiceField(label=_("Transport"), choices=RouteLeg.Transport.choices)
    escorts = _Escorts(
        label=_("Escorts"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Escorts are volunteers of the case's team."),
            "invalid_pk_value": _("Escorts are volunteers of the case's team."),
        },
    )
    planned_departure = forms.DateTimeField(label=_("Planned departure"), widget=DATETIME)
    planned_arrival = forms.DateTimeField(label=_("Planned arrival"), widget=DATETIME)
    cover_story = _area(_("Cover story"))
    documents_notes = _area(_("Documents"))
    risk_notes = _area(_("Risk notes"))
    check_in_interval_minutes = forms.IntegerField(
        label=_("Check in every (minutes)"),
        min_value=5,
        max_value=24 * 60,
        required=False,
        help_text=_("Leave empty for the team's usual interval."),
    )

    def __init__(
        self,
        *args: Any,
        houses: QuerySet[SafeHouse],
        areas: QuerySet[Area],
        members: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for side in ("from", "to"):
            cast(forms.ModelChoiceField, self.fields[f"{side}_safe_house"]).queryset = houses
            cast(forms.ModelChoiceField, self.fields[f"{side}_area"]).queryset = areas
        cast(forms.ModelMultipleChoiceField, self.fields["escorts"]).queryset = members

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns, typed as a dict
        departure, arrival = data.get("planned_departure"), data.get("planned_arrival")
        if departure and arrival and arrival <= departure:
            self.add_error("planned_arrival", _("The arrival must be after the departure."))
        return data

    def leg_values(self) -> dict[str, Any]:
        """The service's LegInput fields."""
        data = dict(self.cleaned_data)
        values = {name: data[name] for name in LEG_INPUT_FIELDS}
        values["escorts"] = list(data["escorts"])
        for side in ("from", "to"):  # the kind of place says which of its fields counts
            if values[f"{side}_kind"] == Waypoint.SAFE_HOUSE:
                values[f"{side}_area"] = None
            else:
                values[f"{side}_safe_house"] = None
        return values

    @staticmethod
    def initial_for(leg: RouteLeg) -> dict[str, Any]:
        initial = {name: getattr(leg, name) for name in LEG_INPUT_FIELDS if name != "escorts"}
        initial["escorts"] = [user.pk for user in leg.escorts.all()]
        initial["version"] = leg.version
        return initial


# --- Safe houses and areas ----------------------------------------------------------------------

HOUSE_MOVES = ("suspend", "activate", "compromise", "retire")
HOUSE_FIELDS = (
    "code_name",
    "area",
    "capacity",
    "address",
    "contact_name",
    "contact_phone",
    "notes",
)


class _Teams(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class _Team(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class SafeHouseForm(PageForm):
    """A house's details, added or changed by a coordinator of its team. The bounds are the API's
    (relocation/serializers.py); the service checks the area and the code name again under lock."""

    version = VersionField(required=False)
    team = _Team(
        label=_("Team that runs it"),
        queryset=Team.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a team you coordinate.")},
    )
    code_name = forms.CharField(
        label=_("Code name"),
        max_length=60,
        help_text=_("A name that says nothing about the place or the people."),
    )
    area = _place_area(_("Area"))
    capacity = forms.IntegerField(label=_("Places (people)"), min_value=1, max_value=500)
    address = _area(_("Address"))
    contact_name = _text(_("Contact person"), 200)
    contact_phone = _text(_("Contact phone"), 40, validators=[phone_checked])
    notes = _area(_("Notes"))
    shared_with = _Teams(
        label=_("Other teams that may use it"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They see its code name and area; its address only during their journeys."),
    )

    def __init__(
        self,
        *args: Any,
        teams: QuerySet[Team] | None,
        areas: QuerySet[Area],
        others: QuerySet[Team],
        **kwargs: Any,
    ) -> None:
        """`teams`: the teams the user coordinates, for a new house; None when changing one."""
        super().__init__(*args, **kwargs)
        area = cast(forms.ModelChoiceField, self.fields["area"])
        area.queryset, area.required = areas, True
        cast(forms.ModelMultipleChoiceField, self.fields["shared_with"]).queryset = others
        if teams is None:
            del self.fields["team"]
            self.fields["version"].required = True
        else:
            del self.fields["version"]
            cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams

    @staticmethod
    def initial_for(house: SafeHouse, secrets: dict[str, str]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "code_name": house.code_name,
            "area": house.area_id,
            "capacity": house.capacity,
            "version": house.version,
            "shared_with": [team.pk for team in house.shared_with.all()],
        }
        return initial | secrets


class HouseStatusForm(PageForm):
    move = forms.ChoiceField(label=_("Step"), choices=[(name, name) for name in HOUSE_MOVES])
    version = VersionField()
    reason = _area(_("Why (required to mark it compromised)"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("move") == "compromise" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the house is compromised."))
        return data


class AreaForm(PageForm):
    team = _Team(
        label=_("Team"),
        queryset=Team.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a team you coordinate.")},
    )
    township = forms.CharField(label=_("Township"), max_length=100)
    region = _text(_("State or region"), 100)
    country = forms.CharField(label=_("Country"), max_length=100, initial="Myanmar")

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams


class AreaUnsafeForm(PageForm):
    reason = _area(_("Why the area is unsafe"), required=True)


class LegRemoveForm(PageForm):
    version = VersionField()


class JourneyListForm(PageForm):
    show = forms.ChoiceField(
        label=_("Show"),
        choices=[
            ("under_way", _("Legs under way")),
            ("due", _("Check-ins due")),
            ("escorted", _("Legs you escort")),
            ("overdue", _("Overdue legs")),
            ("flagged", _("Legs through a place marked unsafe")),
            ("waiting", _("Plans waiting for approval")),
        ],
    )
