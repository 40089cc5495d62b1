"""The backup archive's container: a tar.gz whose first member is `manifest.json`.

Kept apart from the code that fills or empties it so that reading a manifest (for
`newest_backup()`, `upgrade-check`) needs neither Django nor a database, and so that every
check an untrusted archive must pass before anything touches the database (member names,
member types, sizes, checksums, the manifest's format version) lives in one place.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from forecourt.ops.faults import crash_point

from . import dataversion

MANIFEST_NAME = "manifest.json"
FORMAT = "forecourt-backup"
FORMAT_VERSION = 1
SUFFIX = ".tar.gz"
# Refuse archives that unpack to more than this (a gzip bomb), and manifests that are absurd.
MAX_TOTAL_SIZE = 64 * 1024**3
MAX_MANIFEST_SIZE = 64 * 1024**2
MAX_MEMBERS = 200_000
_CHUNK = 1024 * 1024
# A path part: any printable text (theme files may have non-ASCII names), no separators or controls.
_SAFE_PART = re.compile(r"^[^\x00-\x1f\x7f/\\:]+$")
MAX_NAME = 1024


class ArchiveError(Exception):
    """The archive cannot be used: the message says why; nothing was changed."""


# What reading a damaged archive raises: the file (OSError, gzip's BadGzipFile among them), the tar
# (TarError), a stream cut short (EOFError), or zlib itself on a damaged deflate block (zlib.error,
# none of the others): every one means "this file is not a usable backup".
_UNREADABLE = (OSError, tarfile.TarError, EOFError, zlib.error)


# How far a backup found for an upgrade was checked (BackupInfo.checksum).
VERIFIED = "verified"  # the whole file's SHA-256 is the one recorded when it was written
MEMBERS_VERIFIED = "members-verified"  # every member matches the manifest's checksums (no record to compare with)
UNCHECKED = "unchecked"  # found in the backup folder with no record: only its manifest was read


@dataclass(frozen=True)
class BackupInfo:
    """What a backup archive's manifest (or its record in the database) says about it.

    `source` says where it was found ("folder": the default backup folder, "record": the
    database's backup records, "file": named by the operator), `checksum` how far it was checked.
    `version` is the Forecourt that *wrote* the archive; `data_version` the release whose schema
    its rows are at (forecourt.lifecycle.dataversion), and `migrations` that schema exactly.
    """

    path: Path
    created_at: datetime
    version: str
    dialect: str
    source: str = "folder"
    checksum: str = UNCHECKED
    sha256: str | None = None
    size: int | None = None
    data_version: str | None = None
    migrations: dict[str, str] | None = field(default=None, hash=False)

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "created_at": self.created_at.isoformat(),
                "version": self.version, "data_version": self.data_version, "dialect": self.dialect,
                "source": self.source,
                "checksum": self.checksum, "sha256": self.sha256, "size": self.size}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_member_name(name: str) -> str:
    """The member's relative path, or ArchiveError when it could escape the unpack folder."""
    if not name or len(name) > MAX_NAME or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        raise ArchiveError(f"unsafe member name {name!r} in the archive")
    parts = name.split("/")
    if any(part in ("", ".", "..") or not _SAFE_PART.match(part) for part in parts):
        raise ArchiveError(f"unsafe member name {name!r} in the archive")
    return name


def info_from_manifest(path: Path, manifest: dict[str, Any]) -> BackupInfo:
    check_format(manifest)
    try:
        created = datetime.fromisoformat(manifest["created_at"])
        if created.tzinfo is None:
            raise ValueError("created_at has no time zone")
        state = manifest.get("migrations")
        return BackupInfo(path, created, str(manifest["forecourt_version"]), str(manifest["dialect"]),
                          data_version=dataversion.of_manifest(manifest),
                          migrations=dict(state) if state and dataversion.valid_state(state) else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise ArchiveError(f"{path}: the manifest is incomplete: {exc}") from None


def check_format(manifest: Any) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("not a Forecourt backup archive (manifest.json has no format 'forecourt-backup')")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ArchiveError(f"the archive's format version {version!r} is not supported by this Forecourt "
                           f"(it reads format version {FORMAT_VERSION}): use a newer Forecourt to restore it")


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of an archive, reading only its first member."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.next()
            if member is None or member.name != MANIFEST_NAME or not member.isfile():
                raise ArchiveError(f"{path}: the first member is not {MANIFEST_NAME}")
            if member.size > MAX_MANIFEST_SIZE:
                raise ArchiveError(f"{path}: {MANIFEST_NAME} is too large ({member.size} bytes)")
            fh = tar.extractfile(member)
            assert fh is not None
            manifest: dict[str, Any] = json.loads(fh.read().decode("utf-8"))
    except (*_UNREADABLE, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{path}: not a readable backup archive: {exc}") from None
    check_format(manifest)
    return manifest


def read_info(path: Path) -> BackupInfo:
    return info_from_manifest(path, read_manifest(path))


def backups_in(directory: Path) -> list[BackupInfo]:
    """Every readable backup archive in `directory`, oldest first; unreadable files are skipped."""
    found: list[BackupInfo] = []
    try:
        candidates = sorted(directory.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    for path in candidates:
        if not path.name.endswith(SUFFIX) or not path.is_file():
            continue
        try:
            found.append(read_info(path))
        except ArchiveError:
            continue
    return sorted(found, key=lambda info: info.created_at)


def write_archive(destination: Path, manifest: dict[str, Any], staging: Path, members: list[str]) -> str:
    """Write manifest + staged files as a tar.gz at `destination`, atomically, readable by its owner only.

    The archive is written to a temporary file in the destination folder (created 0600) and renamed
    over `destination` only once complete, so a crash or a full disk never leaves a truncated
    archive under the final name that `newest_backup()` would count. Returns the whole file's
    SHA-256 (hex), computed before the rename, which the backup's record keeps.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".forecourt-backup-", suffix=".part", dir=destination.parent)
    os.fchmod(fd, 0o600)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
            _add_bytes(tar, MANIFEST_NAME, data)
            for name in members:
                source = staging / name
                info = tarfile.TarInfo(name)
                info.size = source.stat().st_size
                info.mode = 0o600
                info.mtime = int(source.stat().st_mtime)
                with open(source, "rb") as fh:
                    tar.addfile(info, fh)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        digest = sha256_file(tmp)
        crash_point("backup-before-rename")
        os.replace(tmp, destination)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _check_members(path: Path, manifest: dict[str, Any], folder: Path | None) -> None:  # noqa: C901, PLR0912 - every check an untrusted archive member passes, in order
    """Every check of the archive's members against its manifest; each member is written into
    `folder` as it is checked, or only read when `folder` is None.

    Every member must be a regular file with a safe name that the manifest lists, every file the
    manifest lists must be there with its sha256, and the whole must stay under MAX_TOTAL_SIZE:
    otherwise ArchiveError.
    """
    expected: dict[str, Any] = manifest.get("files") or {}
    if not isinstance(expected, dict):
        raise ArchiveError("the manifest's file list is damaged")
    for name in expected:
        check_member_name(name)
    seen: set[str] = set()
    total = 0
    try:
        with tarfile.open(path, "r:gz") as tar:
            for count, member in enumerate(tar):
                if count > MAX_MEMBERS:
                    raise ArchiveError(f"the archive has more than {MAX_MEMBERS} members")
                if member.name == MANIFEST_NAME and count == 0:
                    continue
                name = check_member_name(member.name)
                if not member.isfile():
                    raise ArchiveError(f"member {name!r} is not a regular file (links and devices are refused)")
                if name not in expected:
                    raise ArchiveError(f"member {name!r} is not listed in the manifest")
                if name in seen:
                    raise ArchiveError(f"member {name!r} appears twice")
                seen.add(name)
                total += member.size
                if total > MAX_TOTAL_SIZE:
                    raise ArchiveError(f"the archive unpacks to more than {MAX_TOTAL_SIZE} bytes")
                fh = tar.extractfile(member)
                assert fh is not None
                digest = hashlib.sha256()
                if folder is None:
                    while chunk := fh.read(_CHUNK):
                        digest.update(chunk)
                else:
                    target = folder / name
                    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    with open(target, "wb") as out:
                        os.fchmod(out.fileno(), stat.S_IRUSR | stat.S_IWUSR)
                        while chunk := fh.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                want = expected[name].get("sha256") if isinstance(expected[name], dict) else None
                if digest.hexdigest() != want:
                    raise ArchiveError(f"checksum mismatch for {name!r}: the archive is damaged or was altered")
            # tarfile stops at the tar's end marker; reading on to the end of the gzip stream checks its
            # CRC and length, which cover what no member checksum does (the tar's headers and padding).
            while tar.fileobj is not None and tar.fileobj.read(_CHUNK):
                pass
    except _UNREADABLE as exc:
        raise ArchiveError(f"{path}: cannot read the archive: {exc}") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise ArchiveError(f"the archive lacks files its manifest lists: {', '.join(missing[:5])}")


def verify_archive(path: Path) -> BackupInfo:
    """Check a whole archive as a restore would, without unpacking it anywhere; ArchiveError if it fails.

    What `upgrade-check --backup FILE` relies on: the file is readable, is a Forecourt backup of a
    format this version reads, its manifest is complete, and every member is there, safe and
    matches the manifest's checksum. Its `checksum` is MEMBERS_VERIFIED and `sha256` the whole file's.
    """
    manifest = read_manifest(path)
    info = info_from_manifest(path, manifest)
    _check_members(path, manifest, None)
    try:
        digest, size = sha256_file(path), path.stat().st_size
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read the archive: {exc}") from None
    return BackupInfo(info.path, info.created_at, info.version, info.dialect, source="file",
                      checksum=MEMBERS_VERIFIED, sha256=digest, size=size, data_version=info.data_version,
                      migrations=info.migrations)


@contextmanager
def unpacked(path: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """Unpack and verify an archive into a private temporary folder; yield (manifest, folder).

    Every check of _check_members() passes before the caller has changed anything, or ArchiveError.
    """
    manifest = read_manifest(path)
    with tempfile.TemporaryDirectory(prefix="forecourt-restore-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o700)
        _check_members(path, manifest, folder)
        yield manifest, folder
