"""A case's life: status moves and verification by their workflows (cases.workflows), team, hold,
notes. Each change writes its timeline entry and audit row together (`change_record`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit_actions import CaseActions
from cases.models import Case, CaseEvent, SecurityFlag
from cases.rules import ALARMING, risk_for, risk_from_sources
from cases.services.common import (
    coordinators_notify,
    require_coordinator,
    require_live,
    require_member,
    timeline_event,
)
from cases.workflows import (
    CASE_STATUS,
    VERIFICATION,
    NotAllowed,
    TransitionNotAllowed,
    VerificationNotAllowed,
)
from supportdesk.accounts.models import Team, User
from supportdesk.audit.services import audit_record, change_record
from supportdesk.messages import Message

__all__ = ["NotAllowed", "TransitionNotAllowed", "VerificationNotAllowed"]


def case_locked(case: Case) -> Case:
    """The case, locked for this transaction: two people may change it at once, and the second
    must see the first one's change. Refused once shredded."""
    case = Case.objects.select_for_update().select_related("team").get(pk=case.pk)
    require_live(case)
    return case


def case_risk_refresh(*, case: Case) -> int:
    """Recompute and store the case's risk from its status, its family's open flags and the risk
    sources other apps registered (cases.rules). Call with the case locked (`case_locked`): a flag
    added at the same time would otherwise be missed. Another app whose news changes a case's
    danger (a safe house compromised) locks the case and calls this."""
    risk = _risk_now(case)
    if risk != case.risk:
        Case.objects.filter(pk=case.pk).update(risk=risk)
        case.risk = risk
    return risk


def _risk_now(case: Case) -> int:
    """The risk the case's status, open family flags and other apps' sources give it now."""
    open_flags = SecurityFlag.objects.filter(
        family_member__case=case, resolved_at__isnull=True
    ).values_list("kind", "severity")
    return risk_for(status=case.status, open_flags=list(open_flags), others=risk_from_sources(case))


def _status_set(*, actor: User, case: Case, to_status: str, reason: str) -> str:
    """Move a locked case (the table was asked already) and record it; returns the old status."""
    previous, case.status = case.status, to_status
    if to_status == Case.Status.CLOSED:
        case.closed_at = timezone.now()
    elif to_status == Case.Status.REOPENED:
        case.closed_at = None
    case.risk = _risk_now(case)  # the new status's risk, in the same UPDATE
    case.save(update_fields=["status", "closed_at", "risk", "updated_at"])
    change_record(
        actor=actor,
        action=CaseActions.TRANSITION,
        obj=case,
        fields=["status"],
        timeline=[
            timeline_event(
                case=case,
                kind=CaseEvent.Kind.STATUS,
                actor=actor,
                from_status=previous,
                to_status=to_status,
                text=reason,
            )
        ],
    )
    return previous


@transaction.atomic
def case_transition(*, actor: User, case: Case, to_status: str, reason: str = "") -> Case:
    case = case_locked(case)
    CASE_STATUS.check(user=actor, team=case.team, state=case.status, name=to_status)
    _status_set(actor=actor, case=case, to_status=to_status, reason=reason)
    if to_status in ALARMING:
        label = dict(Case.Status.choices)[to_status]
        coordinators_notify(
            case=case,
            kind="case.alarm",
            message=Message(gettext_lazy("Case %(ref)s: %(status)s"), ref=case.ref, status=label),
        )
    return case


def _verification_recorded(*, actor: User, case: Case, action: str, note: str) -> None:
    change_record(
        actor=actor,
        action=action,
        obj=case,
        fields=["verification"],
        timeline=[
            timeline_event(case=case, kind=CaseEvent.Kind.VERIFICATION, actor=actor, text=note)
        ],
    )


@transaction.atomic
def case_vouch(*, actor: User, case: Case, by_case: Case | None = None, note: str = "") -> Case:
    """Someone known stands for this person: a verified case, or the acting volunteer by name."""
    case = case_locked(case)
    move = VERIFICATION.check(user=actor, team=case.team, state=case.verification, name="vouch")
    if by_case is not None:
        if by_case.pk == case.pk or by_case.verification != Case.Verification.VERIFIED:
            raise VerificationNotAllowed(_("Only a verified case can vouch for another."))
        require_member(actor, by_case.team)
    case.verification = move.target
    case.vouched_by_case = by_case
    case.vouched_by_user = None if by_case is not None else actor
    case.save(update_fields=["verification", "vouched_by_case", "vouched_by_user", "updated_at"])
    _verification_recorded(actor=actor, case=case, action=CaseActions.VOUCH, note=note)
    return case


@transaction.atomic
def case_verify(*, actor: User, case: Case, note: str = "") -> Case:
    """A coordinator interviewed the person. Against planted defectors, the coordinator who
    verifies cannot be the person who vouched."""
    case = case_locked(case)
    move = VERIFICATION.check(user=actor, team=case.team, state=case.verification, name="verify")
    if case.vouched_by_user_id == actor.pk:
        raise VerificationNotAllowed(
            _("You vouched for this case: another coordinator must verify it.")
        )
    case.verification = move.target
    case.verified_by, case.verified_at = actor, timezone.now()
    case.save(update_fields=["verification", "verified_by", "verified_at", "updated_at"])
    _verification_recorded(actor=actor, case=case, action=CaseActions.VERIFY, note=note)
    return case


@transaction.atomic
def case_verification_revoke(*, actor: User, case: Case, reason: str) -> Case:
    """Doubt about who this person is (a suspected plant): back to unverified."""
    case = case_locked(case)
    move = VERIFICATION.check(user=actor, team=case.team, state=case.verification, name="revoke")
    case.verification = move.target
    case.vouched_by_case = case.vouched_by_user = case.verified_by = None
    case.verified_at = None
    case.save(
        update_fields=[
            "verification",
            "vouched_by_case",
            "vouched_by_user",
            "verified_by",
            "verified_at",
            "updated_at",
        ]
    )
    _verification_recorded(
        actor=actor, case=case, action=CaseActions.VERIFICATION_REVOKE, note=reason
    )
    return case


@transaction.atomic
def case_assign(*, actor: User, case: Case, team: Team) -> Case:
    """Move a case to another team: the coordinator must coordinate both."""
    case = case_locked(case)
    require_coordinator(actor, case.team)
    require_coordinator(actor, team, _("You can only move a case to a team you coordinate."))
    previous = case.team
    case.team = team
    case.save(update_fields=["team", "updated_at"])
    change_record(
        actor=actor,
        action=CaseActions.ASSIGN,
        obj=case,
        fields=["team"],
        timeline=[timeline_event(case=case, kind=CaseEvent.Kind.ASSIGNMENT, actor=actor)],
    )
    if previous.pk != team.pk:
        coordinators_notify(
            case=case,
            kind="case.assigned",
            message=Message(gettext_lazy("Case %(ref)s was moved to your team."), ref=case.ref),
        )
    return case


@transaction.atomic
def case_hold_set(*, actor: User, case: Case, on_hold: bool) -> Case:
    """Keep a closed case from being shredded when its retention period ends (or let it go)."""
    case = case_locked(case)
    require_coordinator(actor, case.team)
    case.on_hold = on_hold
    case.save(update_fields=["on_hold", "updated_at"])
    audit_record(actor=actor, action=CaseActions.HOLD, obj=case, fields=["on_hold"])
    return case


@transaction.atomic
def case_note_add(*, actor: User, case: Case, text: str) -> CaseEvent:
    require_member(actor, case.team)
    require_live(case)
    event = timeline_event(case=case, kind=CaseEvent.Kind.NOTE, actor=actor, text=text)
    change_record(
        actor=actor, action=CaseActions.NOTE_ADD, obj=case, fields=["events.text"], timeline=[event]
    )
    return event
