"""The version of the data a backup holds, named after the release whose schema it is.

An operator who rolls back looks for "the 0.4.0 backup": the archive of the database as 0.4.0
left it. Which Forecourt *wrote* the archive says nothing about that (backups of a 0.4.0
database are written by 0.5.0 or later: `forecourt backup` came with 0.5.0, and the guide runs the
new version's tools against the old database), so archives carry both: `forecourt_version`, the
tool that wrote them, and `data_version`, the schema of the rows inside, which this module names
from the migration state alone (no Django, no database: a manifest or a backup record is enough):

- `X.Y.Z`: the Forecourt apps' last applied migrations are exactly release X.Y.Z's, by the release
  manifest (forecourt.lifecycle.releases); a release without migrations of its own shares its
  predecessor's state, and the oldest of them, which made that schema, names it (0.11.0 data is also
  0.12.0's);
- `X.Y.Z+unreleased`: between releases, said "newer than X.Y.Z": the data holds every migration of
  release X.Y.Z (the newest release it holds entirely) and more, as a development build or a
  partly applied upgrade leaves it. A PEP 440 local version, so it sorts after X.Y.Z and before
  the next release;
- None: not even the first release's schema (a migrate that stopped early).

Only the Forecourt apps count: Django's own (auth, contenttypes, sessions) move with Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from packaging.version import InvalidVersion, Version

from . import releases

UNRELEASED = "+unreleased"


@cache
def _is_forecourt_app(label: str) -> bool:
    if any(label in release.migrations for release in releases.all_releases()):
        return True
    try:
        return resources.files("forecourt").joinpath(label, "migrations", "__init__.py").is_file()
    except (ValueError, OSError):  # a label that is no path part
        return False


def _forecourt_state(state: Mapping[str, str]) -> dict[str, str]:
    return {app: name for app, name in state.items() if _is_forecourt_app(app)}


def _release_state(release: releases.Release) -> dict[str, str]:
    return {app: name for app, name in release.migrations.items() if name != releases.ZERO}


def _holds(state: Mapping[str, str], release: releases.Release) -> bool:
    """Every migration of `release` is applied in `state` (migration names are numbered: within an
    app a later migration sorts after an earlier one)."""
    return all(app in state and state[app] >= name for app, name in _release_state(release).items())


def valid_state(state: Any) -> bool:
    return isinstance(state, Mapping) and bool(state) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in state.items())


def of_state(state: Any) -> str | None:
    """The data version of a migration state ({app: last applied migration}), by the rules above."""
    if not valid_state(state):
        return None
    ours = _forecourt_state(state)
    base: releases.Release | None = None
    for release in releases.all_releases():
        if ours == _release_state(release):
            return release.version
        if _holds(ours, release):
            base = release
    return f"{base.version}{UNRELEASED}" if base is not None else None


def of_manifest(manifest: Mapping[str, Any]) -> str | None:
    """An archive's data version: the one its writer recorded (it knew every release up to itself),
    else (archives written before 0.8.0) derived from the migration state the manifest records."""
    recorded = manifest.get("data_version")
    if isinstance(recorded, str) and _parses(recorded):
        return recorded
    return of_state(manifest.get("migrations"))


def _parses(version: str) -> bool:
    try:
        Version(version)
    except InvalidVersion:
        return False
    return True


def data_words(data_version: str | None) -> str:
    """`0.4.0 data`, `data newer than 0.7.0 (unreleased schema)` or `data of no release's schema`, in the
    active language (the About page's; English on the command line, where Django is set up first).
    Django's gettext is imported here, not with the module: reading a manifest imports no Django."""
    from django.utils.translation import gettext  # noqa: PLC0415 (see above)

    if data_version is None:
        return gettext("data of no release's schema")
    if data_version.endswith(UNRELEASED):
        return gettext("data newer than %(version)s (unreleased schema)") % {
            "version": data_version[:-len(UNRELEASED)]}
    return gettext("%(version)s data") % {"version": data_version}


def file_part(data_version: str | None) -> str:
    """The data version as it appears in a default archive name."""
    return data_version or "unknown"
