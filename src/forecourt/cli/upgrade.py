"""The upgrade guide's commands: `forecourt upgrade-check` (before switching versions), `forecourt verify`
(after), `forecourt rebuild-derived` (the end of a rolling upgrade) and `forecourt downgrade --to VERSION`
(the schema back to an earlier release).

upgrade-check and verify print one line per finding or check, or the whole structure with `--json`, and exit 1
when the upgrade should not go on (a blocker) or did not go well (a failed check); verify exits 3
when nothing failed but a check was not made, so that a script does not take it for a pass.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from forecourt.wording import counted

from .base import EXIT_FAILURE, fail, setup, wait_for_database

if TYPE_CHECKING:
    from forecourt.lifecycle import downgrade as dg


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
    cfg = setup(ctx, quiet_warnings=True)
    from forecourt.lifecycle import upgradecheck
    from forecourt.lifecycle.archive import ArchiveError, verify_archive

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
        wait_for_database(ctx, cfg)
        report = upgradecheck.run(cfg, max_backup_age=timedelta(hours=max_backup_age),
                                  live_providers=not no_provider_calls, backup_file=named)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        for line in upgradecheck.render_text(report):
            click.echo(line)
    if report.blockers:
        ctx.exit(EXIT_FAILURE)


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
    cfg = setup(ctx, quiet_warnings=True)
    from forecourt.lifecycle import verify as checks

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per check, not per request

    wait_for_database(ctx, cfg)
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


@click.command("rebuild-derived")
@click.pass_context
def rebuild_derived(ctx: click.Context) -> None:
    """Rebuild the derived data: search index, served OpenAPI documents, cached pages.

    The last step of a rolling upgrade, run once no replica of the older release serves (upgrade-check
    says when an upgrade needs it): that release changed products without keeping them in step. Safe
    on a live portal: one transaction.
    """
    setup(ctx, database=True)
    from forecourt.lifecycle import rolling

    done = rolling.rebuild_derived()
    entries = counted(done["search entries"], "site search entry", "site search entries")
    click.echo(f"derived data rebuilt: search index of {counted(done['products'], 'product')}, {entries}, "
               f"{counted(done['documents'], 'served OpenAPI document')}, cached pages dropped")


def _describe(plan: dg.Plan) -> list[str]:
    last = f"last migrated by Forecourt {plan.database_version}" if plan.database_version else "version unrecorded"
    lines = [f"Downgrade the database ({last}) to the schema of release {plan.release.version}.",
             f"Migrations to reverse ({len(plan.reverse)}):"]
    lines += [f"  {name}" for name in plan.reverse]
    losses = [(f"table {loss.table}", loss.rows, "row(s)") for loss in plan.tables]
    losses += [(f"column {loss.table}.{loss.column}", loss.rows, "row(s) with a value") for loss in plan.columns]
    losses += [(f"rows of {rows['table']}", rows["rows"], "row(s) of the dropped models")
               for rows in plan.types.as_list()]
    if losses:
        lines.append(f"What the {plan.release.version} schema cannot keep (dropped):")
        width = max(len(what) for what, _, _ in losses)
        lines += [f"  {what:<{width}}  {rows} {unit}" for what, rows, unit in losses]
        if plan.types.models:
            lines.append(f"  (the content types and permissions of {', '.join(plan.types.models)}: "
                         "the older release has no such models)")
        lines.append("Every other table, column and row is kept.")
    else:
        lines.append(f"Nothing is dropped: every table and column fits the {plan.release.version} schema.")
    return lines + _describe_theme(plan)


def _describe_theme(plan: dg.Plan, runs: bool = True) -> list[str]:
    """The active theme when it is based on a newer release, the theme it replaced, and what the run activates.

    `runs=False`: there is nothing to reverse, so nothing runs and no theme is activated.
    """
    lines: list[str] = []
    release = plan.release.version
    notice = plan.theme
    if notice is not None:
        lines.append(f"The active theme {notice.active} is based on the default theme {notice.base}, newer than "
                     f"{release}: Forecourt {release} may not render it.")
        for step in notice.replaced:
            if not step["present"]:
                lines.append(f"  It was upgraded from {step['name']}, which is no longer here: upload it again "
                             f"(from your sources or a backup) or activate another theme based on {release} or "
                             "earlier, or default.")
            elif step["name"] == notice.suggested:
                lines.append(f"  It replaced {step['name']} (based on {step['base'] or 'an unrecorded version'}), "
                             "still here.")
            else:
                lines.append(f"  It replaced {step['name']}, based on {step['base']}, newer than {release} too.")
        if not notice.replaced:
            lines.append("  Nothing records which theme it replaced (it was not made by `forecourt theme upgrade`).")
        if not runs:
            lines.append("  Activate " + (notice.suggested or f"a theme based on {release} or earlier")
                         + " in the Admin Portal (Themes).")
        elif plan.activate_theme is None:
            choice = notice.suggested or "NAME"
            lines.append(f"  Add --activate-theme {choice} to activate "
                         + ("it" if notice.suggested else f"a theme based on {release} or earlier (or default)")
                         + " after the migrations.")
    if plan.activate_theme is not None:
        lines.append(f"After the migrations, the theme {plan.activate_theme} is activated." if runs else
                     f"Nothing to downgrade, so the theme {plan.activate_theme} was not activated: "
                     "activate it in the Admin Portal (Themes).")
    return lines


@click.command("downgrade")
@click.option("--to", "version", required=True, metavar="VERSION", help="The release to move the schema back to.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed when not run from a terminal).")
@click.option("--dry-run", is_flag=True, help="Only show the plan and what would be dropped.")
@click.option("--lock-timeout", type=click.FloatRange(0), default=600.0, show_default=True,
              help="Seconds to wait for the migration lock.")
@click.option("--activate-theme", "activate_theme", metavar="NAME", default=None,
              help="Activate this Live Portal theme after the migrations (the plan names the one the active theme "
                   "replaced when the active theme is newer than VERSION).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan and the result as JSON.")
@click.pass_context
def downgrade(ctx: click.Context, version: str, yes: bool, dry_run: bool, lock_timeout: float,  # noqa: C901, PLR0912 - the command walks the plan: each step one branch
              activate_theme: str | None, as_json: bool) -> None:
    """Reverse migrations back to release VERSION's schema, keeping every row it can hold.

    Run it with the newer Forecourt (the one that migrated the database), then start VERSION.
    """
    cfg = setup(ctx)
    from forecourt.lifecycle import downgrade as dg
    from forecourt.ops import dblock, startup

    def refuse(message: str) -> None:
        if as_json:
            click.echo(json.dumps({"ok": False, "error": message}, indent=2))
        fail(ctx, f"downgrade refused: {message}")

    try:
        startup.wait_for_database(cfg.database_max_retries, cfg.database_retry_delay)
        plan = dg.make_plan(version, activate_theme=activate_theme)
    except (startup.StartupError, dg.Refused) as exc:
        refuse(str(exc))
        return
    out = plan.as_dict()
    if not plan.reverse:
        if as_json:
            click.echo(json.dumps({"ok": True, "dry_run": dry_run, "done": False, **out}, indent=2))
        else:
            click.echo(f"The database is already at {plan.release.version}'s schema: nothing to reverse.")
            for line in _describe_theme(plan, runs=False):
                click.echo(line)
        return
    if not as_json:
        for line in _describe(plan):
            click.echo(line)
    if dry_run:
        if as_json:
            click.echo(json.dumps({"ok": True, "dry_run": True, "done": False, **out}, indent=2))
        else:
            click.echo("Dry run: nothing changed.")
        return
    if not yes:
        if not sys.stdin.isatty():
            refuse("not confirmed: pass --yes to downgrade without a terminal (see the plan with --dry-run)")
            return
        if as_json:
            for line in _describe(plan):
                click.echo(line, err=True)
        if not click.confirm(f"Downgrade to {plan.release.version}?", default=False, err=True):
            click.echo("Nothing changed.", err=True)
            ctx.exit(EXIT_FAILURE)
    try:
        result = dg.run(version, lock_timeout=lock_timeout, expect=plan, activate_theme=activate_theme)
    except (dg.Refused, dblock.LockTimeout) as exc:
        refuse(str(exc))
        return
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        refuse(f"failed while reversing migrations: {reason}")
        return
    if as_json:
        click.echo(json.dumps({"ok": True, "dry_run": False, "done": True, **result.plan.as_dict(),
                               "removed_rows": result.removed.as_list(), "activated_theme": result.activated,
                               "replaced_theme": result.replaced_theme}, indent=2))
    else:
        if result.removed.models:
            click.echo(f"Removed {result.removed.content_types} content type(s) and {result.removed.permissions} "
                       "permission(s) of the dropped models.")
        if result.activated is not None:
            click.echo(f"Theme {result.activated} activated (it replaces {result.replaced_theme or 'default'}).")
        click.echo(f"Downgraded to {plan.release.version}: {len(result.reversed)} migration(s) reversed. "
                   f"Start Forecourt {plan.release.version} on this database now.")

