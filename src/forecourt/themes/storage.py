"""Themes as the portal knows them: the bundled default, operators' folder themes (read-only, from
the Theming.Path setting) and uploaded themes (database rows). Saving, activating and deleting
happen here, each in one transaction with its audit entry, so the Admin Portal, the Admin API
and the CLI share the rules."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import forecourt
from forecourt.audit import services as audit
from forecourt.audit.services import Actor
from forecourt.pagecache import revision as page_cache

from .manifest import RESERVED, BadManifest, Manifest
from .models import Theme, ThemeFile, ThemeState
from .sources import BUNDLED_ROOT, DEFAULT, DirectorySource, StoredSource, ThemeSource

log = logging.getLogger("forecourt.themes")


class Refused(Exception):
    """A theme change the rules do not allow (shown to the admin as is)."""


def setting(key: str) -> object:
    return settings.CONFIG[key]


_bundled: DirectorySource | None = None


def bundled() -> DirectorySource:
    """The read-only default theme shipped in the package (its revision is the package's version)."""
    global _bundled
    if _bundled is None:
        _bundled = DirectorySource(BUNDLED_ROOT, "bundled", revision=forecourt.__version__)
    return _bundled


def folder_root() -> Path:
    return Path(str(setting("Theming.Path"))).expanduser()


def folder_themes() -> dict[str, DirectorySource]:
    """Themes in the Theming.Path folder, by name. Folders without a valid theme.json are skipped (logged)."""
    root = folder_root()
    found: dict[str, DirectorySource] = {}
    if not root.is_dir():
        return found
    for child in sorted(root.iterdir()):
        if child.is_symlink() or not child.is_dir() or child.name.startswith("."):
            continue
        try:
            source = DirectorySource(child, "folder")
        except (OSError, BadManifest) as exc:
            log.warning("theme folder %s skipped: %s", child, exc)
            continue
        if source.name.lower() == RESERVED or source.name.lower() in {n.lower() for n in found}:
            log.warning("theme folder %s skipped: the name %r is taken", child, source.name)
            continue
        found[source.name] = source
    return found


def stored(name: str) -> Theme | None:
    return Theme.objects.filter(name=name).first()


def source(name: str) -> ThemeSource | None:
    """The theme called `name`, wherever it is, or None. Raises BadManifest for a corrupt one."""
    if name == DEFAULT:
        return bundled()
    # Every Live Portal page asks for the active theme: an uploaded one is read (one query and its
    # manifest parsed) once per content revision, which every change to a stored theme bumps.
    uploaded = page_cache.remembered(f"themes:stored:{name}", lambda: _stored_source(name))
    if uploaded is not None:
        return uploaded
    return folder_themes().get(name)


def _stored_source(name: str) -> StoredSource | None:
    theme = stored(name)
    return StoredSource(theme) if theme is not None else None


def configured_active() -> str:
    """The active theme's name: an admin's last activation, else the Theming.Theme setting. Read once
    per content revision (ThemeState's changes bump it): every Live Portal page asks."""
    row = page_cache.remembered("themes:active", lambda: ThemeState.objects.filter(pk=1).values_list(
        "active", flat=True).first())
    return row or str(setting("Theming.Theme")) or DEFAULT


@dataclass(frozen=True)
class ThemeInfo:
    name: str
    version: str
    author: str
    base: str
    kind: str  # bundled, folder, uploaded
    active: bool
    size: int | None = None
    updated_at: datetime | None = None
    uploaded_by: str = ""

    @property
    def read_only(self) -> bool:
        return self.kind != "uploaded"


def listing() -> list[ThemeInfo]:
    """Every theme: the default first, then uploaded and folder themes by name."""
    active = configured_active()
    default = bundled().manifest
    themes = [ThemeInfo(DEFAULT, default.version, default.author, default.base, "bundled", active == DEFAULT)]
    rows = []
    for theme in Theme.objects.select_related("uploaded_by").order_by("name"):
        rows.append(ThemeInfo(theme.name, theme.version, theme.author, theme.base, "uploaded", active == theme.name,
                              theme.size, theme.updated_at, theme.uploaded_by.email if theme.uploaded_by else ""))
    names = {info.name.lower() for info in rows}
    for name, folder in folder_themes().items():
        if name.lower() not in names:
            m = folder.manifest
            rows.append(ThemeInfo(name, m.version, m.author, m.base, "folder", active == name))
    return themes + sorted(rows, key=lambda info: info.name.lower())


def check_name(name: str) -> None:
    if name.lower() == RESERVED:
        raise Refused("the default theme is read-only: upload your theme under another name")
    folder = {n.lower() for n in folder_themes()}
    if name.lower() in folder:
        raise Refused(f"a theme called {name!r} is in the operator's theme folder (Theming.Path) and is read-only")


def save(manifest: Manifest, files: dict[str, bytes], actor: Actor | None) -> Theme:
    """Store an uploaded theme (already checked and validated), replacing one of the same name."""
    check_name(manifest.name)
    with transaction.atomic():
        theme = Theme.objects.select_for_update().filter(name__iexact=manifest.name).first()
        before = audit.snapshot(theme) if theme else None
        if theme is None:
            theme = Theme(name=manifest.name)
        theme.version, theme.author, theme.base = manifest.version, manifest.author, manifest.base
        theme.manifest = manifest.raw
        theme.revision = uuid.uuid4().hex
        theme.size = sum(len(content) for content in files.values())
        theme.uploaded_by_id = actor.pk if actor is not None and actor.pk else None  # any Django user (audit.Actor)
        theme.save()
        theme.files.all().delete()
        _insert_files(theme, files)
        after = audit.snapshot(theme)
        if before is None:
            audit.record(actor, "create", theme, {k: [None, v] for k, v in after.items()}, note="theme uploaded")
        else:
            audit.record(actor, "update", theme, audit.diff(before, after), note="theme replaced by an upload")
        ThemeState.objects.filter(pk=1, problem_theme=theme.name).update(problem="", problem_theme="",
                                                                          problem_at=None)
    return theme


INSERT_BYTES = 8 * 1024 * 1024  # per INSERT: under MySQL's and MariaDB's smallest default max_allowed_packet


def _insert_files(theme: Theme, files: dict[str, bytes]) -> None:
    batch: list[ThemeFile] = []
    size = 0
    for path, content in sorted(files.items()):
        if batch and size + len(content) > INSERT_BYTES:
            ThemeFile.objects.bulk_create(batch)
            batch, size = [], 0
        batch.append(ThemeFile(theme=theme, path=path, content=content, size=len(content),
                               sha256=hashlib.sha256(content).hexdigest()))
        size += len(content)
    if batch:
        ThemeFile.objects.bulk_create(batch)
    page_cache.bump()  # bulk_create sends no signal


def activate(name: str, actor: Actor | None) -> None:
    """Make `name` the Live Portal's theme (for every replica: the choice is in the database)."""
    if source(name) is None:
        raise Refused(f"there is no theme called {name!r}")
    with transaction.atomic():
        ThemeState.load()
        state = ThemeState.objects.select_for_update().get(pk=1)
        previous = state.active or str(setting("Theming.Theme"))
        state.active, state.activated_at = name, timezone.now()
        state.problem, state.problem_theme, state.problem_at = "", "", None
        state.save()
        audit.record(actor, "activate", state, {"active": [previous, name]}, note=f"theme {name} activated")


def delete(name: str, actor: Actor | None) -> None:
    if name.lower() == RESERVED:
        raise Refused("the default theme cannot be deleted")
    with transaction.atomic():
        theme = Theme.objects.select_for_update().filter(name=name).first()
        if theme is None:
            if name in folder_themes():
                raise Refused(f"{name!r} is in the operator's theme folder (Theming.Path): remove it there")
            raise Theme.DoesNotExist(f"there is no uploaded theme called {name!r}")
        if configured_active() == name:
            raise Refused(f"{name!r} is the active theme: activate another theme first")
        before = audit.snapshot(theme)
        audit.record(actor, "delete", theme, {k: [v, None] for k, v in before.items()}, note="theme deleted")
        theme.delete()
