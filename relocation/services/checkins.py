"""Check-ins and the ladder a missed one climbs.

A leg under way carries `check_in_due_at`. A check-in on time is one UPDATE of the leg: no
follow-up rows exist for legs that report. The sweep (`checkins_missed_sweep`, every minute from
beat) reads only legs under way whose due time has passed and whose ladder has not started,
through the partial index `routeleg_checkin_due`, so its cost follows the number of legs due, not
the number in the table. For each it writes the ladder's first follow-up row and marks the leg
"missed", which takes it out of the index. From then on each step is a follow-up row run by the
follow-ups sweep (retries, once-only notifications and alerts on failure included); each step
schedules the next:

    due + RELOCATION_LADDER_ESCORT_MINUTES        the escorts are reminded
    due + RELOCATION_LADDER_TEAM_MINUTES          the team's volunteers are told
    due + RELOCATION_LADDER_COORDINATORS_MINUTES  the coordinators are told
    due + RELOCATION_LADDER_OVERDUE_MINUTES       the leg is overdue; coordinators are asked to
                                                  confirm moving the case to "lost contact"

A check-in at any point cancels the pending step and puts the leg back on time; one made after
"overdue" also says so in the case's timeline and tells the coordinators.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from cases.services.common import case_link, coordinators_notify, coordinators_of, require_member
from relocation.audit_actions import RouteActions
from relocation.models import CheckIn, RouteLeg
from relocation.rules import LADDER, LadderStep, next_step, step_due
from relocation.services.common import field_error, route_event
from supportdesk.accounts.models import User
from supportdesk.audit.services import audit_record, change_record
from supportdesk.followups.models import FollowUp
from supportdesk.followups.services import (
    followup_cancel,
    followup_notify,
    followup_schedule,
    subject_key,
)
from supportdesk.messages import Message
from supportdesk.vault.normalise import normalise_text

L = RouteLeg.State
STEPS = {step.kind: step for step in LADDER}


@transaction.atomic
def route_leg_check_in(
    *, actor: User, leg: RouteLeg, note: str = "", location: str = ""
) -> CheckIn:
    """One tap from a phone: the escort or any volunteer of the case's team."""
    require_member(actor, leg.case.team)
    # The ladder's handler may be climbing a step for this leg right now: whichever is second
    # sees the other's change (a step finds the leg back on time and does nothing; a check-in
    # cancels the step just scheduled).
    leg = RouteLeg.objects.select_for_update().select_related("case").get(pk=leg.pk)
    if leg.state != L.UNDER_WAY:
        raise field_error(
            "leg", gettext_lazy("Check-ins are for a leg under way. This leg is not under way.")
        )
    now = timezone.now()
    was_overdue = leg.overdue_at is not None
    check_in = CheckIn.objects.create(
        id=uuid.uuid4(),
        leg=leg,
        by=actor,
        note=normalise_text(note or "").value,
        location=normalise_text(location or "").value,
        late=was_overdue,
    )
    if leg.ladder:
        followup_cancel(subject=leg)
    leg.last_check_in_at = now
    leg.check_in_due_at = now + timedelta(minutes=leg.check_in_interval_minutes)
    leg.ladder, leg.overdue_at = RouteLeg.Ladder.NONE, None
    RouteLeg.objects.filter(pk=leg.pk).update(
        last_check_in_at=now,
        check_in_due_at=leg.check_in_due_at,
        ladder=leg.ladder,
        overdue_at=None,
        updated_at=now,
    )
    filled = [name for name in ("note", "location") if getattr(check_in, name)]
    if not was_overdue:
        audit_record(actor=actor, action=RouteActions.CHECK_IN, obj=check_in, fields=filled)
        return check_in
    change_record(
        actor=actor,
        action=RouteActions.CHECK_IN,
        obj=check_in,
        fields=filled,
        timeline=[
            route_event(
                case=leg.case,
                actor=actor,
                message=Message(
                    gettext_lazy(
                        "Leg %(number)s checked in after it was marked overdue: contact is back."
                    ),
                    number=leg.number,
                ),
            )
        ],
    )
    coordinators_notify(
        case=leg.case,
        kind="relocation.checkin.back",
        dedupe_key=f"checkin:{check_in.pk}",
        message=Message(
            gettext_lazy("Case %(ref)s: leg %(number)s checked in again after being overdue."),
            ref=leg.case.ref,
            number=leg.number,
        ),
    )
    return check_in


# --- The sweep ----------------------------------------------------------------------------------


def checkins_missed_sweep(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Start the ladder of every leg whose check-in is overdue; returns how many. Safe to run
    twice at once: each batch claims its legs with SKIP LOCKED and moves them out of the index."""
    from django.conf import settings

    size = batch_size or int(settings.RELOCATION_CHECKIN_SWEEP_BATCH)
    batch = _missed_batch_sql if connection.vendor == "postgresql" else _missed_batch_orm
    return _missed_batches(batch, now=now, size=size)


def _missed_batches(batch: Callable[..., int], *, now: datetime | None, size: int) -> int:
    started = 0
    while True:
        claimed = batch(now=now or timezone.now(), limit=size)
        started += claimed
        if claimed < size:
            return started


# One statement per batch on PostgreSQL (production and the test suite): the claim, the leg
# update and the follow-up rows travel neither way between Python and the database, so a batch
# costs one round trip and no Python per leg. Claimed like the ORM batch below: two sweeps
# (overlapping beat ticks) read the same due legs, SKIP LOCKED gives each its own, and `ladder`
# set here takes them out of the other's reach (a sweep that waited re-checks `ladder = 0` on the
# committed row). MATERIALIZED keeps the locking claim evaluated once, before the update, which
# finds each claimed row by its physical address (`ctid`: a TID scan instead of a walk down the
# primary key; the address cannot change while the claim's lock holds it). A step
# already pending for a leg is kept as it is: the partial unique constraint
# `followup_one_pending_duty` refuses the copy (ON CONFLICT DO NOTHING). The states and rungs are
# written as literals, like the predicate of `routeleg_checkin_due`, so the planner matches the
# partial index however parameters are bound (RouteLeg.State, RouteLeg.Ladder, FollowUp.State; the
# tests compare the rows with the ORM batch's). The follow-up row's other defaults (attempts,
# last_error) are the model's, spelled out because the database has none.
_MISSED_BATCH_SQL = """
WITH due AS MATERIALIZED (
    SELECT ctid, id FROM relocation_routeleg
    WHERE state = 'under_way' AND ladder = 0 AND check_in_due_at <= %(now)s
    ORDER BY check_in_due_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), missed AS (
    UPDATE relocation_routeleg AS leg SET ladder = 1
    FROM due WHERE leg.ctid = due.ctid AND leg.id = due.id
    RETURNING leg.id, leg.check_in_due_at + make_interval(secs => %(delay)s) AS step_due
), scheduled AS (
    INSERT INTO followups_followup
        (kind, subject_type_id, subject_id, due_at, next_attempt_at, state, attempts,
         last_error, created_at)
    SELECT %(kind)s, %(subject_type)s, id::text, step_due, step_due, 'pending', 0, '', %(now)s
    FROM missed
    ON CONFLICT DO NOTHING
)
SELECT count(*) FROM missed
"""


@transaction.atomic
def _missed_batch_sql(*, now: datetime, limit: int) -> int:
    first = LADDER[0]
    params: Mapping[str, int | float | str | datetime] = {
        "now": now,
        "limit": limit,
        "delay": (step_due(first, now) - now).total_seconds(),
        "kind": first.kind,
        "subject_type": ContentType.objects.get_for_model(RouteLeg).pk,
    }
    with connection.cursor() as cursor:
        # Not waiting for this commit to reach the disk is safe here: a crash can lose at most
        # the last moment's batches whole (legs and their follow-up rows together, nothing sent
        # yet, as anything that acts on them later commits durably after them), and the next
        # sweep takes those legs again.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(_MISSED_BATCH_SQL, params)
        (claimed,) = cursor.fetchone()
    return int(claimed)


@transaction.atomic
def _missed_batch_orm(*, now: datetime, limit: int) -> int:
    """The same batch through the ORM, for the databases of a development set-up (SQLite)."""
    due = list(
        RouteLeg.objects.select_for_update(skip_locked=True)
        .filter(state=L.UNDER_WAY, ladder=RouteLeg.Ladder.NONE, check_in_due_at__lte=now)
        .order_by("check_in_due_at")
        .values_list("pk", "check_in_due_at")[:limit]
    )
    if not due:
        return 0
    first = LADDER[0]
    subject_type = ContentType.objects.get_for_model(RouteLeg)
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                kind=first.kind,
                subject_type=subject_type,
                subject_id=subject_key(pk),
                due_at=step_due(first, due_at),
                next_attempt_at=step_due(first, due_at),
                created_at=now,
            )
            for pk, due_at in due
        ],
        ignore_conflicts=True,
    )
    RouteLeg.objects.filter(pk__in=[pk for pk, _due in due]).update(ladder=RouteLeg.Ladder.MISSED)
    return len(due)


# --- The ladder's steps (follow-up handlers) ----------------------------------------------------


def _recipients(step: LadderStep, leg: RouteLeg) -> list[User]:
    if step.rung == RouteLeg.Ladder.ESCORT:
        escorts = [user for user in leg.escorts.all() if user.is_active]
        if escorts:
            return escorts
    if step.rung in (RouteLeg.Ladder.ESCORT, RouteLeg.Ladder.TEAM):
        return list(
            User.objects.filter(
                memberships__team_id=leg.case.team_id, role=User.Role.VOLUNTEER, is_active=True
            ).distinct()
        )
    return list(coordinators_of([leg.case.team]))


_STEP_MESSAGES: dict[int, Promise] = {
    RouteLeg.Ladder.ESCORT: gettext_lazy(
        "Case %(ref)s: leg %(number)s missed its check-in. Check in now if you can."
    ),
    RouteLeg.Ladder.TEAM: gettext_lazy(
        "Case %(ref)s: leg %(number)s has not checked in for %(minutes)s minutes."
    ),
    RouteLeg.Ladder.COORDINATORS: gettext_lazy(
        "Case %(ref)s: leg %(number)s has not checked in for %(minutes)s minutes."
    ),
    RouteLeg.Ladder.OVERDUE: gettext_lazy(
        "Case %(ref)s: leg %(number)s is overdue. Confirm whether to mark the case as lost contact."
    ),
}


def ladder_step_run(followup: FollowUp) -> None:
    """Follow-up handler for every step of the ladder. Idempotent: a leg checked in (back on
    time), no longer under way, or already past this step is left alone."""
    step = STEPS[followup.kind]
    # Against a check-in at this moment (see route_leg_check_in).
    leg = (
        RouteLeg.objects.select_for_update()
        .select_related("case__team")
        .filter(pk=followup.subject_pk, state=L.UNDER_WAY)
        .first()
    )
    if leg is None or leg.ladder == RouteLeg.Ladder.NONE or leg.ladder >= step.rung:
        return
    assert leg.check_in_due_at is not None  # noqa: S101 - under way legs always have one
    now = timezone.now()
    minutes = int((now - leg.check_in_due_at).total_seconds() // 60)
    message = Message(
        _STEP_MESSAGES[step.rung], ref=leg.case.ref, number=leg.number, minutes=max(minutes, 0)
    )
    followup_notify(
        followup=followup, message=message, link=case_link(leg.case), users=_recipients(step, leg)
    )
    leg.ladder = step.rung
    fields = ["ladder", "updated_at"]
    if step.rung == RouteLeg.Ladder.OVERDUE:
        leg.overdue_at = now
        fields.append("overdue_at")
    leg.save(update_fields=fields)
    if step.rung == RouteLeg.Ladder.OVERDUE:
        change_record(
            actor=None,
            action=RouteActions.LEG_OVERDUE,
            obj=leg,
            fields=["overdue_at"],
            timeline=[
                route_event(
                    case=leg.case,
                    actor=None,
                    message=Message(
                        gettext_lazy("Leg %(number)s is overdue: no check-in since it was due."),
                        number=leg.number,
                    ),
                )
            ],
        )
    following = next_step(step)
    if following is not None:
        followup_schedule(
            kind=following.kind,
            subject=leg,
            due_at=step_due(following, leg.check_in_due_at),
            team=leg.case.team,
        )
