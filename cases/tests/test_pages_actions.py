"""The actions of a case page: each a POST to its own address. Refused input answers 400 with the
form's messages, a broken rule 409 with its sentence on the case page, out of scope 404."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    CaseEvent,
    CdmRequest,
    FamilyMember,
    Risk,
    SecurityFlag,
)
from cases.tests.factories import (
    CaseFactory,
    CdmRequestFactory,
    FamilyMemberFactory,
    SecurityFlagFactory,
)
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory, TeamFactory
from supportdesk.testing import verified_client

if TYPE_CHECKING:
    from supportdesk.testing import ClientResponse

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()
ONLY_COORDINATORS = "Only a coordinator of this case&#x27;s team can do that."
CONFIRMED = {"confirmed": "1"}  # the second press of an action that cannot be undone


def post(
    client: Client, name: str, case: Case, data: dict | None = None, **kwargs: object
) -> ClientResponse:
    return client.post(reverse(f"cases:{name}", kwargs={"case_id": case.pk, **kwargs}), data or {})


def html(response: ClientResponse) -> str:
    return response.content.decode()


# --- Status -----------------------------------------------------------------------------------


def test_a_volunteer_moves_a_case_and_the_timeline_says_why(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    response = post(client, "transition", case, {"to_status": "verifying", "reason": "Call done"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFYING
    page = html(client.get(response["Location"]))
    assert "Status changed to “Verifying”." in page and "New → Verifying" in page
    assert "Call done" in page


def test_only_allowed_moves_are_offered_and_coordinator_moves_only_to_coordinators(
    volunteer: User, coordinator: User, team: Team
) -> None:
    case = CaseFactory.create(team=team, status=Case.Status.VERIFYING)
    url = reverse("cases:detail", args=[case.pk])
    offered = {
        user.username: dict(
            verified_client(user)
            .get(url)
            .context["forms"]["transition"]
            .fields["to_status"]
            .widget.choices
        )
        for user in (volunteer, coordinator)
    }
    assert set(offered["volunteer"]) == {"", "hiding", "in_service", "lost_contact"}
    assert set(offered["coordinator"]) == {
        "",
        "accepted",
        "declined",
        "hiding",
        "in_service",
        "lost_contact",
    }


def test_a_volunteer_accepting_gets_409_and_the_sentence(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team, status=Case.Status.VERIFYING)
    response = post(verified_client(volunteer), "transition", case, {"to_status": "accepted"})
    assert response.status_code == 409
    assert ONLY_COORDINATORS in html(response) and "Special" in html(response)
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFYING


def test_a_move_the_table_forbids_gets_409_and_the_sentence(coordinator: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    response = post(verified_client(coordinator), "transition", case, {"to_status": "resettled"})
    assert response.status_code == 409
    assert "A case that is “New” cannot move to “Resettled”." in html(response)


def test_an_unknown_status_is_a_400_at_the_field(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    response = post(verified_client(volunteer), "transition", case, {"to_status": "flying"})
    assert response.status_code == 400
    assert "Select a valid choice" in html(response)
    assert response.context["open_form"] == "transition"


def test_get_on_an_action_shows_the_case_page_with_its_form_open(
    volunteer: User, team: Team
) -> None:
    case = CaseFactory.create(team=team)
    response = verified_client(volunteer).get(reverse("cases:note", args=[case.pk]))
    assert response.status_code == 200 and response.context["open_form"] == "note"
    assert '<details open id="note">' in html(response)


# --- Verification -----------------------------------------------------------------------------


def test_vouch_by_me_then_verify_by_another_coordinator(
    volunteer: User, coordinator: User, team: Team
) -> None:
    case = CaseFactory.create(team=team)
    assert post(verified_client(volunteer), "vouch", case, {"note": "Known"}).status_code == 302
    case.refresh_from_db()
    assert case.verification == Case.Verification.VOUCHED and case.vouched_by_user == volunteer
    assert post(verified_client(coordinator), "verify", case).status_code == 302
    case.refresh_from_db()
    assert case.verification == Case.Verification.VERIFIED and case.verified_by == coordinator


def test_vouch_by_a_verified_case_of_my_teams(volunteer: User, team: Team) -> None:
    voucher = CaseFactory.create(
        team=team, alias="Trusted", verification=Case.Verification.VERIFIED
    )
    case = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    assert "Trusted" in html(client.get(reverse("cases:detail", args=[case.pk])))
    assert post(client, "vouch", case, {"by_case": str(voucher.pk)}).status_code == 302
    case.refresh_from_db()
    assert case.vouched_by_case == voucher and case.vouched_by_user is None


def test_a_voucher_from_another_team_is_refused(
    volunteer: User, team: Team, other_team: Team
) -> None:
    voucher = CaseFactory.create(team=other_team, verification=Case.Verification.VERIFIED)
    case = CaseFactory.create(team=team)
    response = post(verified_client(volunteer), "vouch", case, {"by_case": str(voucher.pk)})
    assert response.status_code == 400
    assert "Choose a verified case of your teams." in html(response)
    case.refresh_from_db()
    assert case.verification == Case.Verification.UNVERIFIED


def test_an_unverified_voucher_gets_409(volunteer: User, team: Team) -> None:
    voucher, case = CaseFactory.create(team=team), CaseFactory.create(team=team)
    response = post(verified_client(volunteer), "vouch", case, {"by_case": str(voucher.pk)})
    assert response.status_code == 409
    assert "Only a verified case can vouch for another." in html(response)


def test_a_volunteer_cannot_verify_revoke_hold_or_assign(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team, verification=Case.Verification.VOUCHED)
    client = verified_client(volunteer)
    for name, data in [
        ("verify", {}),
        ("revoke", {"reason": "Doubt"}),
        ("hold", {"on_hold": "1"}),
        ("assign", {"team": str(team.pk)}),
    ]:
        response = post(client, name, case, data)
        assert response.status_code == 409, name
        assert ONLY_COORDINATORS in html(response), name
    case.refresh_from_db()
    assert case.verification == Case.Verification.VOUCHED and not case.on_hold


def test_the_coordinator_who_vouched_cannot_verify(coordinator: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    client = verified_client(coordinator)
    post(client, "vouch", case)
    response = post(client, "verify", case)
    assert response.status_code == 409
    assert "You vouched for this case: another coordinator must verify it." in html(response)


def test_revoking_needs_a_reason(coordinator: User, team: Team) -> None:
    case = CaseFactory.create(team=team, verification=Case.Verification.VERIFIED)
    client = verified_client(coordinator)
    response = post(client, "revoke", case, {"reason": ""})
    assert response.status_code == 400 and "This field is required." in html(response)
    assert post(client, "revoke", case, {"reason": "Story changed"}).status_code == 302
    case.refresh_from_db()
    assert case.verification == Case.Verification.UNVERIFIED


# --- Team and hold ----------------------------------------------------------------------------


def test_a_coordinator_of_both_teams_moves_a_case(coordinator: User, team: Team) -> None:
    south = TeamFactory.create(name="South")
    MembershipFactory.create(team=south, user=coordinator)
    case = CaseFactory.create(team=team)
    response = post(verified_client(coordinator), "assign", case, {"team": str(south.pk)})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.team == south


def test_moving_to_a_team_i_am_not_on_is_a_400(
    coordinator: User, team: Team, other_team: Team
) -> None:
    case = CaseFactory.create(team=team)
    response = post(verified_client(coordinator), "assign", case, {"team": str(other_team.pk)})
    assert response.status_code == 400 and "Choose one of your teams." in html(response)
    case.refresh_from_db()
    assert case.team == team


def test_hold_on_and_off(coordinator: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    client = verified_client(coordinator)
    assert post(client, "hold", case, {"on_hold": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.on_hold
    assert post(client, "hold", case, {"on_hold": "0"}).status_code == 302
    case.refresh_from_db()
    assert not case.on_hold
    assert post(client, "hold", case, {"on_hold": "maybe"}).status_code == 400


# --- Notes and family ---------------------------------------------------------------------------


def test_a_note_is_added_and_an_empty_one_refused(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    response = post(client, "note", case, {"text": "Crossed the river"})
    assert response.status_code == 302 and response["Location"].endswith("#timeline")
    assert CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.NOTE).text == "Crossed the river"
    response = post(client, "note", case, {"text": ""})
    assert response.status_code == 400 and "This field is required." in html(response)
    response = post(client, "note", case, {"text": "x" * 5001})
    assert response.status_code == 400
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count() == 1


def test_a_family_member_and_a_threat_raise_the_risk(
    volunteer: User, coordinator: User, team: Team
) -> None:
    case = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    data = {"relation": "spouse", "name": "Ma Hla", "phone": "09 420 111222", "age_group": "adult"}
    assert post(client, "family_add", case, data).status_code == 302
    member = FamilyMember.objects.get(case=case)
    assert member.phone == "+959420111222"
    flag = {
        "kind": "threatened",
        "severity": "3",
        "observed_on": TODAY,
        "review_on": TODAY,
        "source": "Her sister",
    }
    response = post(client, "flag_add", case, flag, member_id=member.pk)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.risk == Risk.HIGH
    page = html(client.get(reverse("cases:detail", args=[case.pk])))
    assert "Risk: High" in page and "Threatened" in page and "Her sister" in page
    assert coordinator.notifications.exists()


def test_bad_family_input_is_a_400_and_writes_nothing(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    data = {"relation": "cousin twice removed", "phone": "123", "name": "x" * 201}
    response = post(verified_client(volunteer), "family_add", case, data)
    assert response.status_code == 400
    errors = response.context["forms"]["family"].errors
    assert set(errors) == {"relation", "phone", "name"}
    assert "not a phone number we can use" in html(response)
    assert not FamilyMember.objects.exists()


def test_a_flag_with_a_review_before_it_happened_is_a_400(volunteer: User, team: Team) -> None:
    member = FamilyMemberFactory.create(case=CaseFactory.create(team=team))
    data = {"kind": "contacted", "severity": "2", "observed_on": TODAY, "review_on": "2000-01-01"}
    response = post(verified_client(volunteer), "flag_add", member.case, data, member_id=member.pk)
    assert response.status_code == 400
    assert "The review date cannot be before the date it happened." in html(response)
    assert not SecurityFlag.objects.exists()


def test_a_flag_seen_next_year_is_a_400(volunteer: User, team: Team) -> None:
    member = FamilyMemberFactory.create(case=CaseFactory.create(team=team))
    next_year = (timezone.localdate() + datetime.timedelta(days=366)).isoformat()
    data = {"kind": "contacted", "severity": "2", "observed_on": next_year, "review_on": next_year}
    response = post(verified_client(volunteer), "flag_add", member.case, data, member_id=member.pk)
    assert response.status_code == 400
    assert "This date is in the future: give the day it happened." in html(response)
    assert not SecurityFlag.objects.exists()


def test_resolving_a_flag_lowers_the_risk_and_twice_is_409(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    member = FamilyMemberFactory.create(case=case)
    data = {"kind": "detained", "severity": "3", "observed_on": TODAY, "review_on": TODAY}
    post(client, "flag_add", case, data, member_id=member.pk)
    flag = SecurityFlag.objects.get()
    assert post(client, "flag_resolve", case, CONFIRMED, flag_id=flag.pk).status_code == 302
    case.refresh_from_db()
    assert case.risk == Risk.LOW
    response = post(client, "flag_resolve", case, CONFIRMED, flag_id=flag.pk)
    assert response.status_code == 409 and "This flag is already resolved." in html(response)


def test_a_member_or_flag_of_another_case_is_404(volunteer: User, team: Team) -> None:
    case, elsewhere = CaseFactory.create(team=team), CaseFactory.create(team=team)
    member = FamilyMemberFactory.create(case=elsewhere)
    flag = SecurityFlagFactory.create(family_member=member)
    client = verified_client(volunteer)
    data = {"kind": "contacted", "severity": "2", "observed_on": TODAY, "review_on": TODAY}
    assert post(client, "flag_add", case, data, member_id=member.pk).status_code == 404
    assert post(client, "flag_resolve", case, CONFIRMED, flag_id=flag.pk).status_code == 404
    assert SecurityFlag.objects.count() == 1 and flag.resolved_at is None


def test_a_relative_s_details_are_changed_from_the_case_page(volunteer: User, team: Team) -> None:
    from supportdesk.audit.models import AuditEvent

    member = FamilyMemberFactory.create(
        case=CaseFactory.create(team=team), relation="spouse", name="Ma Hla", phone=""
    )
    client = verified_client(volunteer)
    page = html(client.get(reverse("cases:detail", args=[member.case.pk])))
    assert "Change this person's details" in page and 'value="Ma Hla"' in page
    data = {"relation": "spouse", "name": "Ma Hla", "location": "Hpa-An", "phone": "09 420 333444"}
    response = post(client, "family_edit", member.case, data, member_id=member.pk)
    assert response.status_code == 302 and response["Location"].endswith("#family")
    member.refresh_from_db()
    assert (member.location, member.phone) == ("Hpa-An", "+959420333444")
    event = AuditEvent.objects.get(action="family_member.update")
    assert event.fields == ["location", "phone"]  # only what was changed
    page = html(client.get(response["Location"]))
    assert "Changes saved." in page and "+959420333444" in page


def test_a_bad_phone_for_a_relative_is_a_400_next_to_the_field(volunteer: User, team: Team) -> None:
    member = FamilyMemberFactory.create(case=CaseFactory.create(team=team), location="Hpa-An")
    data = {"relation": member.relation, "location": "Somewhere else", "phone": "12"}
    response = post(
        verified_client(volunteer), "family_edit", member.case, data, member_id=member.pk
    )
    assert response.status_code == 400
    page = html(response)
    assert f'id="member-{member.pk.hex[:8]}-phone"' in page  # the refused form, open, in place
    assert "Nothing was saved." in page
    member.refresh_from_db()
    assert member.location == "Hpa-An"


def test_a_flag_checked_again_comes_back_on_the_new_date(volunteer: User, team: Team) -> None:
    from cases.services.family import FLAG_REVIEW
    from supportdesk.followups.models import FollowUp

    case = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    member = FamilyMemberFactory.create(case=case)
    data = {"kind": "surveillance", "severity": "2", "observed_on": TODAY, "review_on": TODAY}
    post(client, "flag_add", case, data, member_id=member.pk)
    flag = SecurityFlag.objects.get()
    assert "Checked, still at risk" in html(client.get(reverse("cases:detail", args=[case.pk])))
    later = datetime.date.today() + datetime.timedelta(days=14)
    response = post(
        client, "flag_review", case, {"next_review_on": later.isoformat()}, flag_id=flag.pk
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.review_on == later and flag.resolved_at is None
    pending = FollowUp.objects.get(kind=FLAG_REVIEW, state=FollowUp.State.PENDING)
    assert pending.due_at.date() == later


def test_a_check_dated_in_the_past_is_a_400_and_a_resolved_flag_409(
    volunteer: User, team: Team
) -> None:
    flag = SecurityFlagFactory.create(family_member__case=CaseFactory.create(team=team))
    case, before = flag.family_member.case, flag.review_on
    client = verified_client(volunteer)
    response = post(client, "flag_review", case, {"next_review_on": "2000-01-01"}, flag_id=flag.pk)
    assert response.status_code == 400 and "Choose today or a later date." in html(response)
    flag.refresh_from_db()
    assert flag.review_on == before
    post(client, "flag_resolve", case, CONFIRMED, flag_id=flag.pk)
    response = post(client, "flag_review", case, {"next_review_on": TODAY}, flag_id=flag.pk)
    assert response.status_code == 409 and "This flag is already resolved." in html(response)


def test_changing_a_relative_or_a_flag_of_another_case_is_404(volunteer: User, team: Team) -> None:
    case, elsewhere = CaseFactory.create(team=team), CaseFactory.create(team=team)
    member = FamilyMemberFactory.create(case=elsewhere, name="Unchanged")
    flag = SecurityFlagFactory.create(family_member=member)
    review_before = flag.review_on
    client = verified_client(volunteer)
    data = {"relation": "parent", "name": "Changed"}
    assert post(client, "family_edit", case, data, member_id=member.pk).status_code == 404
    review = {"next_review_on": TODAY}
    assert post(client, "flag_review", case, review, flag_id=flag.pk).status_code == 404
    outsider = verified_client(MembershipFactory.create(team=TeamFactory.create()).user)
    assert post(outsider, "family_edit", elsewhere, data, member_id=member.pk).status_code == 404
    assert post(outsider, "flag_review", elsewhere, review, flag_id=flag.pk).status_code == 404
    member.refresh_from_db()
    flag.refresh_from_db()
    assert member.name == "Unchanged" and flag.review_on == review_before


# --- CDM codes --------------------------------------------------------------------------------


def test_a_cdm_request_from_draft_to_issued_through_the_pages(
    volunteer: User, coordinator: User, team: Team
) -> None:
    case = CaseFactory.create(
        team=team,
        verification=Case.Verification.VERIFIED,
        date_left=datetime.date(2021, 3, 1),
    )
    mine, theirs = verified_client(volunteer), verified_client(coordinator)
    assert post(mine, "cdm_create", case, {"kind": "cdm"}).status_code == 302
    request = CdmRequest.objects.get(case=case)

    response = post(mine, "cdm_ready", case, request_id=request.pk)
    assert response.status_code == 409
    assert "Someone other than the person who drafted it must check it." in html(response)
    assert post(theirs, "cdm_ready", case, request_id=request.pk).status_code == 302

    sent = {"submitted_on": TODAY, "channel": "secure_message"}
    response = post(mine, "cdm_submit", case, sent, request_id=request.pk)
    assert response.status_code == 409 and ONLY_COORDINATORS in html(response)
    response = post(theirs, "cdm_submit", case, {"channel": "pigeon"}, request_id=request.pk)
    assert response.status_code == 400
    assert set(response.context["forms"]["cdm_submit"].errors) == {"submitted_on", "channel"}
    assert post(theirs, "cdm_submit", case, sent, request_id=request.pk).status_code == 302

    code = {"code": "CDM-2021-0042"}
    assert post(mine, "cdm_issue", case, code, request_id=request.pk).status_code == 409
    assert post(theirs, "cdm_issue", case, code, request_id=request.pk).status_code == 302
    request.refresh_from_db()
    assert request.state == CdmRequest.State.ISSUED and request.code == "CDM-2021-0042"
    assert "CDM-2021-0042" in html(mine.get(reverse("cases:detail", args=[case.pk])))


def test_a_code_issued_twice_is_caught_on_the_page(coordinator: User, team: Team) -> None:
    CdmRequestFactory.create(case=CaseFactory.create(team=team), state="issued", code="CDM-1")
    request = CdmRequestFactory.create(case=CaseFactory.create(team=team), state="submitted")
    response = post(
        verified_client(coordinator),
        "cdm_issue",
        request.case,
        {"code": " cdm-1 "},
        request_id=request.pk,
    )
    assert response.status_code == 409 and "a code must never be used twice" in html(response)
    request.refresh_from_db()
    assert request.state == CdmRequest.State.SUBMITTED


def test_a_pre_cdm_code_is_for_someone_still_serving(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    response = post(verified_client(volunteer), "cdm_create", case, {"kind": "pre_cdm"})
    assert response.status_code == 409
    assert "A pre-CDM code is for someone still serving" in html(response)
    assert not CdmRequest.objects.exists()


def test_reject_needs_a_reason_and_withdraw_closes(coordinator: User, team: Team) -> None:
    client = verified_client(coordinator)
    request = CdmRequestFactory.create(case=CaseFactory.create(team=team), state="submitted")
    case = request.case
    assert post(client, "cdm_reject", case, {}, request_id=request.pk).status_code == 400
    reason = {"reason": "Unit not known"}
    assert post(client, "cdm_reject", case, reason, request_id=request.pk).status_code == 302
    request.refresh_from_db()
    assert request.state == CdmRequest.State.REJECTED
    other = CdmRequestFactory.create(case=case)
    assert post(client, "cdm_withdraw", case, CONFIRMED, request_id=other.pk).status_code == 302
    other.refresh_from_db()
    assert other.state == CdmRequest.State.WITHDRAWN
    again = post(client, "cdm_withdraw", case, CONFIRMED, request_id=other.pk)
    assert again.status_code == 409 and "that step is not possible now" in html(again)


def test_a_request_of_another_case_is_404(coordinator: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    request = CdmRequestFactory.create(case=CaseFactory.create(team=team))
    response = post(verified_client(coordinator), "cdm_withdraw", case, request_id=request.pk)
    assert response.status_code == 404


def test_the_export_is_the_api_csv_for_coordinators_only(
    volunteer: User, coordinator: User, team: Team
) -> None:
    request = CdmRequestFactory.create(
        case=CaseFactory.create(team=team, real_name="=cmd"), state=CdmRequest.State.READY
    )
    url = reverse("cases:cdm_export")
    response = verified_client(coordinator).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("request_id,kind,service_branch,real_name")
    assert lines[1].startswith(f"{request.pk},cdm,army,'=cmd")
    assert verified_client(volunteer).get(url).status_code == 404


# --- Outsiders ----------------------------------------------------------------------------------

ACTIONS = [
    ("transition", {"to_status": "verifying"}, {}),
    ("vouch", {}, {}),
    ("verify", {}, {}),
    ("revoke", {"reason": "x"}, {}),
    ("assign", {"team": ""}, {}),
    ("hold", {"on_hold": "1"}, {}),
    ("note", {"text": "x"}, {}),
    ("family_add", {"relation": "spouse"}, {}),
    ("contact_add", {"kind": "telegram", "value": "@someone"}, {}),
    ("flag_add", {"kind": "contacted", "severity": "2"}, {"member_id": "member"}),
    ("flag_resolve", {}, {"flag_id": "flag"}),
    ("cdm_create", {"kind": "cdm"}, {}),
    ("cdm_ready", {}, {"request_id": "request"}),
    ("cdm_submit", {"submitted_on": TODAY, "channel": "other"}, {"request_id": "request"}),
    ("cdm_issue", {"code": "X"}, {"request_id": "request"}),
    ("cdm_reject", {"reason": "x"}, {"request_id": "request"}),
    ("cdm_withdraw", {}, {"request_id": "request"}),
]


@pytest.mark.parametrize(("name", "data", "refs"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_an_outsider_gets_404_for_every_action_on_another_teams_case(
    outsider: User, team: Team, name: str, data: dict, refs: dict
) -> None:
    case = CaseFactory.create(team=team, verification=Case.Verification.VOUCHED)
    member = FamilyMemberFactory.create(case=case)
    objects = {
        "member": member.pk,
        "flag": SecurityFlagFactory.create(family_member=member).pk,
        "request": CdmRequestFactory.create(case=case, state="submitted").pk,
    }
    kwargs = {key: objects[value] for key, value in refs.items()}
    client = verified_client(outsider)
    events = CaseEvent.objects.count()
    assert post(client, name, case, data, **kwargs).status_code == 404
    url = reverse(f"cases:{name}", kwargs={"case_id": case.pk, **kwargs})
    assert client.get(url).status_code == 404
    assert CaseEvent.objects.count() == events
    case.refresh_from_db()
    assert case.status == Case.Status.NEW and case.verification == Case.Verification.VOUCHED


def test_pressing_change_status_before_choosing_moves_nothing(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    response = post(verified_client(volunteer), "transition", case, {"to_status": ""})
    assert response.status_code == 400 and "This field is required." in html(response)
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_the_case_page_records_its_view_and_the_vouchers_it_offers(
    volunteer: User, team: Team
) -> None:
    from supportdesk.audit.models import AuditEvent

    voucher = CaseFactory.create(team=team, verification=Case.Verification.VERIFIED)
    case = CaseFactory.create(team=team)
    verified_client(volunteer).get(reverse("cases:detail", args=[case.pk]))
    events = AuditEvent.objects.values_list("action", "object_id", "fields")
    viewed = {(action, object_id): fields for action, object_id, fields in events}
    assert set(viewed) == {("case.view", case.pk.hex), ("case.list_view", voucher.pk.hex)}
    assert viewed["case.list_view", voucher.pk.hex] == ["alias"]
    details = set(viewed["case.view", case.pk.hex])
    assert {"alias", "family.name", "events.text", "cdm_requests.code"} <= details


def test_the_case_page_costs_the_same_queries_for_1_or_5_relatives(
    volunteer: User, team: Team
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    url = reverse("cases:detail", args=[case.pk])
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    SecurityFlagFactory.create(family_member=FamilyMemberFactory.create(case=case))
    one = queries()
    for _ in range(4):
        SecurityFlagFactory.create(family_member=FamilyMemberFactory.create(case=case))
    assert queries() == one


def test_the_drafter_is_told_someone_else_checks(
    volunteer: User, coordinator: User, team: Team
) -> None:
    case = CaseFactory.create(team=team)
    CdmRequestFactory.create(case=case, created_by=volunteer)
    url = reverse("cases:detail", args=[case.pk])
    assert "Someone else on the team must now check" in html(verified_client(volunteer).get(url))
    assert "Checked: ready to send" in html(verified_client(coordinator).get(url))


def test_coordinators_find_the_export_on_the_list(volunteer: User, coordinator: User) -> None:
    export = reverse("cases:cdm_export")
    assert export in html(verified_client(coordinator).get(reverse("cases:list")))
    assert export not in html(verified_client(volunteer).get(reverse("cases:list")))


GARBAGE = [
    {},
    {"to_status": "x" * 5000, "reason": "x" * 5000},
    {"by_case": "not-a-uuid", "team": "🙂", "on_hold": "2", "text": "\x00"},
    {"relation": "spouse", "phone": "+95 9 ၄၂၀ ၁၂၃", "kind": "detained", "severity": "9"},
    {"observed_on": "2021-02-30", "review_on": "yesterday", "submitted_on": "0000-00-00"},
    {"channel": "secure_message", "submitted_on": TODAY, "code": " ", "reason": " "},
]


@pytest.mark.parametrize("persona", ["volunteer", "coordinator"])
@pytest.mark.parametrize(("name", "_data", "refs"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_no_input_makes_an_action_fail_with_a_server_error(
    persona: str, name: str, _data: dict, refs: dict, team: Team, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    case = CaseFactory.create(team=team, verification=Case.Verification.VOUCHED)
    member = FamilyMemberFactory.create(case=case)
    objects = {
        "member": member.pk,
        "flag": SecurityFlagFactory.create(family_member=member).pk,
        "request": CdmRequestFactory.create(case=case, state="submitted").pk,
    }
    kwargs = {key: objects[value] for key, value in refs.items()}
    client = verified_client(user)
    client.raise_request_exception = False
    for data in GARBAGE:
        response = post(client, name, case, data, **kwargs)
        assert response.status_code < 500, (name, data)


def test_a_contact_added_on_the_case_page_is_stored_and_checked(volunteer, team) -> None:
    from cases.models import ContactChannel, DuplicateFlag
    from cases.tests.factories import CaseFactory, ContactFactory

    ContactFactory.create(case=CaseFactory.create(team=team), phone="+959420123456")
    case = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    url = reverse("cases:contact_add", args=[case.pk])
    bad = client.post(url, {"kind": "phone", "value": "12"})
    assert bad.status_code == 400 and not ContactChannel.objects.filter(case=case).exists()
    response = client.post(url, {"kind": "whatsapp", "value": "09 420 123 456"})
    assert response.status_code == 302
    assert ContactChannel.objects.get(case=case).phone == "+959420123456"
    assert DuplicateFlag.objects.filter(case=case).exists()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "+959420123456" in page
    assert "This case may be the same person as another case" in page
