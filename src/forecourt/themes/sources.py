"""Where a theme's files come from: the bundled default theme and operators' folder themes (on
disk, read-only), or an uploaded theme (database rows). The loader, the asset view, validation
and download all read themes through this one interface."""

import json
import os
from pathlib import Path

from . import paths
from .manifest import Manifest, parse
from .models import Theme, ThemeFile

MAX_FILE = 5 * 1024 * 1024
DEFAULT = "default"
BUNDLED_ROOT = Path(__file__).resolve().parent / "default"


class ThemeSource:
    kind = ""  # "bundled", "folder" or "uploaded"

    def __init__(self, name: str, manifest: Manifest, revision: str) -> None:
        self.name = name
        self.manifest = manifest
        self.revision = revision

    @property
    def read_only(self) -> bool:
        return self.kind != "uploaded"

    def file(self, path: str) -> bytes | None:
        """The content of the file at the clean relative `path`, or None."""
        raise NotImplementedError

    def paths(self) -> list[str]:
        """Every file's relative path, sorted."""
        raise NotImplementedError

    def template(self, path: str) -> str | None:
        content = self.file(path)
        return None if content is None else content.decode("utf-8", errors="replace")

    def catalogues(self) -> dict[str, bytes]:
        """The theme's message catalogues (locale/<lang>/LC_MESSAGES/<domain>.po) by path: read when its
        environment is made, once per revision (themes/catalogues.py)."""
        found = {}
        for path in self.paths():
            if paths.is_catalogue(path):
                content = self.file(path)
                if content is not None:
                    found[path] = content
        return found

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.revision}>"


class DirectorySource(ThemeSource):
    """A theme folder on disk. Symbolic links and anything outside the folder are never read."""

    def __init__(self, root: Path, kind: str, revision: str | None = None) -> None:
        self.root = root.resolve()
        self.kind = kind
        content = self._read(paths.MANIFEST)
        if content is None:
            raise FileNotFoundError(f"{root}: no theme.json")
        manifest = parse(content)
        if revision is None:
            revision = str(int(os.stat(self.root / paths.MANIFEST).st_mtime))
        super().__init__(manifest.name if kind == "folder" else DEFAULT, manifest, revision)

    def _read(self, path: str) -> bytes | None:
        try:
            path = paths.clean(path)
        except paths.BadPath:
            return None
        current = self.root
        for part in path.split("/"):
            current = current / part
            if current.is_symlink():
                return None
        if not current.is_file() or not current.resolve().is_relative_to(self.root):
            return None
        if current.stat().st_size > MAX_FILE:
            return None
        return current.read_bytes()

    def file(self, path: str) -> bytes | None:
        return self._read(path)

    def catalogues(self) -> dict[str, bytes]:
        if not (self.root / paths.LOCALE).is_dir():  # the default theme has none: its text is the portal's
            return {}
        return super().catalogues()

    def paths(self) -> list[str]:
        found = []
        for dirpath, dirnames, filenames in os.walk(self.root):  # does not follow symbolic links
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for filename in filenames:
                full = Path(dirpath) / filename
                relative = full.relative_to(self.root).as_posix()
                if full.is_symlink():
                    continue
                try:
                    paths.clean(relative)
                except paths.BadPath:
                    continue
                found.append(relative)
        return sorted(found)


class StoredSource(ThemeSource):
    """An uploaded theme. Its templates are read in one query, on first use, and kept with the
    source (which the loader caches per revision); assets are read one at a time when served."""

    kind = "uploaded"

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme.name, parse_stored(theme), theme.revision)
        self.theme_id = theme.pk
        self.size = theme.size
        self._templates: dict[str, str] | None = None

    def _load_templates(self) -> dict[str, str]:
        if self._templates is None:
            rows = ThemeFile.objects.filter(theme_id=self.theme_id).exclude(path__startswith="assets/") \
                .exclude(path__startswith=f"{paths.LOCALE}/")
            self._templates = {path: bytes(content).decode("utf-8", errors="replace")
                               for path, content in rows.values_list("path", "content")}
        return self._templates

    def template(self, path: str) -> str | None:
        return self._load_templates().get(path)

    def file(self, path: str) -> bytes | None:
        content = ThemeFile.objects.filter(theme_id=self.theme_id, path=path).values_list("content", flat=True)
        return bytes(content[0]) if content else None

    def catalogues(self) -> dict[str, bytes]:
        rows = ThemeFile.objects.filter(theme_id=self.theme_id, path__startswith=f"{paths.LOCALE}/")
        return {path: bytes(content) for path, content in rows.values_list("path", "content")
                if paths.is_catalogue(path)}

    def paths(self) -> list[str]:
        return list(ThemeFile.objects.filter(theme_id=self.theme_id).order_by("path")
                    .values_list("path", flat=True))


def parse_stored(theme: Theme) -> Manifest:
    return parse(json.dumps(theme.manifest).encode())
