"""The rules of case work: who may move a case where, who may do what, and how risky a case is."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Risk, SecurityFlag

S = Case.Status

# Every allowed move. Coordinators alone may accept, decline, close and reopen a case.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.VERIFYING, S.DECLINED, S.HIDING, S.IN_SERVICE, S.LOST_CONTACT}),
    S.VERIFYING: frozenset({S.ACCEPTED, S.DECLINED, S.HIDING, S.IN_SERVICE, S.LOST_CONTACT}),
    S.ACCEPTED: frozenset({S.IN_TRANSIT, S.HIDING, S.LOST_CONTACT, S.DETAINED, S.CLOSED}),
    S.HIDING: frozenset({S.ACCEPTED, S.IN_TRANSIT, S.LOST_CONTACT, S.DETAINED, S.CLOSED}),
    S.IN_SERVICE: frozenset(
        {S.VERIFYING, S.ACCEPTED, S.HIDING, S.LOST_CONTACT, S.DETAINED, S.CLOSED}
    ),
    S.IN_TRANSIT: frozenset({S.SAFE_AREA, S.HIDING, S.LOST_CONTACT, S.DETAINED}),
    S.SAFE_AREA: frozenset({S.RESETTLED, S.IN_TRANSIT, S.CLOSED}),
    S.RESETTLED: frozenset({S.CLOSED}),
    S.LOST_CONTACT: frozenset(
        {S.ACCEPTED, S.HIDING, S.IN_TRANSIT, S.SAFE_AREA, S.DETAINED, S.CLOSED}
    ),
    S.DETAINED: frozenset({S.ACCEPTED, S.HIDING, S.LOST_CONTACT, S.CLOSED}),
    S.DECLINED: frozenset({S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.VERIFYING, S.ACCEPTED, S.HIDING, S.IN_SERVICE, S.DECLINED, S.CLOSED}),
}
COORDINATOR_ONLY: frozenset[str] = frozenset({S.ACCEPTED, S.DECLINED, S.CLOSED, S.REOPENED})
# Moves that mean someone may be in danger now: the team's coordinators hear at once.
ALARMING: frozenset[str] = frozenset({S.LOST_CONTACT, S.DETAINED})


def transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def transition_needs_coordinator(to_status: str) -> bool:
    return to_status in COORDINATOR_ONLY


# --- Risk -------------------------------------------------------------------------------------

_STATUS_RISK: dict[str, Risk] = {
    S.DETAINED: Risk.CRITICAL,
    S.LOST_CONTACT: Risk.HIGH,
    S.IN_TRANSIT: Risk.ELEVATED,
    S.HIDING: Risk.ELEVATED,
    S.IN_SERVICE: Risk.ELEVATED,
}
_FLAG_RISK: dict[str, Risk] = {
    SecurityFlag.Kind.DETAINED: Risk.HIGH,
    SecurityFlag.Kind.THREATENED: Risk.HIGH,
    SecurityFlag.Kind.CONTACTED: Risk.ELEVATED,
    SecurityFlag.Kind.SURVEILLANCE: Risk.ELEVATED,
    SecurityFlag.Kind.COMPOUND: Risk.ELEVATED,
    SecurityFlag.Kind.NEEDS_RELOCATION: Risk.ELEVATED,
    SecurityFlag.Kind.DO_NOT_CONTACT: Risk.LOW,
}
# Flags the team's coordinators must hear about the moment they are recorded.
URGENT_FLAGS = frozenset({SecurityFlag.Kind.DETAINED, SecurityFlag.Kind.THREATENED})


def flag_risk(kind: str, severity: int) -> int:
    risk = _FLAG_RISK[kind]
    if severity == SecurityFlag.Severity.CRITICAL and risk >= Risk.ELEVATED:
        return Risk.CRITICAL
    return risk


def risk_for(
    *, status: str, open_flags: Iterable[tuple[str, int]], others: Iterable[int] = ()
) -> int:
    """The case's risk: the highest of what its own status, its family's open flags and the other
    apps' risk sources (`others`) say."""
    levels: list[int] = [_STATUS_RISK.get(status, Risk.LOW), *others]
    levels += [flag_risk(kind, severity) for kind, severity in open_flags]
    return max(levels)


# What other apps know about a case's danger (a compromised safe house on its route, say), without
# cases importing them: each app registers a source in its AppConfig.ready(). A source gets the
# case and returns the risk levels it sees (none when it sees nothing).
RiskSource = Callable[[Case], Iterable[int]]
_risk_sources: dict[str, RiskSource] = {}


def register_risk_source(name: str, source: RiskSource) -> None:
    if _risk_sources.get(name, source) is not source:
        raise ImproperlyConfigured(f"A different risk source is already registered as {name!r}.")
    _risk_sources[name] = source


def unregister_risk_source(name: str) -> None:
    _risk_sources.pop(name, None)


def risk_from_sources(case: Case) -> list[int]:
    return [level for source in _risk_sources.values() for level in source(case)]


def today_or_later(day: datetime.date) -> None:
    """A validator for a next check of a flag (form and API fields): not in the past."""
    if day < timezone.localdate():
        raise ValidationError(_("Choose today or a later date."))
