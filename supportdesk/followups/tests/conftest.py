"""Fixtures for the follow-up tests: a subject model, handlers registered for one test only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from supportdesk.followups.models import FollowUp
from supportdesk.followups.registry import Handler, register_handler, unregister_handler
from supportdesk.followups.tests.retentiontest.models import Dossier


@pytest.fixture
def register() -> Iterator[Callable[[str, Handler], None]]:
    """Register a handler for the length of one test."""
    kinds: list[str] = []

    def add(kind: str, handler: Handler) -> None:
        register_handler(kind, handler)
        kinds.append(kind)

    yield add
    for kind in kinds:
        unregister_handler(kind)


@pytest.fixture
def dossier(db: None) -> Dossier:
    return Dossier.objects.create(alias="Special 007")


@pytest.fixture
def now() -> datetime:
    return timezone.now()


def past(seconds: int = 1) -> datetime:
    return timezone.now() - timedelta(seconds=seconds)


def reload(followup: FollowUp) -> FollowUp:
    return FollowUp.objects.get(pk=followup.pk)
