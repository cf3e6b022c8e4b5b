"""Administrator pages and API: search, one object's events, one account's events, CSV export
(itself audited), alerts. Volunteers and coordinators get 404 everywhere."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.audit import alerts
from supportdesk.audit.models import AuditAlert, AuditEvent
from supportdesk.audit.services import audit_record
from supportdesk.audit.tests.helpers import make_events
from supportdesk.testing import token_client, verified_client

if TYPE_CHECKING:
    from supportdesk.testing import ClientResponse

pytestmark = pytest.mark.django_db

CASE_ID = uuid.uuid4()


@pytest.fixture
def events(volunteer: User, coordinator: User) -> list[AuditEvent]:
    return [
        *make_events(3, actor_id=volunteer.pk, object_id=CASE_ID.hex),
        *make_events(2, actor_id=coordinator.pk, action="case.update", object_id=CASE_ID.hex),
        *make_events(4, actor_id=coordinator.pk),
    ]


@pytest.fixture
def alert(volunteer: User) -> AuditAlert:
    created = alerts.alert_raise(
        kind=AuditAlert.Kind.BULK_READ,
        subject_id=volunteer.pk,
        dedupe_key="views-test",
        detail="60 distinct cases read in the hour.",
    )
    assert created is not None
    return created


def api(user: User) -> APIClient:
    return token_client(user)


def results(response: ClientResponse) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Who may look -----------------------------------------------------------------------------

PAGE_GETS = [
    "/audit/",
    "/audit/export.csv",
    f"/audit/objects/cases.case/{CASE_ID.hex}/",
    f"/audit/actors/{uuid.uuid4()}/",
    "/audit/alerts/",
    "/audit/alerts/{alert}/",
]
PAGE_POSTS = ["/audit/alerts/{alert}/acknowledge/", "/audit/alerts/{alert}/revoke-all/"]
API_GETS = [
    "/api/v1/audit/events/",
    "/api/v1/audit/events/?since=nonsense",
    "/api/v1/audit/events/export.csv",
    f"/api/v1/audit/objects/cases.case/{CASE_ID.hex}/events/",
    f"/api/v1/audit/actors/{uuid.uuid4()}/events/",
    "/api/v1/audit/alerts/",
    "/api/v1/audit/checkpoints/latest/",
    "/api/v1/audit/proofs/inclusion/?event_id=1",
    "/api/v1/audit/proofs/consistency/?first=0",
]
API_POSTS = [
    "/api/v1/audit/alerts/{alert}/acknowledge/",
    "/api/v1/audit/alerts/{alert}/revoke-all/",
]


@pytest.mark.parametrize("persona", ["volunteer", "coordinator", "outsider"])
def test_everyone_but_administrators_gets_404(
    persona: str, request: pytest.FixtureRequest, alert: AuditAlert, events: list[AuditEvent]
) -> None:
    user: User = request.getfixturevalue(persona)
    browser, client = verified_client(user), api(user)
    for url in PAGE_GETS:
        assert browser.get(url.format(alert=alert.pk)).status_code == 404, url
    for url in PAGE_POSTS:
        assert browser.post(url.format(alert=alert.pk)).status_code == 404, url
    for url in API_GETS:
        assert client.get(url.format(alert=alert.pk)).status_code == 404, url
    for url in API_POSTS:
        assert client.post(url.format(alert=alert.pk)).status_code == 404, url
    alert.refresh_from_db()
    assert alert.is_open and user.is_active
    assert not AuditEvent.objects.filter(action="export.csv").exists()


def test_every_audit_api_route_is_in_the_404_list() -> None:
    from supportdesk.audit.api_urls import urlpatterns

    listed = {url.split("?")[0] for url in API_GETS + API_POSTS}
    shapes = {str(route.pattern) for route in urlpatterns}
    assert len(shapes) == len(urlpatterns)
    for shape in shapes:
        prefix = "/api/v1/" + shape.split("<")[0]
        assert any(url.startswith(prefix) for url in listed), shape


def test_logged_out_people_are_sent_to_log_in(alert: AuditAlert) -> None:
    assert Client().get("/audit/").status_code == 302
    assert APIClient().get("/api/v1/audit/events/").status_code == 401


# --- Administrators ---------------------------------------------------------------------------


def test_administrator_searches_events(
    administrator: User, volunteer: User, events: list[AuditEvent]
) -> None:
    found = results(api(administrator).get("/api/v1/audit/events/", {"actor": "volunteer"}))
    assert len(found) == 3
    assert {row["actor_username"] for row in found} == {"volunteer"}
    assert found[0]["fields"] == ["alias"] and found[0]["sealed"] is False
    assert (
        len(results(api(administrator).get("/api/v1/audit/events/", {"action": "case.update"})))
        == 2
    )
    by_id = api(administrator).get("/api/v1/audit/events/", {"actor": str(volunteer.pk)})
    assert len(results(by_id)) == 3
    nobody = api(administrator).get("/api/v1/audit/events/", {"actor": "nobody"})
    assert results(nobody) == []


def test_administrator_filters_by_time(administrator: User, volunteer: User) -> None:
    now = timezone.now()
    make_events(2, actor_id=volunteer.pk, at=now - timedelta(days=3))
    make_events(1, actor_id=volunteer.pk, at=now)
    params = {"action": "case.view", "since": (now - timedelta(days=1)).isoformat()}
    assert len(results(api(administrator).get("/api/v1/audit/events/", params))) == 1
    params = {"action": "case.view", "until": (now - timedelta(days=1)).isoformat()}
    assert len(results(api(administrator).get("/api/v1/audit/events/", params))) == 2


def test_bad_filters_get_400_with_a_message_per_field(administrator: User) -> None:
    response = api(administrator).get(
        "/api/v1/audit/events/", {"since": "yesterday-ish", "action": "x" * 65}
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"since", "action"}
    now = timezone.now().isoformat()
    response = api(administrator).get("/api/v1/audit/events/", {"since": now, "until": now})
    assert response.status_code == 400 and "until" in response.json()
    assert verified_client(administrator).get("/audit/", {"since": "soon"}).status_code == 400


def test_who_viewed_a_case(administrator: User, events: list[AuditEvent]) -> None:
    url = f"/api/v1/audit/objects/cases.case/{CASE_ID}/events/"  # dashed spelling accepted
    viewed = results(api(administrator).get(url, {"action": "case.view"}))
    assert {row["actor_username"] for row in viewed} == {"volunteer"} and len(viewed) == 3
    assert len(results(api(administrator).get(url))) == 5


def test_everything_an_account_did(
    administrator: User, coordinator: User, events: list[AuditEvent]
) -> None:
    url = f"/api/v1/audit/actors/{coordinator.pk}/events/"
    assert len(results(api(administrator).get(url))) == 6
    page = verified_client(administrator).get(f"/audit/actors/{coordinator.pk}/")
    assert page.status_code == 200
    assert page.content.decode().count("case.update") == 2


def test_pages_show_events_not_contents(administrator: User, events: list[AuditEvent]) -> None:
    browser = verified_client(administrator)
    page = browser.get("/audit/", {"object_id": CASE_ID.hex})
    assert page.status_code == 200
    body = page.content.decode()
    assert "case.view" in body and "volunteer" in body and "alias" in body
    page = browser.get(f"/audit/objects/cases.case/{CASE_ID.hex}/")
    assert page.status_code == 200 and page.content.decode().count("<td>case.view</td>") == 3


def test_a_page_costs_the_same_queries_for_5_or_50_events(administrator: User) -> None:
    client = api(administrator)
    browser = verified_client(administrator)

    def queries(call: Callable[[], object]) -> int:
        with CaptureQueriesContext(connection) as captured:
            call()
        return len(captured)

    make_events(5, actor_id=UserFactory.create().pk)
    client.get("/api/v1/audit/events/")  # first use of a token or session writes to it once
    browser.get("/audit/")
    small_api = queries(lambda: client.get("/api/v1/audit/events/"))
    small_page = queries(lambda: browser.get("/audit/"))
    for _ in range(45):
        make_events(1, actor_id=UserFactory.create().pk)
    assert queries(lambda: client.get("/api/v1/audit/events/")) == small_api
    assert queries(lambda: browser.get("/audit/")) == small_page


def test_csv_export_is_itself_audited(administrator: User, events: list[AuditEvent]) -> None:
    response = api(administrator).get("/api/v1/audit/events/export.csv", {"action": "case.view"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "occurred_at", "actor_id", "actor_username", "action"]
    assert len(rows) == 1 + 7 and {row[4] for row in rows[1:]} == {"case.view"}
    export = AuditEvent.objects.get(action="export.csv")
    assert export.actor_id == administrator.pk

    page = verified_client(administrator).get("/audit/export.csv")
    assert page.status_code == 200
    # django-stubs types a test response as never streamed; this one is a StreamingHttpResponse.
    assert b"".join(page.streaming_content).count(b"\n") > 9  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="export.csv").count() == 2


def test_csv_cells_never_start_a_formula(administrator: User) -> None:
    audit_record(actor=None, action="=cmd|' /C calc'!A0")
    response = api(administrator).get("/api/v1/audit/events/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert "'=cmd" in body and "\n=cmd" not in body and ",=cmd" not in body


# --- Alerts -----------------------------------------------------------------------------------


def test_administrator_lists_and_acknowledges_alerts(
    administrator: User, alert: AuditAlert
) -> None:
    listed = results(api(administrator).get("/api/v1/audit/alerts/", {"open": "true"}))
    assert [row["id"] for row in listed] == [alert.pk]
    response = api(administrator).post(f"/api/v1/audit/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 200 and response.json()["acknowledged_at"]
    assert results(api(administrator).get("/api/v1/audit/alerts/", {"open": "true"})) == []
    assert len(results(api(administrator).get("/api/v1/audit/alerts/"))) == 1


def test_alert_pages_acknowledge(administrator: User, alert: AuditAlert) -> None:
    browser = verified_client(administrator)
    listing = browser.get("/audit/alerts/")
    assert listing.status_code == 200 and alert.detail in listing.content.decode()
    detail = browser.get(f"/audit/alerts/{alert.pk}/")
    assert (
        detail.status_code == 200 and "Revoke all access for volunteer" in detail.content.decode()
    )
    assert browser.post(f"/audit/alerts/{alert.pk}/acknowledge/").status_code == 302
    alert.refresh_from_db()
    assert not alert.is_open


def test_revoke_all_is_one_click_from_the_alert(
    administrator: User, volunteer: User, alert: AuditAlert
) -> None:
    phone = verified_client(volunteer)
    response = verified_client(administrator).post(f"/audit/alerts/{alert.pk}/revoke-all/")
    assert response.status_code == 302
    assert phone.get("/").status_code == 302  # the volunteer's session has ended
    volunteer.refresh_from_db()
    assert not volunteer.has_usable_password()
    alert.refresh_from_db()
    assert not alert.is_open
    assert AuditEvent.objects.filter(action="auth.revoke_all", actor_id=administrator.pk).exists()


def test_revoke_all_through_the_api(
    administrator: User, volunteer: User, alert: AuditAlert
) -> None:
    token = api(volunteer)
    response = api(administrator).post(f"/api/v1/audit/alerts/{alert.pk}/revoke-all/")
    assert response.status_code == 200
    assert token.get("/api/v1/accounts/me/").status_code == 401


def test_revoke_all_for_an_alert_without_an_account_is_404(administrator: User) -> None:
    alert = alerts.alert_raise(kind=AuditAlert.Kind.CHAIN_BROKEN, dedupe_key="c", detail="x")
    assert alert is not None
    assert (
        api(administrator).post(f"/api/v1/audit/alerts/{alert.pk}/revoke-all/").status_code == 404
    )
