"""Snapshots of the default theme as each release shipped it: the common ancestor of a theme upgrade.

`forecourt theme upgrade` merges the default theme's changes into a custom theme three ways, and
the ancestor of that merge is the default theme *as it was* at the custom theme's `base` version.
The installed package only has the current default, so every release's default is kept here, one
compressed archive per version (`history/0.4.0.tar.xz`), read in place (into memory: a few
hundred KB of text) by `source()`, never unpacked to disk.

Why archives (issue 23, item 8): a folder per release copied the whole default theme again into
the source tree at every release (2 MB at 0.8.0, growing by ~450 KB a release); an archive is
~10% of that, and a release adds one file that never changes afterwards. The archives are
deterministic (regular files only, sorted by path, fixed mtime, owner and mode, xz at a fixed
preset), so writing one again from the same theme gives the same tar, and
tests/test_themes_upgrade.py checks each against its release commit (`git show
<commit>:src/forecourt/themes/default/...`). To see which "Theme changes" a release made, diff
the default theme between release commits (`git diff <a> <b> -- src/forecourt/themes/default`).

An archive's members are read under the same rules as a theme folder: regular files only (no
links, no devices), each path clean (forecourt.themes.paths: no hidden files, no "..", no absolute
path), none over the size a theme file may have. Nothing here is ever imported or executed.

Releases before 0.4.0 had no theme at all (the Live Portal's themes came in 0.4.0), so 0.4.0 is
the earliest base a theme can have.

At each release, before tagging: `python -m forecourt.themes.history` archives the bundled default
as `history/<its version>.tar.xz` (the default's theme.json `version` must be the release's).
This module needs no Django: the release step runs it bare.
"""

from __future__ import annotations

import functools
import io
import json
import lzma
import os
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from .. import paths

if TYPE_CHECKING:
    from ..sources import ThemeSource

ROOT = Path(__file__).resolve().parent
BUNDLED_ROOT = ROOT.parent / "default"  # as forecourt.themes.sources.BUNDLED_ROOT (which needs Django)
FIRST = "0.4.0"  # the first release that shipped a default theme
SUFFIX = ".tar.xz"
MAX_FILE = 5 * 1024 * 1024  # as forecourt.themes.sources.MAX_FILE
MAX_ARCHIVE = 64 * 1024 * 1024  # what one snapshot may hold, unpacked (a default theme is ~0.5 MB)
PRESET = 6  # xz's default: an 8 MB dictionary, decompressed in ~9 MB of memory
MTIME = 0  # every member's modification time (and owner 0:0, mode 0644): the same theme, the same tar


class BadSnapshot(ValueError):
    """An archive under history/ that is not a snapshot this module wrote."""


def archive_path(version: str, into: Path = ROOT) -> Path:
    return into / f"{version}{SUFFIX}"


def versions(into: Path = ROOT) -> list[str]:
    """Every version with a snapshot, oldest first."""
    found = []
    for child in into.iterdir():
        if not child.name.endswith(SUFFIX) or child.is_symlink() or not child.is_file():
            continue
        name = child.name[: -len(SUFFIX)]
        try:
            Version(name)
        except InvalidVersion:
            continue
        found.append(name)
    return sorted(found, key=Version)


def source(version: str) -> ThemeSource | None:
    """The default theme as release `version` shipped it, or None when there is no snapshot."""
    from .snapshot import SnapshotSource  # noqa: PLC0415 - .snapshot imports the themes' models; the release step runs this package without Django

    for known in versions():
        if Version(known) == Version(version):
            return SnapshotSource(read(archive_path(known)), revision=f"history-{known}")
    return None


def files(source: ThemeSource) -> dict[str, bytes]:
    """Every file of a snapshot (or of any theme), by relative path."""
    out = {}
    for path in source.paths():
        content = source.file(path)
        if content is not None:
            out[path] = content
    return out


def read(archive: Path) -> dict[str, bytes]:
    """The files of a snapshot archive, by relative path. BadSnapshot for anything else in it."""
    stat = archive.stat()
    return dict(_read(str(archive), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _read(archive: str, mtime_ns: int, size: int) -> tuple[tuple[str, bytes], ...]:
    """read(), kept per archive and its stat (a theme upgrade's plan and run read the same one)."""
    del mtime_ns, size  # the cache key only
    try:
        with open(archive, "rb") as handle:
            decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
            unpacked = decompressor.decompress(handle.read(), max_length=MAX_ARCHIVE + 1)
        if len(unpacked) > MAX_ARCHIVE or not decompressor.eof:
            raise BadSnapshot(f"{archive}: truncated, or more than {MAX_ARCHIVE} bytes unpacked")
        return _members(archive, unpacked)
    except (lzma.LZMAError, tarfile.TarError, EOFError) as exc:
        raise BadSnapshot(f"{archive}: not a snapshot archive ({exc})") from None


def _members(archive: str, unpacked: bytes) -> tuple[tuple[str, bytes], ...]:
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(unpacked), mode="r:") as tar:
        for member in tar:
            if not member.isreg():
                raise BadSnapshot(f"{archive}: {member.name!r} is not a regular file")
            try:
                name = paths.clean(member.name)
            except paths.BadPath as exc:
                raise BadSnapshot(f"{archive}: {exc}") from None
            if member.size > MAX_FILE or name in out:
                raise BadSnapshot(f"{archive}: {name!r} is too large or not unique")
            content = tar.extractfile(member)
            assert content is not None  # a regular file's
            out[name] = content.read()
    if paths.MANIFEST not in out:
        raise BadSnapshot(f"{archive}: no {paths.MANIFEST}")
    return tuple(sorted(out.items()))


def theme_folder(root: Path) -> dict[str, bytes]:
    """The regular files of a theme folder, by relative path, as the theme readers see it: hidden
    files and folders and symbolic links left out."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):  # does not follow symbolic links
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for filename in filenames:
            full = Path(dirpath) / filename
            if filename.startswith(".") or full.is_symlink():
                continue
            out[full.relative_to(root).as_posix()] = full.read_bytes()
    return out


def tar_of(theme: dict[str, bytes]) -> bytes:
    """The uncompressed tar of a snapshot: its files sorted by path, each with the same metadata."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(theme):
            info = tarfile.TarInfo(paths.clean(name))
            info.size = len(theme[name])
            info.mtime = MTIME
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(theme[name]))
    return buffer.getvalue()


def write(root: Path = BUNDLED_ROOT, into: Path = ROOT) -> Path:
    """Archive the default theme in `root` as `into/<its version>.tar.xz`, replacing an older archive.

    Run at release time, without Django (`python -m forecourt.themes.history`).
    """
    theme = theme_folder(root)
    version = str(json.loads(theme[paths.MANIFEST].decode("utf-8"))["version"])
    Version(version)  # refuses a version the upgrade could not compare
    into.mkdir(parents=True, exist_ok=True)
    target = archive_path(version, into)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(lzma.compress(tar_of(theme), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=PRESET))
    partial.replace(target)
    return target
