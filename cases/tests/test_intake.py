from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cases.models import Case, CaseEvent, ContactChannel, DuplicateFlag
from cases.services.intake import ContactInput, case_create, duplicate_resolve
from cases.tests.factories import CaseFactory, ContactFactory, FamilyMemberFactory
from supportdesk.accounts.models import Team, User
from supportdesk.audit.models import AuditEvent
from supportdesk.followups.models import Notification
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db

ZAWGYI_NAME = "ေက်ာ္ေက်ာ္"  # "Kyaw Kyaw" typed with the Zawgyi font
UNICODE_NAME = "ကျော်ကျော်"


def intake(actor: User, team: Team, **overrides: Any) -> Case:
    fields: dict[str, Any] = {
        "alias": "Special 007",
        "service_branch": "army",
        "contact_method": "messaging_app",
        "contacts": [ContactInput(kind="phone", value="09 420 123456")],
        "needs": ["food", "cash"],
    }
    return case_create(actor=actor, team=team, **{**fields, **overrides})


def test_intake_records_a_case_with_contacts_needs_and_a_timeline(volunteer, team) -> None:
    case = intake(volunteer, team, real_name="Ko Aung", notes="Arrived with nothing")
    case = Case.objects.get(pk=case.pk)
    assert case.alias == "Special 007" and case.real_name == "Ko Aung"
    assert case.status == Case.Status.NEW and case.verification == Case.Verification.UNVERIFIED
    assert sorted(case.need_rows.values_list("need", flat=True)) == ["cash", "food"]
    assert case.contacts.get().phone == "+959420123456"
    assert case.events.get().kind == CaseEvent.Kind.CREATED
    event = AuditEvent.objects.get(action="case.create")
    assert "real_name" in event.fields and "Ko Aung" not in str(event.fields)


@pytest.mark.parametrize(
    "spelling", ["09420123456", "+959420123456", "+95 9 420 123 456", "၀၉၄၂၀၁၂၃၄၅၆"]
)
def test_the_same_phone_in_any_spelling_flags_a_duplicate(volunteer, team, spelling) -> None:
    first = intake(volunteer, team)
    second = intake(
        volunteer, team, alias="Another", contacts=[ContactInput(kind="signal", value=spelling)]
    )
    flag = DuplicateFlag.objects.get(case=second)
    assert flag.other_id == first.pk and flag.matched_on == "phone"


def test_a_handle_matches_with_or_without_at_and_case(volunteer, team) -> None:
    intake(volunteer, team, contacts=[ContactInput(kind="telegram", value="@Special007")])
    second = intake(volunteer, team, contacts=[ContactInput(kind="telegram", value="special007")])
    assert DuplicateFlag.objects.get(case=second).matched_on == "handle"


def test_a_duplicate_in_another_team_is_flagged_without_showing_it(
    volunteer, outsider, team, other_team, coordinator
) -> None:
    theirs = intake(outsider, other_team)
    ours = intake(volunteer, team)
    assert DuplicateFlag.objects.get(case=ours).other_id == theirs.pk
    # Coordinators of both teams hear about it; the text names neither case.
    notice = Notification.objects.get(user=coordinator, kind="case.duplicate")
    assert "Special" not in notice.sentence


def test_zawgyi_text_is_stored_as_unicode(volunteer, team) -> None:
    case = intake(volunteer, team, alias=ZAWGYI_NAME)
    assert Case.objects.get(pk=case.pk).alias == UNICODE_NAME


def test_the_zawgyi_warning_names_the_fields_to_check(volunteer, team) -> None:
    # A unit name in Unicode that the detector is unsure of (about 0.47): kept as typed, and the
    # page says which field to look at instead of "some text".
    case = intake(volunteer, team, unit="ခမရ ၃၃", rank="ဗိုလ်")
    case = Case.objects.get(pk=case.pk)
    assert case.unit == "ခမရ ၃၃" and case.text_needs_review
    assert "unit" in case.text_review_fields and "alias" not in case.text_review_fields
    page = verified_client(volunteer).get(reverse("cases:detail", args=[case.pk]))
    html = page.content.decode()
    assert "check that these read correctly: unit" in html


def test_an_invalid_phone_is_refused_and_nothing_is_written(volunteer, team) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        intake(volunteer, team, contacts=[ContactInput(kind="phone", value="12")])
    assert not Case.objects.exists()


def test_a_volunteer_cannot_record_a_case_for_another_team(volunteer, other_team) -> None:
    from supportdesk.errors import ApplicationError

    with pytest.raises(ApplicationError):
        intake(volunteer, other_team)
    assert not Case.objects.exists()


def test_merging_moves_records_under_the_kept_cases_key(volunteer, coordinator, team) -> None:
    kept = intake(volunteer, team, alias="Kept")
    newer = intake(
        volunteer,
        team,
        alias="Newer",
        contacts=[
            ContactInput(kind="phone", value="09420123456"),
            ContactInput(kind="telegram", value="@newer"),
        ],
    )
    FamilyMemberFactory.create(case=newer, name="Daw Mya")
    flag = DuplicateFlag.objects.get(case=newer)
    duplicate_resolve(actor=coordinator, flag=flag, same_person=True)
    newer.refresh_from_db()
    assert newer.status == Case.Status.CLOSED and newer.merged_into_id == kept.pk
    kept = Case.objects.get(pk=kept.pk)
    assert sorted(c.phone or c.handle for c in kept.contacts.all()) == [
        "+959420123456",
        "+959420123456",
        "newer",
    ]
    assert kept.family.get().name == "Daw Mya"
    # Sealed again under the kept case's key: readable after the newer case is shredded.
    from supportdesk.vault.services import key_holder_shred

    key_holder_shred(holder=newer)
    assert Case.objects.get(pk=kept.pk).family.get().name == "Daw Mya"
    assert ContactChannel.objects.filter(case=kept).count() == 3


def test_not_the_same_person_closes_the_flag(volunteer, coordinator, team) -> None:
    intake(volunteer, team)
    second = intake(volunteer, team, alias="Other")
    flag = duplicate_resolve(
        actor=coordinator, flag=DuplicateFlag.objects.get(case=second), same_person=False
    )
    assert flag.state == DuplicateFlag.State.NOT_SAME
    assert Case.objects.get(pk=second.pk).status == Case.Status.NEW


def test_factories_make_readable_cases(team) -> None:
    case = CaseFactory.create(team=team)
    ContactFactory.create(case=case)
    assert Case.objects.get(pk=case.pk).contacts.get().phone == "+959420123456"


def test_a_burmese_handle_matches_across_zawgyi_and_unicode(volunteer, team) -> None:
    intake(volunteer, team, contacts=[ContactInput(kind="facebook", value=UNICODE_NAME)])
    second = intake(volunteer, team, contacts=[ContactInput(kind="facebook", value=ZAWGYI_NAME)])
    assert DuplicateFlag.objects.get(case=second).matched_on == "handle"
