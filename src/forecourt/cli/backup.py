"""`forecourt backup` and `forecourt restore` (see forecourt.lifecycle.backup and .restore)."""

from __future__ import annotations

import json
from typing import Any

import click

from .base import EXIT_FAILURE, setup

# How the summary names each count of the archive's contents (forecourt.lifecycle.backup.COUNTED).
_KINDS = (("users", "user(s)"), ("organisations", "organisation(s)"), ("products", "product(s)"),
          ("plans", "plan(s)"), ("apps", "app(s)"), ("credentials", "credential(s)"))
_MAX_NAMES = 5


def _names(names: list[str]) -> str:
    if not names:
        return ""
    shown = ", ".join(names[:_MAX_NAMES]) + (f", +{len(names) - _MAX_NAMES} more" if len(names) > _MAX_NAMES else "")
    return f" ({shown})"


def summary(result: dict[str, Any]) -> list[str]:
    """What `forecourt backup` prints: where, which data, and what the archive holds, by kind."""
    from forecourt.lifecycle import dataversion

    contents = result["contents"]
    kinds = ", ".join(f"{contents[key]} {label}" for key, label in _KINDS)
    return [
        f"Wrote {result['path']} ({result['size']} bytes): a backup of "
        f"{dataversion.data_words(result['data_version'])}, written by Forecourt {result['version']} "
        f"({result['dialect']}).",
        f"It holds {result['rows']} rows in {result['tables']} tables: {kinds}, "
        f"{contents['database_themes']} theme(s) uploaded to the database{_names(result['database_themes'])}; "
        f"{contents['theme_folders']} theme folder(s){_names(result['themes'])} and "
        f"{contents['uploaded_files']} uploaded file(s) from disk.",
    ]


def _refuse(ctx: click.Context, as_json: bool, message: str, **extra: Any) -> None:
    if as_json:
        click.echo(json.dumps({"ok": False, "error": message, **extra}, indent=2))
    click.echo(f"forecourt: {message}", err=True)
    ctx.exit(EXIT_FAILURE)


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Archive to write (default: <DataDir>/backups/forecourt-data-<data version>-<UTC time>.tar.gz, "
                   "named by the release whose schema the data is at).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def backup(ctx: click.Context, output: str | None, as_json: bool) -> None:
    """Back up the database (portable rows + the engine's native dump), themes and uploads into one archive.

    Safe while the portal runs: all tables are read in one snapshot. The archive holds every row,
    including encrypted secrets: keep it private.
    """
    setup(ctx, quiet_warnings=True, database=True)
    from django.db import DatabaseError

    from forecourt.lifecycle.backup import BackupError, create_backup

    try:
        result = create_backup(output)
    except (BackupError, OSError, DatabaseError) as exc:
        _refuse(ctx, as_json, f"backup failed: {exc}")
        return
    if as_json:
        click.echo(json.dumps({"ok": True, **result}, indent=2))
        return
    native = result["native"]
    for line in summary(result):
        click.echo(line)
    if "file" in native:
        click.echo(f"Native dump: {native['file']} ({native['tool']}).")
    else:
        click.echo(f"Native dump skipped: {native['skipped']} (the portable rows restore on any engine).")
    for skipped in result["skipped_files"]:
        click.echo(f"warning: not in the archive: {skipped}", err=True)
    click.echo("Keep the archive private: it holds the portal's data, including encrypted secrets.")


@click.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the data of a database that is not empty.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def restore(ctx: click.Context, archive: str, force: bool, as_json: bool) -> None:
    """Restore a backup archive into this portal's database (any engine), then migrate it to this version.

    Refuses a damaged or altered archive, an archive written by a newer Forecourt, and a database
    that already holds data (unless --force), before changing anything.
    """
    setup(ctx, quiet_warnings=True, database=True)
    from pathlib import Path

    from forecourt.lifecycle.restore import RestoreError, restore_archive

    try:
        result = restore_archive(Path(archive), force=force)
    except RestoreError as exc:
        _refuse(ctx, as_json, f"restore refused: {exc}")
        return
    if as_json:
        click.echo(json.dumps({"ok": True, **result}, indent=2))
    else:
        from forecourt.lifecycle import dataversion

        click.echo(f"Restored {result['rows']} rows in {result['tables']} tables from {archive} "
                   f"({dataversion.data_words(result['archive_data_version'])}, written by Forecourt "
                   f"{result['archive_version']}, {result['archive_dialect']}) into this {result['dialect']} database.")
        if result["migrated"]:
            click.echo(f"Migrated forward to {result['version']}: {len(result['migrated'])} migration(s).")
        click.echo(f"Restored {result['database_themes']} theme(s) uploaded to the database, "
                   f"{len(result['themes'])} theme folder(s) and {result['media_files']} uploaded file(s).")
    for warning in result["warnings"]:
        click.echo(f"warning: {warning}", err=True)

