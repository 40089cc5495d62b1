"""`forecourt backup`: the database, the theme folder and uploaded files in one archive.

The archive (see forecourt.lifecycle.archive) holds the rows of every table in a portable,
engine-neutral form (forecourt.lifecycle.portable), so it restores on any supported engine,
plus the engine's own dump when its tool is installed (pg_dump, mariadb-dump / mysqldump,
SQLite's online backup), for operators who prefer their database's native restore path.

A backup is taken while the portal runs: every table is read inside one snapshot (PostgreSQL
REPEATABLE READ, whose snapshot pg_dump shares; MariaDB START TRANSACTION WITH CONSISTENT
SNAPSHOT; an SQLite read transaction on the WAL), so rows written meanwhile are either all in
the archive or all absent, and foreign keys in the archive always resolve.

The manifest names two versions: `forecourt_version`, the Forecourt that wrote the archive, and
`data_version`, the release whose schema the rows are at (forecourt.lifecycle.dataversion): a 0.4.0
database backed up by 0.5.0 is "0.4.0 data", and the default file name says so
(`forecourt-data-0.4.0-<UTC time>.tar.gz`). It also counts what an operator looks for (users,
products, apps, themes uploaded to the database, theme folders, uploaded files), so that the
summary shows an uploaded theme, which is rows, not files, as backed up.

Once the archive is complete and renamed into place, it is recorded in the database
(forecourt.lifecycle.backup_records), wherever it was written, so that `upgrade-check` finds it.
A database that cannot take the record (read-only, unreachable, an older schema) leaves the
archive written and usable, with a WARNING.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction

import forecourt
from forecourt import configuration
from forecourt.ops.faults import crash_point

from . import backup_records, dataversion, portable
from .archive import (
    FORMAT,
    FORMAT_VERSION,
    SUFFIX,
    ArchiveError,
    BackupInfo,
    backups_in,
    check_member_name,
    sha256_file,
    write_archive,
)
from .backup_records import default_backup_dir

try:  # the postgres extra: without it no database is PostgreSQL, and nothing is dumped with pg_dump
    from psycopg.conninfo import make_conninfo
except ImportError:  # pragma: no cover - the test environments install it
    make_conninfo = None  # type: ignore[assignment]

__all__ = ["BackupError", "BackupInfo", "create_backup", "default_backup_dir", "newest_backup"]

SECURITY_NOTE = ("This archive holds every row of the portal's database, including password hashes and "
                 "secrets encrypted with the portal's encryption key: keep it private. Restoring it elsewhere "
                 "needs the same PORTAL_ENCRYPTION_KEY (or none, when the key was generated into the database).")


class BackupError(Exception):
    """The backup cannot be made; the message says why. No archive was written."""


def newest_backup(directory: Path | str | None = None) -> BackupInfo | None:
    """The most recent readable backup archive in `directory` (default: default_backup_dir()).

    "Most recent" is by the `created_at` its manifest records, not by file time, so a copied
    or restored file keeps its real age. Files that are not backup archives are ignored.
    """
    found = backups_in(Path(directory) if directory is not None else default_backup_dir())
    return found[-1] if found else None


def default_output(data_version: str | None, now: datetime) -> Path:
    """`forecourt-data-<data version>-<UTC time>.tar.gz`: named by the data it holds, not by the
    Forecourt that wrote it (archives written before 0.8.0 are `forecourt-<writer>-<time>.tar.gz`;
    both are found by their manifests, whatever their names)."""
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    return default_backup_dir() / f"forecourt-data-{dataversion.file_part(data_version)}-{stamp}{SUFFIX}"


# Rows worth naming in the summary, by model: what an operator checks a backup holds. A theme
# uploaded through the Admin Portal is rows (themes.theme and its files), not a theme folder.
COUNTED = (("users", "accounts.user"), ("organisations", "accounts.organisation"),
           ("products", "catalog.product"), ("plans", "catalog.plan"), ("apps", "access.app"),
           ("credentials", "access.credential"), ("database_themes", "themes.theme"))


def _contents(tables: list[dict[str, Any]], theme_folders: list[str], media_files: int) -> dict[str, int]:
    rows = {t["model"]: t["rows"] for t in tables}
    return {**{kind: rows.get(model, 0) for kind, model in COUNTED},
            "theme_folders": len(theme_folders), "uploaded_files": media_files}


def _database_theme_names(staging: Path, tables: list[dict[str, Any]]) -> list[str]:
    """The names of the themes uploaded to the database, from the rows just dumped."""
    for entry in tables:
        if entry["model"] == "themes.theme" and "name" in entry["columns"]:
            at = entry["columns"].index("name")
            return sorted(str(row[at]) for row in portable.read_rows(staging / entry["file"]))
    return []


@contextmanager
def snapshot(using: str = "default") -> Iterator[None]:
    """A read-only transaction in which every query sees the database as of one instant."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        # SQLite in WAL mode: the first read of a deferred transaction fixes its snapshot. Not Django's
        # atomic(), which opens Forecourt's SQLite transactions IMMEDIATE (the write lock, for writers):
        # that would hold every writer off for the whole backup, and fail on a read-only database.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            try:
                cursor.execute("SELECT COUNT(*) FROM django_migrations")
                cursor.fetchone()
                yield
            finally:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            elif connection.vendor == "mysql":
                # Django's MySQL connections default to READ COMMITTED; a snapshot needs REPEATABLE READ.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            cursor.execute("SELECT COUNT(*) FROM django_migrations")
            cursor.fetchone()
        yield


# --- native dumps ---------------------------------------------------------------------------

def _native_postgres(db: dict[str, Any], target: Path, snapshot_id: str | None) -> dict[str, Any]:
    tool = shutil.which("pg_dump")
    if tool is None:
        return {"skipped": "pg_dump is not installed"}
    params = {k: v for k, v in {"host": db["HOST"], "port": db["PORT"], "user": db["USER"],
                                "dbname": db["NAME"], **db.get("OPTIONS", {})}.items()
              if v not in ("", None) and k in ("host", "port", "user", "dbname", "sslmode", "sslrootcert",
                                               "sslcert", "sslkey", "connect_timeout", "options")}
    args = [tool, "--format=custom", "--no-owner", "--file", str(target), "--dbname", make_conninfo(**params)]
    if snapshot_id:
        args.insert(1, f"--snapshot={snapshot_id}")
    env = dict(os.environ)
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return _run_tool(args, env, target, "pg_dump", "pg_restore --no-owner --dbname ... native/postgresql.dump")


def _native_mysql(db: dict[str, Any], target: Path) -> dict[str, Any]:
    tool = shutil.which("mariadb-dump") or shutil.which("mysqldump")
    if tool is None:
        return {"skipped": "mariadb-dump (or mysqldump) is not installed"}
    options = db.get("OPTIONS", {})
    # No --routines and --no-tablespaces: Forecourt has neither, and both need privileges a portal user lacks.
    args = [tool, "--single-transaction", "--skip-lock-tables", "--no-tablespaces", "--hex-blob",
            f"--default-character-set={options.get('charset', 'utf8mb4')}", f"--user={db['USER']}",
            f"--result-file={target}"]
    if options.get("unix_socket"):
        args.append(f"--socket={options['unix_socket']}")
    else:
        args += [f"--host={db['HOST'] or '127.0.0.1'}", f"--port={db['PORT'] or 3306}", "--protocol=TCP"]
    args.append(db["NAME"])
    env = dict(os.environ)
    if db["PASSWORD"]:
        env["MYSQL_PWD"] = db["PASSWORD"]
    return _run_tool(args, env, target, Path(tool).name, "mariadb DBNAME < native/mariadb.sql")


def _run_tool(args: list[str], env: dict[str, str], target: Path, name: str, how: str) -> dict[str, Any]:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own argv
    except OSError as exc:
        return {"skipped": f"{name} could not run: {exc}"}
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        reason = " ".join(result.stderr.split())[:500] or f"exit status {result.returncode}"
        return {"skipped": f"{name} failed: {reason}"}
    return {"tool": name, "file": f"native/{target.name}", "restore_with": how}


def _native_sqlite(db: dict[str, Any], target: Path) -> dict[str, Any]:
    """SQLite's online backup API: a consistent copy of the file even while others write."""
    source = sqlite3.connect(f"file:{db['NAME']}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        return {"skipped": f"the SQLite backup failed: {exc}"}
    finally:
        source.close()
    return {"tool": "sqlite3 backup API", "file": f"native/{target.name}",
            "restore_with": "stop the portal, copy native/sqlite.db over the database file"}


# --- files on disk --------------------------------------------------------------------------

def _copy_tree(root: Path, prefix: str, staging: Path, skipped: list[str]) -> list[str]:
    """Stage the regular files under `root` as `prefix/<relative path>`; symlinks and odd names are skipped."""
    names: list[str] = []
    if not root.is_dir():
        return names
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not (Path(dirpath) / d).is_symlink())
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file():
                skipped.append(f"{prefix}/{relative} (not a regular file)")
                continue
            name = f"{prefix}/{relative}"
            try:
                check_member_name(name)
            except ArchiveError:
                skipped.append(f"{name} (a name the archive format refuses)")
                continue
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, staging / name)
            names.append(name)
    return names


def theme_root() -> Path:
    return Path(str(configuration.get().theming_path)).expanduser().absolute()


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


# --- the backup -----------------------------------------------------------------------------

def create_backup(output: Path | str | None = None, using: str = "default") -> dict[str, Any]:  # noqa: PLR0915 - one snapshot in one transaction, step by step
    """Write a backup archive; return what it holds (path, size, tables, rows, native dump, files)."""
    connection = connections[using]
    if "django_migrations" not in connection.introspection.table_names():
        raise BackupError("the database has no Forecourt schema (run `forecourt migrate` first): nothing to back up")
    db = connection.settings_dict
    now = datetime.now(UTC)
    # The default name needs the data version, known only inside the snapshot: stage in the folder first.
    destination = Path(output).expanduser().absolute() if output else None
    if destination is not None and destination.is_dir():
        raise BackupError(f"{destination} is a folder: give the archive's file name")
    folder = destination.parent if destination is not None else default_backup_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging_root = tempfile.mkdtemp(prefix=".forecourt-backup-", dir=folder)
    staging = Path(staging_root)
    try:
        os.chmod(staging, 0o700)
        (staging / "database").mkdir()
        (staging / "native").mkdir()
        members: list[str] = []
        tables: list[dict[str, Any]] = []
        native: dict[str, Any]
        with snapshot(using):
            state = portable.applied_state(connection)
            if not state:
                raise BackupError("the database has no Forecourt schema (no migration applied): nothing to back up")
            try:
                apps = portable.state_apps(connection, state)
            except portable.PortableError as exc:
                raise BackupError(f"the database is at a schema this Forecourt does not know: {exc}") from None
            data_version = dataversion.of_state(state)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot_id = cursor.fetchone()[0]
                native = _native_postgres(db, staging / "native" / "postgresql.dump", snapshot_id)
            elif connection.vendor == "mysql":
                native = _native_mysql(db, staging / "native" / "mariadb.sql")
            else:
                native = _native_sqlite(db, staging / "native" / "sqlite.db")
            for model in portable.stored_models(apps):
                name = portable.table_files(model)
                columns, count = portable.dump_table(model, using, staging / name)
                tables.append({"table": model._meta.db_table, "model": model._meta.label_lower,
                               "file": name, "columns": columns, "rows": count})
                members.append(name)
        if "file" in native:
            members.append(native["file"])
        skipped: list[str] = []
        theme_files = _copy_tree(theme_root(), "themes", staging, skipped)
        media_files = _copy_tree(media_root(), "media", staging, skipped)
        members += theme_files + media_files
        theme_folders = sorted({name.split("/")[1] for name in theme_files})
        contents = _contents(tables, theme_folders, len(media_files))
        database_themes = _database_theme_names(staging, tables)
        if destination is None:
            destination = default_output(data_version, now)
        files = {name: {"sha256": sha256_file(staging / name), "size": (staging / name).stat().st_size}
                 for name in members}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "forecourt_version": forecourt.__version__,
            "data_version": data_version,
            "dialect": configuration.get().database_dialect,
            "created_at": now.isoformat(),
            "migrations": state,
            "tables": tables,
            "native": native,
            "themes": theme_folders,
            "media_files": len(media_files),
            "contents": contents,
            "database_themes": database_themes,
            "skipped_files": skipped,
            "files": files,
            "security": SECURITY_NOTE,
        }
        sha256 = write_archive(destination, manifest, staging, members)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    size = destination.stat().st_size
    # Only now, with the archive complete under its final name: a failed backup records nothing.
    crash_point("backup-before-record")
    not_recorded = backup_records.record(destination, manifest, sha256, size, using=using)
    return {
        "path": str(destination),
        "size": size,
        "sha256": sha256,
        "recorded": not_recorded is None,
        "warnings": [not_recorded] if not_recorded else [],
        "created_at": now.isoformat(),
        "version": forecourt.__version__,
        "data_version": data_version,
        "dialect": manifest["dialect"],
        "tables": len(tables),
        "rows": sum(t["rows"] for t in tables),
        "native": native,
        "themes": manifest["themes"],
        "media_files": len(media_files),
        "contents": contents,
        "database_themes": database_themes,
        "skipped_files": skipped,
    }
