"""Reading a configuration with this release's kinds: what the commands and the Admin API call."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from . import source
from .kinds import KINDS


def known_kinds() -> dict[str, bool]:
    """Each kind's name, and whether a file gives it as one mapping (settings) rather than a list."""
    return {kind.name: kind.single for kind in KINDS}


def read(path: Path | str) -> source.Source:
    return source.read(path, known_kinds=known_kinds())


def read_texts(texts: Mapping[str, str | bytes], assets: Mapping[str, bytes] | None = None,
               secrets: Mapping[str, str] | None = None) -> source.Source:
    return source.read_texts(texts, known_kinds=known_kinds(), assets=assets, secrets=secrets)
