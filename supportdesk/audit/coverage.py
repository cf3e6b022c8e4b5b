"""Marking views that show decrypted personal data, so a test can prove each one records a view.

Mark every such page or API view with `@shows_personal_data`, and call `audit_record_view` /
`audit_record_list_view` in it. In the apps that hold personal data (PERSONAL_DATA_APPS), every
view must be marked one way or the other: `@no_personal_data` for views that show none. The test
harness (supportdesk/audit/tests/coverage.py) fails for an unmarked view there, and for a marked
route whose app has not registered a request that proves the view event is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

# Modules whose views must all be marked (by import path prefix of the view's module).
PERSONAL_DATA_APPS = ("cases.", "relocation.", "funds.")
_ATTRIBUTE = "supportdesk_personal_data"

View = TypeVar("View", bound=Callable[..., Any])


def shows_personal_data(view: View) -> View:
    setattr(view, _ATTRIBUTE, True)
    return view


def no_personal_data(view: View) -> View:
    setattr(view, _ATTRIBUTE, False)
    return view


def personal_data_marking(view: Callable[..., Any]) -> bool | None:
    """True or False when marked, None when not (function views and DRF/Django class views)."""
    marking = getattr(view, _ATTRIBUTE, None)
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if marking is None and view_class is not None:
        marking = getattr(view_class, _ATTRIBUTE, None)
    return marking


def view_module(view: Callable[..., Any]) -> str:
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return (view_class or view).__module__
