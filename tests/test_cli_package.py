"""The `forecourt` command is one package, forecourt.cli, that nothing else imports (so no package has a
cycle with it), and that lists its commands as plain click objects (no registration by module name)."""

import ast
from pathlib import Path

import click

SRC = Path(__file__).resolve().parent.parent / "src" / "forecourt"
CLI = SRC / "cli"


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, absolute names (relative imports resolved), at any depth."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_no_module_outside_the_cli_package_imports_it():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if CLI in path.parents or path == SRC / "__main__.py":
            continue
        if any(name == "forecourt.cli" or name.startswith("forecourt.cli.") for name in imported_modules(path)):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


def test_commands_live_in_the_cli_package():
    assert sorted(str(p.relative_to(SRC)) for p in SRC.rglob("cli_*.py")) == []
    assert not (SRC / "cli.py").exists()


def test_commands_are_registered_as_click_objects_not_by_module_name():
    for path in sorted(CLI.glob("*.py")):
        assert "import_module" not in path.read_text(encoding="utf-8"), path.name
        assert "importlib" not in imported_modules(path), path.name


def test_every_command_module_is_listed():
    """A command module the root group does not list would hold commands `forecourt` never offers."""
    from forecourt.cli import cli
    from forecourt.cli.main import COMMANDS

    listed = {command.callback.__module__ for command in COMMANDS if command.callback is not None}
    modules = {f"forecourt.cli.{p.stem}" for p in CLI.glob("*.py")} - {
        "forecourt.cli.__init__", "forecourt.cli.base", "forecourt.cli.main"}
    assert listed == modules
    assert isinstance(cli, click.Group)
    assert {"backup", "restore", "upgrade-check", "verify", "downgrade", "rebuild-derived", "theme", "config",
            "serve", "worker", "migrate", "bootstrap", "search-index", "version", "export", "plan",
            "apply"} == set(cli.commands)
    theme = cli.commands["theme"]
    assert isinstance(theme, click.Group) and set(theme.commands) == {"validate", "upgrade", "messages"}
