"""`forecourt backup` and `forecourt restore` (see forecourt.lifecycle.backup and .restore)."""

from __future__ import annotations

import json
from typing import Any

import click


def _connect(ctx: click.Context) -> Any:
    from forecourt.cli import _fail, _setup

    cfg = _setup(ctx, quiet_warnings=True)
    from forecourt.ops import startup

    try:
        startup.wait_for_database(cfg["Database.MaxRetries"], cfg["Database.RetryDelay"])
    except startup.StartupError as exc:
        _fail(ctx, str(exc))
    return cfg


def _refuse(ctx: click.Context, as_json: bool, message: str, **extra: Any) -> None:
    from forecourt.cli import EXIT_FAILURE

    if as_json:
        click.echo(json.dumps({"ok": False, "error": message, **extra}, indent=2))
    click.echo(f"forecourt: {message}", err=True)
    ctx.exit(EXIT_FAILURE)


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Archive to write (default: <DataDir>/backups/forecourt-<version>-<UTC time>.tar.gz).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def backup(ctx: click.Context, output: str | None, as_json: bool) -> None:
    """Back up the database (portable rows + the engine's native dump), themes and uploads into one archive.

    Safe while the portal runs: all tables are read in one snapshot. The archive holds every row,
    including encrypted secrets: keep it private.
    """
    _connect(ctx)
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
    click.echo(f"Wrote {result['path']} ({result['size']} bytes): {result['rows']} rows in {result['tables']} "
               f"tables, {len(result['themes'])} theme folder(s), {result['media_files']} uploaded file(s).")
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

    Refuses a damaged or altered archive, an archive from a newer Forecourt, and a database
    that already holds data (unless --force), before changing anything.
    """
    _connect(ctx)
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
        click.echo(f"Restored {result['rows']} rows in {result['tables']} tables from {archive} "
                   f"(Forecourt {result['archive_version']}, {result['archive_dialect']}) into this "
                   f"{result['dialect']} database.")
        if result["migrated"]:
            click.echo(f"Migrated forward to {result['version']}: {len(result['migrated'])} migration(s).")
        click.echo(f"Restored {len(result['themes'])} theme folder(s) and {result['media_files']} uploaded file(s).")
    for warning in result["warnings"]:
        click.echo(f"warning: {warning}", err=True)


COMMANDS: list[click.Command] = [backup, restore]
