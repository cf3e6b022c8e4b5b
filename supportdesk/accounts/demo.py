"""Invented records for a local run, contributed by the apps that own them.

The demo command (`manage.py demo_data`) imports no domain app. An app with something to show puts
a `demo` module beside its models; the command finds it the way the admin finds `admin` modules
(`autodiscover_modules("demo")`), and the module registers what it adds:

    register_demo(DemoStep(name="cases", order=10, build=demo_cases))

`build(demo)` writes through the app's own services (so the audit log and the timelines read as if
people had done the work) and returns one line saying what it added, or "" when it found its
records there already: every step must be safe to run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from supportdesk.accounts.models import Team, User


@dataclass(frozen=True)
class Demo:
    """The demo team and its people, as the demo command made them."""

    team: Team
    volunteer: User
    coordinator: User
    administrator: User


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    build: Callable[[Demo], str]


_steps: dict[str, DemoStep] = {}


def register_demo(step: DemoStep) -> None:
    if _steps.get(step.name, step) is not step:
        raise ImproperlyConfigured(f"A different demo step is already registered as {step.name!r}.")
    _steps[step.name] = step


def demo_steps() -> list[DemoStep]:
    return sorted(_steps.values(), key=lambda step: (step.order, step.name))
