"""Canary through the real case work: markers typed into every personal field of a case, its
contacts, family, flags, notes and CDM code (through the API, as volunteers and coordinators do)
appear nowhere in the database, a pg_dump, Redis (broker messages included) or the logs."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from cases.models import Case
from supportdesk.accounts.models import User
from supportdesk.testing import token_client
from supportdesk.vault.tests.test_canary import (
    everything_in_redis,
    everything_in_the_database,
    forms,
    marker,
    pg_dump,
    phone_marker,
)

FIELDS = (
    "alias",
    "real_name",
    "rank",
    "unit",
    "service_number",
    "current_area",
    "medical_notes",
    "notes",
)


def assert_absent(haystack: bytes, markers: dict[str, str], where: str) -> None:
    for name, text in markers.items():
        for form in forms(text):
            assert form not in haystack, f"the {name} marker was found in {where}"


@pytest.mark.django_db(transaction=True)
def test_case_work_leaves_no_personal_data_in_plain_sight(
    volunteer: User, coordinator: User, team, caplog: pytest.LogCaptureFixture
) -> None:
    markers = {
        name: marker(name)
        for name in (*FIELDS, "handle", "relative", "place", "source", "note", "code")
    }
    markers["phone"], markers["relative phone"] = phone_marker(), phone_marker()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # SQL and its parameters go to the captured log
    try:
        volunteer_api, coordinator_api = token_client(volunteer), token_client(coordinator)
        body = {
            name: markers[name][:50] if name == "service_number" else markers[name]
            for name in FIELDS
        }
        markers["service_number"] = body["service_number"]
        response = volunteer_api.post(
            "/api/v1/cases/",
            {
                **body,
                "team": str(team.pk),
                "service_branch": "army",
                "contact_method": "messaging_app",
                "date_left": "2021-03-01",
                "contacts": [
                    {"kind": "signal", "value": markers["phone"]},
                    {"kind": "telegram", "value": markers["handle"].replace(" ", "_")},
                ],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        case_id = response.json()["id"]
        member = volunteer_api.post(
            f"/api/v1/cases/{case_id}/family/",
            {
                "relation": "spouse",
                "name": markers["relative"],
                "location": markers["place"],
                "phone": markers["relative phone"],
            },
            format="json",
        ).json()
        flag = volunteer_api.post(
            f"/api/v1/family/{member['id']}/flags/",
            {
                "kind": "threatened",
                "severity": 3,
                "observed_on": "2026-11-20",
                "review_on": "2026-11-27",
                "source": markers["source"],
            },
            format="json",
        )
        assert flag.status_code == 201
        assert (
            volunteer_api.post(
                f"/api/v1/cases/{case_id}/timeline/", {"text": markers["note"]}, format="json"
            ).status_code
            == 201
        )
        assert volunteer_api.post(f"/api/v1/cases/{case_id}/vouch/", {}).status_code == 200
        assert coordinator_api.post(f"/api/v1/cases/{case_id}/verify/", {}).status_code == 200
        request_id = volunteer_api.post(
            f"/api/v1/cases/{case_id}/cdm-requests/", {"kind": "cdm"}
        ).json()["id"]
        for step, data in (
            ("ready", {}),
            ("submit", {"submitted_on": "2026-11-02", "channel": "email"}),
            ("issue", {"code": markers["code"][:60]}),
        ):
            answer = coordinator_api.post(f"/api/v1/cdm-requests/{request_id}/{step}/", data)
            assert answer.status_code == 200, answer.content
        markers["code"] = markers["code"][:60]
        detail = coordinator_api.get(f"/api/v1/cases/{case_id}/").json()
        assert detail["alias"] == markers["alias"]  # all there, for the right reader
    finally:
        connection.force_debug_cursor = False
    assert Case.objects.get(pk=case_id).risk == 3

    assert_absent(b"\n".join(everything_in_the_database()), markers, "a table")
    assert_absent(pg_dump(), markers, "pg_dump")
    redis_chunks = everything_in_redis()
    assert any(b"followups" in chunk for chunk in redis_chunks)  # the alerts were enqueued
    assert_absent(b"\n".join(redis_chunks), markers, "Redis")
    assert "cases_case" in caplog.text  # the SQL was captured
    assert_absent(caplog.text.encode("utf-8"), markers, "the logs")
