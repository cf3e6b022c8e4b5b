"""Search: a case found by phone (any format), handle, whole alias, reference or CDM code through
blind indexes, only among the user's teams' cases, every search audited without its query,
rate-limited, by POST only."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import override_settings

from cases.models import Case, CdmRequest, ContactChannel
from cases.search import Match, case_search
from cases.tests.factories import CaseFactory, CdmRequestFactory, ContactFactory
from cases.tests.factories import FamilyMemberFactory as RelativeFactory
from supportdesk.accounts.models import Team, User
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import token_client, verified_client

pytestmark = pytest.mark.django_db
API = "/api/v1/cases/search/"
PAGE = "/cases/search/"


@pytest.fixture
def case(team: Team) -> Case:
    case = CaseFactory.create(team=team, alias="Special 007")
    ContactFactory.create(case=case, kind=ContactChannel.Kind.WHATSAPP, phone="+959420123456")
    ContactFactory.create(case=case, kind=ContactChannel.Kind.TELEGRAM, phone="", handle="kokoaung")
    return case


def found(user: User, query: str) -> dict[str, tuple[str, ...]]:
    return {hit.case.alias: hit.matched for hit in case_search(user=user, query=query)}


@pytest.mark.parametrize(
    "typed", ["09 420 123456", "+95 9 420 123456", "၀၉ ၄၂၀ ၁၂၃ ၄၅၆", "0095 9 420 123456"]
)
def test_a_phone_typed_in_any_format_finds_the_case(case, volunteer, typed) -> None:
    assert found(volunteer, typed) == {"Special 007": (Match.PHONE,)}


def test_a_relatives_phone_finds_the_case_and_says_so(case, volunteer) -> None:
    RelativeFactory.create(case=case, phone="+66812345678")
    assert found(volunteer, "+66 81 234 5678") == {"Special 007": (Match.FAMILY_PHONE,)}


def test_a_handle_is_found_with_or_without_at_and_capitals(case, volunteer) -> None:
    assert found(volunteer, "@KoKoAung") == {"Special 007": (Match.HANDLE,)}


def test_an_alias_is_found_whole_never_by_a_part(case, volunteer) -> None:
    assert found(volunteer, "  special   007 ") == {"Special 007": (Match.ALIAS,)}
    assert found(volunteer, "Special") == {}
    assert found(volunteer, "007") == {}


def test_a_reference_is_found_in_capitals_or_not_and_with_spaces(case, volunteer) -> None:
    ref = case.ref
    assert found(volunteer, ref) == {"Special 007": (Match.REFERENCE,)}
    assert found(volunteer, f"{ref[:4].lower()} {ref[4:]}") == {"Special 007": (Match.REFERENCE,)}


def test_a_cdm_code_finds_its_case(case, volunteer) -> None:
    CdmRequestFactory.create(case=case, state=CdmRequest.State.ISSUED, code="NUG-MOD-1234")
    assert found(volunteer, "nug-mod-1234") == {"Special 007": (Match.CDM_CODE,)}


def test_everything_a_query_matched_is_named(team, volunteer) -> None:
    case = CaseFactory.create(team=team, alias="kokoaung")
    ContactFactory.create(case=case, kind=ContactChannel.Kind.SIGNAL, phone="", handle="kokoaung")
    assert found(volunteer, "KoKoAung") == {"kokoaung": (Match.HANDLE, Match.ALIAS)}


def test_outsiders_and_administrators_find_nothing(case, outsider, administrator) -> None:
    for user in (outsider, administrator):
        for query in ("09 420 123456", case.ref, "Special 007", "kokoaung"):
            assert found(user, query) == {}


def test_a_shredded_case_is_not_found(case, volunteer) -> None:
    Case.objects.filter(pk=case.pk).update(shredded_at="2026-01-01T00:00Z")
    assert found(volunteer, "09 420 123456") == {}


def test_a_search_reads_no_encrypted_value(case, volunteer, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(8):
        hits = case_search(user=volunteer, query="09 420 123456")
    assert "alias" not in vars(hits[0].case) or isinstance(vars(hits[0].case)["alias"], bytes)


# --- The API --------------------------------------------------------------------------------


def test_the_api_answers_with_the_case_and_what_matched(case, volunteer) -> None:
    response = token_client(volunteer).post(API, {"query": "09420123456"}, format="json")
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["case"]["id"] == str(case.pk)
    assert result["case"]["alias"] == "Special 007"
    assert result["matched"] == ["phone"]


def test_outsiders_get_the_same_answer_as_no_match(case, outsider, volunteer) -> None:
    outside = token_client(outsider).post(API, {"query": "09420123456"}, format="json")
    nothing = token_client(volunteer).post(API, {"query": "09 999 999999"}, format="json")
    assert outside.status_code == nothing.status_code == 200
    assert outside.json() == nothing.json() == {"results": []}


def test_the_query_travels_by_post_only(volunteer) -> None:
    assert token_client(volunteer).get(API, {"query": "x"}).status_code == 405


@pytest.mark.parametrize("body", [{}, {"query": ""}, {"query": "x" * 201}])
def test_a_missing_or_oversized_query_is_a_400_on_the_field(volunteer, body) -> None:
    response = token_client(volunteer).post(API, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["query"]
    assert not AuditEvent.objects.filter(action="case.search").exists()


def test_every_search_is_audited_with_its_count_never_its_query(case, volunteer) -> None:
    api = token_client(volunteer)
    api.post(API, {"query": "09 420 123456"}, format="json")
    api.post(API, {"query": "Nobody Here"}, format="json")
    searches = list(AuditEvent.objects.filter(action="case.search").order_by("id"))
    assert [event.fields for event in searches] == [["results:1"], ["results:0"]]
    assert all(event.actor_id == volunteer.pk for event in searches)
    listed = AuditEvent.objects.filter(action="case.list_view", object_id=case.pk.hex)
    assert listed.count() == 1
    for event in AuditEvent.objects.all():
        recorded = f"{event.object_type} {event.object_id} {event.fields}"
        assert "420" not in recorded and "Nobody" not in recorded


@override_settings(CASE_SEARCH_LIMIT=3)
def test_searching_too_often_is_slowed_down(volunteer) -> None:
    api = token_client(volunteer)
    statuses = [api.post(API, {"query": "x"}, format="json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.post(API, {"query": "x"}, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert AuditEvent.objects.filter(action="case.search").count() == 3


# --- The page -------------------------------------------------------------------------------


def test_the_page_finds_a_case_and_shows_what_matched(case, volunteer) -> None:
    response = verified_client(volunteer).post(PAGE, {"q": "၀၉ ၄၂၀ ၁၂၃ ၄၅၆"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Special 007" in body and f"/cases/{case.pk}/" in body
    assert "Found by: Phone number" in body
    assert "part of an alias finds nothing" in body


def test_the_page_says_no_match_for_an_outsider(case, outsider) -> None:
    response = verified_client(outsider).post(PAGE, {"q": "09 420 123456"})
    assert response.status_code == 200
    assert "No case of your teams matches." in response.content.decode()
    assert "Special 007" not in response.content.decode()


def test_a_blank_search_is_a_400_with_a_message(volunteer) -> None:
    response = verified_client(volunteer).post(PAGE, {"q": "  "})
    assert response.status_code == 400
    assert "Type what you are looking for." in response.content.decode()


def test_the_page_ignores_a_query_in_the_url(case, volunteer) -> None:
    response = verified_client(volunteer).get(PAGE, {"q": "09 420 123456"})
    assert response.status_code == 200
    assert "Special 007" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="case.search").exists()


@override_settings(CASE_SEARCH_LIMIT=1)
def test_the_page_says_when_searching_too_often(volunteer) -> None:
    client = verified_client(volunteer)
    assert client.post(PAGE, {"q": "x"}).status_code == 200
    refused = client.post(PAGE, {"q": "x"})
    assert refused.status_code == 429
    assert "Too many searches" in refused.content.decode()


def test_every_page_has_the_search_box_in_its_header(volunteer) -> None:
    client = verified_client(volunteer)
    for path in ("/", "/cases/", "/cases/statistics/", "/notifications/"):
        response = client.get(path, follow=True)
        body = response.content.decode()
        assert 'action="/cases/search/"' in body, path
        assert 'method="post"' in body.split('action="/cases/search/"')[0].rsplit("<form", 1)[1]


# --- The backfill of the alias index -------------------------------------------------------------


def test_the_migration_indexes_aliases_recorded_before_the_index(case, volunteer) -> None:
    Case.objects.filter(pk=case.pk).update(alias_index=None)
    assert found(volunteer, "Special 007") == {}
    migration = importlib.import_module("cases.migrations.0004_case_alias_index_backfill")
    migration.index_aliases(apps, None)
    assert found(volunteer, "special 007") == {"Special 007": (Match.ALIAS,)}
