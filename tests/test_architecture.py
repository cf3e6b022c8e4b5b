"""The shape of the code: a strict stack of layers, and no import cycles.

Every import of the project's own modules is read from the source (at module level, inside
functions, and under `TYPE_CHECKING`), so an import hidden in a function body cannot make an arrow
point up unseen. docs/architecture.md draws the same stack.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("supportdesk", "cases", "relocation", "funds")

# Bottom to top: a module may import its own layer and those below it, never one above.
# A module belongs to the layer of the longest prefix that names it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "base",
        (
            "supportdesk.errors",
            "supportdesk.formats",
            "supportdesk.formatting",
            "supportdesk.messages",
            "supportdesk.request_context",
            "supportdesk.validators",
        ),
    ),
    ("vault", ("supportdesk.vault",)),
    (
        "audit log",
        (
            "supportdesk.audit.models",
            "supportdesk.audit.services",
            "supportdesk.audit.actions",
            "supportdesk.audit.chain",
            "supportdesk.audit.merkle",
            "supportdesk.audit.tree",
            "supportdesk.audit.coverage",
        ),
    ),
    ("accounts", ("supportdesk.accounts",)),
    ("followups", ("supportdesk.followups",)),
    # What administrators do with the log: alerts, their replies, the log's pages' reads.
    ("oversight", ("supportdesk.audit",)),
    ("operations", ("supportdesk.operations",)),
    ("workflow", ("supportdesk.workflow",)),
    ("api plumbing", ("supportdesk.api",)),
    # The core's entry points (pages, API views, routes, admin, tasks, commands); see INTERFACES.
    ("core interfaces", ()),
    ("domain apps", ("cases", "relocation", "funds")),
    ("project", ("supportdesk",)),  # settings, urls, celery, wsgi, health, error pages, testing
)
# A core module whose name has one of these parts is an entry point: it sits above the whole core,
# so a page of accounts may use the API plumbing and the audit log alike.
INTERFACES = frozenset(
    {"views", "api", "api_urls", "urls", "admin", "forms", "middleware", "tasks", "management"}
    | {"apps", "context_processors", "templatetags"}
)
# Inside a domain app, the same split: models, rules, selectors and services never import the
# app's own pages, API or routes.
APP_INTERFACES = frozenset({"views", "api", "api_urls", "urls", "admin", "forms", "tasks"})


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).parts
            if "tests" in relative or "migrations" in relative or relative[-1] == "testing.py":
                continue
            yield path


def project_imports() -> list[Import]:
    found = []
    for path in source_files():
        source = module_name(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from package import module` imports the module when there is one.
                targets = [
                    f"{node.module}.{alias.name}"
                    if (ROOT / node.module.replace(".", "/") / f"{alias.name}.py").exists()
                    or (ROOT / node.module.replace(".", "/") / alias.name).is_dir()
                    else node.module
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                if target.split(".")[0] in PACKAGES:
                    found.append(Import(source, target, node.lineno))
    return found


def is_core_interface(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "supportdesk" and len(parts) > 2 and bool(INTERFACES & set(parts[2:]))


def layer_of(module: str) -> int:
    if is_core_interface(module):
        return [name for name, _ in LAYERS].index("core interfaces")
    best, best_length = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS"
    return best


def describe(module: str) -> str:
    return f"{module} ({LAYERS[layer_of(module)][0]})"


def test_every_module_has_a_layer() -> None:
    for path in source_files():
        layer_of(module_name(path))


def test_no_import_points_up_the_stack() -> None:
    upward = [
        f"{imp.source}:{imp.line} imports {describe(imp.target)} from {describe(imp.source)}"
        for imp in project_imports()
        if layer_of(imp.target) > layer_of(imp.source)
    ]
    assert not upward, "\n".join(upward)


def _app_part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_domain_apps_keep_their_pages_and_api_on_top() -> None:
    apps = ("cases", "relocation", "funds")
    wrong = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in project_imports()
        if imp.source.split(".")[0] in apps
        and imp.target.split(".")[0] in apps
        and _app_part(imp.source) not in APP_INTERFACES
        and _app_part(imp.source) not in ("apps",)
        and _app_part(imp.target) in APP_INTERFACES
    ]
    assert not wrong, "\n".join(wrong)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def known_module(name: str, modules: set[str]) -> str | None:
    """The project module an import names: itself, or the package it imports from."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_no_module_imports_itself_round_a_circle() -> None:
    modules = {module_name(path) for path in source_files()}
    edges: dict[str, set[str]] = {}
    for imp in project_imports():
        target = known_module(imp.target, modules)
        # A package's __init__ is not a dependency of its own modules.
        if target and target != imp.source and not imp.source.startswith(target + "."):
            edges.setdefault(imp.source, set()).add(target)
    circles = cycles(edges)
    assert not circles, "\n".join(" <-> ".join(c) for c in circles)


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("supportdesk.vault.crypto", "vault"),
        ("supportdesk.audit.services", "audit log"),
        ("supportdesk.audit.alerts", "oversight"),
        ("supportdesk.accounts.views", "core interfaces"),
        ("supportdesk.audit.management.commands.verify_audit", "core interfaces"),
        ("cases.services.intake", "domain apps"),
        ("supportdesk.urls", "project"),
    ],
)
def test_modules_fall_in_the_layers_the_docs_name(module: str, layer: str) -> None:
    assert LAYERS[layer_of(module)][0] == layer


def test_the_checks_find_an_upward_import_and_a_circle() -> None:
    assert layer_of("supportdesk.vault.services") < layer_of("supportdesk.audit.services")
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
