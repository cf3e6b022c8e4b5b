"""The home page's panels: what waits for each person, contributed by the apps that know.

The home imports no app. Each app registers its panels in `AppConfig.ready()`:

    register_home_panel(HomePanel(name="cases.verification", roles={COORDINATOR}, order=20,
                                  build=verification_queue))

`build(user)` returns a `Panel` (a title, counted items linking to where the work is, and
optionally a template with its context) or None when it has nothing to say. Builders read through
the app's own scoped selectors, and record the reads of personal data they show, as any page does.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from supportdesk.accounts.models import User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Item:
    label: StrOrPromise
    count: int
    link: str
    urgent: bool = False  # shown first and marked: someone may be in danger, or a deadline passed


@dataclass(frozen=True)
class Panel:
    title: StrOrPromise
    items: list[Item] = field(default_factory=list)
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    # Shown when every count is zero and there is no template: "nothing waiting" beats a blank.
    empty: StrOrPromise = ""


@dataclass(frozen=True)
class HomePanel:
    name: str
    roles: Collection[str]
    order: int
    build: Callable[[User], Panel | None]


_panels: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    if _panels.get(panel.name, panel) is not panel:
        raise ImproperlyConfigured(
            f"A different home panel is already registered as {panel.name!r}."
        )
    _panels[panel.name] = panel


def unregister_home_panel(name: str) -> None:
    _panels.pop(name, None)


def home_panels(user: User) -> list[Panel]:
    """The user's panels in order; an item with nothing waiting is left out of its panel."""
    shown = []
    for registered in sorted(_panels.values(), key=lambda p: (p.order, p.name)):
        if user.role not in registered.roles:
            continue
        panel = registered.build(user)
        if panel is None:
            continue
        items = sorted((i for i in panel.items if i.count), key=lambda i: not i.urgent)
        shown.append(
            Panel(
                title=panel.title,
                items=items,
                template=panel.template,
                context=panel.context,
                empty=panel.empty,
            )
        )
    return shown
