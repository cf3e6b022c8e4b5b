"""Audit action names, declared once as constants by the app whose services record them.

An app lists its names in `<app>/audit_actions.py`:

    class CaseActions(ActionNames):
        TRANSITION = "case.transition"

and records `CaseActions.TRANSITION`, never a string typed at the call. Declaring is what makes a
name exist: `change_record` and `view_action` refuse an undeclared one, and
`tests/test_audit_actions.py` reads every recording call in the code and fails on a free string or
an undeclared constant. Administrators filter the log by these names, so a name, once used, stays.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured

NAME = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_.]*")
_declared: dict[str, str] = {}


class UndeclaredAction(LookupError):
    """A programming error: an action name no `ActionNames` class declares."""


class ActionNames:
    """Subclasses declare their UPPER_CASE string attributes as action names ("object.verb")."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        owner = f"{cls.__module__}.{cls.__qualname__}"
        for attribute, name in vars(cls).items():
            if not attribute.isupper() or not isinstance(name, str):
                continue
            if not NAME.fullmatch(name):
                raise ImproperlyConfigured(f"{owner}.{attribute}: {name!r} is not object.verb")
            if _declared.get(name, owner) != owner:
                raise ImproperlyConfigured(f"{name!r} is declared by {_declared[name]} already")
            _declared[name] = owner


def declared_actions() -> dict[str, str]:
    """Every declared name, with the class that declares it."""
    return dict(_declared)


def require_declared(name: str) -> str:
    if name not in _declared:
        raise UndeclaredAction(f"Audit action {name!r} is not declared by any ActionNames class.")
    return name


class AuditActions(ActionNames):
    """What the audit app records itself, and names more than one app records."""

    ALERT_ACKNOWLEDGE = "audit.alert_acknowledge"
    # A download (the audit log, the CDM requests for the ministry): one event per record.
    EXPORT_CSV = "export.csv"
    # A key holder's data key destroyed (the vault returns what it removed; the caller records it).
    KEY_HOLDER_SHRED = "vault.key_holder_shred"
