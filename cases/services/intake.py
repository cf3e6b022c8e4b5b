"""Intake: recording a new case, editing it, and catching the same person recorded twice."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit_actions import CaseActions
from cases.models import Case, CaseEvent, CaseNeed, ContactChannel, DuplicateFlag, SecurityFlag
from cases.rules import risk_for
from cases.services.common import (
    Conflict,
    clean_texts,
    coordinators_notify,
    coordinators_of,
    require_coordinator,
    require_live,
    require_member,
    review_fields_merged,
    timeline_event,
)
from cases.services.lifecycle import case_locked, case_risk_refresh
from cases.workflows import CASE_STATUS
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.scope import is_member_of
from supportdesk.audit.services import audit_record, change_record
from supportdesk.errors import NotFound
from supportdesk.followups.services import notify_users
from supportdesk.messages import Message
from supportdesk.vault.normalise import normalise_handle, normalise_phone

# Free-text and identifying fields of a case, all encrypted; Burmese text is normalised first.
TEXT_FIELDS = (
    "alias",
    "real_name",
    "rank",
    "unit",
    "service_number",
    "current_area",
    "medical_notes",
    "notes",
)
PLAIN_FIELDS = ("service_branch", "contact_method", "still_serving")


@dataclass(frozen=True)
class ContactInput:
    kind: str
    value: str


def contact_build(*, case: Case, contact: ContactInput) -> ContactChannel:
    """Phones become E.164 (a bad number raises ValidationError); handles lose @ and case."""
    channel = ContactChannel(id=uuid.uuid4(), case=case, kind=contact.kind)
    if contact.kind in ContactChannel.PHONE_KINDS:
        channel.phone = normalise_phone(contact.value)
    else:
        channel.handle = normalise_handle(contact.value)
    return channel


@transaction.atomic
def case_create(
    *,
    actor: User,
    team: Team,
    alias: str,
    service_branch: str,
    contact_method: str,
    contacts: Sequence[ContactInput] = (),
    needs: Iterable[str] = (),
    languages: Iterable[str] = (),
    date_left: datetime.date | None = None,
    still_serving: bool = False,
    referred_by: Case | None = None,
    **texts: str,
) -> Case:
    require_member(actor, team)
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown case fields: {sorted(unknown)}")
    cleaned = clean_texts({"alias": alias, **texts})
    case = Case(
        id=uuid.uuid4(),
        team=team,
        service_branch=service_branch,
        contact_method=contact_method,
        date_left=date_left,
        still_serving=still_serving,
        referred_by=referred_by,
        languages=sorted(set(languages)),
        text_needs_review=cleaned.needs_review,
        text_review_fields=cleaned.review_fields,
        created_by=actor,
        risk=risk_for(status=Case.Status.NEW, open_flags=()),
        **cleaned.values,
    )
    case.save()
    CaseNeed.objects.bulk_create(CaseNeed(case=case, need=need) for need in sorted(set(needs)))
    channels = [contact_build(case=case, contact=contact) for contact in contacts]
    ContactChannel.objects.bulk_create(channels)
    filled = [name for name in cleaned.values if cleaned.values[name]]
    change_record(
        actor=actor,
        action=CaseActions.CREATE,
        obj=case,
        fields=filled + (["contacts"] if channels else []),
        timeline=[timeline_event(case=case, kind=CaseEvent.Kind.CREATED, actor=actor)],
    )
    duplicates_detect(case=case, channels=channels)
    return case


@transaction.atomic
def case_update(
    *,
    actor: User,
    case: Case,
    needs: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    date_left: datetime.date | object | None = ...,
    **changes: object,
) -> Case:
    """Change what was recorded at intake. Status, team and verification have their own services."""
    require_member(actor, case.team)
    case = Case.objects.select_for_update().get(pk=case.pk)  # two volunteers may edit at once
    require_live(case)
    changed: list[str] = []
    texts = {name: str(value) for name, value in changes.items() if name in TEXT_FIELDS}
    cleaned = clean_texts(texts)
    for name, value in cleaned.values.items():
        setattr(case, name, value)
        changed.append(name)
    for name in PLAIN_FIELDS:
        if name in changes:
            setattr(case, name, changes[name])
            changed.append(name)
    if date_left is not ...:
        case.date_left = date_left
        changed.append("date_left")
    if languages is not None:
        case.languages = sorted(set(languages))
        changed.append("languages")
    case.text_needs_review = case.text_needs_review or cleaned.needs_review
    case.text_review_fields = review_fields_merged(case, cleaned.review_fields)
    case.save()
    if needs is not None:
        case.need_rows.all().delete()
        CaseNeed.objects.bulk_create(CaseNeed(case=case, need=need) for need in sorted(set(needs)))
        changed.append("needs")
    audit_record(actor=actor, action=CaseActions.UPDATE, obj=case, fields=changed)
    return case


@transaction.atomic
def case_contact_add(*, actor: User, case: Case, contact: ContactInput) -> ContactChannel:
    require_member(actor, case.team)
    require_live(case)
    channel = contact_build(case=case, contact=contact)
    channel.save()
    audit_record(actor=actor, action=CaseActions.CONTACT_ADD, obj=case, fields=["contacts"])
    duplicates_detect(case=case, channels=[channel])
    return channel


# --- Duplicates -------------------------------------------------------------------------------


def _matches(channel: ContactChannel) -> Iterable[tuple[uuid.UUID, uuid.UUID, str]]:
    """(other case, its team, what matched) for each other live case sharing the channel's
    phone or handle."""
    lookups = [
        ("phone", "phone_index", channel.phone_index),
        ("handle", "handle_index", channel.handle_index),
    ]
    for matched_on, column, digest in lookups:
        if digest:
            others = (
                ContactChannel.objects.filter(**{column: digest}, case__shredded_at__isnull=True)
                .exclude(case_id=channel.case_id)
                .values_list("case_id", "case__team_id")
            )
            for other_id, team_id in others:
                yield other_id, team_id, matched_on


def _digests_locked(channels: Iterable[ContactChannel]) -> None:
    """Two intakes of one phone at once (on two teams, say) would each miss the other's row, not
    yet committed, and neither would be flagged. A transaction lock per blind index, taken in one
    order, makes the second wait for the first to commit: its search then finds the first."""
    if connection.vendor != "postgresql":
        return  # SQLite runs one writing transaction at a time already
    digests = {bytes(d) for c in channels for d in (c.phone_index, c.handle_index) if d}
    keys = sorted(int.from_bytes(digest[:8], "big", signed=True) for digest in digests)
    if keys:
        with connection.cursor() as cursor:  # one round trip; unnest keeps the sorted order
            cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])


def duplicates_detect(*, case: Case, channels: Iterable[ContactChannel]) -> list[DuplicateFlag]:
    """Flag every other case sharing a phone or handle with `case` (blind indexes only), and tell
    the coordinators of both teams. A volunteer learns only that a check is pending."""
    channels = list(channels)
    _digests_locked(channels)
    matches: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}  # other case: its team, what matched
    for channel in channels:
        for other_id, team_id, matched_on in _matches(channel):
            matches.setdefault(other_id, (team_id, matched_on))
    if not matches:
        return []
    flagged = set(
        DuplicateFlag.objects.filter(case=case, other_id__in=matches).values_list(
            "other_id", flat=True
        )
    )
    # New pairs only; the blind-index locks above keep two intakes from adding the same one.
    flags = DuplicateFlag.objects.bulk_create(
        DuplicateFlag(case=case, other_id=other_id, matched_on=matched_on)
        for other_id, (_, matched_on) in matches.items()
        if other_id not in flagged
    )
    if flags:
        # A check the system made, not a person: on the timeline, with no audit row of its own
        # (the intake or contact that caused it has one).
        timeline_event(case=case, kind=CaseEvent.Kind.DUPLICATE, actor=None).save()
        teams = {case.team_id} | {matches[flag.other_id][0] for flag in flags}
        notify_users(
            users=coordinators_of(Team.objects.filter(pk__in=teams)),
            kind="case.duplicate",
            message=Message(
                gettext_lazy("A new case may be the same person as an existing one: please check.")
            ),
            link="/cases/duplicates/",
            dedupe_key=f"duplicate:{case.pk}",
        )
    return flags


class DuplicateResolved(Conflict):
    default_message = gettext_lazy("This possible duplicate has already been decided.")


@transaction.atomic
def duplicate_resolve(*, actor: User, flag: DuplicateFlag, same_person: bool) -> DuplicateFlag:
    """A coordinator decides. The same person: the newer case is merged into the older one (its
    contacts, family, timeline and requests move there) and closed. Otherwise the flag is closed."""
    flag = DuplicateFlag.objects.select_for_update().select_related("case", "other").get(pk=flag.pk)
    # Either team's coordinators may decide "not the same person"; a merge moves one case into
    # the other, so it needs a coordinator of both.
    mine = [c.team for c in (flag.case, flag.other) if is_member_of(actor, c.team)]
    if not mine:
        raise NotFound()
    require_coordinator(actor, mine[0])
    if flag.state != DuplicateFlag.State.OPEN:
        raise DuplicateResolved()
    if same_person:
        require_live(flag.case)
        require_live(flag.other)
        for case in (flag.case, flag.other):
            require_coordinator(
                actor, case.team, _("Merging needs a coordinator of both cases' teams.")
            )
        case_merge(actor=actor, source=flag.case, target=flag.other)
    flag.state = DuplicateFlag.State.MERGED if same_person else DuplicateFlag.State.NOT_SAME
    flag.resolved_by, flag.resolved_at = actor, timezone.now()
    flag.save(update_fields=["state", "resolved_by", "resolved_at"])
    audit_record(actor=actor, action=CaseActions.DUPLICATE_RESOLVE, obj=flag.case, fields=["state"])
    return flag


def case_merge(*, actor: User, source: Case, target: Case) -> None:
    """Move `source`'s records to `target` and close `source` (the status table's "merge" move).
    Each record is saved one by one: its encrypted values are sealed again under the target's data
    key (update() could not, and is refused)."""
    # Both cases locked before anything moves, always in id order: two merges of the same pair
    # (or a merge and a status move) cannot interleave or deadlock.
    locked = {case.pk: case_locked(case) for case in sorted((source, target), key=lambda c: c.pk)}
    source, target = locked[source.pk], locked[target.pk]
    move = CASE_STATUS.check(user=actor, team=source.team, state=source.status, name="merge")
    for related in ("contacts", "family", "events", "cdm_requests"):
        for record in getattr(source, related).all():
            record.case = target
            record.save()
    for flag in SecurityFlag.objects.filter(family_member__case=target):
        flag.save()  # its key holder moved with its family member: seal it under the new key
    existing = set(target.need_rows.values_list("need", flat=True))
    CaseNeed.objects.bulk_create(
        CaseNeed(case=target, need=row.need)
        for row in source.need_rows.all()
        if row.need not in existing
    )
    previous = source.status
    source.status, source.merged_into, source.closed_at = move.target, target, timezone.now()
    source.save(update_fields=["status", "merged_into", "closed_at", "updated_at"])
    # The relatives (and their open flags) now belong to the target.
    case_risk_refresh(case=source)
    case_risk_refresh(case=target)
    change_record(
        actor=actor,
        action=CaseActions.MERGE,
        obj=target,
        fields=["contacts", "family", "events", "cdm_requests"],
        timeline=[
            timeline_event(
                case=source,
                kind=CaseEvent.Kind.STATUS,
                actor=actor,
                from_status=previous,
                to_status=move.target,
                message=Message(gettext_lazy("Merged into another case.")),
            ),
            timeline_event(
                case=target,
                kind=CaseEvent.Kind.DUPLICATE,
                actor=actor,
                message=Message(gettext_lazy("A duplicate case was merged into this one.")),
            ),
        ],
    )
    coordinators_notify(
        case=target,
        kind="case.merged",
        message=Message(gettext_lazy("Two cases were merged into case %(ref)s."), ref=target.ref),
    )
