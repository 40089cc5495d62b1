"""`forecourt downgrade --to VERSION`: the schema back to an earlier release (see lifecycle.downgrade)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from forecourt.lifecycle import downgrade as dg


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
def downgrade(ctx: click.Context, version: str, yes: bool, dry_run: bool, lock_timeout: float,
              activate_theme: str | None, as_json: bool) -> None:
    """Reverse migrations back to release VERSION's schema, keeping every row it can hold.

    Run it with the newer Forecourt (the one that migrated the database), then start VERSION.
    """
    from forecourt.cli import EXIT_FAILURE, _fail, _setup

    cfg = _setup(ctx)
    from forecourt.lifecycle import downgrade as dg
    from forecourt.ops import dblock, startup

    def refuse(message: str) -> None:
        if as_json:
            click.echo(json.dumps({"ok": False, "error": message}, indent=2))
        _fail(ctx, f"downgrade refused: {message}")

    try:
        startup.wait_for_database(cfg["Database.MaxRetries"], cfg["Database.RetryDelay"])
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


COMMANDS = [downgrade]
