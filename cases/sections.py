"""Sections other apps add to the case page, without cases importing them.

An app registers its sections in `AppConfig.ready()`:

    register_case_section(CaseSection(name="relocation.route", order=40,
                                      template="relocation/_case_section.html",
                                      build=route_section))

`build(request, case)` returns the context for the section's template, or None to leave the section
out (not the user's business, nothing to show, a shredded case). It runs after the case page has
proved the user may see the case; it reads through the app's own scoped selectors and records the
reads of personal data it shows, as any page does. The template gets the case page's context plus
`section`, the dict `build` returned. `order` places sections among each other, after the case's own
record and before its family and timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from cases.models import Case
    from supportdesk.accounts.access import AuthenticatedRequest


@dataclass(frozen=True)
class CaseSection:
    name: str
    order: int
    template: str
    build: Callable[[AuthenticatedRequest, Case], dict[str, Any] | None]


@dataclass(frozen=True)
class Shown:
    name: str
    template: str
    context: dict[str, Any]


_sections: dict[str, CaseSection] = {}


def register_case_section(section: CaseSection) -> None:
    if _sections.get(section.name, section) is not section:
        raise ImproperlyConfigured(
            f"A different case section is already registered as {section.name!r}."
        )
    _sections[section.name] = section


def unregister_case_section(name: str) -> None:
    _sections.pop(name, None)


def case_sections(request: AuthenticatedRequest, case: Case) -> list[Shown]:
    """The sections the user sees on this case's page, in order."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.name)):
        context = section.build(request, case)
        if context is not None:
            shown.append(Shown(name=section.name, template=section.template, context=context))
    return shown
