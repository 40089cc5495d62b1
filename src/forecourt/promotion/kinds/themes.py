"""Uploaded themes, by name: {name, version, sha256, archive, active}, the archive a zip beside the
files (`themes/<name>-<version>.zip`).

The archive is the themes package's own (forecourt.themes.archive.pack, which packs a theme to the
same bytes every time), and `sha256` is the hash of those bytes: a stored theme whose packed archive
has the file's hash is unchanged. Otherwise apply uploads the archive through the themes' upload
(forecourt.themes.services: the same zip checks, validation and audit as the Admin Portal), after
checking that it is there, that its hash is the file's (an archive changed after export is refused
at the `sha256` line) and that its theme.json names the same theme and version. `active: true`
activates the theme through forecourt.themes.storage.activate (audited); `active: false` on the
active theme, with no other theme made active by the file, makes the built-in default active.

The built-in default theme and operators' folder themes (Theming.Path) are not exported: they are
not the portal's data but its installation's. A hand-made zip may be applied (give its sha256); the
next export writes the portal's packing of it, with its own hash.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

from forecourt.themes import archive, services, storage
from forecourt.themes.models import Theme
from forecourt.themes.sources import DEFAULT, StoredSource

from .base import BOOL, STRING, Context, Field, Invalid, Kind

SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def _archive_path(name: str, version: str) -> str:
    return f"themes/{name}-{re.sub(r'[^A-Za-z0-9._-]', '_', version)}.zip"


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class Themes(Kind):
    name = "themes"
    model = Theme
    description = "Uploaded themes: the archive beside the file, its sha256, and whether the theme is active."
    fields = (
        Field("version", STRING),
        Field("sha256", SHA256),
        Field("archive", STRING),
        Field("active", BOOL),
    )

    # --- reading the portal -------------------------------------------------------------------
    def export(self, obj: Any, ctx: Context) -> dict[str, Any]:
        if not obj.pk:
            return {"name": obj.name, "version": "", "sha256": "", "archive": "", "active": False}
        content = archive.pack(StoredSource(obj))
        path = _archive_path(obj.name, obj.version)
        ctx.assets[path] = content
        return {"name": obj.name, "version": obj.version, "sha256": _sha256(content), "archive": path,
                "active": storage.configured_active() == obj.name}

    def field_change(self, f: Field, wanted: dict[str, Any], current: dict[str, Any], obj: Any,
                     ctx: Context) -> tuple[Any, Any] | None:
        """The hash decides whether the theme changes: when it does, the archive is checked here,
        so a missing or tampered one is refused before anything is written."""
        same_archive = obj is not None and wanted.get("sha256", current.get("sha256")) == current.get("sha256")
        if f.name == "sha256" and not same_archive:
            self.verified(wanted, ctx)
        elif f.name == "archive" and same_archive:
            return None  # the stored theme is this archive's, wherever the file keeps it
        elif f.name == "archive" and "sha256" not in wanted:
            raise ValueError("give the archive's sha256 beside it, so that what is uploaded is what was meant")
        elif f.name == "version" and same_archive and wanted["version"] != current.get("version"):
            raise ValueError(f"the version is the archive's ({current.get('version')}): a new version is a new "
                             "archive with its sha256")
        elif f.name == "active" and wanted["active"]:
            others = [i.values.get("name") for i in self.items(ctx)
                      if i.values.get("active") and i.values.get("name") != wanted.get("name")]
            if others:
                raise ValueError(f"only one theme is active: {others[0]} is made active too")
        return super().field_change(f, wanted, current, obj, ctx)

    def items(self, ctx: Context) -> list[Any]:
        return ctx.source.items.get(self.name, []) if ctx.source is not None else []

    def verified(self, values: dict[str, Any], ctx: Context) -> bytes:
        """The archive's bytes, if it is beside the file, has the file's hash and holds the theme the
        file names; ValueError saying which is not so otherwise."""
        path = values.get("archive") or ""
        content = ctx.asset(path) if path else None
        if content is None:
            raise ValueError(f"the archive {path or '(none given)'} is missing beside the configuration")
        actual = _sha256(content)
        if actual != values.get("sha256"):
            raise ValueError(f"the archive {path} has the sha256 {actual}, not the one given: it was changed "
                             "after export, or the hash is wrong")
        try:
            manifest = archive.unpack(io.BytesIO(content), len(content)).manifest
        except archive.BadArchive as exc:
            raise ValueError(f"the archive {path} is not a theme: {'; '.join(exc.errors)}") from None
        if manifest.name != values.get("name"):
            raise ValueError(f"the archive {path} holds the theme {manifest.name!r}, not {values.get('name')!r}")
        if "version" in values and manifest.version != values["version"]:
            raise ValueError(f"the archive {path} holds version {manifest.version}, not {values['version']}")
        return content

    # --- writing the portal -------------------------------------------------------------------
    def save(self, values: dict[str, Any], obj: Any, ctx: Context, parent: Any = None) -> Any:
        name = values[self.key]
        current = self.export(obj, Context()) if obj is not None else None
        if current is None or values.get("sha256") != current["sha256"]:
            try:
                content = self.verified(values, ctx)
            except ValueError as exc:
                raise Invalid({"sha256": [str(exc)]}) from None
            try:
                obj = services.upload(io.BytesIO(content), len(content), ctx.actor).theme
            except services.UploadRefused as exc:
                raise Invalid({"archive": exc.errors}) from None
        active = storage.configured_active() == name
        try:
            if values.get("active") and not active:
                storage.activate(name, ctx.actor)
            elif not values.get("active") and active and not any(i.values.get("active") for i in self.items(ctx)):
                storage.activate(DEFAULT, ctx.actor)  # no theme the file names is active: the built-in one is
        except storage.Refused as exc:
            raise Invalid({"active": [str(exc)]}) from None
        return obj

    def prunable(self, obj: Any) -> bool:
        return True  # every uploaded theme is the portal's own; the built-in and folder ones are no rows

    def delete_blockers(self, obj: Any, ctx: Context) -> list[str]:
        if storage.configured_active() == obj.name:
            return [f"{obj.name} is the active theme: make another theme active first."]
        return []

    def delete(self, obj: Any, ctx: Context) -> None:
        storage.delete(obj.name, ctx.actor)


KINDS_HERE: tuple[Kind, ...] = (Themes(),)
