"""Every case endpoint and page for every persona: in-team users act (or are told why not),
everyone else gets 404 and changes nothing, anonymous requests are refused (the harness:
tests/access_matrix.py). A new endpoint or page without a row here fails
`test_every_route_has_a_row`."""

from __future__ import annotations

import datetime

import pytest

from cases import api_urls, urls
from cases.models import Case, CaseEvent, DuplicateFlag
from cases.tests.factories import (
    CaseFactory,
    CdmRequestFactory,
    FamilyMemberFactory,
    SecurityFlagFactory,
)
from supportdesk.testing import token_client
from tests.access_matrix import ApiMatrix, PageMatrix, Row, their_own

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 20).isoformat()
NEXT_MONTH = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()  # a review date


API_ROWS = [
    Row("case-detail", "get", "cases/{case}/", None, 200, 200),
    Row("case-detail", "patch", "cases/{case}/", {"notes": "More"}, 200, 200),
    Row(
        "case-transition", "post", "cases/{case}/transition/", {"to_status": "verifying"}, 200, 200
    ),
    Row("case-vouch", "post", "cases/{case}/vouch/", {}, 200, 200),
    Row("case-verify", "post", "cases/{case}/verify/", {}, 409, 409),
    Row(
        "case-verification-revoke",
        "post",
        "cases/{case}/verification/revoke/",
        {"reason": "Doubts"},
        409,
        200,
    ),
    Row("case-assign", "post", "cases/{case}/assign/", {"team": "{team}"}, 409, 200),
    Row("case-hold", "post", "cases/{case}/hold/", {"on_hold": True}, 409, 200),
    Row(
        "case-contacts",
        "post",
        "cases/{case}/contacts/",
        {"kind": "telegram", "value": "@someone"},
        201,
        201,
    ),
    Row("case-timeline", "get", "cases/{case}/timeline/", None, 200, 200),
    Row("case-timeline", "post", "cases/{case}/timeline/", {"text": "A note"}, 201, 201),
    Row("case-family", "get", "cases/{case}/family/", None, 200, 200),
    Row("case-family", "post", "cases/{case}/family/", {"relation": "spouse"}, 201, 201),
    Row("case-cdm-requests", "get", "cases/{case}/cdm-requests/", None, 200, 200),
    Row("case-cdm-requests", "post", "cases/{case}/cdm-requests/", {"kind": "cdm"}, 409, 409),
    Row("family-member", "patch", "family/{member}/", {"location": "Elsewhere"}, 200, 200),
    Row(
        "family-flags",
        "post",
        "family/{member}/flags/",
        {"kind": "threatened", "severity": 3, "observed_on": TODAY, "review_on": TODAY},
        201,
        201,
    ),
    Row("flag-resolve", "post", "flags/{flag}/resolve/", {}, 200, 200),
    Row("flag-review", "post", "flags/{flag}/review/", {"next_review_on": NEXT_MONTH}, 200, 200),
    Row("cdm-ready", "post", "cdm-requests/{request}/ready/", {}, 409, 409),
    Row(
        "cdm-submit",
        "post",
        "cdm-requests/{request}/submit/",
        {"submitted_on": TODAY, "channel": "email"},
        409,
        409,
    ),
    Row("cdm-issue", "post", "cdm-requests/{request}/issue/", {"code": "X-1"}, 409, 409),
    Row("cdm-reject", "post", "cdm-requests/{request}/reject/", {"reason": "No"}, 409, 409),
    Row("cdm-withdraw", "post", "cdm-requests/{request}/withdraw/", {}, 200, 200),
    Row(
        "case-duplicate-resolve",
        "post",
        "cases/duplicates/{duplicate}/resolve/",
        {"same_person": False},
        404,
        200,
    ),
]
# Collections: scoped lists (tested below), not objects that could answer 404.
# Search is one too: out of scope it finds nothing, the same answer as no match.
COLLECTIONS = {"cases", "case-duplicates", "case-statistics", "cdm-export", "case-search"}


# The pages (cases/urls.py), under /cases/. An action's address shows the case page with its form
# open on GET; on POST it answers 302 when done, 400 for refused input, 409 for a broken rule
# (200 where it first asks to confirm). Lists and forms with no case answer other teams with their
# own teams' page; a coordinator's page (duplicates, CDM export) with a coordinator's.
EVERYONE = their_own(outsider=200, other_coordinator=200, administrator=200)
COORDINATORS = their_own(outsider=404, other_coordinator=200, administrator=404)
CASE_ACTIONS = {
    "transition": "{case}/status/",
    "vouch": "{case}/vouch/",
    "verify": "{case}/verify/",
    "revoke": "{case}/verification/revoke/",
    "assign": "{case}/assign/",
    "hold": "{case}/hold/",
    "note": "{case}/notes/",
    "contact_add": "{case}/contacts/",
    "family_add": "{case}/family/",
    "family_edit": "{case}/family/{member}/edit/",
    "flag_add": "{case}/family/{member}/flags/",
    "flag_resolve": "{case}/flags/{flag}/resolve/",
    "flag_review": "{case}/flags/{flag}/review/",
    "cdm_create": "{case}/cdm/",
    "cdm_ready": "{case}/cdm/{request}/ready/",
    "cdm_submit": "{case}/cdm/{request}/submit/",
    "cdm_issue": "{case}/cdm/{request}/issue/",
    "cdm_reject": "{case}/cdm/{request}/reject/",
    "cdm_withdraw": "{case}/cdm/{request}/withdraw/",
}
RELATIVE = {"relation": "spouse", "age_group": "adult"}
PAGE_ROWS = [
    Row("list", "get", "", None, 200, 200, EVERYONE),
    Row("create", "get", "new/", None, 200, 200, EVERYONE),
    Row("search", "get", "search/", None, 200, 200, EVERYONE),
    Row("statistics", "get", "statistics/", None, 200, 200, EVERYONE),
    Row("duplicates", "get", "duplicates/", None, 404, 200, COORDINATORS),
    Row("cdm_export", "get", "cdm-requests/export.csv", None, 404, 200, COORDINATORS),
    Row("duplicate_resolve", "get", "duplicates/{duplicate}/resolve/", None, 404, 200),
    Row(
        "duplicate_resolve",
        "post",
        "duplicates/{duplicate}/resolve/",
        {"same_person": "0"},
        404,
        200,
    ),
    Row("detail", "get", "{case}/", None, 200, 200),
    Row("edit", "get", "{case}/edit/", None, 200, 200),
    Row("edit", "post", "{case}/edit/", {"alias": "Ko Ko", "service_branch": "army"}, 400, 400),
    *[Row(name, "get", path, None, 200, 200) for name, path in CASE_ACTIONS.items()],
    Row("transition", "post", CASE_ACTIONS["transition"], {"to_status": "verifying"}, 302, 302),
    Row("vouch", "post", CASE_ACTIONS["vouch"], {"note": "Known"}, 302, 302),
    Row("verify", "post", CASE_ACTIONS["verify"], {}, 409, 409),
    Row("revoke", "post", CASE_ACTIONS["revoke"], {"reason": "Doubts"}, 409, 302),
    Row("assign", "post", CASE_ACTIONS["assign"], {"team": "{team}"}, 409, 302),
    Row("hold", "post", CASE_ACTIONS["hold"], {"on_hold": "1"}, 409, 302),
    Row("note", "post", CASE_ACTIONS["note"], {"text": "A note"}, 302, 302),
    Row(
        "contact_add",
        "post",
        CASE_ACTIONS["contact_add"],
        {"kind": "telegram", "value": "@someone"},
        302,
        302,
    ),
    Row("family_add", "post", CASE_ACTIONS["family_add"], RELATIVE, 302, 302),
    Row(
        "family_edit",
        "post",
        CASE_ACTIONS["family_edit"],
        {**RELATIVE, "location": "Elsewhere"},
        302,
        302,
    ),
    Row(
        "flag_add",
        "post",
        CASE_ACTIONS["flag_add"],
        {"kind": "threatened", "severity": "3", "observed_on": TODAY, "review_on": NEXT_MONTH},
        302,
        302,
    ),
    Row("flag_resolve", "post", CASE_ACTIONS["flag_resolve"], {}, 200, 200),
    Row(
        "flag_review", "post", CASE_ACTIONS["flag_review"], {"next_review_on": NEXT_MONTH}, 302, 302
    ),
    Row("cdm_create", "post", CASE_ACTIONS["cdm_create"], {"kind": "cdm"}, 409, 409),
    Row("cdm_ready", "post", CASE_ACTIONS["cdm_ready"], {}, 409, 409),
    Row(
        "cdm_submit",
        "post",
        CASE_ACTIONS["cdm_submit"],
        {"submitted_on": TODAY, "channel": "email"},
        409,
        409,
    ),
    Row("cdm_issue", "post", CASE_ACTIONS["cdm_issue"], {"code": "X-1"}, 409, 409),
    Row("cdm_reject", "post", CASE_ACTIONS["cdm_reject"], {"reason": "No"}, 409, 409),
    Row("cdm_withdraw", "post", CASE_ACTIONS["cdm_withdraw"], {}, 200, 200),
]


@pytest.fixture
def world(team, other_team):
    case = CaseFactory.create(team=team)
    member = FamilyMemberFactory.create(case=case)
    return {
        "case": case,
        "team": team,
        "member": member,
        "flag": SecurityFlagFactory.create(family_member=member),
        "request": CdmRequestFactory.create(case=case),
        "duplicate": DuplicateFlag.objects.create(
            case=case, other=CaseFactory.create(team=team), matched_on="phone"
        ),
    }


def snapshot() -> tuple[object, ...]:
    return CaseEvent.objects.count(), sorted(Case.objects.values_list("pk", "status"))


class TestCaseApi(ApiMatrix):
    prefix = "/api/v1/"
    urlpatterns = api_urls.urlpatterns
    rows = API_ROWS
    without_rows = COLLECTIONS
    snapshot = staticmethod(snapshot)


class TestCasePages(PageMatrix):
    prefix = "/cases/"
    urlpatterns = urls.urlpatterns
    rows = PAGE_ROWS
    snapshot = staticmethod(snapshot)


def test_collections_show_only_the_users_teams(world, outsider, administrator) -> None:
    for user in (outsider, administrator):
        api = token_client(user)
        assert api.get("/api/v1/cases/").json()["count"] == 0
        assert api.get("/api/v1/cases/duplicates/").json() == []
        export = api.get("/api/v1/cases/cdm-requests/export.csv")
        assert export.status_code == 200 and export.content.decode().count("\n") == 1
        search = api.post("/api/v1/cases/search/", {"query": world["case"].ref}, format="json")
        assert search.status_code == 200 and search.json() == {"results": []}
