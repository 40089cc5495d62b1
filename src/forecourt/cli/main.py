"""The root `forecourt` group and the list of every command, by group (one module each)."""

import json

import click

import forecourt

from . import backup, config, database, promotion, serve, theme, upgrade


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--conf", type=click.Path(dir_okay=False), default=None,
              help="portal.conf to read (default: ./portal.conf when present).")
@click.version_option(forecourt.__version__, "--version", prog_name="forecourt")
def cli(conf: str | None) -> None:
    """Forecourt, a self-hosted API developer portal."""


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def version(as_json: bool) -> None:
    """Print the version."""
    if as_json:
        click.echo(json.dumps({"version": forecourt.__version__}))
    else:
        click.echo(forecourt.__version__)


COMMANDS: tuple[click.Command, ...] = (
    config.config,
    serve.serve, serve.worker,
    database.migrate, database.bootstrap, database.search_index,
    backup.backup, backup.restore,
    upgrade.upgrade_check, upgrade.verify, upgrade.rebuild_derived, upgrade.downgrade,
    theme.theme,
    promotion.export, promotion.plan, promotion.apply,
)
for _command in COMMANDS:
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="forecourt")
