"""The database's record of backup archives, and the one rule for the backup an upgrade can fall back on.

`forecourt backup --output /anywhere/x.tar.gz` writes where the operator says, so the backup
folder alone cannot tell `upgrade-check` (or the Admin Portal's About page) that a backup
exists. Each backup is therefore recorded (ops.BackupRecord: path, time, version, schema,
SHA-256, size) once its archive is complete and renamed into place, and `find()` is the rule
both use:

1. the newest recorded backup whose file is still at its path with its recorded size and
   SHA-256 ("verified"); recorded backups newer than it whose file is gone or changed are
   reported, never trusted;
2. backups in the default folder (`<DataDir>/backups`) that have no record (written by a
   release before 0.6.0, or while the database could not record them): read by their manifest
   (time, versions, schema) as before ("unchecked"); a file in the folder that has a record is
   judged by its record only;
3. the newer of the two, by the time its snapshot was taken.

`upgrade-check --backup FILE` replaces that search by one archive the operator names, checked
member by member (forecourt.lifecycle.archive.verify_archive) and compared with the records.

The records are host bookkeeping, not portal data: they are not in the archives (an archive could
never hold its own row, being written after its snapshot), and a restore keeps them (`saved()` /
`put_back()`) and records the archive it restored from.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db import Error as DatabaseProblem  # DatabaseError, and InterfaceError of a lost connection
from django.utils.translation import gettext

from forecourt import configuration
from forecourt.ops.models import BackupRecord

from . import dataversion
from .archive import VERIFIED, BackupInfo, backups_in, sha256_file

log = logging.getLogger("forecourt.backup")

TABLE = "ops_backuprecord"
BACKUP, RESTORE = "backup", "restore"
GONE, CHANGED, UNREADABLE = "gone", "changed", "unreadable"
# Fields a restore carries over for each record (the id is the database's own).
_KEPT = ("path", "created_at", "recorded_at", "version", "dialect", "migrations", "sha256", "size", "source")


@dataclass(frozen=True)
class Problem:
    """A recorded backup that cannot be trusted any more: its file is gone, changed or unreadable."""

    path: str
    created_at: datetime
    kind: str  # GONE, CHANGED, UNREADABLE
    detail: str

    def message(self) -> str:
        """In the active language: the About page's; English on the command line (and in its --json)."""
        words = {"path": self.path, "made": self.created_at.isoformat(timespec="seconds"), "detail": self.detail}
        if self.kind == GONE:
            return gettext("the backup recorded at %(path)s (made %(made)s) is gone: moved or deleted; if it was "
                           "moved, name it with `forecourt upgrade-check --backup FILE`") % words
        if self.kind == CHANGED:
            return gettext("the backup %(path)s (made %(made)s) has changed since it was written (%(detail)s): "
                           "not trusted") % words
        return gettext("the backup %(path)s (made %(made)s) cannot be read: %(detail)s") % words

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "created_at": self.created_at.isoformat(), "problem": self.kind,
                "detail": self.detail}


@dataclass
class Search:
    """What find() found: the backup to rely on (or None) and the recorded backups it could not trust."""

    newest: BackupInfo | None
    problems: list[Problem] = field(default_factory=list)
    unreadable_records: str | None = None  # why the records could not be read, when they could not
    migrations: dict[str, str] | None = None  # the schema the newest backup holds (its record's, else its manifest's)


def default_backup_dir() -> Path:
    """Where backups go unless `--output` says otherwise: `<DataDir>/backups` (the folder find() searches)."""
    return Path(configuration.get().data_dir).expanduser().absolute() / "backups"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _has_table(using: str) -> bool:
    return TABLE in connections[using].introspection.table_names()


# -- writing --------------------------------------------------------------------------------------

def record(path: Path, manifest: dict[str, Any], sha256: str, size: int, *, source: str = BACKUP,
           using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Record a complete archive; None when recorded, else why not (also logged as a WARNING).

    A database that is read-only, unreachable, or at a schema before the records existed does not
    fail the backup: the archive is written and usable, and the warning says how to name it.
    A restore records the archive it restored from only once (same path and checksum).
    """
    try:
        if not _has_table(using):
            reason = "the database is at a schema without backup records (`forecourt migrate` adds them)"
        else:
            with transaction.atomic(using=using):
                rows = BackupRecord.objects.using(using)
                if source == RESTORE and rows.filter(path=str(path), sha256=sha256).exists():
                    return None
                rows.create(path=str(path), created_at=datetime.fromisoformat(manifest["created_at"]),
                            version=str(manifest["forecourt_version"]), dialect=str(manifest.get("dialect", "")),
                            migrations=manifest.get("migrations") or {}, sha256=sha256, size=size, source=source)
            return None
    except DatabaseProblem as exc:
        reason = _one_line(exc)
    message = (f"the archive {path} was written but could not be recorded in the database ({reason}): "
               f"`forecourt upgrade-check` finds it only in the default backup folder or with --backup {path}")
    log.warning(message)
    return message


# -- reading and checking ------------------------------------------------------------------------

# SHA-256 of files already read, by what the file system says of them: the About page runs the
# check on every view, and an unchanged multi-gigabyte archive need not be read each time. Any
# write to the file changes its ctime (which no user can set), so a changed file is read again.
_DIGESTS: dict[tuple[Any, ...], str] = {}
_MAX_DIGESTS = 64


def _digest(path: Path, st: os.stat_result) -> str:
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    found = _DIGESTS.get(key)
    if found is None:
        found = sha256_file(path)
        if len(_DIGESTS) >= _MAX_DIGESTS:
            _DIGESTS.clear()
        _DIGESTS[key] = found
    return found


def check(rec: Any) -> BackupInfo | Problem:
    """The recorded backup `rec` as a verified BackupInfo, or the Problem with its file."""
    path = Path(rec.path)
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return Problem(rec.path, rec.created_at, GONE, "no file at that path")
    except OSError as exc:
        return Problem(rec.path, rec.created_at, UNREADABLE, _one_line(exc))
    if not stat.S_ISREG(st.st_mode):
        return Problem(rec.path, rec.created_at, CHANGED, "it is not a regular file any more")
    if st.st_size != rec.size:
        return Problem(rec.path, rec.created_at, CHANGED, f"{st.st_size} bytes, {rec.size} when it was written")
    try:
        digest = _digest(path, st)
    except OSError as exc:
        return Problem(rec.path, rec.created_at, UNREADABLE, _one_line(exc))
    if digest != rec.sha256:
        return Problem(rec.path, rec.created_at, CHANGED, "its SHA-256 differs from the one recorded")
    # The record keeps the schema, not the data version: named from it (forecourt.lifecycle.dataversion).
    state = dict(rec.migrations or {})
    return BackupInfo(path, rec.created_at, rec.version, rec.dialect, source="record", checksum=VERIFIED,
                      sha256=digest, size=st.st_size, data_version=dataversion.of_state(state),
                      migrations=state or None)


def records(using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """Every backup record, newest first ([] before the schema has them); django.db.Error if unreadable."""
    if not _has_table(using):
        return []
    rows = BackupRecord.objects.using(using).order_by("-created_at", "-id")
    if connections[using].in_atomic_block:
        # A savepoint, so that a failed read does not spoil the caller's transaction. Not outside one:
        # SQLite opens transactions IMMEDIATE (a write lock), which upgrade-check's read-only guard refuses.
        with transaction.atomic(using=using):
            return list(rows)
    return list(rows)


def _same_file(a: Path | str, b: Path | str) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def find(using: str = DEFAULT_DB_ALIAS, directory: Path | None = None) -> Search:
    """The backup an upgrade can fall back on, by the rule in this module's docstring."""
    search = Search(None)
    try:
        recorded = records(using)
    except DatabaseProblem as exc:
        recorded = []
        search.unreadable_records = _one_line(exc)
    good: BackupInfo | None = None
    for rec in recorded:
        result = check(rec)
        if isinstance(result, Problem):
            search.problems.append(result)
            continue
        good, search.migrations = result, dict(rec.migrations or {})
        break
    recorded_paths = {Path(rec.path).resolve() for rec in recorded}
    unrecorded = [info for info in backups_in(directory if directory is not None else default_backup_dir())
                  if info.path.resolve() not in recorded_paths]
    newest = good
    if unrecorded and (good is None or unrecorded[-1].created_at > good.created_at):
        newest, search.migrations = unrecorded[-1], unrecorded[-1].migrations  # from its manifest
    search.newest = newest
    if newest is not None:  # what is older than the backup relied on does not matter
        search.problems = [p for p in search.problems if p.created_at > newest.created_at]
    return search


def named(info: BackupInfo, using: str = DEFAULT_DB_ALIAS) -> Search:
    """`upgrade-check --backup FILE`: the archive the operator named (already checked by
    archive.verify_archive), compared with the records: the same bytes as a recorded backup make it
    "verified"; a record of that path with other bytes is reported (the file changed since)."""
    search = Search(info, migrations=info.migrations)  # the schema its manifest records
    try:
        recorded = records(using)
    except DatabaseProblem as exc:
        search.unreadable_records = _one_line(exc)
        return search
    same = [rec for rec in recorded if rec.sha256 == info.sha256 and rec.size == info.size]
    if same:
        search.newest = BackupInfo(info.path, same[0].created_at, same[0].version, same[0].dialect, source="file",
                                   checksum=VERIFIED, sha256=info.sha256, size=info.size,
                                   data_version=info.data_version, migrations=info.migrations)
        search.migrations = dict(same[0].migrations or {})
        return search
    search.problems = [Problem(rec.path, rec.created_at, CHANGED, "its SHA-256 differs from the one recorded")
                       for rec in recorded if _same_file(rec.path, info.path)][:1]
    return search


# -- across a restore ------------------------------------------------------------------------------

def saved(using: str, state_apps: Any) -> list[dict[str, Any]]:
    """The records, read through the historical models of the database's current schema, before a
    restore moves the schema (moving it back past ops.0002 drops the table)."""
    try:
        model = state_apps.get_model("ops", "BackupRecord")
    except LookupError:
        return []
    if not _has_table(using):
        return []
    names = [name for name in _KEPT if any(f.name == name for f in model._meta.concrete_fields)]
    return list(model._base_manager.using(using).order_by("id").values(*names))


def put_back(rows: Iterable[dict[str, Any]], using: str = DEFAULT_DB_ALIAS) -> int:
    """Insert the saved records the table lacks now; return how many. Best effort: a problem is
    logged as a WARNING, since the archives themselves are untouched and still usable."""
    rows = list(rows)
    if not rows:
        return 0
    try:
        if not _has_table(using):
            raise DatabaseError("the database's schema has no backup records table now")
        columns = {f.name for f in BackupRecord._meta.concrete_fields}
        added = 0
        with transaction.atomic(using=using):
            present = set(BackupRecord.objects.using(using).values_list("path", "sha256", "created_at"))
            for row in rows:
                if (row["path"], row["sha256"], row["created_at"]) in present:
                    continue
                recorded_at = row.get("recorded_at")
                made = BackupRecord.objects.using(using).create(**{k: v for k, v in row.items() if k in columns})
                if recorded_at is not None:  # auto_now_add replaced it: keep when it was recorded
                    BackupRecord.objects.using(using).filter(pk=made.pk).update(recorded_at=recorded_at)
                added += 1
        return added
    except DatabaseProblem as exc:
        log.warning("the records of %d backup(s) made before this restore could not be kept (%s); the archives "
                    "themselves are untouched: name them with `forecourt upgrade-check --backup FILE`",
                    len(rows), _one_line(exc))
        return 0
