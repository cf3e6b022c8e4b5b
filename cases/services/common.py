"""Pieces every case service uses: scope checks, timeline entries, text normalisation, alerts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseEvent
from cases.workflows import NotAllowed
from supportdesk.accounts import scope
from supportdesk.accounts.models import Team, User
from supportdesk.errors import Conflict, NotFound
from supportdesk.followups.services import notify_users
from supportdesk.messages import Message
from supportdesk.vault.normalise import normalise_text

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


# Out of the actor's teams: told like a missing record.
NotOnTeam = NotFound


class CaseShredded(Conflict):
    default_message = _("This case was shredded: nothing can be changed or added.")


def require_live(case: Case) -> None:
    """A shredded case's key is gone: nothing can be sealed under it any more."""
    if case.shredded_at is not None:
        raise CaseShredded()


def require_member(actor: User, team: Team) -> None:
    scope.require_member(actor, team)


def require_coordinator(actor: User, team: Team, message: StrOrPromise | None = None) -> None:
    scope.require_coordinator(actor, team, NotAllowed(message))


def timeline_event(
    *,
    case: Case,
    kind: str,
    actor: User | None,
    text: str = "",
    message: Message | None = None,
    from_status: str = "",
    to_status: str = "",
) -> CaseEvent:
    """A line of the case's timeline, not yet saved: `change_record` saves it with its audit row.
    `text` is what a person typed (a note, a reason); `message` a sentence the system writes, read
    in each reader's language. Both are sealed under the case's key."""
    return CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        text=clean_text(text),
        message=message.to_json() if message else None,
        from_status=from_status,
        to_status=to_status,
    )


@dataclass
class CleanText:
    """Burmese-aware text fields, noting whether any needs a person to check its encoding."""

    values: dict[str, str] = field(default_factory=dict)
    review_fields: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.review_fields)

    def add(self, name: str, raw: str) -> str:
        normalised = normalise_text(raw or "")
        self.values[name] = normalised.value
        if normalised.needs_review:
            self.review_fields.append(name)
        return normalised.value


def clean_text(raw: str) -> str:
    """One free-text value, Burmese-aware (see `CleanText`)."""
    return normalise_text(raw or "").value


def review_fields_merged(case: Case, names: Iterable[str]) -> list[str]:
    """The case's fields to check for Zawgyi, with `names` added (in the order first seen)."""
    return list(dict.fromkeys([*(case.text_review_fields or []), *names]))


def clean_texts(values: dict[str, str]) -> CleanText:
    cleaned = CleanText()
    for name, raw in values.items():
        cleaned.add(name, raw)
    return cleaned


def coordinators_of(teams: Iterable[Team]) -> QuerySet[User]:
    return User.objects.filter(
        role=User.Role.COORDINATOR, is_active=True, memberships__team__in=list(teams)
    ).distinct()


def case_link(case: Case) -> str:
    return reverse("cases:detail", kwargs={"case_id": case.pk})


def coordinators_notify(
    *,
    case: Case,
    kind: str,
    message: Message,
    dedupe_key: str | None = None,
    link: str | None = None,
) -> None:
    """Tell the case team's coordinators. Texts name a case by its reference, never by alias:
    notifications are stored unencrypted, and even an alias links a person to a risk."""
    notify_users(
        users=coordinators_of([case.team]),
        kind=kind,
        message=message,
        link=case_link(case) if link is None else link,
        dedupe_key=dedupe_key,
    )
