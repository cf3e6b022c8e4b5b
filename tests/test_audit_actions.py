"""Every audit action the code records is a declared constant (supportdesk.audit.actions).

The recording calls are read from the source, so a free string typed at a call, or a constant no
`ActionNames` class declares, fails here before it reaches the log administrators filter.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from supportdesk.audit import actions
from supportdesk.audit.actions import ActionNames, UndeclaredAction, declared_actions
from supportdesk.audit.services import change_record
from supportdesk.vault.fields import encrypted_fields, vault_options
from tests.test_architecture import module_name, source_files

RECORDERS = {
    "audit_record",
    "audit_record_view",
    "audit_record_list_view",
    "audit_record_reads",
    "change_record",
}
# The recorders themselves pass their `action` parameter on.
RECORDING_MODULES = {"supportdesk.audit.services"}


def recording_calls() -> list[tuple[Path, ast.Call]]:
    found = []
    for path in source_files():
        if module_name(path) in RECORDING_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in RECORDERS:
                    found.append((path, node))
    return found


def action_argument(call: ast.Call) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == "action"), None)


def test_recording_calls_are_found() -> None:
    assert len(recording_calls()) > 40


def test_no_action_is_a_string_typed_at_the_call() -> None:
    free = [
        f"{path.relative_to(path.parents[2])}:{call.lineno}"
        for path, call in recording_calls()
        if isinstance(action_argument(call), ast.Constant | ast.JoinedStr | ast.BinOp)
    ]
    assert not free, "\n".join(free)


def test_every_constant_recorded_is_declared() -> None:
    undeclared = []
    for path, call in recording_calls():
        argument = action_argument(call)
        if not isinstance(argument, ast.Attribute):
            continue  # a helper's parameter, or a call that checks (admin_action, view_action)
        namespace = vars(importlib.import_module(module_name(path)))
        value = eval(ast.unparse(argument), namespace)  # noqa: S307 - an attribute lookup
        if value not in declared_actions():
            undeclared.append(f"{module_name(path)}:{call.lineno} {ast.unparse(argument)}")
    assert not undeclared, "\n".join(undeclared)


def test_every_key_holder_of_personal_data_declares_its_view() -> None:
    """A read of decrypted data defaults to `<model>.view` of the record holding the key."""
    holders = [
        model
        for model in apps.get_models()
        if model.__module__.startswith(("cases.", "relocation.", "funds."))
        and encrypted_fields(model)
        and vault_options(model)[0] == "self"
    ]
    assert holders
    missing = [
        m._meta.label for m in holders if f"{m._meta.model_name}.view" not in declared_actions()
    ]
    assert not missing


def test_names_are_object_dot_verb_and_declared_once() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"not object\.verb"):
        type("Bad", (ActionNames,), {"WRONG": "Not a name"})
    with pytest.raises(ImproperlyConfigured, match="declared by"):
        type("Twice", (ActionNames,), {"AGAIN": "case.transition"})


def test_the_change_record_refuses_an_undeclared_name(db: None) -> None:
    from supportdesk.accounts.tests.factories import TeamFactory

    with pytest.raises(UndeclaredAction):
        change_record(actor=None, action="case.teleport", obj=TeamFactory.create())


def test_every_declaring_module_is_found_at_start_up() -> None:
    """AuditConfig.ready() imports every app's audit_actions module."""
    owners = {owner.rpartition(".")[0] for owner in declared_actions().values()}
    assert {"cases.audit_actions", "supportdesk.accounts.audit_actions"} <= owners
    assert actions.AuditActions.EXPORT_CSV in declared_actions()
