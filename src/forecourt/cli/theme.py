"""`forecourt theme`: Live Portal themes. `forecourt theme validate TARGET` renders every template of a theme in
every language and checks its message catalogues; `forecourt theme messages FOLDER LANG` writes a theme's
catalogue from its templates;
`forecourt theme upgrade NAME` merges the default theme's changes into a custom theme (see themes.upgrade).

`theme upgrade`'s exit status: 0 the merge is clean, renders, and was saved as a new theme (or would be, with
--dry-run); 1 conflicts or render errors (nothing saved); 2 nothing can be merged (unknown theme,
the default theme itself, a theme already based on the current default, a base without a
snapshot, a taken name).
"""

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .base import EXIT_FAILURE, setup

if TYPE_CHECKING:
    from forecourt.themes.upgrade import Upgrade

EXIT_BAD_INPUT = 2


@click.group()
def theme() -> None:
    """Live Portal themes."""


@theme.command("validate")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def theme_validate(ctx: click.Context, target: str, as_json: bool) -> None:
    """Check a theme's message catalogues and render every template of it against sample data in every
    language, reporting each error with file and line (and the languages it fails in, when not all).

    TARGET is a theme folder, a theme zip, or the name of a theme the portal has (uploaded, in
    Theming.Path, or `default`). A name is rendered in the languages the portal offers (its general
    settings); a folder or a zip, read without the database (or a name before the database is set up), in
    every language Forecourt ships.
    Exits with status 1 when there is an error.
    """
    # A folder or a zip is read from disk; a name is looked up in the database too.
    on_disk = os.path.exists(target)
    setup(ctx, quiet_warnings=True, database=not on_disk)
    from django.db import DatabaseError

    from forecourt.i18n import languages
    from forecourt.themes.validate import offered_languages, validate_target

    try:
        rendered_in = languages.CODES if on_disk else offered_languages()
    except DatabaseError:  # `theme validate default` before the first migrate: every language, the stricter
        rendered_in = languages.CODES
    name, problems = validate_target(target, rendered_in)
    if as_json:
        click.echo(json.dumps({"theme": name, "ok": not problems, "languages": list(rendered_in),
                               "problems": [p.as_dict() for p in problems]}, indent=2))
    else:
        for problem in problems:
            click.echo(f"{name}: {problem}", err=True)
        if not problems:
            click.echo(f"{name}: every template renders (in {', '.join(rendered_in)})")
        else:
            click.echo(f"{name}: {len(problems)} error(s)", err=True)
    if problems:
        ctx.exit(EXIT_FAILURE)


@theme.command("messages")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("language")
@click.option("--domain", default="messages", show_default=True, help="The catalogue's file name, without .po.")
@click.pass_context
def messages(ctx: click.Context, folder: Path, language: str, domain: str) -> None:
    """Write or update FOLDER/locale/LANGUAGE/LC_MESSAGES/<domain>.po from the text the theme's own templates
    mark for translation.

    New text is added untranslated, translations are kept, text no longer used is kept as obsolete.
    Text the portal already translates is noted with its translation: leave its msgstr empty to keep the
    portal's, fill it in to override it. Translate, then `forecourt theme validate FOLDER` and upload.
    """
    setup(ctx, quiet_warnings=True, database=False)
    from forecourt.themes.manifest import BadManifest
    from forecourt.themes.messages import MessagesRefused, make
    from forecourt.themes.sources import DirectorySource

    try:
        made = make(DirectorySource(folder, "folder"), folder.resolve(), language, domain)
    except (MessagesRefused, BadManifest, OSError) as exc:
        click.echo(f"forecourt: theme messages: {exc}", err=True)
        ctx.exit(EXIT_BAD_INPUT)
        return
    click.echo(f"wrote {made.path}: {made.messages} message(s), {made.translated} translated by the theme, "
               f"{made.by_portal} left to the portal's translation, "
               f"{made.messages - made.translated - made.by_portal} to translate"
               + (f", {made.obsolete} obsolete" if made.obsolete else ""))
    for text in made.new:
        click.echo(f"  new: {text!r}")


@theme.command("upgrade")
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Show what the upgrade does; save nothing.")
@click.option("--as", "as_name", default=None,
              help="Name of the upgraded copy (default: NAME-<new base>, e.g. acme-0.5.0).")
@click.option("--default", "default_folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Merge the changes of the default theme in this folder instead of the bundled one "
                   "(e.g. the next release's, to try the upgrade before installing it).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def upgrade(ctx: click.Context, name: str, dry_run: bool, as_name: str | None, default_folder: Path | None,
            as_json: bool) -> None:
    """Merge what the default theme changed since NAME's base into a new copy of NAME.

    The copy (NAME-<new base>, or --as) is validated by rendering every template and saved, not
    activated: preview it in the Admin Portal, then activate it. NAME is kept: it is the theme to go
    back to if Forecourt is downgraded (the copy's theme.json names it in `upgraded_from`).
    Conflicts are printed with git-style markers and nothing is saved; resolve them in your
    theme's sources and upload it again.
    """
    setup(ctx, quiet_warnings=True, database=True)
    from forecourt.themes import upgrade as upgrades

    try:
        upstream = upgrades.upstream_folder(default_folder) if default_folder is not None else None
        result = upgrades.plan(name, upstream, as_name)
    except upgrades.UpgradeRefused as exc:
        _refused(ctx, name, str(exc), as_json)
        return
    saved = False
    if result.clean and not dry_run:
        try:
            upgrades.apply(result, None)
        except upgrades.UpgradeRefused as exc:
            _refused(ctx, name, str(exc), as_json)
            return
        saved = True
    if as_json:
        click.echo(json.dumps({**result.as_dict(), "dry_run": dry_run, "saved": saved}, indent=2))
    else:
        _print(result, dry_run, saved)
    if not result.clean:
        ctx.exit(EXIT_FAILURE)


def _refused(ctx: click.Context, name: str, message: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"theme": name, "ok": False, "error": message}, indent=2))
    else:
        click.echo(f"forecourt: theme upgrade: {message}", err=True)
    ctx.exit(EXIT_BAD_INPUT)


def _print(result: "Upgrade", dry_run: bool, saved: bool) -> None:
    from forecourt.themes.upgrade import UNCHANGED

    click.echo(f"{result.theme} {result.version} (base {result.base}) -> {result.target_name} "
               f"{result.target_version} (base {result.default_version})")
    unchanged = 0
    for change in result.changes:
        if change.status == UNCHANGED and not change.note.startswith("the default"):
            unchanged += 1
            continue
        click.echo(f"  {change.label:<22} {change.path}" + (f"  ({change.note})" if change.note else ""))
    if unchanged:
        click.echo(f"  {unchanged} file(s) unchanged")
    for change in result.conflicts:
        click.echo(f"\n--- conflict in {change.path}: {change.note}", err=True)
        if change.marked:
            click.echo(change.marked, err=True, nl=not change.marked.endswith("\n"))
    for problem in result.problems:
        click.echo(f"{result.target_name}: {problem}", err=True)
    if result.conflicts:
        click.echo(f"{result.theme}: {len(result.conflicts)} file(s) in conflict: nothing saved. Resolve them in "
                   "your theme (set its base to " + result.default_version + ") and upload it again.", err=True)
    elif result.problems:
        click.echo(f"{result.target_name}: {len(result.problems)} render error(s): nothing saved", err=True)
    elif saved:
        click.echo(f"saved as {result.target_name} {result.target_version}: not active. Preview it in the Admin "
                   "Portal (Themes), then activate it.")
        click.echo(result.keep_note)
    elif dry_run:
        click.echo(f"dry run: {result.target_name} {result.target_version} would be saved; nothing changed")
        click.echo(result.keep_note)
