"""Registers the upgrade life-cycle commands on the `forecourt` CLI.

Each module below owns its commands and lists them in `COMMANDS` (top-level commands) or
`THEME_COMMANDS` (under `forecourt theme`), so the commands of one step of the life-cycle live
beside the code that does the step, and cli.py stays a short list of entry points.
"""

from importlib import import_module

import click

MODULES = (
    "forecourt.lifecycle.cli_backup",
    "forecourt.lifecycle.cli_checks",
    "forecourt.lifecycle.cli_downgrade",
    "forecourt.themes.cli_upgrade",
)


def register(cli: click.Group, theme: click.Group) -> None:
    for name in MODULES:
        module = import_module(name)
        for command in getattr(module, "COMMANDS", ()):
            cli.add_command(command)
        for command in getattr(module, "THEME_COMMANDS", ()):
            theme.add_command(command)
