"""`forecourt export`, `plan` and `apply`: the portal's configuration as code (docs/config-as-code.md).

Exit statuses: `export` 0, or 1 when the portal cannot be exported (two objects with one natural
key); `plan` 0 when nothing would change, 2 when something would (as `terraform plan
-detailed-exitcode`), 1 when the configuration is refused; `apply` 0 when applied or nothing to do,
1 when refused (nothing changed). Problems go to stderr as `file:line: reason`. As for every
command, a bad portal setting exits 2 before anything runs.
"""

import json
import sys
from pathlib import Path

import click

from .base import EXIT_FAILURE, setup

EXIT_CHANGES = 2


def _refused(exc: Exception) -> None:
    for problem in getattr(exc, "problems", []):
        click.echo(f"refused: {problem}", err=True)


def _kinds(values: tuple[str, ...]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@click.command("export")
@click.option("--only", multiple=True, metavar="KINDS",
              help="Only these kinds (comma-separated or repeated), e.g. --only products,plans.")
@click.option("-o", "--output", default="forecourt-config", show_default=True,
              help="A folder (one file per kind, assets beside) or a .yaml file (every kind in it, assets "
                   "beside it); '-' prints one file.")
@click.pass_context
def export(ctx: click.Context, only: tuple[str, ...], output: str) -> None:
    """Write the portal's configuration as YAML files: the same portal exported twice gives identical
    files. Secrets are written as references to environment variables, never as values."""
    setup(ctx, quiet_warnings=True, database=True)
    from forecourt.promotion import export as exporting
    from forecourt.promotion.errors import ConfigRefused

    try:
        exported = exporting.export(_kinds(only) or None)
    except ConfigRefused as exc:
        _refused(exc)
        ctx.exit(EXIT_FAILURE)
    if output == "-":
        if exported.assets:
            click.echo("refused: this configuration has files (images, theme archives): export to a folder",
                       err=True)
            ctx.exit(EXIT_FAILURE)
        click.echo(exported.single(), nl=False)
        return
    target = Path(output)
    if target.suffix in {".yaml", ".yml"}:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(exported.single(), encoding="utf-8")
        written = [target, *exporting.Exported({}, exported.assets).write(target.parent)]
    else:
        written = exported.write(target)
    for path in written:
        click.echo(f"wrote {path}", err=True)


def _plan_or_apply(ctx: click.Context, path: str, prune: bool, apply_it: bool, as_json: bool,
                   yes: bool = False, actor_email: str | None = None) -> None:
    setup(ctx, quiet_warnings=True, database=True)
    from forecourt.accounts.models import User
    from forecourt.ops import secret
    from forecourt.promotion import apply as applying
    from forecourt.promotion import plan as planning
    from forecourt.promotion import reading
    from forecourt.promotion.errors import ConfigRefused

    try:
        source = reading.read(path)
        plan = planning.make_plan(source, prune=prune)
    except ConfigRefused as exc:
        _refused(exc)
        ctx.exit(EXIT_FAILURE)
    if as_json:
        click.echo(json.dumps(plan.as_json(), indent=2, sort_keys=True))
    else:
        click.echo(plan.as_text())
    if not apply_it:
        ctx.exit(EXIT_CHANGES if not plan.empty else 0)
    if plan.empty:
        return
    actor = None
    if actor_email:
        actor = User.objects.filter(email__iexact=actor_email, is_active=True).first()
        if actor is None or not actor.is_admin:
            click.echo(f"refused: --as {actor_email}: no active admin has that e-mail address", err=True)
            ctx.exit(EXIT_FAILURE)
    if not yes:
        if not sys.stdin.isatty():
            click.echo("refused: give --yes to apply without a terminal to confirm on", err=True)
            ctx.exit(EXIT_FAILURE)
        click.confirm("Apply these changes?", abort=True)
    secret.activate()  # the instance secret: the audit log keys its masks of changed secrets with it
    try:
        applying.apply(source, actor=actor, prune=prune,
                       note=f"forecourt apply {source.label}" + ("" if actor else " (command line)"))
    except ConfigRefused as exc:
        _refused(exc)
        ctx.exit(EXIT_FAILURE)
    counts = plan.counts()
    click.echo(f"Applied: {counts['create']} created, {counts['update']} changed, {counts['delete']} deleted.")
    if plan.rewritten:
        click.echo(plan.rewritten_text(), err=True)


@click.command("plan")
@click.argument("path", type=click.Path())
@click.option("--prune", is_flag=True, help="Also show deletions of objects the configuration does not mention "
                                            "(only of the kinds it gives).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def plan(ctx: click.Context, path: str, prune: bool, as_json: bool) -> None:
    """Show what `apply` would change, reading PATH (a .yaml file or a folder of them). Changes
    nothing. Exit status 0: no changes; 2: changes; 1: the configuration is refused."""
    _plan_or_apply(ctx, path, prune, False, as_json)


@click.command("apply")
@click.argument("path", type=click.Path())
@click.option("--prune", is_flag=True, help="Delete objects the configuration does not mention (only of the "
                                            "kinds it gives); refused where that would orphan data.")
@click.option("--yes", is_flag=True, help="Apply without asking.")
@click.option("--as", "actor_email", metavar="EMAIL", help="The admin the audit log names (default: none, "
                                                           "noted as the command line).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def apply(ctx: click.Context, path: str, prune: bool, yes: bool, actor_email: str | None, as_json: bool) -> None:
    """Apply PATH (a .yaml file or a folder of them) in one transaction, through the same rules, audit
    log and provider pushes as the Admin Portal. Never touches users, apps, access requests or
    credentials; a second apply of the same file changes nothing."""
    _plan_or_apply(ctx, path, prune, True, as_json, yes, actor_email)
