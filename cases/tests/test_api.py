from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.api import CASE_LIST_COLUMNS, CaseListRowOutput, list_rows
from cases.models import Case, CaseNeed, ContactChannel
from cases.tests.factories import CaseFactory, ContactFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import token_client
from supportdesk.vault.services import key_holder_shred

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"


def intake_body(team_, **overrides) -> dict:
    body = {
        "team": str(team_.pk),
        "alias": "Special 007",
        "service_branch": "army",
        "contact_method": "messaging_app",
        "contacts": [{"kind": "phone", "value": "09 420 123456"}],
        "needs": ["food", "medical"],
        "real_name": "Ko Aung",
    }
    return {**body, **overrides}


def test_intake_through_the_api(volunteer, team) -> None:
    response = token_client(volunteer).post(CASES, intake_body(team), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["alias"] == "Special 007" and body["real_name"] == "Ko Aung"
    assert body["contacts"][0]["value"] == "+959420123456"
    assert body["needs"] == ["food", "medical"] and body["risk"] == "low"
    assert body["possible_duplicates"] == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contacts": [{"kind": "phone", "value": "12345"}]}, "contacts"),
        ({"contacts": [{"kind": "pigeon", "value": "x"}]}, "contacts"),
        ({"service_branch": "space force"}, "service_branch"),
        ({"alias": "x" * 101}, "alias"),
        ({"alias": ""}, "alias"),
        ({"notes": "x" * 10001}, "notes"),
        ({"needs": "food"}, "needs"),
        ({"needs": ["yacht"]}, "needs"),
        ({"still_serving": "maybe"}, "still_serving"),
        ({"date_left": "last spring"}, "date_left"),
        ({"date_left": "2999-01-01"}, "date_left"),  # not left yet
        ({"still_serving": True, "date_left": "2021-03-01"}, "date_left"),
        ({"team": "not-a-uuid"}, "team"),
        ({"contacts": [{"kind": "phone", "value": "0"}] * 11}, "contacts"),
    ],
)
def test_bad_input_answers_400_per_field_and_writes_nothing(
    volunteer, team, overrides, field
) -> None:
    response = token_client(volunteer).post(CASES, intake_body(team, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.exists() and not ContactChannel.objects.exists()


def test_a_team_that_is_not_mine_is_a_400(volunteer, other_team) -> None:
    response = token_client(volunteer).post(CASES, intake_body(other_team), format="json")
    assert response.status_code == 400
    assert response.json() == {"team": ["Choose one of your teams."]}
    assert not Case.objects.exists()


def test_a_json_body_that_is_not_an_object_is_a_400(volunteer) -> None:
    response = token_client(volunteer).post(CASES, [1, 2], format="json")
    assert response.status_code == 400


def test_the_list_shows_my_teams_cases_riskiest_first(volunteer, team, other_team) -> None:
    low = CaseFactory.create(team=team)
    high = CaseFactory.create(team=team, risk=3)
    CaseFactory.create(team=other_team)
    body = token_client(volunteer).get(CASES).json()
    assert [row["id"] for row in body["results"]] == [str(high.pk), str(low.pk)]
    assert body["count"] == 2


def test_the_list_filters(volunteer, team) -> None:
    food = CaseFactory.create(team=team, status="hiding", verification="verified", risk=2)
    CaseNeed.objects.create(case=food, need="food")
    CaseFactory.create(team=team)
    api = token_client(volunteer)
    for query in (
        "status=hiding",
        "need=food",
        "verification=verified",
        "risk=elevated",
        f"team={team.pk}&need=food",
    ):
        assert [r["id"] for r in api.get(f"{CASES}?{query}").json()["results"]] == [str(food.pk)]
    assert api.get(f"{CASES}?status=flying").status_code == 400
    assert api.get(f"{CASES}?risk=9").status_code == 400


def test_a_page_of_cases_costs_the_same_queries_for_5_or_50(volunteer, team) -> None:
    api = token_client(volunteer)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(CASES).status_code == 200
        return len(captured)

    for _ in range(5):
        CaseNeed.objects.create(case=CaseFactory.create(team=team), need="cash")
    five = queries_for_page()
    for _ in range(45):
        CaseNeed.objects.create(case=CaseFactory.create(team=team), need="cash")
    assert queries_for_page() == five
    assert five <= 10


def test_the_list_records_which_cases_were_shown(volunteer, team) -> None:
    cases = [CaseFactory.create(team=team) for _ in range(3)]
    token_client(volunteer).get(CASES)
    shown = set(
        AuditEvent.objects.filter(action="case.list_view").values_list("object_id", flat=True)
    )
    assert shown == {case.pk.hex for case in cases}


def test_the_detail_is_audited_with_field_names_only(volunteer, team) -> None:
    case = CaseFactory.create(team=team, real_name="Ko Aung")
    assert token_client(volunteer).get(f"{CASES}{case.pk}/").json()["real_name"] == "Ko Aung"
    event = AuditEvent.objects.get(action="case.view", object_id=case.pk.hex)
    assert "real_name" in event.fields and "Ko Aung" not in str(event.fields)


def test_a_wrong_move_answers_409_with_a_sentence(volunteer, team) -> None:
    case = CaseFactory.create(team=team)
    response = token_client(volunteer).post(
        f"{CASES}{case.pk}/transition/", {"to_status": "resettled"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "A case that is “New” cannot move to “Resettled”."


def test_a_volunteer_accepting_gets_409_with_a_sentence(volunteer, team) -> None:
    case = CaseFactory.create(team=team, status="verifying")
    response = token_client(volunteer).post(
        f"{CASES}{case.pk}/transition/", {"to_status": "accepted"}, format="json"
    )
    assert response.status_code == 409
    assert "coordinator" in response.json()["detail"]


def test_a_possible_duplicate_in_another_team_is_counted_but_not_shown(
    volunteer, outsider, team, other_team
) -> None:
    ContactFactory.create(case=CaseFactory.create(team=other_team), phone="+959420123456")
    response = token_client(volunteer).post(CASES, intake_body(team), format="json")
    body = response.json()
    assert body["possible_duplicates"] == 1
    assert token_client(volunteer).get(f"{CASES}duplicates/").json() == []


def test_patch_updates_and_validates(volunteer, team) -> None:
    case = CaseFactory.create(team=team)
    api = token_client(volunteer)
    response = api.patch(
        f"{CASES}{case.pk}/", {"current_area": "Near Myawaddy", "needs": ["shelter"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["current_area"] == "Near Myawaddy"
    assert response.json()["needs"] == ["shelter"]
    bad = api.patch(f"{CASES}{case.pk}/", {"service_branch": "pirates"}, format="json")
    assert bad.status_code == 400 and "service_branch" in bad.json()


def test_the_schema_lists_the_case_endpoints(volunteer) -> None:
    from supportdesk.testing import verified_client

    schema = verified_client(volunteer).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{case_id}/transition/",
        "/api/v1/family/{member_id}/flags/",
        "/api/v1/cdm-requests/{request_id}/issue/",
    ):
        assert path in schema


def test_a_contact_added_later_is_normalised_and_checked_for_duplicates(volunteer, team) -> None:
    other = CaseFactory.create(team=team)
    ContactFactory.create(case=other, phone="+959420123456")
    case = CaseFactory.create(team=team)
    api = token_client(volunteer)
    response = api.post(
        f"{CASES}{case.pk}/contacts/", {"kind": "viber", "value": "၀၉ ၄၂၀ ၁၂၃ ၄၅၆"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["contacts"] == [
        {"id": response.json()["contacts"][0]["id"], "kind": "viber", "value": "+959420123456"}
    ]
    assert response.json()["possible_duplicates"] == 1
    bad = api.post(f"{CASES}{case.pk}/contacts/", {"kind": "phone", "value": "123"}, format="json")
    assert bad.status_code == 400 and "value" in bad.json()
    assert ContactChannel.objects.filter(case=case).count() == 1


def test_a_flag_checked_again_through_the_api(volunteer, team, other_team) -> None:
    import datetime

    from cases.tests.factories import SecurityFlagFactory

    flag = SecurityFlagFactory.create(family_member__case=CaseFactory.create(team=team))
    api = token_client(volunteer)
    later = datetime.date.today() + datetime.timedelta(days=7)
    url = f"/api/v1/flags/{flag.pk}/review/"
    response = api.post(url, {"next_review_on": later.isoformat()}, format="json")
    assert response.status_code == 200 and response.json()["review_on"] == later.isoformat()
    past = api.post(url, {"next_review_on": "2000-01-01"}, format="json")
    assert past.status_code == 400
    assert past.json()["next_review_on"] == ["Choose today or a later date."]
    assert api.post(url, {}, format="json").status_code == 400
    flag.refresh_from_db()
    assert flag.review_on == later
    elsewhere = SecurityFlagFactory.create(family_member__case=CaseFactory.create(team=other_team))
    response = api.post(
        f"/api/v1/flags/{elsewhere.pk}/review/",
        {"next_review_on": later.isoformat()},
        format="json",
    )
    assert response.status_code == 404


def test_list_rows_are_what_the_row_serializer_writes(volunteer, team) -> None:
    """The list writes its rows without DRF's per-field machinery; they must be exactly the rows
    the documented serializer writes, for every kind of case a page may hold."""
    CaseFactory.create(team=team, alias="ကိုဇော်", status="hiding", risk=3, on_hold=True)
    CaseFactory.create(
        team=team,
        status="closed",
        closed_at=timezone.now() - datetime.timedelta(days=3),
        text_needs_review=True,
        verification="verified",
    )
    shredded = CaseFactory.create(team=team, status="closed", closed_at=timezone.now())
    key_holder_shred(holder=shredded)
    Case.objects.filter(pk=shredded.pk).update(shredded_at=timezone.now())
    plain = CaseFactory.create(team=team)
    CaseNeed.objects.create(case=plain, need="food")
    CaseNeed.objects.create(case=plain, need="medical")
    page = list(Case.objects.filter(team=team).select_related("team").only(*CASE_LIST_COLUMNS))
    needs: dict[uuid.UUID, list[str]] = {case.pk: [] for case in page}
    needs[plain.pk] = ["food", "medical"]
    for zone in ("UTC", "Asia/Yangon"):
        with timezone.override(zone):
            expected = CaseListRowOutput(page, many=True, context={"needs": needs}).data
            assert list_rows(page, needs) == [dict(row) for row in expected]
    assert {row["shredded"] for row in list_rows(page, needs)} == {True, False}
