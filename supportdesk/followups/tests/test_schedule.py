from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from supportdesk.accounts.models import Team, User
from supportdesk.followups.models import FollowUp
from supportdesk.followups.services import (
    followup_cancel,
    followup_recipients,
    followup_schedule,
)
from supportdesk.followups.tests.conftest import past
from supportdesk.followups.tests.retentiontest.models import Dossier


def test_the_same_duty_for_the_same_subject_is_scheduled_once(dossier: Dossier) -> None:
    first = followup_schedule(kind="checkin.missed", subject=dossier, due_at=past())
    again = followup_schedule(kind="checkin.missed", subject=dossier, due_at=past(-3600))

    assert again.pk == first.pk
    assert again.due_at == first.due_at
    assert FollowUp.objects.count() == 1
    assert first.subject_id == str(dossier.pk)
    assert first.subject_pk == dossier.pk
    assert first.next_attempt_at == first.due_at


def test_other_kinds_and_subjects_are_separate_duties(dossier: Dossier) -> None:
    other = Dossier.objects.create(alias="Other")
    followup_schedule(kind="checkin.missed", subject=dossier, due_at=past())
    followup_schedule(kind="approval.pending", subject=dossier, due_at=past())
    followup_schedule(kind="checkin.missed", subject=other, due_at=past())

    assert FollowUp.objects.filter(state=FollowUp.State.PENDING).count() == 3


def test_a_duty_can_be_scheduled_again_once_the_pending_one_is_cancelled(
    dossier: Dossier,
) -> None:
    first = followup_schedule(kind="checkin.missed", subject=dossier, due_at=past())
    with transaction.atomic():
        assert followup_cancel(subject=dossier, kind="checkin.missed") == 1
        second = followup_schedule(kind="checkin.missed", subject=dossier, due_at=past(-7200))

    assert second.pk != first.pk
    states = dict(FollowUp.objects.values_list("pk", "state"))
    assert states == {first.pk: FollowUp.State.CANCELLED, second.pk: FollowUp.State.PENDING}


def test_cancel_without_a_kind_cancels_every_pending_duty_of_the_subject(
    dossier: Dossier,
) -> None:
    other = Dossier.objects.create(alias="Other")
    followup_schedule(kind="a", subject=dossier, due_at=past())
    followup_schedule(kind="b", subject=dossier, due_at=past())
    kept = followup_schedule(kind="a", subject=other, due_at=past())

    assert followup_cancel(subject=dossier) == 2
    assert list(FollowUp.objects.filter(state=FollowUp.State.PENDING)) == [kept]


def test_scheduling_rolls_back_with_the_change_that_needed_it(dossier: Dossier) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        followup_schedule(kind="checkin.missed", subject=dossier, due_at=past())
        raise RuntimeError

    assert not FollowUp.objects.exists()


def test_recipients_are_the_named_users_and_the_active_members_of_the_team(
    dossier: Dossier,
    team: Team,
    volunteer: User,
    coordinator: User,
    outsider: User,
    administrator: User,
) -> None:
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    followup = followup_schedule(
        kind="checkin.missed",
        subject=dossier,
        due_at=past() + timedelta(minutes=5),
        team=team,
        users=[administrator],
    )

    assert set(followup_recipients(followup)) == {volunteer, administrator}
