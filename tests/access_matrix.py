"""Who may reach each route of an app, for its API and for its pages: one table per app (its
`test_access_matrix.py`), one harness here.

An app's table lists each route with a request and the status the team's volunteer and its
coordinator get. Everyone else (a volunteer and a coordinator of another team, an administrator)
gets 404 and changes nothing, unless the row says otherwise (a page with no object, such as a
list, answers them with their own teams' records). Anonymous requests are refused: 401 from the
API, a redirect to the login page from a page. A route of the app without a row, or a row for a
route that is gone, fails `test_every_route_has_a_row`; a row whose path is another route's fails
`test_every_row_is_the_route_it_names`.

An app's file subclasses `ApiMatrix` and `PageMatrix` as `Test...` classes, setting the class
attributes below, and gives a `world` fixture: the objects whose keys the rows' paths and bodies
name (`"cases/{case}/"` is formatted with the primary key of `world["case"]`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, resolve
from rest_framework.test import APIClient

from supportdesk.accounts.models import User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.testing import token_client, verified_client

# Out of the team's scope: another team's volunteer (`outsider`) and coordinator, an administrator.
OTHERS = ("outsider", "other_coordinator", "administrator")
SAMPLE_ID = uuid.UUID(int=1)  # in a path, for the completeness checks


@dataclass(frozen=True)
class Row:
    name: str  # the route's name in the app's urlpatterns
    method: str
    path: str  # under the matrix's prefix, formatted with the world's primary keys
    body: dict[str, Any] | None
    volunteer: int  # the status for a volunteer of the objects' team
    coordinator: int  # ... and for its coordinator
    # ... and for everyone in OTHERS; by persona where a route without an object of the team
    # (a list) answers each with their own teams' page.
    others: int | Mapping[str, int] = 404

    def for_other(self, who: str) -> int:
        return self.others if isinstance(self.others, int) else self.others[who]


def their_own(*, outsider: int, other_coordinator: int, administrator: int) -> dict[str, int]:
    """What each of OTHERS gets from a page of their own teams (a list, a coordinator's queue)."""
    return {
        "outsider": outsider,
        "other_coordinator": other_coordinator,
        "administrator": administrator,
    }


def row_id(row: Row) -> str:
    return f"{row.method}-{row.name}"


def route_names(patterns: Sequence[URLPattern | URLResolver]) -> set[str]:
    return {entry.name for entry in patterns if isinstance(entry, URLPattern) and entry.name}


def other_coordinator(other_team: Any) -> User:
    return MembershipFactory.create(team=other_team, user__role=User.Role.COORDINATOR).user


def persona(name: str, request: pytest.FixtureRequest) -> User:
    if name == "other_coordinator":
        return other_coordinator(request.getfixturevalue("other_team"))
    user: User = request.getfixturevalue(name)
    return user


def filled(world: dict[str, Any], row: Row) -> tuple[str, dict[str, Any]]:
    """The row's path and body with the world's primary keys in place of their names."""
    ids = {key: str(getattr(value, "pk", value)) for key, value in world.items()}
    body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in (row.body or {}).items()}
    return row.path.format(**ids), body


def nothing_changed() -> tuple[object, ...]:
    return ()


class Matrix:
    """What the API and the page matrices share: the table, the completeness check and who gets
    what. Subclasses say how a request is made and what a refusal looks like."""

    prefix: ClassVar[str]  # "/api/v1/relocation/"
    urlpatterns: ClassVar[Sequence[URLPattern | URLResolver]]
    rows: ClassVar[Sequence[Row]]
    # Routes of the app deliberately without a row, each tested on its own in the app's file.
    without_rows: ClassVar[AbstractSet[str]] = frozenset()
    # The state an out-of-scope request must leave as it was (counts, states, versions).
    snapshot: ClassVar[Callable[[], tuple[object, ...]]] = staticmethod(nothing_changed)

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "row" in metafunc.fixturenames:
            metafunc.parametrize("row", self.rows, ids=row_id)

    def call(self, user: User | None, row: Row, world: dict[str, Any]) -> Any:
        raise NotImplementedError

    def assert_refused_as_not_found(self, response: Any) -> None:
        assert response.status_code == 404, response.content

    def assert_refused_anonymous(self, response: Any) -> None:
        raise NotImplementedError

    def test_every_route_has_a_row(self) -> None:
        routed = route_names(self.urlpatterns)
        assert routed == {row.name for row in self.rows} | self.without_rows

    def test_every_row_is_the_route_it_names(self) -> None:
        for row in self.rows:
            path = self.prefix + row.path.format_map(defaultdict(lambda: str(SAMPLE_ID)))
            assert resolve(path).url_name == row.name, row

    def test_the_teams_volunteer(self, row: Row, world: dict[str, Any], volunteer: User) -> None:
        response = self.call(volunteer, row, world)
        assert response.status_code == row.volunteer, response.content

    def test_the_teams_coordinator(
        self, row: Row, world: dict[str, Any], coordinator: User
    ) -> None:
        response = self.call(coordinator, row, world)
        assert response.status_code == row.coordinator, response.content

    @pytest.mark.parametrize("who", OTHERS)
    def test_everyone_else_gets_404_and_changes_nothing(
        self, row: Row, who: str, world: dict[str, Any], request: pytest.FixtureRequest
    ) -> None:
        """Or, on a route with no object of the team (a list), each gets their own teams' page."""
        user = persona(who, request)
        before = type(self).snapshot()
        response = self.call(user, row, world)
        if row.for_other(who) == 404:
            self.assert_refused_as_not_found(response)
        else:
            assert response.status_code == row.for_other(who), response.content
        assert type(self).snapshot() == before

    def test_anonymous_is_refused(self, row: Row, world: dict[str, Any]) -> None:
        before = type(self).snapshot()
        self.assert_refused_anonymous(self.call(None, row, world))
        assert type(self).snapshot() == before


class ApiMatrix(Matrix):
    """The API: bearer tokens, JSON bodies, `{"detail": "Not found."}` for what is out of scope."""

    def headers(self) -> dict[str, str]:
        return {}

    def call(self, user: User | None, row: Row, world: dict[str, Any]) -> Any:
        path, body = filled(world, row)
        client = token_client(user) if user else APIClient()
        method = getattr(client, row.method)
        return method(self.prefix + path, body, format="json", **self.headers())

    def assert_refused_as_not_found(self, response: Any) -> None:
        super().assert_refused_as_not_found(response)
        assert response.json() == {"detail": "Not found."}

    def assert_refused_anonymous(self, response: Any) -> None:
        assert response.status_code == 401, response.content
        assert response["WWW-Authenticate"].startswith("Bearer")


class PageMatrix(Matrix):
    """The server-rendered pages: a browser session past two-factor login, form-encoded bodies."""

    def call(self, user: User | None, row: Row, world: dict[str, Any]) -> Any:
        path, body = filled(world, row)
        client = verified_client(user) if user else Client()
        return getattr(client, row.method)(self.prefix + path, body)

    def assert_refused_anonymous(self, response: Any) -> None:
        assert response.status_code == 302, response.content
        assert response["Location"].startswith("/accounts/login/")
