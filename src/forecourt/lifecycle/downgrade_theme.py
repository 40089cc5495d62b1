"""The Live Portal's theme across a downgrade: the active theme may be newer than the release.

A theme records the default-theme version it was derived from as theme.json's `base` (an
uploaded theme's row keeps it in its `base` column), and the default theme's version is its
release's. After `forecourt theme upgrade` the active theme may be a copy based on a newer
release's default (acme-0.5.0, base 0.5.0); the older Forecourt would serve it with templates,
names and data its own default lacks. The copy's theme.json names the theme it was made from
(`upgraded_from`), which the upgrade never deletes; following that chain finds the newest theme
whose base the release has. The downgrade plan names both, and `--activate-theme NAME`
activates a theme in the same run, after the migrations.

Everything here reads and writes through the historical models of a migration state (as
lifecycle.portable does), not forecourt.themes' models and services: the plan is made on a
database that may be behind this code, and the activation writes to the older release's schema,
where the page-cache revision those services bump may not exist. Which themes exist is what the
older Forecourt sees too: the stored rows (the themes tables survive any downgrade to a release
that has themes), the operator's theme folder (Theming.Path) and the default.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from packaging.version import InvalidVersion, Version

from forecourt.themes import storage

DEFAULT = "default"


class ThemeRefused(Exception):
    """--activate-theme names a theme the release cannot activate; nothing has been changed."""


@dataclass(frozen=True)
class Found:
    """A theme as the older release will see it."""

    name: str
    base: str
    upgraded_from: str

    def newer_than(self, release: str) -> bool:
        """Whether it is based on a default theme newer than `release` (an unreadable base: not known to be)."""
        return _newer(self.base, release)


@dataclass
class ThemeNotice:
    """The active theme is based on a release newer than the target; what it replaced."""

    active: str
    base: str
    replaced: list[dict[str, Any]] = field(default_factory=list)  # {name, base, present}, newest first
    suggested: str | None = None  # the first of them based on the release or earlier, still there

    def as_dict(self) -> dict[str, Any]:
        return {"active": self.active, "base": self.base, "replaced": self.replaced, "suggested": self.suggested}


def _newer(base: str, release: str) -> bool:
    try:
        return bool(base) and Version(base) > Version(release)
    except InvalidVersion:
        return False


def has_themes(state_apps: Any) -> bool:
    return _model(state_apps, "themes", "theme") is not None and _model(state_apps, "themes", "themestate") is not None


def _model(state_apps: Any, app: str, name: str) -> Any:
    try:
        return state_apps.get_model(app, name)
    except LookupError:
        return None


def active_name(state_apps: Any, using: str) -> str:
    """The active theme: an admin's last activation, else the Theming.Theme setting (as themes.storage)."""
    state = _model(state_apps, "themes", "themestate")
    row = state._base_manager.using(using).filter(pk=1).values_list("active", flat=True).first() if state else None
    return row or str(settings.CONFIG.theming_theme) or DEFAULT


def find(state_apps: Any, using: str, name: str) -> Found | None:
    """The theme called `name`: a stored one, else one in the theme folder, else the default; None if none."""
    if name == DEFAULT:
        return Found(DEFAULT, "", "")
    theme = _model(state_apps, "themes", "theme")
    if theme is not None:
        row = theme._base_manager.using(using).filter(name=name).values_list("base", "manifest").first()
        if row is not None:
            base, manifest = row
            old = manifest.get("upgraded_from") if isinstance(manifest, dict) else None
            return Found(name, base or "", old if isinstance(old, str) else "")
    folder = storage.folder_themes().get(name)
    if folder is not None:
        return Found(name, folder.manifest.base, folder.manifest.upgraded_from)
    return None


def notice(state_apps: Any, using: str, release: str) -> ThemeNotice | None:
    """What the plan says about the active theme: None when it fits `release` (or themes are not there)."""
    if not has_themes(state_apps):
        return None
    active = find(state_apps, using, active_name(state_apps, using))
    if active is None or not active.newer_than(release):
        return None  # no theme by that name: the portal already serves the default
    out = ThemeNotice(active.name, active.base)
    seen = {active.name}
    name = active.upgraded_from
    while name and name not in seen:
        seen.add(name)
        found = find(state_apps, using, name)
        out.replaced.append({"name": name, "base": found.base if found else None, "present": found is not None})
        if found is None:
            break
        if not found.newer_than(release):
            out.suggested = name
            break
        name = found.upgraded_from
    return out


def check_activation(state_apps: Any, using: str, name: str, release: str, keeps_themes: bool) -> Found:
    """The theme --activate-theme names, if the release can activate it; ThemeRefused says why not."""
    if not keeps_themes or not has_themes(state_apps):
        raise ThemeRefused(f"release {release} has no themes: leave out --activate-theme")
    found = find(state_apps, using, name)
    if found is None:
        raise ThemeRefused(f"--activate-theme: there is no theme called {name!r}")
    if found.newer_than(release):
        raise ThemeRefused(f"--activate-theme: theme {name!r} is based on the default theme {found.base}, newer than "
                           f"{release} too: choose a theme based on {release} or earlier, or {DEFAULT}")
    return found


def activate(state_apps: Any, using: str, name: str, release: str) -> str:
    """Make `name` the active theme in the (older) schema of `state_apps`; returns the one it replaces.

    As themes.storage.activate does: the choice and a cleared problem in the one ThemeState row,
    an audit entry, and a new page-cache revision where the release has a page cache (an older
    Forecourt would otherwise serve pages cached with the replaced theme).
    """
    state_model = state_apps.get_model("themes", "themestate")
    state, _ = state_model._base_manager.using(using).get_or_create(pk=1)
    previous = state.active or str(settings.CONFIG.theming_theme)
    names = {f.name for f in state_model._meta.concrete_fields}
    state.active = name
    for key, value in (("activated_at", timezone.now()), ("problem", ""), ("problem_theme", ""),
                       ("problem_at", None)):
        if key in names:
            setattr(state, key, value)
    state.save(using=using)
    audit = _model(state_apps, "audit", "auditentry")
    if audit is not None:
        audit._base_manager.using(using).create(
            actor=None, actor_email="", action="activate", object_type="themes.themestate", object_id="1",
            object_repr=f"active theme: {name}"[:255], changes={"active": [previous, name]},
            note=f"theme {name} activated by the downgrade to {release}")
    revision = _model(state_apps, "pagecache", "revision")
    if revision is not None:
        now = timezone.now()
        rows = revision._base_manager.using(using)
        token = secrets.token_hex(16)
        if not rows.filter(pk=1).update(token=token, changed_at=now):
            rows.create(pk=1, token=token, changed_at=now)
    return previous
