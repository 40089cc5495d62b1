"""The resources layer (forecourt.resources) sits under both admin UIs: the Admin Portal and the
Admin API write through it, and neither imports the other; the resources, and the domain packages
that used to hold admin views (notify, webhooks, themes), import no UI package.

Imports are read from the source with ast, those inside functions included, so a deferred import
does not hide a dependency. (tests/test_import_layers.py checks the whole package graph.)"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
UI_PACKAGES = {"adminportal", "api", "live", "cli"}


def imported_packages(module: Path) -> dict[str, list[int]]:
    """The forecourt packages (first name under forecourt) that `module` imports, each with its lines."""
    name = ".".join(module.relative_to(SRC).with_suffix("").parts)
    package = name.split(".")[:-1]  # a module's relative imports start from its package
    found: dict[str, list[int]] = {}
    for node in ast.walk(ast.parse(module.read_text(), str(module))):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                targets = [".".join([*base, node.module] if node.module else base)]
                if not node.module:  # from . import x, y: each name may be a module
                    targets = [f"{targets[0]}.{alias.name}" for alias in node.names]
            elif node.module:
                targets = [node.module]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        for target in targets:
            parts = target.split(".")
            if parts[0] == "forecourt" and len(parts) > 1:
                found.setdefault(parts[1], []).append(node.lineno)
    return found


def ui_imports(package: str, forbidden: set[str]) -> list[str]:
    """Each import of a `forbidden` package by a module of forecourt.`package`, as "file:line -> package"."""
    root = SRC / "forecourt" / package
    modules = [root.with_suffix(".py")] if root.with_suffix(".py").exists() else sorted(root.rglob("*.py"))
    problems: list[tuple[str, int, str]] = []
    for module in modules:
        if "migrations" in module.parts:
            continue
        for imported, lines in imported_packages(module).items():
            if imported in forbidden and imported != package:
                problems += [(str(module.relative_to(SRC)), line, imported) for line in lines]
    return [f"{path}:{line} -> {imported}" for path, line, imported in sorted(problems)]


@pytest.mark.parametrize(("package", "forbidden"), [
    ("resources", UI_PACKAGES),
    ("api", {"adminportal", "live", "cli"}),
    ("adminportal", {"api", "live", "cli"}),
    ("notify", UI_PACKAGES),
    ("webhooks", UI_PACKAGES),
    ("themes", UI_PACKAGES - {"cli"}),  # themes/cli_*.py: another change moves them into cli/
    ("pagecache", UI_PACKAGES),
])
def test_no_ui_package_is_imported_from_below_or_across(package, forbidden):
    assert ui_imports(package, forbidden) == []


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    """The check itself: a deferred import and a relative one are found (a check that saw neither
    would pass whatever the code did)."""
    fake = tmp_path / "forecourt" / "resources"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text("def f():\n    from forecourt.adminportal import lists\n"
                                 "from ..api import forms\nfrom .. import live\n")
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path)
    assert ui_imports("resources", UI_PACKAGES) == [
        "forecourt/resources/bad.py:2 -> adminportal", "forecourt/resources/bad.py:3 -> api",
        "forecourt/resources/bad.py:4 -> live"]


def test_the_admin_portals_related_lists_are_its_definitions():
    """A list under an edit form (a product's APIs) shows rows its resource's definition names."""
    from forecourt.adminportal.registry import RESOURCES

    for resource in RESOURCES:
        for related in resource.related:
            assert related.related in resource.definition.related, (resource.slug, related.slug)
