"""Snapshots of the default theme as each release shipped it: the common ancestor of a theme upgrade.

`forecourt theme upgrade` merges the default theme's changes into a custom theme three ways, and
the ancestor of that merge is the default theme *as it was* at the custom theme's `base` version.
The installed package only has the current default, so every release's default is kept here,
one folder per version (`history/0.4.0/theme.json`, `history/0.4.0/views/home.html`...).

Why plain folders rather than one archive per version: the files are small text (a few hundred
KB per release), a folder is reviewed in a pull request like any other change, `diff -r
history/0.4.0 history/0.5.0` shows exactly which "Theme changes" a release made (the CHANGELOG
section that tells theme authors what to merge), and the snapshot is read by the same
DirectorySource as the bundled default, with its rules (no symbolic links, no path outside the
folder). The folders hold no Python, so nothing here is ever imported as a theme's code.

Releases before 0.4.0 had no theme at all (the Live Portal's themes came in 0.4.0), so 0.4.0 is
the earliest base a theme can have. tests/test_themes_upgrade.py checks each snapshot against
its release commit (`git show <commit>:src/forecourt/themes/default/...`).

At each release, before tagging: `python -m forecourt.themes.history` copies the bundled default
into the folder of its version (the default's theme.json `version` must be the release's).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from ..sources import DirectorySource

ROOT = Path(__file__).resolve().parent
BUNDLED_ROOT = ROOT.parent / "default"  # as forecourt.themes.sources.BUNDLED_ROOT (which needs Django)
FIRST = "0.4.0"  # the first release that shipped a default theme


def versions() -> list[str]:
    """Every version with a snapshot, oldest first."""
    found = []
    for child in ROOT.iterdir():
        if child.is_dir() and not child.is_symlink() and (child / "theme.json").is_file():
            try:
                Version(child.name)
            except InvalidVersion:
                continue
            found.append(child.name)
    return sorted(found, key=Version)


def source(version: str) -> DirectorySource | None:
    """The default theme as release `version` shipped it, or None when there is no snapshot."""
    from ..sources import DirectorySource

    for known in versions():
        if Version(known) == Version(version):
            return DirectorySource(ROOT / known, "bundled", revision=f"history-{known}")
    return None


def files(source: DirectorySource) -> dict[str, bytes]:
    """Every file of a snapshot (or of any theme folder), by relative path."""
    out = {}
    for path in source.paths():
        content = source.file(path)
        if content is not None:
            out[path] = content
    return out


def write(root: Path = BUNDLED_ROOT, into: Path = ROOT) -> Path:
    """Copy the default theme in `root` into `into/<its version>/`, replacing an older copy.

    Run at release time, without Django (`python -m forecourt.themes.history`): a plain copy of
    the regular files, skipping hidden ones and symbolic links as the theme readers do.
    """
    version = str(json.loads((root / "theme.json").read_text(encoding="utf-8"))["version"])
    Version(version)  # refuses a version the upgrade could not compare
    target = into / version
    if target.exists():
        shutil.rmtree(target)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for filename in filenames:
            full = Path(dirpath) / filename
            if filename.startswith(".") or full.is_symlink():
                continue
            copy = target / full.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(full.read_bytes())
    return target
