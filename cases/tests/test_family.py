from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, Risk, SecurityFlag
from cases.services.family import (
    FLAG_REVIEW,
    FlagResolved,
    family_member_create,
    security_flag_add,
    security_flag_resolve,
    security_flag_reviewed,
)
from cases.tests.factories import CaseFactory
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.followups.sweep import followups_sweep

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 20)


def add_flag(actor, member, kind, severity=SecurityFlag.Severity.HIGH, review_in=7):
    return security_flag_add(
        actor=actor,
        member=member,
        kind=kind,
        severity=severity,
        observed_on=TODAY,
        review_on=TODAY + datetime.timedelta(days=review_in),
        source="Her sister called",
    )


def test_family_member_details_are_encrypted_and_normalised(volunteer, team) -> None:
    case = CaseFactory.create(team=team)
    member = family_member_create(
        actor=volunteer,
        case=case,
        relation="spouse",
        name="ေက်ာ္ေက်ာ္",
        phone="၀၉ ၄၂၀ ၁၂၃ ၄၅၆",
        location="Sagaing",
    )
    member.refresh_from_db()
    assert member.phone == "+959420123456" and member.name == "ကျော်ကျော်"


@pytest.mark.parametrize("kind", [SecurityFlag.Kind.DETAINED, SecurityFlag.Kind.THREATENED])
def test_detained_or_threatened_raises_risk_and_alerts_coordinators_at_once(
    volunteer, coordinator, team, kind
) -> None:
    case = CaseFactory.create(team=team, alias="Special 007")
    member = family_member_create(actor=volunteer, case=case, relation="parent")
    add_flag(volunteer, member, kind)
    assert Case.objects.get(pk=case.pk).risk == Risk.HIGH
    notice = Notification.objects.get(user=coordinator, kind="family_flag.urgent")
    assert notice.sentence.startswith(f"Case {case.ref}: a relative was reported")
    assert "Special" not in notice.sentence
    assert "sister" not in notice.sentence  # the flag's source never leaves the case page
    assert not Notification.objects.filter(user=volunteer, kind="family_flag.urgent").exists()


def test_a_critical_flag_makes_the_case_critical(volunteer, team) -> None:
    member = family_member_create(
        actor=volunteer, case=CaseFactory.create(team=team), relation="child"
    )
    add_flag(volunteer, member, SecurityFlag.Kind.DETAINED, SecurityFlag.Severity.CRITICAL)
    assert Case.objects.get(pk=member.case_id).risk == Risk.CRITICAL


def test_a_lesser_flag_raises_risk_without_an_alert(volunteer, coordinator, team) -> None:
    member = family_member_create(
        actor=volunteer, case=CaseFactory.create(team=team), relation="child"
    )
    add_flag(volunteer, member, SecurityFlag.Kind.CONTACTED, SecurityFlag.Severity.MEDIUM)
    assert Case.objects.get(pk=member.case_id).risk == Risk.ELEVATED
    assert not Notification.objects.filter(kind="family_flag.urgent").exists()


def test_resolving_the_last_flag_lowers_risk_and_cancels_the_review(volunteer, team) -> None:
    member = family_member_create(
        actor=volunteer, case=CaseFactory.create(team=team), relation="child"
    )
    flag = add_flag(volunteer, member, SecurityFlag.Kind.THREATENED)
    security_flag_resolve(actor=volunteer, flag=flag, note="Moved to a safe area")
    assert Case.objects.get(pk=member.case_id).risk == Risk.LOW
    assert FollowUp.objects.get(kind=FLAG_REVIEW).state == FollowUp.State.CANCELLED
    with pytest.raises(FlagResolved):
        security_flag_resolve(actor=volunteer, flag=flag)


def test_every_flag_comes_back_for_review_on_its_date(volunteer, team) -> None:
    member = family_member_create(
        actor=volunteer, case=CaseFactory.create(team=team, alias="Special 9"), relation="sibling"
    )
    flag = add_flag(volunteer, member, SecurityFlag.Kind.SURVEILLANCE, review_in=3)
    followup = FollowUp.objects.get(kind=FLAG_REVIEW)
    assert followup.due_at.date() == flag.review_on
    followups_sweep(now=followup.due_at + datetime.timedelta(minutes=1))
    notice = Notification.objects.get(user=volunteer, kind=FLAG_REVIEW)
    assert notice.sentence == f"Case {member.case.ref}: a family flag is due for review."
    followups_sweep(now=followup.due_at + datetime.timedelta(minutes=2))
    assert Notification.objects.filter(user=volunteer, kind=FLAG_REVIEW).count() == 1


def test_a_reviewed_flag_comes_back_on_the_next_date(volunteer, team) -> None:
    member = family_member_create(
        actor=volunteer, case=CaseFactory.create(team=team), relation="sibling"
    )
    flag = add_flag(volunteer, member, SecurityFlag.Kind.SURVEILLANCE)
    later = timezone.localdate() + datetime.timedelta(days=30)
    security_flag_reviewed(actor=volunteer, flag=flag, next_review_on=later)
    pending = FollowUp.objects.get(kind=FLAG_REVIEW, state=FollowUp.State.PENDING)
    assert pending.due_at.date() == later
