"""The `forecourt` command: one console script for operators.

Every command that reads the configuration loads and validates it before anything else, so
a bad setting stops it with exit status 2 and one line naming the setting, its source and
what is accepted. (`version` and `--help` need no configuration and always work.)
"""

import json
import logging
import os
import secrets
import sys
from typing import Any

import click

import forecourt
from forecourt import configuration, logconfig
from forecourt.configuration import ConfigError
from forecourt.wording import counted

log = logging.getLogger("forecourt.cli")

EXIT_FAILURE = 1
EXIT_CONFIG = 2


def _load_config(ctx: click.Context) -> configuration.Config:
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


def _setup(ctx: click.Context, *, quiet_warnings: bool = False) -> configuration.Config:
    """Load configuration, configure logging, set Django up."""
    config = _load_config(ctx)
    logconfig.configure(config["LogLevel"], config["LogFormat"], config["Database.EnableLogs"])
    if not quiet_warnings:
        for warning in config.warnings:
            logging.getLogger("forecourt.config").warning(warning)
        for notice in config.notices:
            logging.getLogger("forecourt.config").info(notice)
    if config["Database.Dialect"] == "sqlite3":
        os.makedirs(os.path.dirname(config.database["NAME"]), exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    import django

    try:
        django.setup()
    except Exception as exc:  # e.g. a database driver that is not installed
        click.echo(f"forecourt: cannot start: {exc}", err=True)
        ctx.exit(EXIT_FAILURE)
    return config


def _fail(ctx: click.Context, message: str) -> None:
    logging.getLogger("forecourt.startup").error(message)
    ctx.exit(EXIT_FAILURE)


def _wait_for_database(ctx: click.Context, cfg: Any) -> None:
    """Wait for the database as `serve` does (Database.MaxRetries, Database.RetryDelay); exit 1 naming
    why it never answered."""
    from forecourt.ops import startup

    try:
        startup.wait_for_database(cfg["Database.MaxRetries"], cfg["Database.RetryDelay"])
    except startup.StartupError as exc:
        _fail(ctx, str(exc))


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


@cli.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def config_show(ctx: click.Context, as_json: bool) -> None:
    """Show the effective configuration, secrets masked, and where each value came from."""
    cfg = _load_config(ctx)
    rows = cfg.describe()
    if as_json:
        click.echo(json.dumps({"config_file": cfg.config_file, "settings": rows, "warnings": cfg.warnings},
                              indent=2))
        return
    click.echo(f"portal.conf: {cfg.config_file or '(none)'}")
    width = max(len(r["key"]) for r in rows)
    for row in rows:
        value = json.dumps(row["value"]) if not isinstance(row["value"], str) else row["value"]
        note = "  (no effect in Forecourt)" if row["ignored"] and row["source"] != "default" else ""
        click.echo(f"{row['key']:<{width}}  {value!s:<24}  {row['source']}{note}")
    for warning in cfg.warnings:
        click.echo(f"warning: {warning}", err=True)


@cli.command()
@click.option("--plan", is_flag=True, help="Only list the pending migrations.")
@click.pass_context
def migrate(ctx: click.Context, plan: bool) -> None:
    """Apply pending database migrations under the migration lock."""
    cfg = _setup(ctx)
    from forecourt.ops import startup

    try:
        startup.wait_for_database(cfg["Database.MaxRetries"], cfg["Database.RetryDelay"])
        if plan:
            pending = startup.pending_migrations()
            for name in pending:
                click.echo(name)
            click.echo(f"{len(pending)} pending migration(s)", err=True)
            return
        startup.migrate()
    except startup.StartupError as exc:
        _fail(ctx, str(exc))


@cli.command()
@click.option("--email", required=True, help="The super-admin's e-mail address (sign-in name).")
@click.option("--password", default=None, help="Password; generated and printed when omitted.")
@click.option("--password-file", type=click.File("r"), default=None, help="Read the password from a file.")
@click.option("--first-name", default="", help="First name.")
@click.option("--last-name", default="", help="Last name.")
@click.option("--token-file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the Admin API token to this file (mode 0600) instead of printing it, e.g. where "
                   "the output ends up in logs (a Kubernetes init container).")
@click.pass_context
def bootstrap(ctx: click.Context, email: str, password: str | None, password_file: Any,
              first_name: str, last_name: str, token_file: str | None) -> None:
    """Create the first super-admin, the Default Organisation and its Default Team (once)."""
    cfg = _setup(ctx)
    from django.core.exceptions import ValidationError

    from forecourt.accounts import services
    from forecourt.ops import startup

    _wait_for_database(ctx, cfg)
    if startup.pending_migrations():
        _fail(ctx, "the database has pending migrations: run `forecourt migrate` (or `forecourt serve`) first")
    if password_file is not None:
        password = password_file.read().rstrip("\r\n")
    generated = password is None
    if password is None:
        password = secrets.token_urlsafe(12)
    try:
        result = services.bootstrap(email, password, first_name, last_name)
    except services.AlreadyBootstrapped:
        click.echo("The portal is already bootstrapped (a super-admin exists); nothing changed.")
        return
    except ValidationError as exc:
        for message in exc.messages:
            click.echo(f"forecourt: bootstrap: {message}", err=True)
        ctx.exit(EXIT_FAILURE)
    port = cfg["HostPort"]
    click.echo(f"Created the super-admin {result.user.email}, the {result.organisation.name} "
               f"and its {result.team.name}.")
    click.echo(f"Sign in at http://localhost:{port}/portal-admin/")
    click.echo(f"  e-mail:    {result.user.email}")
    if generated:
        click.echo(f"  password:  {password}   (generated, shown once: change it after signing in)")
    if token_file:
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(result.api_token + "\n")
        click.echo(f"Admin API token written to {token_file}")
    else:
        click.echo(f"Admin API token (shown once): {result.api_token}")


@cli.command()
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Web worker processes (default: PORTAL_WORKERS, else from the CPU count).")
@click.option("--no-jobs", is_flag=True, help="Do not start the background-job worker.")
@click.pass_context
def serve(ctx: click.Context, workers: int | None, no_jobs: bool) -> None:
    """Migrate the database under a lock, then serve on HostPort with web workers and a job worker."""
    cfg = _setup(ctx)
    from forecourt import supervisor

    sys.exit(supervisor.serve(cfg, workers=workers, jobs=not no_jobs))


@cli.group()
def theme() -> None:
    """Live Portal themes."""


@theme.command("validate")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def theme_validate(ctx: click.Context, target: str, as_json: bool) -> None:
    """Render every template of a theme against sample data and report each error with file and line.

    TARGET is a theme folder, a theme zip, or the name of a theme the portal has (uploaded, in
    Theming.Path, or `default`). Exits with status 1 when there is an error.
    """
    cfg = _setup(ctx, quiet_warnings=True)
    from forecourt.themes.validate import validate_target

    if not os.path.exists(target):

        _wait_for_database(ctx, cfg)
    name, problems = validate_target(target)
    if as_json:
        click.echo(json.dumps({"theme": name, "ok": not problems, "problems": [p.as_dict() for p in problems]},
                              indent=2))
    else:
        for problem in problems:
            click.echo(f"{name}: {problem}", err=True)
        if not problems:
            click.echo(f"{name}: every template renders")
        else:
            click.echo(f"{name}: {len(problems)} error(s)", err=True)
    if problems:
        ctx.exit(EXIT_FAILURE)


@cli.group("search-index")
def search_index() -> None:
    """The Live Portal catalogue's search index."""


@search_index.command("rebuild")
@click.pass_context
def search_index_rebuild(ctx: click.Context) -> None:
    """Write the search index again from every product and its API documents.

    The index follows every change by itself; this is for an index that disagrees with the products
    (a database edited by hand, say). Safe to run on a live portal: one transaction.
    """
    cfg = _setup(ctx)
    from django.db import transaction

    from forecourt.catalog import search

    _wait_for_database(ctx, cfg)
    with transaction.atomic():
        count = search.rebuild()
    click.echo(f"search index rebuilt: {counted(count, 'product')}")


@cli.command("rebuild-derived")
@click.pass_context
def rebuild_derived(ctx: click.Context) -> None:
    """Rebuild the derived data: search index, served OpenAPI documents, cached pages.

    The last step of a rolling upgrade, run once no replica of the older release serves (upgrade-check
    says when an upgrade needs it): that release changed products without keeping them in step. Safe
    on a live portal: one transaction.
    """
    cfg = _setup(ctx)
    from forecourt.lifecycle import rolling

    _wait_for_database(ctx, cfg)
    done = rolling.rebuild_derived()
    click.echo(f"derived data rebuilt: search index of {counted(done['products'], 'product')}, "
               f"{counted(done['documents'], 'served OpenAPI document')}, cached pages dropped")


@cli.command(hidden=True)
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run the background-job worker (started by `serve`)."""
    _setup(ctx, quiet_warnings=True)
    from forecourt.jobs.worker import Worker

    Worker().run()


# The upgrade life-cycle's commands (backup, restore, upgrade-check, verify, downgrade, theme upgrade)
# live beside the code of each step; they use _setup and _fail above.
from forecourt.lifecycle import commands as _lifecycle_commands  # noqa: E402

_lifecycle_commands.register(cli, theme)


def main() -> None:
    cli(prog_name="forecourt")
