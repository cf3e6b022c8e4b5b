from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from supportdesk.accounts import scope
from supportdesk.accounts.models import Team, User
from supportdesk.api.parsers import refuse_bad_text


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validate request input; bad input raises a 400 with a message per field."""
    refuse_bad_text(data)  # bodies are checked by the parsers already; query strings are not
    serializer = serializer_class(data=data)
    _refuse_numbers_for_text(serializer, data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def bad_request(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


def team_from_input(*, user: User, team_id: UUID) -> Team:
    """A team named in the input: one of the user's, or a 400 on `team` (input, not a URL)."""
    team = scope.team_of(user, team_id)
    if team is None:
        raise bad_request("team", gettext("Choose one of your teams."))
    return team


NUMBER_FOR_TEXT = _("Write this as text, in quotes: a number was sent.")


def _refuse_numbers_for_text(serializer: serializers.Serializer, data: Any) -> None:
    """DRF turns a JSON number sent for a text field into text; a client that sends 42 as a name
    is broken, so say so for the field instead of storing "42"."""
    if not isinstance(data, Mapping):
        return
    errors = {
        name: [str(NUMBER_FOR_TEXT)]
        for name, field in serializer.fields.items()
        if isinstance(field, serializers.CharField)
        and isinstance(data.get(name), int | float)
        and not isinstance(data.get(name), bool)
    }
    if errors:
        raise serializers.ValidationError(errors)
