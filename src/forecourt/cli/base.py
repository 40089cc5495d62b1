"""What every `forecourt` command shares: loading the configuration, setting Django up, waiting for the
database, and the exit codes.

Every command that reads the configuration loads and validates it before anything else, so a bad
setting stops it with exit status 2 and one line naming the setting, its source and what is accepted.
"""

import logging
import os

import click

from forecourt import configuration, logconfig
from forecourt.configuration import ConfigError

EXIT_FAILURE = 1
EXIT_CONFIG = 2


def load_config(ctx: click.Context) -> configuration.Config:
    """The configuration (`--conf`, else PORTAL_CONFIG, else ./portal.conf, and the environment), made the
    process-wide one; exit 2 naming the setting that is unusable."""
    conf = ctx.find_root().params.get("conf")
    if conf:
        # Child processes (web workers, the job worker) read the same file.
        os.environ[configuration.spec.CONFIG_PATH_ENV] = os.path.abspath(conf)
    try:
        config = configuration.load(conf)
    except ConfigError as exc:
        click.echo(f"forecourt: configuration error: {exc}", err=True)
        ctx.exit(EXIT_CONFIG)
    configuration.reset(config)
    return config


def setup(ctx: click.Context, *, quiet_warnings: bool = False, database: bool = False) -> configuration.Config:
    """Load the configuration, configure logging, set Django up; with `database`, then wait for the database
    as `serve` does (exit 1 naming why it never answered)."""
    config = load_config(ctx)
    logconfig.configure(config.log_level, config.log_format, config.database_enable_logs)
    if not quiet_warnings:
        for warning in config.warnings:
            logging.getLogger("forecourt.config").warning(warning)
        for notice in config.notices:
            logging.getLogger("forecourt.config").info(notice)
    if config.database_dialect == "sqlite3":
        os.makedirs(os.path.dirname(config.database["NAME"]), exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    import django

    try:
        django.setup()
    except Exception as exc:  # e.g. a database driver that is not installed
        click.echo(f"forecourt: cannot start: {exc}", err=True)
        ctx.exit(EXIT_FAILURE)
    if database:
        wait_for_database(ctx, config)
    return config


def fail(ctx: click.Context, message: str) -> None:
    """Log `message` as a start-up error and exit 1."""
    logging.getLogger("forecourt.startup").error(message)
    ctx.exit(EXIT_FAILURE)


def wait_for_database(ctx: click.Context, config: configuration.Config) -> None:
    """Wait for the database as `serve` does (Database.MaxRetries, Database.RetryDelay); exit 1 naming
    why it never answered. Django must be set up (`setup`)."""
    from forecourt.ops import startup

    try:
        startup.wait_for_database(config.database_max_retries, config.database_retry_delay)
    except startup.StartupError as exc:
        fail(ctx, str(exc))
