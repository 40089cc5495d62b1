"""Upgrading a custom theme: merge what the default theme changed since the theme was derived from it.

A custom theme says in theme.json which default-theme version it was derived from (`base`). Each
file is merged three ways, as git merges branches:

- base: the default theme as release `base` shipped it (forecourt.themes.history keeps one
  snapshot per release);
- default ("theirs", upstream): the default theme of the installed Forecourt, or a folder given
  instead (e.g. the next release's default, to try an upgrade before installing it);
- custom ("ours"): the theme being upgraded.

Per file: changed only by the theme -> kept; changed only by the default -> taken; changed by
both -> merged line by line (merge3way: diff3 on difflib), overlapping changes are a conflict with
git-style markers; added by the default -> added; removed by the default -> removed, unless the theme changed it
(conflict); absent from the theme (deleted, or never copied: a theme only needs the files it
changes) -> stays absent, and the default's new version serves it. Binary files are never merged
line by line: changed on both sides is a conflict. theme.json is not merged as text: the theme's
own is kept with `base` set to the new default version, `version` bumped, `upgraded_from` set to
the theme's name, and the templates the default added (when the theme has their files).

A clean merge is rendered like an upload (every template, sample data) and saved as a NEW theme
(`<name>-<new base>`, e.g. acme-0.5.0), never replacing the theme it came from and never
activated: the admin previews it, then activates it, and the previous theme stays downloadable
and one click away. With a conflict or a render error nothing is saved.

Nothing here (nor activating the copy) deletes the theme it came from: it is the theme the older
Forecourt renders, should the upgrade be rolled back (`forecourt downgrade --activate-theme`
finds it through the copy's `upgraded_from`). `keep_note()` is what the CLI and the Admin
Portal tell the operator about it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from packaging.version import InvalidVersion, Version

from forecourt.audit.services import Actor
from forecourt.wording import counted

from . import history, merge3way, paths, storage
from .manifest import NAME, RESERVED, BadManifest, Manifest, parse
from .models import Theme, ThemeFile
from .sources import DirectorySource, StoredSource, ThemeSource
from .validate import Problem, StagedSource, validate

UNCHANGED = "unchanged"  # the default did not change it (or made the theme's change): the theme's is kept
UPSTREAM = "upstream"  # only the default changed it: the default's is taken
MERGED = "merged"  # both changed it, in different places
ADDED = "added"  # new in the default
REMOVED = "removed"  # removed from the default, unchanged in the theme
ABSENT = "absent"  # changed in the default, not in the theme: stays absent, the default's serves
CONFLICT = "conflict"

LABELS = {UNCHANGED: "unchanged", UPSTREAM: "taken from the default", MERGED: "merged", ADDED: "added",
          REMOVED: "removed", ABSENT: "not in the theme", CONFLICT: "conflict"}

Files = dict[str, bytes]


class UpgradeRefused(Exception):
    """The upgrade cannot even be planned (unknown theme, no base, nothing to upgrade...): exit status 2."""


@dataclass
class FileChange:
    path: str
    status: str
    before: bytes | None  # the theme's file
    after: bytes | None  # what the upgraded theme gets (conflicts: the marked content)
    note: str = ""
    conflicts: int = 0
    binary: bool = False

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def diff(self) -> str:
        """A unified diff from the theme's file to the upgraded one ("" for binary or unchanged files)."""
        if self.binary or self.before == self.after:
            return ""
        old = _text(self.before or b"") or ""
        new = _text(self.after or b"") or ""
        return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                            f"custom/{self.path}", f"upgraded/{self.path}"))

    @property
    def marked(self) -> str:
        """A conflict's content with its markers."""
        return "" if self.status != CONFLICT or self.binary else (_text(self.after or b"") or "")

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "status": self.status, "note": self.note,
                                "binary": self.binary}
        if self.status == CONFLICT:
            data["conflicts"] = self.conflicts
            data["content"] = self.marked
        else:
            data["diff"] = self.diff
        return data


@dataclass
class Upgrade:
    """What upgrading one theme does; saved only when `clean`."""

    theme: str
    version: str
    base: str
    default_version: str
    target_name: str
    target_version: str
    changes: list[FileChange]
    files: Files  # the upgraded theme's files, without theme.json (as storage.save takes them)
    manifest: Manifest | None  # None when the merged theme.json is invalid (then in problems)
    problems: list[Problem] = field(default_factory=list)

    @property
    def conflicts(self) -> list[FileChange]:
        return [c for c in self.changes if c.status == CONFLICT]

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.problems and self.manifest is not None

    def changed(self) -> list[FileChange]:
        return [c for c in self.changes if c.status != UNCHANGED]

    @property
    def fingerprint(self) -> str:
        """Identifies the result: the Admin Portal applies only what the admin previewed."""
        digest = hashlib.sha256(json.dumps(self.manifest.raw if self.manifest else None, sort_keys=True).encode())
        for path, content in sorted(self.files.items()):
            digest.update(path.encode() + b"\0" + hashlib.sha256(content).digest())
        return digest.hexdigest()

    @property
    def keep_note(self) -> str:
        return keep_note(self.theme, self.default_version)

    def as_dict(self) -> dict[str, Any]:
        return {"theme": self.theme, "version": self.version, "base": self.base,
                "default": self.default_version,
                "target": {"name": self.target_name, "version": self.target_version, "upgraded_from": self.theme},
                "keep": {"theme": self.theme, "note": self.keep_note},
                "ok": self.clean, "conflicts": len(self.conflicts),
                "files": [c.as_dict() for c in self.changes],
                "problems": [p.as_dict() for p in self.problems]}


# Merging files


def _text(content: bytes) -> str | None:
    """`content` as text, or None for a binary file (a NUL byte, or not UTF-8)."""
    if b"\0" in content:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _ended(lines: list[str]) -> list[str]:
    """`lines` with a final newline, so that a marker after them starts a line of its own."""
    if lines and not lines[-1].endswith(("\n", "\r")):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines


@dataclass(frozen=True)
class Labels:
    base: str
    default: str

    def conflict(self, base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
        return ["<<<<<<< custom\n", *_ended(ours), f"||||||| base {self.base}\n", *_ended(base), "=======\n",
                *_ended(theirs), f">>>>>>> default {self.default}\n"]


def merge_text(base: str, ours: str, theirs: str, labels: Labels) -> tuple[str, int]:
    """Line-based three-way merge: (the merged text with conflict markers, how many conflicts)."""
    out: list[str] = []
    conflicts = 0
    split = merge3way.split_lines
    for chunk in merge3way.merge(split(base), split(ours), split(theirs)):
        if chunk.conflict:
            conflicts += 1
            out.extend(labels.conflict(list(chunk.base), list(chunk.ours), list(chunk.theirs)))
        else:
            out.extend(chunk.lines)
    return "".join(out), conflicts


def merge_file(path: str, base: bytes | None, ours: bytes | None, theirs: bytes | None,
               labels: Labels) -> FileChange | None:
    """The fate of one file (None: in neither the theme nor the new default, nothing to say)."""
    binary = any(c is not None and _text(c) is None for c in (base, ours, theirs))
    if ours == theirs:
        if ours is None:
            return None
        note = "the default made the same change" if base != ours and base is not None else ""
        return FileChange(path, UNCHANGED, ours, ours, note, binary=binary)
    if theirs == base:
        if ours is None:
            return None  # absent from the theme, unchanged in the default: nothing to tell
        return FileChange(path, UNCHANGED, ours, ours, "" if base is not None else "the theme's own file",
                          binary=binary)
    if ours == base:  # only the default changed it
        if theirs is None:
            return FileChange(path, REMOVED, ours, None, f"removed from the default {labels.default}", binary=binary)
        if base is None:
            return FileChange(path, ADDED, None, theirs, f"new in the default {labels.default}", binary=binary)
        return FileChange(path, UPSTREAM, ours, theirs, "changed only in the default", binary=binary)
    # Changed on both sides.
    if ours is None:
        return FileChange(path, ABSENT, None, None,
                          f"not in the theme (deleted, or never copied) but changed in the default "
                          f"{labels.default}: it stays absent, so the default's new version serves", binary=binary)
    if theirs is None:
        marked = None if binary else "".join(labels.conflict(_lines(_text(base or b"") or ""),
                                                             _lines(_text(ours) or ""), []))
        return FileChange(path, CONFLICT, ours, ours if marked is None else marked.encode(),
                          f"removed from the default {labels.default} but changed in the theme: keep it or "
                          "delete it", 1, binary)
    if binary:
        return FileChange(path, CONFLICT, ours, ours,
                          "a binary file changed both in the theme and in the default: choose one", 1, True)
    text, conflicts = merge_text(_text(base or b"") or "", _text(ours) or "", _text(theirs) or "", labels)
    if conflicts:
        return FileChange(path, CONFLICT, ours, text.encode(), counted(conflicts, "conflicting change"), conflicts)
    return FileChange(path, MERGED, ours, text.encode(), "changed in both, in different places")


# theme.json


def bump(version: str) -> str:
    """The next version of a theme: its last number plus one (1.0.0 -> 1.0.1, 2.3-beta4 -> 2.3-beta5)."""
    match = re.fullmatch(r"(.*?)(\d+)(\D*)", version)
    if match is None:
        return f"{version}.1"
    return f"{match[1]}{int(match[2]) + 1}{match[3]}"


def default_target_name(name: str, old_base: str, new_base: str) -> str:
    """acme -> acme-0.5.0; acme-0.5.0 (upgraded before) -> acme-0.6.0, not acme-0.5.0-0.6.0."""
    return f"{name.removesuffix(f'-{old_base}')}-{new_base}"


def merge_manifest(ours: Manifest, base: Manifest, theirs: Manifest, files: Files, target_name: str,
                   target_version: str) -> tuple[dict[str, Any], list[str]]:
    """The upgraded theme.json (the theme's own, not a text merge) and notes on what changed in it."""
    raw = dict(ours.raw)
    raw.update(name=target_name, version=target_version, base=theirs.version, upgraded_from=ours.name)
    notes = [f"base {ours.base} -> {theirs.version}", f"version {ours.version} -> {target_version}"]
    if target_name != ours.name:
        notes.append(f"name {ours.name} -> {target_name}")
    notes.append(f"upgraded_from {ours.name}")
    entries = []
    for entry, item in zip(ours.templates, _raw_templates(ours), strict=True):
        if entry.view_path in files and entry.layout_path in files:
            entries.append(item)
        else:
            notes.append(f"template {entry.template!r} dropped: the upgraded theme has no "
                         f"{entry.view_path if entry.view_path not in files else entry.layout_path}")
    known = {entry.template for entry in ours.templates} | {entry.template for entry in base.templates}
    for entry, item in zip(theirs.templates, _raw_templates(theirs), strict=True):
        if entry.template in known:
            continue
        if entry.view_path in files and entry.layout_path in files:
            entries.append(item)
            notes.append(f"template {entry.template!r} added (new in the default)")
        else:
            notes.append(f"template {entry.template!r} is new in the default; the theme lacks its files, "
                         "so the default's serves")
    raw["templates"] = entries
    return raw, notes


def _raw_templates(manifest: Manifest) -> list[dict[str, Any]]:
    """The manifest's template entries as written, keeping any extra keys (parse() accepted each one)."""
    return [dict(item) for item in manifest.raw.get("templates") or []]


def manifest_bytes(raw: dict[str, Any]) -> bytes:
    return (json.dumps(raw, indent=2, ensure_ascii=False) + "\n").encode()


# The whole theme


def theme_files(source: ThemeSource) -> Files:
    """Every file of a theme but theme.json (which is merged on its own), by path."""
    if isinstance(source, StoredSource):  # one query, not one per file
        rows = ThemeFile.objects.filter(theme_id=source.theme_id).values_list("path", "content")
        return {path: bytes(content) for path, content in rows if path != paths.MANIFEST}
    out = {}
    for path in source.paths():
        if path == paths.MANIFEST:
            continue
        content = source.file(path)
        if content is not None:
            out[path] = content
    return out


def merge(name: str, ours: Manifest, ours_files: Files, base: Manifest, base_files: Files, theirs: Manifest,
          theirs_files: Files, target_name: str, ours_manifest_file: bytes | None = None) -> Upgrade:
    """Merge three versions of a theme (without validation): the core of `plan`, usable on any files."""
    labels = Labels(base.version, theirs.version)
    changes: list[FileChange] = []
    files: Files = {}
    for path in sorted(set(base_files) | set(ours_files) | set(theirs_files)):
        change = merge_file(path, base_files.get(path), ours_files.get(path), theirs_files.get(path), labels)
        if change is None:
            continue
        changes.append(change)
        if change.status != CONFLICT and change.after is not None:
            files[path] = change.after
        elif change.status == CONFLICT and change.before is not None:
            files[path] = change.before
    target_version = bump(ours.version)
    raw, notes = merge_manifest(ours, base, theirs, files, target_name, target_version)
    before = ours_manifest_file if ours_manifest_file is not None else manifest_bytes(ours.raw)
    changes.insert(0, FileChange(paths.MANIFEST, MERGED, before, manifest_bytes(raw), "; ".join(notes)))
    problems: list[Problem] = []
    manifest: Manifest | None
    try:
        manifest = parse(manifest_bytes(raw))
    except BadManifest as exc:
        manifest = None
        problems = [Problem(paths.MANIFEST, None, error.removeprefix("theme.json: ")) for error in exc.errors]
    return Upgrade(name, ours.version, ours.base, theirs.version, target_name, target_version, changes, files,
                   manifest, problems)


def _version(value: str, what: str) -> Version:
    try:
        return Version(value)
    except InvalidVersion:
        raise UpgradeRefused(f"{what} {value!r} is not a version") from None


def upstream_folder(folder: Path) -> DirectorySource:
    """A default theme in a folder (e.g. the next release's), to merge instead of the bundled one."""
    try:
        return DirectorySource(folder, "bundled", revision="folder")
    except (OSError, BadManifest) as exc:
        raise UpgradeRefused(f"{folder}: not a theme folder ({exc})") from None


def plan(name: str, upstream: ThemeSource | None = None, as_name: str | None = None,
         check: bool = True) -> Upgrade:
    """What upgrading theme `name` to the default theme (`upstream`, else the bundled one) does.

    UpgradeRefused when there is nothing that can be merged. With `check`, a merge without
    conflicts is validated by rendering every template (its problems are in the result).
    """
    if name.lower() == RESERVED:
        raise UpgradeRefused("the default theme is not upgraded: it is the one this Forecourt ships")
    try:
        source = storage.source(name)
    except BadManifest as exc:
        raise UpgradeRefused(f"theme {name!r} cannot be read: {exc}") from None
    if source is None:
        raise UpgradeRefused(f"there is no theme called {name!r}")
    theirs = upstream or storage.bundled()
    new = theirs.manifest.version
    base = source.manifest.base
    if not base:
        raise UpgradeRefused(f"theme {name!r} has no base in its theme.json: set it to the default-theme version "
                             "it was derived from (the earliest is " + history.FIRST + "), then upload it again")
    if _version(base, f"theme {name!r}'s base") == _version(new, "the default theme's version"):
        raise UpgradeRefused(f"theme {name!r} is already based on the default theme {new}: nothing to upgrade")
    if Version(base) > Version(new):
        raise UpgradeRefused(f"theme {name!r} is based on the default theme {base}, newer than this "
                             f"Forecourt's ({new}): upgrade Forecourt first")
    snapshot = history.source(base)
    if snapshot is None:
        if Version(base) < Version(history.FIRST):
            raise UpgradeRefused(f"theme {name!r} says it is based on the default theme {base}, but Forecourt "
                                 f"had no themes before {history.FIRST}: correct its base")
        raise UpgradeRefused(f"this Forecourt has no copy of the default theme {base} to merge from "
                             f"(it has {', '.join(history.versions()) or 'none'})")
    target = as_name or default_target_name(source.name, base, new)
    check_target(target)
    upgrade = merge(source.name, source.manifest, theme_files(source), snapshot.manifest, theme_files(snapshot),
                    theirs.manifest, theme_files(theirs), target, source.file(paths.MANIFEST))
    if check and upgrade.manifest is not None and not upgrade.conflicts:
        upgrade.problems = validate(StagedSource(upgrade.manifest, upgrade.files))
    return upgrade


def check_target(target: str) -> None:
    """The upgraded copy's name must be free: an upgrade never replaces a theme."""
    if not NAME.fullmatch(target):
        raise UpgradeRefused(f"{target!r} cannot be a theme's name (1 to 64 letters, digits, '_', '.' or '-'): "
                             "choose another name")
    try:
        storage.check_name(target)
    except storage.Refused as exc:
        raise UpgradeRefused(str(exc)) from None
    if Theme.objects.filter(name__iexact=target).exists():
        raise UpgradeRefused(f"a theme called {target!r} already exists (an earlier upgrade?): delete it, "
                             "or choose another name for the upgraded copy")


def apply(upgrade: Upgrade, actor: Actor | None) -> Theme:
    """Save a clean upgrade as a new theme (not activated). UpgradeRefused if it is not clean."""
    if not upgrade.clean or upgrade.manifest is None:
        raise UpgradeRefused("an upgrade with conflicts or errors is not saved")
    with transaction.atomic():
        check_target(upgrade.target_name)
        return storage.save(upgrade.manifest, upgrade.files, actor)


def keep_note(old: str, new_base: str) -> str:
    """What the operator is told about the theme an upgraded copy came from: keep it for a rollback."""
    return (f"Keep the theme {old}: it is the one to go back to if Forecourt is downgraded below {new_base} "
            f"(forecourt downgrade --to VERSION --activate-theme {old}). Delete it only once you will not go back.")


def upgraded_from(name: str) -> tuple[str, bool] | None:
    """(the theme `name` was upgraded from, whether it is still there), or None if it was not made by an upgrade."""
    try:
        found = storage.source(name)
    except BadManifest:
        return None
    old = found.manifest.upgraded_from if found is not None else ""
    if not old:
        return None
    try:
        present = storage.source(old) is not None
    except BadManifest:
        present = True  # there, though unreadable
    return old, present


def available(base: str) -> bool:
    """Whether a theme with this `base` is behind the bundled default theme."""
    try:
        return bool(base) and Version(base) < Version(storage.bundled().manifest.version)
    except InvalidVersion:
        return False
