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
    if losses:
        lines.append(f"What the {plan.release.version} schema cannot keep (dropped):")
        width = max(len(what) for what, _, _ in losses)
        lines += [f"  {what:<{width}}  {rows} {unit}" for what, rows, unit in losses]
        lines.append("Every other table, column and row is kept.")
    else:
        lines.append(f"Nothing is dropped: every table and column fits the {plan.release.version} schema.")
    return lines


@click.command("downgrade")
@click.option("--to", "version", required=True, metavar="VERSION", help="The release to move the schema back to.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed when not run from a terminal).")
@click.option("--dry-run", is_flag=True, help="Only show the plan and what would be dropped.")
@click.option("--lock-timeout", type=click.FloatRange(0), default=600.0, show_default=True,
              help="Seconds to wait for the migration lock.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan and the result as JSON.")
@click.pass_context
def downgrade(ctx: click.Context, version: str, yes: bool, dry_run: bool, lock_timeout: float,
              as_json: bool) -> None:
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
        plan = dg.make_plan(version)
    except (startup.StartupError, dg.Refused) as exc:
        refuse(str(exc))
        return
    out = plan.as_dict()
    if not plan.reverse:
        if as_json:
            click.echo(json.dumps({"ok": True, "dry_run": dry_run, "done": False, **out}, indent=2))
        else:
            click.echo(f"The database is already at {plan.release.version}'s schema: nothing to reverse.")
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
        result = dg.run(version, lock_timeout=lock_timeout, expect=plan)
    except (dg.Refused, dblock.LockTimeout) as exc:
        refuse(str(exc))
        return
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        refuse(f"failed while reversing migrations: {reason}")
        return
    if as_json:
        click.echo(json.dumps({"ok": True, "dry_run": False, "done": True, **result.plan.as_dict()}, indent=2))
    else:
        click.echo(f"Downgraded to {plan.release.version}: {len(result.reversed)} migration(s) reversed. "
                   f"Start Forecourt {plan.release.version} on this database now.")


COMMANDS = [downgrade]
