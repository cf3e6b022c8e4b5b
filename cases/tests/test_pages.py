"""Case pages: the list, intake, editing, statistics and the nav, for each persona."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from cases.forms import LANGUAGE_CHOICES
from cases.models import Case, CaseNeed, CdmRequest, ContactChannel, DuplicateFlag, Risk
from cases.serializers import LANGUAGES
from cases.tests.factories import CaseFactory, ContactFactory
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import verified_client

pytestmark = pytest.mark.django_db
LIST, NEW = reverse("cases:list"), reverse("cases:create")


def intake(team_: Team, **overrides: object) -> dict[str, object]:
    form = {
        "team": str(team_.pk),
        "alias": "Special 007",
        "real_name": "Ko Aung",
        "service_branch": "army",
        "rank": "Corporal",
        "unit": "LIB 101",
        "service_number": "BA-123456",
        "date_left": "2021-03-14",
        "current_area": "Sagaing region",
        "contact_method": "messaging_app",
        "contact_1_kind": "phone",
        "contact_1_value": "09 420 123456",
        "contact_2_kind": "telegram",
        "contact_2_value": "@Special007",
        "needs": ["food", "medical"],
        "languages": ["my", "en"],
        "medical_notes": "Wounded leg",
        "notes": "Left with his wife",
    }
    return {**form, **overrides}


def nothing_written() -> bool:
    return not Case.objects.exists() and not ContactChannel.objects.exists()


# --- Intake ----------------------------------------------------------------------------------


def test_the_page_languages_are_the_api_languages() -> None:
    assert [code for code, _ in LANGUAGE_CHOICES] == [code for code, _ in LANGUAGES]


def test_a_volunteer_records_a_case_and_lands_on_its_page(volunteer: User, team: Team) -> None:
    client = verified_client(volunteer)
    response = client.post(NEW, intake(team))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (case.team, case.alias, case.real_name, case.unit) == (
        team,
        "Special 007",
        "Ko Aung",
        "LIB 101",
    )
    assert case.date_left == datetime.date(2021, 3, 14) and not case.still_serving
    assert case.languages == ["en", "my"] and case.created_by == volunteer
    assert sorted(case.need_rows.values_list("need", flat=True)) == ["food", "medical"]
    contacts = {c.kind: c.phone or c.handle for c in case.contacts.all()}
    assert contacts == {"phone": "+959420123456", "telegram": "special007"}
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "The case is recorded." in html and "Special 007" in html and "Wounded leg" in html
    assert "may be the same person" not in html


def test_a_referral_names_the_referring_case_by_its_reference(
    volunteer: User, team: Team, other_team: Team
) -> None:
    referrer = CaseFactory.create(team=team)
    client = verified_client(volunteer)
    typed = f" {referrer.ref[:4]} {referrer.ref[4:].lower()} "  # spaces and case do not matter
    response = client.post(NEW, intake(team, contact_method="referral", referred_by=typed))
    assert response.status_code == 302
    case = Case.objects.exclude(pk=referrer.pk).get()
    assert case.referred_by == referrer
    html = client.get(response["Location"]).content.decode()
    assert f'referred by <a href="/cases/{referrer.pk}/">case {referrer.ref}</a>' in html
    assert f"Ref {case.ref}" in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3F2A", "A case reference is 8 letters and digits, like 3F2A9C01."),
        ("ZZZZZZZZ", "A case reference is 8 letters and digits, like 3F2A9C01."),
        ("other team", "None of your teams&#x27; cases has this reference."),
    ],
)
def test_a_referral_to_no_case_of_mine_is_a_400_at_the_field(
    volunteer: User, team: Team, other_team: Team, typed: str, message: str
) -> None:
    elsewhere = CaseFactory.create(team=other_team)
    typed = elsewhere.ref if typed == "other team" else typed
    response = verified_client(volunteer).post(NEW, intake(team, referred_by=typed))
    assert response.status_code == 400 and message in response.content.decode()
    assert list(Case.objects.all()) == [elsewhere]


def test_a_still_serving_supporter_has_no_date_left(volunteer: User, team: Team) -> None:
    response = verified_client(volunteer).post(NEW, intake(team, still_serving="on", date_left=""))
    assert response.status_code == 302
    assert Case.objects.get().still_serving is True


def test_the_only_team_is_preselected_and_other_teams_are_not_offered(
    volunteer: User, team: Team, other_team: Team
) -> None:
    html = verified_client(volunteer).get(NEW).content.decode()
    assert f'<option value="{team.pk}" selected>' in html
    assert str(other_team.pk) not in html


def test_someone_on_two_teams_chooses(volunteer: User, team: Team, other_team: Team) -> None:
    MembershipFactory.create(team=other_team, user=volunteer)
    html = verified_client(volunteer).get(NEW).content.decode()
    assert str(other_team.pk) in html and "Choose a team" in html
    assert f'value="{team.pk}" selected' not in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contact_1_value": "12345"}, "contact_1_value", "not a phone number we can use"),
        ({"contact_1_kind": "pigeon"}, "contact_1_kind", "Select a valid choice"),
        ({"contact_2_kind": ""}, "contact_2_kind", "Say what kind of contact"),
        ({"contact_2_value": ""}, "contact_2_value", "Write the number or name"),
        ({"service_branch": "space force"}, "service_branch", "Select a valid choice"),
        ({"contact_method": "carrier pigeon"}, "contact_method", "Select a valid choice"),
        ({"needs": ["yacht"]}, "needs", "Select a valid choice"),
        ({"languages": ["klingon"]}, "languages", "Select a valid choice"),
        ({"alias": ""}, "alias", "This field is required"),
        ({"alias": "x" * 101}, "alias", "at most 100 characters"),
        ({"notes": "x" * 10001}, "notes", "at most 10000 characters"),
        ({"medical_notes": "x" * 5001}, "medical_notes", "at most 5000 characters"),
        ({"service_number": "9" * 51}, "service_number", "at most 50 characters"),
        ({"date_left": "last spring"}, "date_left", "Enter a valid date"),
        ({"still_serving": "on"}, "date_left", "still serving has no date of leaving"),
        ({"team": "not-a-uuid"}, "team", "Choose one of your teams"),
    ],
)
def test_bad_intake_answers_400_with_a_message_at_the_field_and_writes_nothing(
    volunteer: User, team: Team, overrides: dict, field: str, message: str
) -> None:
    response = verified_client(volunteer).post(NEW, intake(team, **overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field], form.errors
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert "Nothing was saved" in html and message.split("“")[0] in html
    assert nothing_written()


def test_a_team_that_is_not_mine_is_refused(volunteer: User, team: Team, other_team: Team) -> None:
    response = verified_client(volunteer).post(NEW, intake(team, team=str(other_team.pk)))
    assert response.status_code == 400
    assert "Choose one of your teams." in response.content.decode()
    assert nothing_written()


def test_an_administrator_on_no_team_is_told_so(administrator: User) -> None:
    response = verified_client(administrator).get(NEW)
    assert response.status_code == 200
    assert "You are not on a team yet" in response.content.decode()
    assert verified_client(administrator).post(NEW, {"alias": "x"}).status_code == 400
    assert nothing_written()


def test_a_possible_duplicate_is_said_plainly_without_showing_the_other_case(
    volunteer: User, team: Team, other_team: Team
) -> None:
    other = CaseFactory.create(team=other_team, alias="Hidden Elsewhere")
    ContactFactory.create(case=other, phone="+959420123456")
    client = verified_client(volunteer)
    response = client.post(NEW, intake(team, contact_1_value="၀၉ ၄၂၀ ၁၂၃၄၅၆"), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "already on another case" in html and "may be the same person" in html
    assert "Hidden Elsewhere" not in html and str(other.pk) not in html
    assert DuplicateFlag.objects.filter(other=other).count() == 1


# --- Edit -------------------------------------------------------------------------------------


def test_the_edit_page_shows_the_case_and_saves_changes(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team, alias="Old alias", rank="Sergeant")
    CaseNeed.objects.create(case=case, need="food")
    client = verified_client(volunteer)
    url = reverse("cases:edit", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Sergeant" in page.content.decode()
    assert page.context["form"].initial["needs"] == ["food"]
    assert AuditEvent.objects.filter(action="case.view", object_id=case.pk.hex).exists()
    data = intake(team, alias="New alias", needs=["cash"], still_serving="on", date_left="")
    response = client.post(url, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.alias == "New alias" and case.still_serving and case.date_left is None
    assert list(case.need_rows.values_list("need", flat=True)) == ["cash"]


def test_bad_edits_answer_400_and_change_nothing(volunteer: User, team: Team) -> None:
    case = CaseFactory.create(team=team, alias="Kept")
    response = verified_client(volunteer).post(
        reverse("cases:edit", args=[case.pk]), intake(team, alias="", notes="x" * 10001)
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"alias", "notes"}
    case.refresh_from_db()
    assert case.alias == "Kept"


def test_an_outsider_cannot_see_or_edit_another_teams_case(outsider: User, team: Team) -> None:
    case = CaseFactory.create(team=team, alias="Kept")
    client = verified_client(outsider)
    for name in ("detail", "edit"):
        assert client.get(reverse(f"cases:{name}", args=[case.pk])).status_code == 404
    response = client.post(reverse("cases:edit", args=[case.pk]), intake(team, alias="Taken"))
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.alias == "Kept"


# --- List -------------------------------------------------------------------------------------


def test_the_list_shows_my_teams_cases_riskiest_then_newest(
    volunteer: User, team: Team, other_team: Team
) -> None:
    CaseFactory.create(team=team, alias="Older low")
    CaseFactory.create(team=team, alias="Critical", risk=Risk.CRITICAL)
    CaseFactory.create(team=team, alias="Newer low")
    CaseFactory.create(team=other_team, alias="Not mine")
    response = verified_client(volunteer).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    shown = [case.alias for case in response.context["page"].object_list]
    assert shown == ["Critical", "Newer low", "Older low"]
    assert "Not mine" not in html and "Risk: Critical" in html and "New case" in html


def test_the_list_records_exactly_the_cases_shown(volunteer: User, team: Team) -> None:
    cases = [CaseFactory.create(team=team) for _ in range(3)]
    verified_client(volunteer).get(LIST)
    listed = AuditEvent.objects.filter(action="case.list_view", fields=["alias"])
    viewed = set(listed.values_list("object_id", flat=True))
    assert not AuditEvent.objects.filter(action="case.view").exists()
    assert viewed == {case.pk.hex for case in cases}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "hiding"}, {"Hiding"}),
        ({"risk": str(Risk.HIGH)}, {"High"}),
        ({"verification": "verified"}, {"Verified"}),
        ({"need": "cash"}, {"Needs cash"}),
        ({"status": "", "risk": "", "need": ""}, {"Hiding", "High", "Verified", "Needs cash"}),
    ],
)
def test_the_list_filters(volunteer: User, team: Team, query: dict, expected: set) -> None:
    CaseFactory.create(team=team, alias="Hiding", status=Case.Status.HIDING)
    CaseFactory.create(team=team, alias="High", risk=Risk.HIGH)
    CaseFactory.create(team=team, alias="Verified", verification=Case.Verification.VERIFIED)
    CaseNeed.objects.create(case=CaseFactory.create(team=team, alias="Needs cash"), need="cash")
    response = verified_client(volunteer).get(LIST, query)
    assert response.status_code == 200
    assert {case.alias for case in response.context["page"].object_list} == expected


def test_the_list_filters_by_team(volunteer: User, team: Team, other_team: Team) -> None:
    MembershipFactory.create(team=other_team, user=volunteer)
    CaseFactory.create(team=team, alias="North")
    CaseFactory.create(team=other_team, alias="South")
    response = verified_client(volunteer).get(LIST, {"team": str(other_team.pk)})
    assert [case.alias for case in response.context["page"].object_list] == ["South"]


@pytest.mark.parametrize(
    "query", [{"status": "flying"}, {"risk": "9"}, {"risk": "high"}, {"need": "yacht"}]
)
def test_a_bad_filter_answers_400_with_its_message(volunteer: User, query: dict) -> None:
    response = verified_client(volunteer).get(LIST, query)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_team_filter_for_another_team_is_refused(volunteer: User, other_team: Team) -> None:
    response = verified_client(volunteer).get(LIST, {"team": str(other_team.pk)})
    assert response.status_code == 400


def test_the_list_pages_by_50_and_keeps_the_filter(volunteer: User, team: Team) -> None:
    for _ in range(51):
        CaseFactory.create(team=team, status=Case.Status.HIDING)
    client = verified_client(volunteer)
    first = client.get(LIST, {"status": "hiding"})
    assert len(first.context["page"].object_list) == 50
    assert "status=hiding&amp;page=2" in first.content.decode()
    second = client.get(LIST, {"status": "hiding", "page": "2"})
    assert len(second.context["page"].object_list) == 1


def _list_queries(client: Client, query: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, query).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", [{}, {"need": "food"}])
def test_a_page_of_cases_costs_the_same_queries_for_2_or_50(
    volunteer: User, team: Team, query: dict
) -> None:
    def add(count: int) -> None:
        for _ in range(count):
            case = CaseFactory.create(team=team)
            CaseNeed.objects.create(case=case, need="food")
            CaseNeed.objects.create(case=case, need="cash")

    client = verified_client(volunteer)
    client.get(LIST)  # the first request of a session also writes the session
    add(2)
    few = _list_queries(client, query)
    add(48)
    assert _list_queries(client, query) == few


def test_a_page_of_50_cases_stays_within_a_small_budget(
    volunteer: User, team: Team, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(50):
        CaseFactory.create(team=team)
    client = verified_client(volunteer)
    client.get(LIST)
    with django_assert_max_num_queries(10):
        client.get(LIST)


def test_an_administrator_sees_no_cases(administrator: User, team: Team) -> None:
    case = CaseFactory.create(team=team, alias="Private")
    client = verified_client(administrator)
    response = client.get(LIST)
    assert response.status_code == 200 and "Private" not in response.content.decode()
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404


# --- Statistics and nav -------------------------------------------------------------------------


def test_statistics_mask_counts_below_5(volunteer: User, team: Team) -> None:
    for _ in range(6):
        CaseFactory.create(team=team, service_branch="army")
    CaseFactory.create(team=team, service_branch="police")
    request = CdmRequest.objects.create(
        case=CaseFactory.create(team=team), kind="cdm", state="issued", code="X-1"
    )
    request.issued_at = request.created_at
    request.save()
    response = verified_client(volunteer).get(reverse("cases:statistics"))
    assert response.status_code == 200
    assert dict(response.context["by_service_branch"]) == {"Army": "7", "Police": "<5"}
    html = response.content.decode()
    assert "&lt;5" in html and "<td>7</td>" in html and "Ko Aung" not in html


@pytest.mark.parametrize("persona", ["volunteer", "coordinator", "outsider", "administrator"])
def test_statistics_are_open_to_any_verified_user(
    persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    assert verified_client(user).get(reverse("cases:statistics")).status_code == 200


def test_the_nav_links_cases_statistics_and_duplicates_for_coordinators(
    volunteer: User, coordinator: User
) -> None:
    volunteer_nav = verified_client(volunteer).get("/").content.decode()
    coordinator_nav = verified_client(coordinator).get("/").content.decode()
    assert 'href="/cases/"' in volunteer_nav and 'href="/cases/statistics/"' in volunteer_nav
    assert 'href="/cases/duplicates/"' not in volunteer_nav
    assert 'href="/cases/duplicates/"' in coordinator_nav


def test_an_empty_list_says_so(volunteer: User) -> None:
    client = verified_client(volunteer)
    assert "No cases in your teams yet." in client.get(LIST).content.decode()
    filtered = client.get(LIST, {"status": "hiding"}).content.decode()
    assert "No cases match these filters." in filtered


def test_a_shredded_case_page_says_so_and_cannot_be_edited(coordinator: User, team: Team) -> None:
    from django.utils import timezone

    from cases.retention import closed_case_shred

    case = CaseFactory.create(team=team, status=Case.Status.CLOSED, languages=["my"])
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=1))
    assert closed_case_shred(subject_id=case.pk, cutoff=timezone.now())
    client = verified_client(coordinator)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    assert (
        "This case was shredded" in page.content.decode() and "Ko Aung" not in page.content.decode()
    )
    assert "Add a note" not in page.content.decode() and page.context["forms"] == {}
    edit = client.get(reverse("cases:edit", args=[case.pk]))
    assert edit.status_code == 302 and edit["Location"] == f"/cases/{case.pk}/"
    for name, data in [
        ("note", {"text": "Still there?"}),
        ("family_add", {"relation": "spouse", "name": "Ma Hla"}),
        ("transition", {"to_status": "reopened"}),
        ("hold", {"on_hold": "1"}),
    ]:
        response = client.post(reverse(f"cases:{name}", args=[case.pk]), data)
        assert response.status_code == 409, name
        assert (
            "This case was shredded: nothing can be changed or added." in response.content.decode()
        )


def test_the_pages_render_in_burmese(coordinator: User, team: Team) -> None:
    case = CaseFactory.create(team=team)
    client = verified_client(coordinator)
    client.post(reverse("set_language"), {"language": "my", "next": "/"})
    for url in (
        LIST,
        NEW,
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:edit", args=[case.pk]),
        reverse("cases:duplicates"),
        reverse("cases:statistics"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="my">' in response.content.decode(), url
