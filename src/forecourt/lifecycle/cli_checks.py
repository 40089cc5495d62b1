"""`forecourt upgrade-check` (before switching versions) and `forecourt verify` (after).

Both print one line per finding or check, or the whole structure with `--json`, and exit 1
when the upgrade should not go on (a blocker) or did not go well (a failed check); verify exits 3
when nothing failed but a check was not made, so that a script does not take it for a pass.
"""

import json
from datetime import timedelta
from pathlib import Path

import click

COMMANDS: list[click.Command] = []


@click.command("upgrade-check")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option("--max-backup-age", type=click.FloatRange(min=0), default=24.0, show_default=True,
              help="Hours after which the newest backup is too old.")
@click.option("--no-provider-calls", is_flag=True,
              help="Do not ask the providers for their policies; use what the last sync recorded.")
@click.option("--backup", "backup_file", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Judge this backup archive (checked member by member) instead of looking for the newest one.")
@click.pass_context
def upgrade_check(ctx: click.Context, as_json: bool, max_backup_age: float, no_provider_calls: bool,
                  backup_file: Path | None) -> None:
    """Check the database against this version before upgrading to it, changing nothing.

    Run the NEW version's `forecourt upgrade-check` with the existing configuration while the old
    version still serves. Exits 1 when a finding is a blocker, or when the --backup FILE is not an
    intact Forecourt backup.
    """
    from forecourt.cli import EXIT_FAILURE, _fail, _setup

    cfg = _setup(ctx, quiet_warnings=True)
    from forecourt.ops import startup

    from . import upgradecheck
    from .archive import ArchiveError, verify_archive

    named = None
    if backup_file is not None:
        # Before the database: a bad FILE is the operator's mistake to hear about first, and alone.
        path = backup_file.expanduser().absolute()
        try:
            if not path.is_file():
                raise ArchiveError(f"{path}: no such file" if not path.exists() else f"{path} is not a file")
            named = verify_archive(path)
        except ArchiveError as exc:
            message = f"--backup {backup_file}: not a usable backup: {exc}"
            if as_json:
                click.echo(json.dumps({"ok": False, "error": message}, indent=2))
            click.echo(f"forecourt: {message}", err=True)
            ctx.exit(EXIT_FAILURE)
    with upgradecheck.read_only():
        try:
            startup.wait_for_database(cfg["Database.MaxRetries"], cfg["Database.RetryDelay"])
        except startup.StartupError as exc:
            _fail(ctx, str(exc))
        report = upgradecheck.run(cfg, max_backup_age=timedelta(hours=max_backup_age),
                                  live_providers=not no_provider_calls, backup_file=named)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        for line in upgradecheck.render_text(report):
            click.echo(line)
    if report.blockers:
        ctx.exit(EXIT_FAILURE)


COMMANDS.append(upgrade_check)


EXIT_NOT_CHECKED = 3  # no check failed, but one the guide asks for was not made (1 is a failure, 2 configuration)


@click.command("verify", epilog="Exit status: 0 every check passed or is not applicable; 1 a check failed; "
               "2 the configuration is unusable; 3 no check failed but one was not checked (SKIP), unless "
               "--allow-skip.")
@click.option("--url", default=None, help="The running portal's address (default: http://127.0.0.1:<HostPort>).")
@click.option("--admin", "admin_email", default=None, help="The admin whose sign-in to check (default: the first "
              "active super-admin).")
@click.option("--consumer", "consumer_email", default=None, help="The consumer whose sign-in to check (default: the "
              "first active consumer with a password).")
@click.option("--throwaway-consumer/--no-throwaway-consumer", default=True, show_default=True,
              help="Without --consumer and without an active consumer with a password, check the consumer "
              "sign-in with a temporary consumer (unusable password, deleted right after). Refused, the check "
              "is not made.")
@click.option("--allow-skip", is_flag=True, help="Exit 0 even when a check was not made (SKIP).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def verify(ctx: click.Context, url: str | None, admin_email: str | None, consumer_email: str | None,
           throwaway_consumer: bool, allow_skip: bool, as_json: bool) -> None:
    """After an upgrade: check the running portal as the upgrade guide says, one line per check.

    Run it with the portal's configuration (the same database and DataDir) once `forecourt serve`
    has started. Each check PASSes, FAILs, is not checked (SKIP: it exists but this run did not
    check it) or is not applicable (N/A: this portal has no such thing, e.g. no provider).
    """
    from forecourt.cli import EXIT_FAILURE, _fail, _setup

    cfg = _setup(ctx, quiet_warnings=True)
    import logging

    from forecourt.ops import startup

    from . import verify as checks

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per check, not per request

    try:
        startup.wait_for_database(cfg["Database.MaxRetries"], cfg["Database.RetryDelay"])
    except startup.StartupError as exc:
        _fail(ctx, str(exc))
    target = checks.Target((url or checks.default_url(cfg)).rstrip("/"), cfg, admin_email, consumer_email,
                           throwaway_consumer)
    results = checks.run(target)
    not_checked = [r for r in results if r.status == checks.SKIP]
    if any(r.status == checks.FAIL for r in results):
        status = EXIT_FAILURE
    elif not_checked and not allow_skip:
        status = EXIT_NOT_CHECKED
    else:
        status = 0
    if as_json:
        click.echo(json.dumps({"url": target.url, "ok": status == 0, "exit_status": status,
                               "summary": checks.counts(results),
                               "not_checked": [{"name": r.name, "detail": r.detail} for r in not_checked],
                               "checks": [r.as_dict() for r in results]}, indent=2, default=str))
    else:
        width = max(len(r.name) for r in results)
        for result in results:
            click.echo(f"{result.status:<4}  {result.name:<{width}}  {result.detail}")
        click.echo(checks.summary(results))
        if not_checked:
            click.echo("Not checked" + (" (accepted with --allow-skip):" if allow_skip else
                                        f" (exit {EXIT_NOT_CHECKED}; --allow-skip accepts it):"))
            for result in not_checked:
                click.echo(f"  {result.name}: {result.detail}")
    if status:
        ctx.exit(status)


COMMANDS.append(verify)
