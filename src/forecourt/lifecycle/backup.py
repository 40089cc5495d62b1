"""`forecourt backup`: the database, the theme folder and uploaded files in one archive.

The archive (see forecourt.lifecycle.archive) holds the rows of every table in a portable,
engine-neutral form (forecourt.lifecycle.portable), so it restores on any supported engine,
plus the engine's own dump when its tool is installed, for operators who prefer their
database's native restore path.
"""

from __future__ import annotations

from pathlib import Path

from forecourt import configuration

from .archive import BackupInfo, backups_in

__all__ = ["BackupInfo", "default_backup_dir", "newest_backup"]


def default_backup_dir() -> Path:
    """Where backups go unless `--output` says otherwise: `<DataDir>/backups`."""
    return Path(configuration.get()["DataDir"]).expanduser().absolute() / "backups"


def newest_backup(directory: Path | str | None = None) -> BackupInfo | None:
    """The most recent readable backup archive in `directory` (default: default_backup_dir()).

    "Most recent" is by the `created_at` its manifest records, not by file time, so a copied
    or restored file keeps its real age. Files that are not backup archives are ignored.
    """
    found = backups_in(Path(directory) if directory is not None else default_backup_dir())
    return found[-1] if found else None
