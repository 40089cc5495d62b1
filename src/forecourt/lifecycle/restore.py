"""`forecourt restore`: load a backup archive into this portal's database, on any engine.

Everything that can refuse the archive is checked before the database is touched: every
member's checksum, the manifest's format, a Forecourt version no newer than this one (the
version that *wrote* the archive, `forecourt_version`, not the version of the data it holds,
`data_version`: an archive of 0.4.0 data written by 0.5.0 needs 0.5.0 or later), a
migration state this code knows, an empty database (or --force), theme and upload files that
would not overwrite different ones (or --force), and (cheaply) that the encrypted secrets in
the archive decrypt with the key this portal will use.

Then, under the migration lock: the schema is brought to the archive's migration state (the
historical schema its rows were read from), the tables are emptied and the rows loaded in one
transaction with foreign-key checks deferred to the end, the sequences / auto-increment
counters are moved past the restored ids, and finally the normal `migrate` moves an older
archive forward to this version. Because rows travel in the portable form, the archive's engine
and this database's engine need not be the same: this is how an SQLite portal moves to
PostgreSQL or MariaDB.

The backup records (forecourt.lifecycle.backup_records) are not in archives and survive a
restore: their table is neither emptied nor loaded, and when the schema has to move back past the
migration that made it (which drops it), its rows are read first and put back once the database
is at this version again. The archive restored from is then recorded (once), so the database
knows the backup it came from, also on another engine or host.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps as installed_apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from packaging.version import InvalidVersion, Version

import forecourt
from forecourt import configuration
from forecourt.ops import crypto, startup
from forecourt.ops.dblock import LockTimeout, migration_lock
from forecourt.ops.models import InstanceSecret

from . import backup_records, dataversion, portable
from .archive import ArchiveError, sha256_file, unpacked
from .backup import theme_root

# Rows that `migrate` writes on its own and a restore replaces, and the backup records a restore keeps:
# they do not make a database "hold data".
BOOKKEEPING_TABLES = {"ops_schemaversion", "ops_instancesecret", "ops_backuprecord"}


class RestoreError(Exception):
    """The archive cannot be restored here; the message says why and what to do."""


def _archive_version(manifest: dict[str, Any]) -> Version:
    try:
        return Version(str(manifest.get("forecourt_version")))
    except InvalidVersion:
        raise RestoreError(f"the archive names no valid Forecourt version ({manifest.get('forecourt_version')!r})")\
            from None


def _state(manifest: dict[str, Any]) -> dict[str, str]:
    state = manifest.get("migrations")
    if not isinstance(state, dict) or not state or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in state.items()):
        raise RestoreError("the archive's manifest has no migration state")
    return state


def _tables(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    tables = manifest.get("tables")
    if not isinstance(tables, list) or not all(
            isinstance(t, dict) and isinstance(t.get("table"), str) and isinstance(t.get("file"), str)
            and isinstance(t.get("columns"), list) for t in tables):
        raise RestoreError("the archive's manifest has no valid table list")
    return tables


def data_rows(using: str = "default") -> dict[str, int]:
    """{table: rows} of the Forecourt tables in this database that hold rows (bookkeeping aside)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    found: dict[str, int] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in installed_apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if not model._meta.app_config.name.startswith("forecourt."):
                continue
            if table not in existing or table in BOOKKEEPING_TABLES or table in found:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a name from the schema
            count = int(cursor.fetchone()[0])
            if count:
                found[table] = count
    return found


def _file_targets(manifest: dict[str, Any]) -> dict[str, Path]:
    """{member: where it goes} for the theme folder and uploaded files in the archive."""
    roots = {"themes": theme_root(), "media": Path(settings.MEDIA_ROOT)}
    targets: dict[str, Path] = {}
    for name in manifest.get("files", {}):
        prefix, _, rest = name.partition("/")
        if prefix in roots and rest:
            targets[name] = roots[prefix] / rest
    return targets


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _file_conflicts(manifest: dict[str, Any], targets: dict[str, Path]) -> list[str]:
    conflicts = []
    for name, target in targets.items():
        in_the_way = target.is_symlink() or (target.exists() and not target.is_file())
        if in_the_way or (target.is_file() and _sha256(target) != manifest["files"][name]["sha256"]):
            conflicts.append(str(target))
    return conflicts


def _restore_files(folder: Path, targets: dict[str, Path]) -> None:
    for name, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise RestoreError(f"{target} is in the way (not a regular file)")
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
        os.close(fd)
        shutil.copyfile(folder / name, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)


def _encryption_problem(manifest: dict[str, Any], folder: Path, apps: Any) -> str | None:
    """Why the archive's encrypted values will not decrypt here, or None (also when there are none)."""
    keys = [k.strip() for k in configuration.get().encryption_key.split(",") if k.strip()]
    sample: str | None = None
    by_table = {m._meta.db_table: m for m in portable.stored_models(apps)}
    for entry in _tables(manifest):
        model = by_table.get(entry["table"])
        if model is None:
            continue
        fields = {f.column: f for f in model._meta.local_concrete_fields}
        columns = entry["columns"]
        if entry["table"] == "ops_instancesecret" and not keys and {"name", "value"} <= set(columns):
            for row in portable.read_rows(folder / entry["file"]):
                if row[columns.index("name")] == InstanceSecret.ENCRYPTION_KEY:
                    keys = [row[columns.index("value")]]
        encrypted = [i for i, c in enumerate(columns)
                     if c in fields and isinstance(fields[c], crypto.EncryptedTextField)]
        if encrypted and sample is None:
            for row in portable.read_rows(folder / entry["file"]):
                values = [row[i] for i in encrypted if isinstance(row[i], str) and row[i].startswith("fc1:")]
                if values:
                    sample = values[0]
                    break
    if sample is None:
        return None
    if not keys:
        return ("the archive holds encrypted secrets but neither PORTAL_ENCRYPTION_KEY is set nor does the archive "
                "hold the generated key")
    box = MultiFernet([Fernet(crypto._fernet_key(k)) for k in keys])
    try:
        box.decrypt(sample[len("fc1:"):].encode())
    except InvalidToken:
        return ("the archive's encrypted secrets (provider API keys, SMTP password, ...) do not decrypt with this "
                "portal's encryption key: set PORTAL_ENCRYPTION_KEY to the key of the portal the backup came from")
    return None


def _tables_to_clear(connection: Any, *apps_list: Any) -> list[str]:
    existing = set(connection.introspection.table_names())
    tables: set[str] = set()
    for apps in apps_list:
        tables |= {m._meta.db_table for m in portable.stored_models(apps)}
    return sorted(tables & existing)


def _flush(connection: Any, tables: list[str]) -> None:
    if tables:
        # No allow_cascade: on SQLite it widens the list with the *current* models' tables, which a
        # database at an older schema may not have. Every table of the schema is in the list anyway.
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))


def restore_archive(path: Path, force: bool = False, using: str = "default") -> dict[str, Any]:
    """Restore `path` into the database `using`; RestoreError (nothing changed) when it must not."""
    path = Path(path).expanduser().absolute()
    try:
        digest, size = sha256_file(path), path.stat().st_size
        with unpacked(path) as (manifest, folder):
            result = _restore(manifest, folder, force, using, forecourt.__version__)
    except ArchiveError as exc:
        raise RestoreError(str(exc)) from None
    except OSError as exc:
        raise RestoreError(f"{path}: cannot read the archive: {exc}") from None
    # The database now holds exactly this archive's data: it is a backup of it, wherever it lies.
    not_recorded = backup_records.record(path, manifest, digest, size, source=backup_records.RESTORE, using=using)
    if not_recorded:
        result["warnings"].append(not_recorded)
    return result


def _restore(manifest: dict[str, Any], folder: Path, force: bool, using: str, current: str) -> dict[str, Any]:  # noqa: C901, PLR0912, PLR0915 - the restore steps in one transaction, in order
    archive_version = _archive_version(manifest)
    data = dataversion.data_words(dataversion.of_manifest(manifest))
    if archive_version > Version(current):
        raise RestoreError(f"the archive holds {data} but was written by Forecourt {archive_version}, newer than "
                           f"this Forecourt {current}: restore it with Forecourt {archive_version} or later (which "
                           "migrates the data to its own version; `forecourt downgrade` moves it back)")
    state = _state(manifest)
    tables = _tables(manifest)
    connection = connections[using]
    try:
        apps = portable.state_apps(connection, state)
    except portable.PortableError as exc:
        raise RestoreError(f"the archive's schema ({data}) is unknown to this Forecourt {current}: {exc}") from None
    by_table = {m._meta.db_table: m for m in portable.stored_models(apps)}
    for entry in tables:
        model = by_table.get(entry["table"])
        if entry["table"] in portable.NOT_ARCHIVED:
            raise RestoreError(f"the archive has rows of {entry['table']}, which archives never hold")
        if model is None:
            raise RestoreError(f"the archive has a table {entry['table']!r} its migration state does not")
        columns = {f.column for f in model._meta.local_concrete_fields}
        if not set(entry["columns"]) <= columns:
            raise RestoreError(f"the archive's table {entry['table']} has columns its migration state does not")
        if entry["file"] not in manifest["files"]:
            raise RestoreError(f"the archive lacks the rows of {entry['table']}")

    warnings: list[str] = []
    held = data_rows(using)
    if held and not force:
        sample = ", ".join(f"{t} ({n})" for t, n in sorted(held.items())[:4])
        raise RestoreError(f"the database already holds data ({sum(held.values())} rows in {len(held)} tables, "
                           f"e.g. {sample}): restore into an empty database, or add --force to replace its data")
    targets = _file_targets(manifest)
    conflicts = _file_conflicts(manifest, targets)
    if conflicts and not force:
        raise RestoreError(f"{len(conflicts)} file(s) on disk differ from the archive's (e.g. {conflicts[0]}): "
                           "add --force to overwrite them")
    problem = _encryption_problem(manifest, folder, apps)
    if problem and not force:
        raise RestoreError(problem + " (or add --force to restore anyway; those secrets will then be unusable)")
    if problem:
        warnings.append(problem)
    if conflicts:
        warnings.append(f"overwrote {len(conflicts)} file(s) that differed from the archive's")

    loaded = 0
    step = "build the archive's schema"
    kept: list[dict[str, Any]] = []
    try:
        with migration_lock(using):
            current_state = portable.applied_state(connection)
            if current_state != state:
                if current_state:
                    kept = backup_records.saved(using, portable.state_apps(connection, current_state))
                # Empty the tables first so that migrating back (to an older archive's schema) meets no rows.
                current_apps = [portable.state_apps(connection, current_state)] if current_state else []
                _flush(connection, _tables_to_clear(connection, *current_apps))
                executor = MigrationExecutor(connection)
                targets_list: list[tuple[str, str | None]] = [
                    (app, state.get(app)) for app in sorted(executor.loader.migrated_apps)]
                plan = executor.migration_plan(targets_list)
                executor.migrate(targets_list, plan=plan)
            step = "load the rows (the load was rolled back)"
            models = [by_table[e["table"]] for e in tables]
            with transaction.atomic(using=using):
                # Migrations write rows of their own (the default home page, ...): the archive's replace them.
                _flush(connection, _tables_to_clear(connection, apps))
                with connection.constraint_checks_disabled():
                    for entry in tables:
                        rows = portable.read_rows(folder / entry["file"])
                        loaded += portable.load_table(by_table[entry["table"]], entry["columns"], rows, connection)
                connection.check_constraints(table_names=[m._meta.db_table for m in models])
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), models):
                        cursor.execute(sql)
    except LockTimeout as exc:
        raise RestoreError(f"{exc}: is a portal migrating this database?") from None
    except (portable.PortableError, DatabaseError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        backup_records.put_back(kept, using)  # where the table still is; the archives themselves are untouched
        raise RestoreError(f"could not {step}: {reason}") from None
    _restore_files(folder, targets)
    try:
        migrated = startup.migrate(using)
    except startup.StartupError as exc:
        raise RestoreError(f"the archive was restored but migrating it to {current} failed: {exc}") from None
    backup_records.put_back(kept, using)
    return {
        "archive_version": str(archive_version),
        "archive_data_version": dataversion.of_manifest(manifest),
        "archive_dialect": manifest.get("dialect"),
        "archive_created_at": manifest.get("created_at"),
        "version": current,
        "dialect": configuration.get().database_dialect,
        "tables": len(tables),
        "rows": loaded,
        "migrated": migrated,
        "themes": sorted({name.split("/")[1] for name in targets if name.startswith("themes/")}),
        "media_files": sum(1 for name in targets if name.startswith("media/")),
        "database_themes": sum(int(t.get("rows") or 0) for t in tables if t.get("model") == "themes.theme"),
        "warnings": warnings,
    }
