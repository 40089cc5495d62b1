"""Commands of this step of the upgrade life-cycle (see forecourt.lifecycle.commands)."""

import click

COMMANDS: list[click.Command] = []
