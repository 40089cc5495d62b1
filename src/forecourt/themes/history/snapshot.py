"""A snapshot of the default theme (forecourt.themes.history) as a theme source: the files of its
archive, held in memory, behind the interface every theme reader uses."""

from __future__ import annotations

from ..manifest import parse
from ..paths import MANIFEST, BadPath, clean
from ..sources import DEFAULT, ThemeSource


class SnapshotSource(ThemeSource):
    """The default theme of an earlier release: read-only, named like the bundled default."""

    kind = "bundled"

    def __init__(self, files: dict[str, bytes], revision: str) -> None:
        self._files = dict(files)
        super().__init__(DEFAULT, parse(self._files[MANIFEST]), revision)

    def file(self, path: str) -> bytes | None:
        try:
            return self._files.get(clean(path))
        except BadPath:
            return None

    def paths(self) -> list[str]:
        return sorted(self._files)
