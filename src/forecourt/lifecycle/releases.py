"""The release manifest: what each released version's database schema looks like.

`releases.json` (beside this module, so it ships in the wheel) lists every released version,
the commit titled "Release X.Y.Z" it was cut from and the last migration of each app at that
commit. Downgrades migrate back to such a state, upgrade checks compare the database with it,
and the rehearsal tests build each release's schema from it. CHANGELOG.md stays the prose
source of breaking changes; `breaking_changes()` reads it when it is available.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.version import Version

MANIFEST = "releases.json"
# A migration target of "zero" means the app did not exist yet at that release.
ZERO = "zero"


class UnknownRelease(LookupError):
    """The version is not a release in the manifest."""


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    # None for a release whose manifest entry is written in its own release commit (a commit cannot
    # name its own hash); tests/test_releases.py then finds the commit by its title.
    commit: str | None
    migrations: dict[str, str] = field(default_factory=dict)
    # {"from": the release before, "rolls": bool, "after_rolling": [commands]}: can the upgrade from
    # it roll (forecourt.lifecycle.rolling), and what to run once that release has stopped.
    rolling: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> Version:
        return Version(self.version)

    def target(self, app_label: str) -> str:
        """The migration `migrate APP TARGET` needs to reach this release's schema for one app."""
        return self.migrations.get(app_label, ZERO)


@cache
def all_releases() -> tuple[Release, ...]:
    """Every release in the manifest, oldest first."""
    data = json.loads(resources.files(__package__).joinpath(MANIFEST).read_text(encoding="utf-8"))
    releases = [Release(r["version"], r["date"], r.get("commit"), dict(r["migrations"]), dict(r.get("rolling") or {}))
                for r in data["releases"]]
    return tuple(sorted(releases, key=lambda r: r.key))


def get(version: str) -> Release:
    for release in all_releases():
        if release.key == Version(version):
            return release
    known = ", ".join(r.version for r in all_releases())
    raise UnknownRelease(f"{version} is not a release (known: {known})")


def latest() -> Release:
    return all_releases()[-1]


def between(old: str, new: str) -> list[Release]:
    """Releases after `old` up to and including `new`: the ones an upgrade crosses."""
    lo, hi = Version(old), Version(new)
    return [r for r in all_releases() if lo < r.key <= hi]


_SECTION = re.compile(r"^## (?P<version>\S+)", re.MULTILINE)
_SUBSECTION = re.compile(r"^### (?P<title>.+)$", re.MULTILINE)


def changelog_path() -> Path | None:
    """CHANGELOG.md of a source checkout, or the copy shipped in the package; None if neither."""
    shipped = Path(str(resources.files(__package__).joinpath("CHANGELOG.md")))
    checkout = Path(__file__).resolve().parents[3] / "CHANGELOG.md"
    for path in (checkout, shipped):
        if path.is_file():
            return path
    return None


def changelog_sections(text: str) -> dict[str, dict[str, str]]:
    """{version: {subsection title: body}} of a CHANGELOG in this project's format."""
    sections: dict[str, dict[str, str]] = {}
    matches = list(_SECTION.finditer(text))
    for i, match in enumerate(matches):
        body = text[match.end(): matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        subs = list(_SUBSECTION.finditer(body))
        sections[match["version"]] = {
            s["title"].strip(): body[s.end(): subs[j + 1].start() if j + 1 < len(subs) else len(body)].strip()
            for j, s in enumerate(subs)
        }
    return sections


def breaking_changes(old: str, new: str) -> dict[str, str]:
    """{version: "Breaking changes" text} for every release an upgrade from `old` to `new` crosses."""
    path = changelog_path()
    if path is None:
        return {}
    sections = changelog_sections(path.read_text(encoding="utf-8"))
    return {r.version: sections.get(r.version, {}).get("Breaking changes", "")
            for r in between(old, new)}
