"""Who viewed this case, asked with the reference everyone sees (8BC9B35A), not only the full id:
an administrator outside the team has no other way to name the case."""

from __future__ import annotations

import uuid

import pytest

from supportdesk.accounts.models import User
from supportdesk.audit.tests.helpers import make_events
from supportdesk.testing import token_client, verified_client

pytestmark = pytest.mark.django_db


def test_who_viewed_a_case_by_its_reference(administrator: User, volunteer: User) -> None:
    case_id = uuid.uuid4()
    make_events(3, actor_id=volunteer.pk, object_id=case_id.hex)
    make_events(2, actor_id=volunteer.pk, object_id=uuid.uuid4().hex)  # other records
    reference = case_id.hex[:8].upper()
    api = token_client(administrator)
    url = f"/api/v1/audit/objects/cases.case/{reference}/events/"
    found = api.get(url, {"action": "case.view"}).json()["results"]
    assert len(found) == 3 and {row["object_id"] for row in found} == {case_id.hex}
    page = verified_client(administrator).get("/audit/", {"object_id": reference.lower()})
    assert page.status_code == 200 and page.content.decode().count(case_id.hex) >= 3


def test_a_full_id_still_finds_exactly_that_record(administrator: User, volunteer: User) -> None:
    case_id = uuid.uuid4()
    make_events(1, actor_id=volunteer.pk, object_id=case_id.hex)
    url = f"/api/v1/audit/objects/cases.case/{case_id}/events/"
    assert len(token_client(administrator).get(url).json()["results"]) == 1
