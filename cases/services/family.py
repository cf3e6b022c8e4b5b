"""Family security: relatives of a case and the risks recorded against them."""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.audit_actions import FamilyActions
from cases.models import Case, CaseEvent, FamilyMember, SecurityFlag
from cases.rules import URGENT_FLAGS
from cases.services.common import (
    Conflict,
    clean_text,
    clean_texts,
    coordinators_notify,
    require_live,
    require_member,
    review_fields_merged,
    timeline_event,
)
from cases.services.lifecycle import case_locked, case_risk_refresh
from supportdesk.accounts.models import User
from supportdesk.audit.services import audit_record, change_record
from supportdesk.followups.models import FollowUp
from supportdesk.followups.services import followup_cancel, followup_notify, followup_schedule
from supportdesk.messages import Message
from supportdesk.vault.normalise import normalise_phone

FLAG_REVIEW = "family_flag.review"
FAMILY_TEXT_FIELDS = ("name", "location")
# Reviews fall due in the morning, team time, not at midnight.
REVIEW_HOUR = 9


@transaction.atomic
def family_member_create(
    *,
    actor: User,
    case: Case,
    relation: str,
    name: str = "",
    location: str = "",
    phone: str = "",
    age_group: str = FamilyMember.AgeGroup.UNKNOWN,
    in_military_compound: bool = False,
    with_case: bool = False,
) -> FamilyMember:
    require_member(actor, case.team)
    require_live(case)
    cleaned = clean_texts({"name": name, "location": location})
    member = FamilyMember.objects.create(
        id=uuid.uuid4(),
        case=case,
        relation=relation,
        age_group=age_group,
        phone=normalise_phone(phone) if phone else "",
        in_military_compound=in_military_compound,
        with_case=with_case,
        **cleaned.values,
    )
    if cleaned.needs_review:
        fields = review_fields_merged(case, [f"family.{n}" for n in cleaned.review_fields])
        Case.objects.filter(pk=case.pk).update(text_needs_review=True, text_review_fields=fields)
    filled = [n for n in ("name", "location", "phone") if getattr(member, n)]
    audit_record(actor=actor, action=FamilyActions.MEMBER_CREATE, obj=member, fields=filled)
    return member


@transaction.atomic
def family_member_update(*, actor: User, member: FamilyMember, **changes: object) -> FamilyMember:
    require_member(actor, member.case.team)
    require_live(member.case)
    member = FamilyMember.objects.select_for_update().get(pk=member.pk)
    texts = {k: str(v) for k, v in changes.items() if k in FAMILY_TEXT_FIELDS}
    for name, value in clean_texts(texts).values.items():
        setattr(member, name, value)
    if "phone" in changes:
        member.phone = normalise_phone(str(changes["phone"])) if changes["phone"] else ""
    for name in ("relation", "age_group", "in_military_compound", "with_case"):
        if name in changes:
            setattr(member, name, changes[name])
    member.save()
    audit_record(
        actor=actor, action=FamilyActions.MEMBER_UPDATE, obj=member, fields=sorted(changes)
    )
    return member


def _review_due(day: datetime.date) -> datetime.datetime:
    at = datetime.datetime.combine(day, datetime.time(REVIEW_HOUR))
    return at.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


@transaction.atomic
def security_flag_add(
    *,
    actor: User,
    member: FamilyMember,
    kind: str,
    severity: int,
    observed_on: datetime.date,
    review_on: datetime.date,
    source: str = "",
) -> SecurityFlag:
    """Record a risk to a relative. The case's risk goes up at once; detained or threatened
    relatives alert the team's coordinators now; every flag comes back for review on its date."""
    require_member(actor, member.case.team)
    # Locked: the risk is recomputed from every open flag, and a flag resolved or a status moved
    # at the same time must not be lost from it.
    case = case_locked(member.case)
    flag = SecurityFlag.objects.create(
        id=uuid.uuid4(),
        family_member=member,
        kind=kind,
        severity=severity,
        observed_on=observed_on,
        review_on=review_on,
        created_by=actor,
        source=clean_text(source),
    )
    case_risk_refresh(case=case)
    label = dict(SecurityFlag.Kind.choices)[kind]
    change_record(
        actor=actor,
        action=FamilyActions.FLAG_CREATE,
        obj=flag,
        fields=["kind", "severity", "source"] if source else ["kind", "severity"],
        timeline=[
            timeline_event(case=case, kind=CaseEvent.Kind.FLAG, actor=actor, message=Message(label))
        ],
    )
    followup_schedule(kind=FLAG_REVIEW, subject=flag, due_at=_review_due(review_on), team=case.team)
    if kind in URGENT_FLAGS:
        coordinators_notify(
            case=case,
            kind="family_flag.urgent",
            dedupe_key=f"flag:{flag.pk}",
            message=Message(
                gettext_lazy("Case %(ref)s: a relative was reported: %(flag)s."),
                ref=case.ref,
                flag=label,
            ),
        )
    return flag


class FlagResolved(Conflict):
    default_message = gettext_lazy("This flag is already resolved.")


def _open_flag_locked(*, actor: User, flag: SecurityFlag) -> tuple[SecurityFlag, Case]:
    require_member(actor, flag.family_member.case.team)
    # The case first, as every writer locks it (no deadlock with a merge or a new flag), then the
    # flag: two people may resolve or review the same flag at once.
    case = case_locked(flag.family_member.case)
    flag = SecurityFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at is not None:
        raise FlagResolved()
    return flag, case


@transaction.atomic
def security_flag_resolve(*, actor: User, flag: SecurityFlag, note: str = "") -> SecurityFlag:
    flag, case = _open_flag_locked(actor=actor, flag=flag)
    flag.resolved_at = timezone.now()
    flag.save(update_fields=["resolved_at"])
    followup_cancel(subject=flag, kind=FLAG_REVIEW)
    case_risk_refresh(case=case)
    change_record(
        actor=actor,
        action=FamilyActions.FLAG_RESOLVE,
        obj=flag,
        fields=["resolved_at"],
        timeline=[timeline_event(case=case, kind=CaseEvent.Kind.FLAG, actor=actor, text=note)],
    )
    return flag


@transaction.atomic
def security_flag_reviewed(
    *, actor: User, flag: SecurityFlag, next_review_on: datetime.date
) -> SecurityFlag:
    """Someone looked again; the flag stays open and comes back on the next date."""
    flag, case = _open_flag_locked(actor=actor, flag=flag)
    flag.review_on = next_review_on
    flag.save(update_fields=["review_on"])
    followup_cancel(subject=flag, kind=FLAG_REVIEW)
    followup_schedule(
        kind=FLAG_REVIEW, subject=flag, due_at=_review_due(next_review_on), team=case.team
    )
    audit_record(actor=actor, action=FamilyActions.FLAG_REVIEW, obj=flag, fields=["review_on"])
    return flag


def flag_review_due(followup: FollowUp) -> None:
    """Follow-up handler: the review date of an open flag has come. Idempotent (one notice)."""
    flag = (
        SecurityFlag.objects.select_related("family_member__case__team")
        .filter(pk=followup.subject_pk, resolved_at__isnull=True)
        .first()
    )
    if flag is None:
        return
    case = flag.family_member.case
    followup_notify(
        followup=followup,
        message=Message(
            gettext_lazy("Case %(ref)s: a family flag is due for review."), ref=case.ref
        ),
        link=f"/cases/{case.pk}/",
    )
