"""A case's life: status moves by the table in cases.rules, verification, team, hold, notes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, SecurityFlag
from cases.rules import (
    ALARMING,
    risk_for,
    transition_allowed,
    transition_needs_coordinator,
)
from cases.services.common import (
    Conflict,
    coordinators_notify,
    event_add,
    require_coordinator,
    require_live,
    require_member,
)
from supportdesk.accounts.models import Team, User
from supportdesk.audit.services import audit_record


class TransitionNotAllowed(Conflict):
    def __init__(self, from_status: str, to_status: str) -> None:
        labels = dict(Case.Status.choices)
        super().__init__(
            _("A case that is “%(from)s” cannot move to “%(to)s”.")
            % {"from": labels[from_status], "to": labels[to_status]}
        )


class VerificationNotAllowed(Conflict):
    pass


def _locked(case: Case) -> Case:
    case = Case.objects.select_for_update().select_related("team").get(pk=case.pk)
    require_live(case)
    return case


def case_risk_refresh(*, case: Case) -> int:
    """Recompute and store the case's risk from its status and its family's open flags."""
    open_flags = SecurityFlag.objects.filter(
        family_member__case=case, resolved_at__isnull=True
    ).values_list("kind", "severity")
    risk = risk_for(status=case.status, open_flags=list(open_flags))
    if risk != case.risk:
        Case.objects.filter(pk=case.pk).update(risk=risk)
        case.risk = risk
    return risk


@transaction.atomic
def case_transition(*, actor: User, case: Case, to_status: str, reason: str = "") -> Case:
    case = _locked(case)  # two volunteers may press at once: the second sees the first's move
    require_member(actor, case.team)
    if not transition_allowed(case.status, to_status):
        raise TransitionNotAllowed(case.status, to_status)
    if transition_needs_coordinator(to_status):
        require_coordinator(actor, case.team)
    previous, case.status = case.status, to_status
    if to_status == Case.Status.CLOSED:
        case.closed_at = timezone.now()
    elif to_status == Case.Status.REOPENED:
        case.closed_at = None
    case.save(update_fields=["status", "closed_at", "updated_at"])
    case_risk_refresh(case=case)
    event_add(
        case=case,
        kind=CaseEvent.Kind.STATUS,
        actor=actor,
        from_status=previous,
        to_status=to_status,
        text=reason,
    )
    audit_record(actor=actor, action="case.transition", obj=case, fields=["status"])
    if to_status in ALARMING:
        label = dict(Case.Status.choices)[to_status]
        coordinators_notify(
            case=case,
            kind="case.alarm",
            text=_("Case %(ref)s: %(status)s") % {"ref": case.ref, "status": label},
        )
    return case


@transaction.atomic
def case_vouch(*, actor: User, case: Case, by_case: Case | None = None, note: str = "") -> Case:
    """Someone known stands for this person: a verified case, or the acting volunteer by name."""
    case = _locked(case)
    require_member(actor, case.team)
    if case.verification != Case.Verification.UNVERIFIED:
        raise VerificationNotAllowed(_("This case has already been vouched for."))
    if by_case is not None:
        if by_case.pk == case.pk or by_case.verification != Case.Verification.VERIFIED:
            raise VerificationNotAllowed(_("Only a verified case can vouch for another."))
        require_member(actor, by_case.team)
    case.verification = Case.Verification.VOUCHED
    case.vouched_by_case = by_case
    case.vouched_by_user = None if by_case is not None else actor
    case.save(update_fields=["verification", "vouched_by_case", "vouched_by_user", "updated_at"])
    event_add(
        case=case,
        kind=CaseEvent.Kind.VERIFICATION,
        actor=actor,
        text=note,
    )
    audit_record(actor=actor, action="case.vouch", obj=case, fields=["verification"])
    return case


@transaction.atomic
def case_verify(*, actor: User, case: Case, note: str = "") -> Case:
    """A coordinator interviewed the person. Against planted defectors, the coordinator who
    verifies cannot be the person who vouched."""
    case = _locked(case)
    require_coordinator(actor, case.team)
    if case.verification != Case.Verification.VOUCHED:
        raise VerificationNotAllowed(_("A case must be vouched for before it is verified."))
    if case.vouched_by_user_id == actor.pk:
        raise VerificationNotAllowed(
            _("You vouched for this case: another coordinator must verify it.")
        )
    case.verification = Case.Verification.VERIFIED
    case.verified_by, case.verified_at = actor, timezone.now()
    case.save(update_fields=["verification", "verified_by", "verified_at", "updated_at"])
    event_add(
        case=case,
        kind=CaseEvent.Kind.VERIFICATION,
        actor=actor,
        text=note,
    )
    audit_record(actor=actor, action="case.verify", obj=case, fields=["verification"])
    return case


@transaction.atomic
def case_verification_revoke(*, actor: User, case: Case, reason: str) -> Case:
    """Doubt about who this person is (a suspected plant): back to unverified."""
    case = _locked(case)
    require_coordinator(actor, case.team)
    case.verification = Case.Verification.UNVERIFIED
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
    event_add(
        case=case,
        kind=CaseEvent.Kind.VERIFICATION,
        actor=actor,
        text=reason,
    )
    audit_record(actor=actor, action="case.verification_revoke", obj=case, fields=["verification"])
    return case


@transaction.atomic
def case_assign(*, actor: User, case: Case, team: Team) -> Case:
    """Move a case to another team: the coordinator must coordinate both."""
    case = _locked(case)
    require_coordinator(actor, case.team)
    require_coordinator(actor, team, _("You can only move a case to a team you coordinate."))
    previous = case.team
    case.team = team
    case.save(update_fields=["team", "updated_at"])
    event_add(case=case, kind=CaseEvent.Kind.ASSIGNMENT, actor=actor)
    audit_record(actor=actor, action="case.assign", obj=case, fields=["team"])
    if previous.pk != team.pk:
        coordinators_notify(
            case=case,
            kind="case.assigned",
            text=_("Case %(ref)s was moved to your team.") % {"ref": case.ref},
        )
    return case


@transaction.atomic
def case_hold_set(*, actor: User, case: Case, on_hold: bool) -> Case:
    """Keep a closed case from being shredded when its retention period ends (or let it go)."""
    case = _locked(case)
    require_coordinator(actor, case.team)
    case.on_hold = on_hold
    case.save(update_fields=["on_hold", "updated_at"])
    audit_record(actor=actor, action="case.hold", obj=case, fields=["on_hold"])
    return case


@transaction.atomic
def case_note_add(*, actor: User, case: Case, text: str) -> CaseEvent:
    require_member(actor, case.team)
    require_live(case)
    event = event_add(
        case=case,
        kind=CaseEvent.Kind.NOTE,
        actor=actor,
        text=text,
    )
    audit_record(actor=actor, action="case.note_add", obj=case, fields=["events.text"])
    return event
