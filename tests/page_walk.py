"""Every page of the site, found from the URL resolver, with the demo records to fill its path.

Used by the tests that look at every page (tests/test_burmese_pages.py in Burmese,
tests/browser/test_page_widths.py at 360 px). A page is a route that answers GET with HTML;
routes that only take POST (actions), files (CSV exports), the API, the schema and Django's own
admin are not pages. A path parameter is filled from the demo data (`manage.py demo_data`) by its
name; a route whose parameter has no demo record is reported, never silently dropped.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from cases.models import Case, CdmRequest, DuplicateFlag, FamilyMember, SecurityFlag
from funds.models import Disbursement, Donation
from relocation.models import Area, RouteLeg, RoutePlan, SafeHouse
from supportdesk.accounts.models import User
from supportdesk.audit.alerts import alert_raise
from supportdesk.audit.models import AuditAlert
from supportdesk.followups.models import FollowUp, Notification
from supportdesk.testing import verified_client

PO_FILE = Path(__file__).resolve().parent.parent / "locale" / "my" / "LC_MESSAGES" / "django.po"

# Not pages: machine interfaces, files, Django's admin (its own translations), and the switch of
# language (a POST).
NOT_PAGES = re.compile(r"^(api/|admin/|healthz|i18n/)|\.csv$")
PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")
DEMO_USERS = ("volunteer", "coordinator", "admin")


@dataclass(frozen=True)
class Route:
    pattern: str  # "cases/<uuid:case_id>/"
    name: str  # "cases:detail"

    @property
    def parameters(self) -> list[str]:
        return [found.group("name") for found in PARAMETER.finditer(self.pattern)]

    def path(self, values: dict[str, str]) -> str:
        return "/" + PARAMETER.sub(lambda found: values[found.group("name")], self.pattern)


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name or ""]))
            yield Route(pattern=prefix + str(entry.pattern), name=name)


def routes() -> list[Route]:
    """Every route that could be a page (the resolver's, less the ones that are not pages)."""
    found = [route for route in _walk(get_resolver().url_patterns) if route.pattern]
    home = [Route(pattern="", name="home")]
    return home + [route for route in found if not NOT_PAGES.search(route.pattern)]


def _first(queryset: models.QuerySet) -> str | None:
    found = queryset.order_by("pk").values_list("pk", flat=True).first()
    return None if found is None else str(found)


def _flag(route: Route, chosen: dict[str, str]) -> str | None:
    if "duplicates" in route.pattern:
        return _first(DuplicateFlag.objects.all())
    return _first(SecurityFlag.objects.filter(family_member__case_id=chosen.get("case_id")))


def _case(route: Route, chosen: dict[str, str]) -> str | None:
    # A case whose page shows the most: the one with a family flag, or the one with a journey.
    if "family" in route.pattern or "flags" in route.pattern:
        return _first(Case.objects.filter(family__flags__isnull=False))
    if route.pattern.startswith("funds/"):
        return _first(Case.objects.filter(verification=Case.Verification.VERIFIED))
    return _first(Case.objects.filter(route_plans__isnull=False)) or _first(Case.objects.all())


# How each path parameter is filled, from what is already chosen for the same path.
FILL: dict[str, Callable[[Route, dict[str, str]], str | None]] = {
    "case_id": _case,
    "member_id": lambda r, c: _first(FamilyMember.objects.filter(case_id=c.get("case_id"))),
    "flag_id": _flag,
    "request_id": lambda r, c: _first(CdmRequest.objects.filter(case_id=c.get("case_id"))),
    "house_id": lambda r, c: _first(SafeHouse.objects.all()),
    "area_id": lambda r, c: _first(Area.objects.all()),
    "plan_id": lambda r, c: _first(RoutePlan.objects.all()),
    "leg_id": lambda r, c: _first(RouteLeg.objects.all()),
    "disbursement_id": lambda r, c: _first(Disbursement.objects.all()),
    "donation_id": lambda r, c: _first(Donation.objects.all()),
    "user_id": lambda r, c: _first(User.objects.filter(username="volunteer")),
    "actor_id": lambda r, c: _first(User.objects.filter(username="volunteer")),
    "alert_id": lambda r, c: _first(AuditAlert.objects.all()),
    "followup_id": lambda r, c: _first(FollowUp.objects.all()),
    "notification_id": lambda r, c: _first(Notification.objects.all()),
    "object_type": lambda r, c: "case",
    "object_id": lambda r, c: _first(Case.objects.all()),
}


def path_of(route: Route) -> str | None:
    """The route's path filled with demo records, or None if one of them does not exist."""
    chosen: dict[str, str] = {}
    for name in route.parameters:
        fill = FILL.get(name)
        value = fill(route, chosen) if fill else None
        if value is None:
            return None
        chosen[name] = value
    return route.path(chosen)


def demo_data() -> None:
    """The demo records, and an access alert (the demo raises none) for the alert pages."""
    call_command("demo_data", stdout=io.StringIO())
    if not AuditAlert.objects.exists():
        alert_raise(kind=AuditAlert.Kind.BULK_READ, dedupe_key=f"demo:{uuid.uuid4()}", detail="")


def pages_for(user: User) -> list[tuple[Route, str]]:
    """The pages `user` may open (GET answers HTML), one per set of templates: a route that
    renders the same templates as another (an action's page showing the case again) is left out."""
    client = verified_client(user)
    seen: set[tuple[str, ...]] = set()
    found = []
    for route in routes():
        path = path_of(route)
        if path is None:
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        templates = tuple(sorted({t.name for t in response.templates if t.name}))
        if templates not in seen:
            seen.add(templates)
            found.append((route, path))
    return found


def compiled_catalogue(folder: Path) -> Path | None:
    """locale/my compiled into `folder` (a LOCALE_PATHS entry), or None without gettext;
    locale/ itself is never written."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return None
    target = folder / "my" / "LC_MESSAGES" / "django.mo"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([msgfmt, "-o", str(target), str(PO_FILE)], check=True)  # noqa: S603
    return folder
