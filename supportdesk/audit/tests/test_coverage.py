"""Every route that returns personal data records a view event: the real check over the project's
routes, and the harness's own tests on a fake URL configuration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from supportdesk.accounts.models import User
from supportdesk.audit.tests.coverage import (
    ViewCoverage,
    coverage_check,
    coverage_problems,
    discover,
)

pytestmark = pytest.mark.django_db

FAKE_URLS = "supportdesk.audit.tests.coverage_urls"
FAKE_APP = ("supportdesk.audit.tests.coverage_urls",)


def test_every_personal_data_route_is_marked_and_registered() -> None:
    assert coverage_problems() == []


def test_every_registered_personal_data_route_records_its_views() -> None:
    failures = [
        problem for name, setup in discover().items() for problem in coverage_check(name, setup)
    ]
    assert failures == []


# --- The harness itself -----------------------------------------------------------------------


def _person(volunteer: User, other: User) -> ViewCoverage:
    return ViewCoverage(
        user=volunteer,
        kwargs={"user_id": str(other.pk)},
        expect=[("user.view", "accounts.user", other.pk.hex)],
    )


def _not_run() -> ViewCoverage:
    raise AssertionError("coverage_problems reads only the registry's names")


@pytest.fixture
def fake_urls() -> Iterator[None]:
    with override_settings(ROOT_URLCONF=FAKE_URLS):
        yield


def test_a_marked_route_without_a_registration_fails_loudly(fake_urls: None) -> None:
    problems = coverage_problems(urlconf=FAKE_URLS, registry={}, personal_data_apps=())
    assert sorted(problems) == sorted(
        f"fake:{name}: shows personal data but no audit coverage request is registered "
        "(add one in the app's tests/audit_coverage.py)"
        for name in ("person", "people", "forgetful")
    )


def test_an_unmarked_view_in_a_personal_data_app_fails(fake_urls: None) -> None:
    registry = {name: _not_run for name in ("fake:person", "fake:people", "fake:forgetful")}
    problems = coverage_problems(urlconf=FAKE_URLS, registry=registry, personal_data_apps=FAKE_APP)
    assert problems == [
        "fake:unmarked: a view in a personal-data app must be marked "
        "@shows_personal_data or @no_personal_data"
    ]


def test_a_registration_for_a_route_that_is_not_marked_fails(fake_urls: None) -> None:
    registry = {name: _not_run for name in ("fake:person", "fake:people", "fake:forgetful")}
    registry["fake:plain"] = _not_run
    problems = coverage_problems(urlconf=FAKE_URLS, registry=registry, personal_data_apps=())
    assert problems == [
        "fake:plain: registered for audit coverage but no route by that name shows personal data"
    ]


def test_a_route_that_records_its_view_passes(
    fake_urls: None, volunteer: User, coordinator: User
) -> None:
    assert coverage_check("fake:person", lambda: _person(volunteer, coordinator)) == []


def test_a_list_records_every_object_it_showed(
    fake_urls: None, volunteer: User, coordinator: User
) -> None:
    shown = User.objects.order_by("username")[:5]
    expect = [("user.view", "accounts.user", person.pk.hex) for person in shown]
    setup = lambda: ViewCoverage(user=volunteer, expect=expect)  # noqa: E731
    assert coverage_check("fake:people", setup) == []


def test_a_route_that_records_nothing_fails_naming_it(
    fake_urls: None, volunteer: User, coordinator: User
) -> None:
    assert coverage_check("fake:forgetful", lambda: _person(volunteer, coordinator)) == [
        f"fake:forgetful: did not record user.view of accounts.user {coordinator.pk.hex}"
    ]


def test_a_registration_expecting_nothing_fails(fake_urls: None, volunteer: User) -> None:
    setup = lambda: ViewCoverage(user=volunteer, expect=[])  # noqa: E731
    assert coverage_check("fake:people", setup) == [
        "fake:people: the registration expects no event"
    ]
