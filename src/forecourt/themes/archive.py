"""Theme zip files: reading an upload with every limit checked before anything is stored, and
writing a theme back out as a zip for download.

An upload is refused (with every problem listed) when it is not a zip, is larger than
MaxUploadSize, holds a file over 5 MB or more than MaxUploadSize in all (declared or actually
decompressed: the declared sizes of a zip bomb lie), has absolute paths, '..', backslashes or
symbolic links, has the same path twice, holds hidden files or folders (a name starting with '.',
or __MACOSX/, which macOS's Finder adds: refused rather than skipped, so that what is stored is
exactly what the admin can see in the zip), or lacks theme.json or a template theme.json names.
locale/ holds message catalogues only (locale/<language>/LC_MESSAGES/<domain>.po, checked with the
templates: themes/catalogues.py); compiled .mo files beside them are skipped, since the portal compiles
the .po itself.
Files are stored under paths the server derives from the checked names; other files outside the
theme folders (a README) are skipped and reported.
"""

import io
import json
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings

from . import paths
from .manifest import BadManifest, Manifest, parse
from .sources import ThemeSource

MAX_FILE = 5 * 1024 * 1024
MAX_FILES = 5000
_CHUNK = 64 * 1024
_HIDDEN_LISTED = 10  # hidden members named in the error (a __MACOSX/ folder has one per file)


class BadArchive(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Unpacked:
    manifest: Manifest
    files: dict[str, bytes]
    skipped: list[str] = field(default_factory=list)


def max_upload() -> int:
    return int(settings.MAX_UPLOAD_SIZE)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, reading no more than `limit` + 1 whatever its header claims."""
    out = bytearray()
    with archive.open(info) as member:
        while True:
            chunk = member.read(min(_CHUNK, limit + 1 - len(out)))
            if not chunk:
                break
            out += chunk
            if len(out) > limit:
                break
    return bytes(out)


def _is_hidden(name: str) -> bool:
    """A name with a part starting with '.' (.DS_Store, .git/, a/.env) or a __MACOSX/ folder
    ('.' and '..' are not hidden names but paths, refused as such by paths.clean)."""
    return any((part.startswith(".") and part not in (".", "..")) or part == "__MACOSX" for part in name.split("/"))


def _hidden_error(hidden: list[str]) -> str:
    listed = ", ".join(hidden[:_HIDDEN_LISTED]) + (f" and {len(hidden) - _HIDDEN_LISTED} more"
                                                     if len(hidden) > _HIDDEN_LISTED else "")
    return (f"hidden files and folders are not allowed in a theme zip: {listed}. Zip the theme without them, "
            "e.g. zip -r theme.zip theme.json layouts views partials mailers assets locale -x '*/.*'")


def _strip_prefix(names: list[str]) -> str:
    """A folder that wraps the whole theme ("mytheme/theme.json"), zipped with its folder: "mytheme/"."""
    if paths.MANIFEST in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names if name}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/{paths.MANIFEST}" in names:
            return top + "/"
    return ""


def unpack(upload: IO[bytes], size: int | None = None) -> Unpacked:  # noqa: C901, PLR0912, PLR0915 - every check an untrusted zip passes, in one reading order
    """Check and read a theme zip. Raises BadArchive listing every problem found."""
    limit = max_upload()
    if size is not None and size > limit:
        raise BadArchive([f"the upload is {size} bytes; the limit (MaxUploadSize) is {limit} bytes"])
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BadArchive([f"not a zip file ({exc})"]) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_FILES:
            raise BadArchive([f"the zip holds {len(infos)} entries; at most {MAX_FILES} are allowed"])
        errors: list[str] = []
        # Declared sizes first: a zip bomb announcing its size is refused before anything is inflated.
        declared = sum(info.file_size for info in infos)
        if declared > limit:
            errors.append(f"the files add up to {declared} bytes uncompressed; the limit (MaxUploadSize) "
                          f"is {limit} bytes")
        names = [info.filename for info in infos]
        hidden = [name for name in names if _is_hidden(name)]
        if hidden:
            errors.append(_hidden_error(hidden))
        prefix = _strip_prefix(names)
        seen: set[str] = set()
        wanted: list[tuple[str, zipfile.ZipInfo]] = []
        skipped: list[str] = []
        for info in infos:
            raw = info.filename
            if info.is_dir() and not _is_symlink(info):
                continue
            if _is_symlink(info):
                errors.append(f"{raw}: symbolic links are not allowed")
                continue
            if info.flag_bits & 0x1:
                errors.append(f"{raw}: encrypted entries are not allowed")
                continue
            if _is_hidden(raw):
                continue  # refused above
            relative = raw[len(prefix):] if prefix and raw.startswith(prefix) else raw
            try:
                clean = paths.clean(relative)
            except paths.BadPath as exc:
                errors.append(str(exc))
                continue
            if clean.lower() in seen:
                errors.append(f"{clean}: the zip holds this path more than once")
                continue
            seen.add(clean.lower())
            top = clean.split("/", 1)[0]
            if clean != paths.MANIFEST and (top not in paths.FOLDERS or "/" not in clean):
                skipped.append(raw)
                continue
            if top == paths.LOCALE and clean.endswith(".mo"):
                skipped.append(raw)  # compiled catalogues: the portal compiles the .po beside them itself
                continue
            if info.file_size > MAX_FILE:
                errors.append(f"{clean}: {info.file_size} bytes; a file may have at most {MAX_FILE} bytes")
                continue
            wanted.append((clean, info))
        if errors:
            raise BadArchive(errors)
        files: dict[str, bytes] = {}
        total = 0
        for clean, info in wanted:
            top = clean.split("/", 1)[0]
            try:
                content = _read(archive, info, MAX_FILE)
            # zlib.error: a damaged deflate block, which zipfile passes on as it is (not a BadZipFile).
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, zlib.error) as exc:
                errors.append(f"{clean}: cannot be read ({exc})")
                continue
            if len(content) > MAX_FILE:
                errors.append(f"{clean}: more than {MAX_FILE} bytes once decompressed (its header said "
                              f"{info.file_size})")
                continue
            total += len(content)
            if total > limit:
                errors.append(f"the files add up to more than {limit} bytes once decompressed (MaxUploadSize)")
                break
            if paths.is_template(clean) or clean == paths.MANIFEST:
                try:
                    content.decode("utf-8")
                except UnicodeDecodeError:
                    errors.append(f"{clean}: templates must be UTF-8 text")
                    continue
            elif top == paths.LOCALE:
                if not paths.is_catalogue(clean):
                    errors.append(f"{clean}: locale/ holds message catalogues only, as "
                                  "locale/<language>/LC_MESSAGES/<domain>.po")
                    continue
            elif top != "assets":
                errors.append(f"{clean}: only .html and .txt templates may be in {top}/")
                continue
            files[clean] = content
    if errors:
        raise BadArchive(errors)
    if paths.MANIFEST not in files:
        raise BadArchive(["theme.json is missing (it must be at the top of the zip, or in its only folder)"])
    try:
        manifest = parse(files.pop(paths.MANIFEST))
    except BadManifest as exc:
        raise BadArchive(exc.errors) from None
    missing = [path for path in manifest.referenced() if path not in files]
    if missing:
        raise BadArchive([f"theme.json names {path}, which is not in the zip" for path in missing])
    return Unpacked(manifest, files, skipped)


# Every member of a packed theme carries this date and these permissions, so the same theme packs to
# the same bytes whenever and wherever it is packed (`forecourt export` compares archives by hash).
PACKED_DATE = (1980, 1, 1, 0, 0, 0)
PACKED_MODE = 0o644 << 16


def _member(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=PACKED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the permissions below are read as such
    info.external_attr = PACKED_MODE
    return info


def pack(source: ThemeSource) -> bytes:
    """The theme as a zip, theme.json at the top, as an upload expects it. The same theme always
    gives the same bytes: members in path order with a fixed date and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_member(paths.MANIFEST), json.dumps(source.manifest.raw, indent=2) + "\n")
        for path in sorted(source.paths()):
            if path == paths.MANIFEST:
                continue
            content = source.file(path)
            if content is not None:
                archive.writestr(_member(path), content)
    return buffer.getvalue()
