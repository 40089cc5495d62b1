"""Writing a portal's configuration: one YAML file per kind (or one file for all), assets beside.

The same portal exported twice gives byte-identical files: objects in key order, fields in the
kinds' declared order, mappings' keys sorted, multi-line text as literal blocks, no dates of the
export itself. Secrets are written as references (forecourt.promotion.secrets), never as values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigRefused, Problem
from .kinds import KINDS, Context, Kind
from .source import FORMAT_VERSION


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so documents and Markdown read and diff well."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100_000,
                     default_flow_style=False)


@dataclass
class Exported:
    files: dict[str, str]  # file name -> YAML text
    assets: dict[str, bytes] = field(default_factory=dict)  # relative path -> bytes

    def write(self, folder: Path) -> list[Path]:
        """Write the files and assets into `folder` (made if missing); returns what was written."""
        written = []
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in sorted(self.files.items()):
            (folder / name).write_text(text, encoding="utf-8")
            written.append(folder / name)
        for relative, content in sorted(self.assets.items()):
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            written.append(path)
        return written

    def single(self) -> str:
        """All kinds in one file."""
        merged: dict[str, Any] = {"version": FORMAT_VERSION}
        for name in sorted(self.files):
            value = yaml.safe_load(self.files[name])
            merged.update({k: v for k, v in value.items() if k != "version"})
        return dump(merged)


def kinds_named(only: Iterable[str] | None, where: str = "--only") -> list[Kind]:
    """The kinds `only` names (all when it names none); `where` is how the caller calls the list
    (the command's option, the Admin API's parameter), for the problem an unknown kind is."""
    if not only:
        return list(KINDS)
    wanted = set(only)
    unknown = wanted - {k.name for k in KINDS}
    if unknown:
        raise ConfigRefused([Problem(where, None, f"unknown kind {name!r}; known kinds: "
                                     + ", ".join(k.name for k in KINDS)) for name in sorted(unknown)])
    return [k for k in KINDS if k.name in wanted]


def export(only: Iterable[str] | None = None, *, where: str = "--only") -> Exported:
    """The portal's configuration, one file per kind. Two objects with one natural key (two plans
    with one name) cannot be told apart in another portal: refused, naming them."""
    ctx = Context()
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for kind in kinds_named(only, where):
        if kind.single:
            obj = kind.queryset().first() or kind.blank()
            files[f"{kind.name}.yaml"] = dump({"version": FORMAT_VERSION, kind.name: kind.export(obj, ctx)})
            continue
        items = [kind.export(obj, ctx) for obj in kind.objects()]
        keys = [item[kind.key] for item in items]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            problems.append(Problem(kind.name, None, f"two or more {kind.name} have the {kind.key} {key!r}; "
                                    "rename all but one so each can be matched in another portal"))
        files[f"{kind.name}.yaml"] = dump({"version": FORMAT_VERSION, kind.name: items})
    if problems:
        raise ConfigRefused(problems)
    return Exported(files, ctx.assets)
