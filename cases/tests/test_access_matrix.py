"""Every case endpoint for every persona: in-team users act (or are told why not), everyone else
gets 404 and changes nothing. A new endpoint without a row here fails
`test_every_case_endpoint_has_a_row`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from cases.api_urls import urlpatterns
from cases.models import CaseEvent, DuplicateFlag
from cases.tests.factories import (
    CaseFactory,
    CdmRequestFactory,
    FamilyMemberFactory,
    SecurityFlagFactory,
)
from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.testing import token_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 20).isoformat()
NEXT_MONTH = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()  # a review date


@dataclass(frozen=True)
class Row:
    name: str  # the route name in cases/api_urls.py
    method: str
    path: str  # formatted with the objects below
    body: dict | None
    volunteer: int  # expected status for a volunteer of the case's team
    coordinator: int  # ... and for its coordinator


ROWS = [
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


def call(user: User, row: Row, world: dict):
    ids = {key: str(getattr(value, "pk", value)) for key, value in world.items()}
    body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in (row.body or {}).items()}
    client = token_client(user)
    return getattr(client, row.method)(f"/api/v1/{row.path.format(**ids)}", body, format="json")


def test_every_case_endpoint_has_a_row() -> None:
    routed = {pattern.name for pattern in urlpatterns}
    assert routed == {row.name for row in ROWS} | COLLECTIONS


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_the_teams_volunteer(row: Row, world, volunteer) -> None:
    response = call(volunteer, row, world)
    assert response.status_code == row.volunteer, response.content


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_the_teams_coordinator(row: Row, world, coordinator) -> None:
    response = call(coordinator, row, world)
    assert response.status_code == row.coordinator, response.content


@pytest.mark.parametrize("persona", ["outsider", "other_coordinator", "administrator"])
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}-{r.name}")
def test_everyone_else_gets_404_and_changes_nothing(
    row: Row, persona: str, world, request, other_team
) -> None:
    if persona == "other_coordinator":
        user = MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user
    else:
        user = request.getfixturevalue(persona)
    events_before = CaseEvent.objects.count()
    status_before = world["case"].status
    response = call(user, row, world)
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found."}
    assert CaseEvent.objects.count() == events_before
    world["case"].refresh_from_db()
    assert world["case"].status == status_before


def test_collections_show_only_the_users_teams(world, outsider, administrator) -> None:
    for user in (outsider, administrator):
        api = token_client(user)
        assert api.get("/api/v1/cases/").json()["count"] == 0
        assert api.get("/api/v1/cases/duplicates/").json() == []
        export = api.get("/api/v1/cases/cdm-requests/export.csv")
        assert export.status_code == 200 and export.content.decode().count("\n") == 1
        search = api.post("/api/v1/cases/search/", {"query": world["case"].ref}, format="json")
        assert search.status_code == 200 and search.json() == {"results": []}
