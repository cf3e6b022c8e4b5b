"""The harness behind "every route that returns personal data records a view".

For each route marked `@shows_personal_data` (supportdesk.audit.coverage), its app registers, in
`<app>/tests/audit_coverage.py`, how to call it and which view events the response must record:

    from supportdesk.audit.tests.coverage import ViewCoverage, register_personal_data_route

    @register_personal_data_route("cases:detail")          # the route's "namespace:name"
    def _case_detail() -> ViewCoverage:
        case = CaseFactory.create()
        user = MembershipFactory.create(team=case.team).user
        return ViewCoverage(
            user=user,
            kwargs={"case_id": case.pk},
            expect=[("case.view", "cases.case", case.pk.hex)],
        )

`supportdesk/audit/tests/test_coverage.py` then fails, naming the route, when a marked route has
no registration, an unmarked view sits in a personal-data app, a registration names no marked
route, or a registered request does not record every expected event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.module_loading import autodiscover_modules

from supportdesk.accounts.models import User
from supportdesk.audit.coverage import PERSONAL_DATA_APPS, personal_data_marking, view_module
from supportdesk.audit.models import AuditEvent


@dataclass(frozen=True)
class ViewCoverage:
    user: User
    expect: list[tuple[str, str, str]]  # (action, object_type, object_id) the response records
    kwargs: dict[str, Any] = field(default_factory=dict)
    method: str = "get"
    data: dict[str, Any] | None = None
    api: bool = False  # a bearer-token client instead of a browser session
    query: dict[str, str] = field(default_factory=dict)


Setup = Callable[[], ViewCoverage]
REGISTRY: dict[str, Setup] = {}


def register_personal_data_route(route_name: str) -> Callable[[Setup], Setup]:
    def register(setup: Setup) -> Setup:
        if route_name in REGISTRY and REGISTRY[route_name] is not setup:
            raise ValueError(f"{route_name} is registered twice for audit coverage")
        REGISTRY[route_name] = setup
        return setup

    return register


def discover() -> dict[str, Setup]:
    """Import every installed app's `tests.audit_coverage` module (where registrations live)."""
    autodiscover_modules("tests.audit_coverage")
    return REGISTRY


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern when unnamed
    view: Callable[..., Any]
    named: bool


def routes(urlconf: str | None = None) -> Iterator[Route]:
    def walk(patterns: list[Any], namespace: str, prefix: str) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
                yield from walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                named = bool(pattern.name)
                full = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
                yield Route(
                    full if named else prefix + str(pattern.pattern), pattern.callback, named
                )

    yield from walk(get_resolver(urlconf).url_patterns, "", "")


def coverage_problems(
    *,
    urlconf: str | None = None,
    registry: dict[str, Setup] | None = None,
    personal_data_apps: tuple[str, ...] = PERSONAL_DATA_APPS,
) -> list[str]:
    registry = discover() if registry is None else registry
    problems, marked = [], set()
    for route in routes(urlconf):
        marking = personal_data_marking(route.view)
        if marking is None and view_module(route.view).startswith(personal_data_apps):
            problems.append(
                f"{route.name}: a view in a personal-data app must be marked "
                "@shows_personal_data or @no_personal_data"
            )
        if not marking:
            continue
        if not route.named:
            problems.append(f"{route.name}: a route showing personal data needs a name")
        marked.add(route.name)
        if route.name not in registry:
            problems.append(
                f"{route.name}: shows personal data but no audit coverage request is registered "
                "(add one in the app's tests/audit_coverage.py)"
            )
    problems += [
        f"{name}: registered for audit coverage but no route by that name shows personal data"
        for name in sorted(set(registry) - marked)
    ]
    return problems


def coverage_check(route_name: str, setup: Setup, *, urlconf: str | None = None) -> list[str]:
    """Call the route as the registration says; the events it must record, if any are missing."""
    from supportdesk.testing import token_client, verified_client

    case = setup()
    client = token_client(case.user) if case.api else verified_client(case.user)
    url = reverse(route_name, kwargs=case.kwargs, urlconf=urlconf)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call = getattr(client, case.method.lower())
    response = call(url, case.data or case.query or None)
    if response.status_code >= 400:
        return [f"{route_name}: {case.method.upper()} {url} answered {response.status_code}"]
    recorded = set(
        AuditEvent.objects.filter(id__gt=before, actor_id=case.user.pk).values_list(
            "action", "object_type", "object_id"
        )
    )
    return [
        f"{route_name}: did not record {action} of {object_type} {object_id}"
        for action, object_type, object_id in case.expect
        if (action, object_type, object_id) not in recorded
    ] or ([f"{route_name}: the registration expects no event"] if not case.expect else [])
