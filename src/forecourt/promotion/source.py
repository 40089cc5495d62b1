"""Reading configuration files: YAML with every value's line kept, so each problem names its file and
line.

A source is one file or a folder of files (`*.yaml`, `*.yml`, read in name order; assets such as
theme archives and logos sit beside them, named by relative paths). Each file is a mapping with
`version: 1` and, under each kind's name, a list of objects (`settings`: one mapping). PyYAML's
composer gives the nodes with their marks; values are built from them here, so that a key given
twice in one mapping is refused (PyYAML's own loader keeps the last silently) and only plain YAML
(strings, numbers, booleans, null, lists, mappings) is accepted: no tags, no anchors' merge keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .errors import ConfigRefused, Problem

FORMAT_VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ASSET_BYTES = 50 * 1024 * 1024

JsonPath = tuple[str | int, ...]


@dataclass
class Item:
    """One object of a kind as a file gives it: its values, and where each value was written."""

    kind: str
    values: dict[str, Any]
    file: str
    path: JsonPath
    lines: dict[JsonPath, int] = field(repr=False)

    def line(self, *sub: str | int) -> int | None:
        """The line of a value of this item (`item.line("apis", 0, "name")`), or of the nearest
        enclosing value the file has."""
        path = self.path + sub
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def problem(self, reason: str, *sub: str | int) -> Problem:
        return Problem(self.file, self.line(*sub), reason)


@dataclass
class Source:
    """Everything read from a file or folder: the items of each kind, in file order."""

    items: dict[str, list[Item]]
    root: Path | None  # where relative asset paths start; None for texts given in memory
    assets: dict[str, bytes] = field(default_factory=dict)  # in-memory sources: path -> bytes
    names: list[str] = field(default_factory=list)  # the files read, for the audit log's note
    # A request's own secrets by name (the Admin API): when set, the only ones references may name
    # (forecourt.promotion.secrets); None: the environment and files of the process.
    secrets: dict[str, str] | None = field(default=None, repr=False)

    def asset(self, relative: str) -> bytes | None:
        """The bytes of an asset named by a file (a theme archive, a logo), or None if missing.
        Paths are relative and stay inside the source's folder."""
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts or not relative:
            return None
        if self.root is None:
            return self.assets.get(str(pure))
        path = self.root / pure
        try:
            if path.resolve().is_relative_to(self.root.resolve()) and path.is_file():
                if path.stat().st_size > MAX_ASSET_BYTES:
                    return None
                return path.read_bytes()
        except OSError:
            return None
        return None

    @property
    def label(self) -> str:
        return ", ".join(self.names) or "(no file)"


def _build(node: yaml.Node, path: JsonPath, lines: dict[JsonPath, int], file: str, problems: list[Problem],
           loader: yaml.SafeLoader, seen: set[int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen and not isinstance(node, yaml.ScalarNode):
        # An alias: the composer hands the anchored node again. Refused, or a few lines of
        # aliases of aliases would build an exponentially large value ("billion laughs").
        problems.append(Problem(file, node.start_mark.line + 1, "anchors and aliases (&, *) are not supported"))
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                problems.append(Problem(file, line, "keys must be plain strings"))
                continue
            key = key_node.value
            if key in out:
                problems.append(Problem(file, line, f"duplicate key {key!r}: it is given twice in this mapping"))
                continue
            lines[(*path, key)] = line
            out[key] = _build(value_node, (*path, key), lines, file, problems, loader, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), lines, file, problems, loader, seen) for i, child in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value  # a date or time as written: the kinds read ISO 8601 text
    constructor = yaml.SafeLoader.yaml_constructors.get(node.tag)
    if node.tag not in _PLAIN_TAGS or constructor is None:
        problems.append(Problem(file, node.start_mark.line + 1, f"unsupported YAML tag {node.tag}"))
        return None
    return constructor(loader, node)


_PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
               "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}


def parse(text: str | bytes, file: str) -> tuple[Any, dict[JsonPath, int], list[Problem]]:
    """One file's value, the line of each of its values, and the problems found reading it."""
    problems: list[Problem] = []
    lines: dict[JsonPath, int] = {}
    if len(text) > MAX_FILE_BYTES:
        return None, lines, [Problem(file, None, f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, lines, [Problem(file, mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}")]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, lines, [Problem(file, None, f"not valid YAML: {exc}")]
    except RecursionError:
        return None, lines, [Problem(file, None, "nested too deeply")]
    if node is None:
        return {}, lines, problems
    try:
        return _build(node, (), lines, file, problems, yaml.SafeLoader(""), set()), lines, problems
    except RecursionError:
        return None, lines, [Problem(file, None, "nested too deeply")]


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix in {".yaml", ".yml"})
    return [path]


def read(path: Path | str, *, known_kinds: Mapping[str, bool]) -> Source:
    """Read a file or a folder of files. `known_kinds` names each kind and whether it is a single
    mapping (settings) rather than a list. Raises ConfigRefused with every problem found."""
    path = Path(path)
    if not path.exists():
        raise ConfigRefused([Problem(str(path), None, "no such file or folder")])
    files = _files_of(path)
    if not files:
        raise ConfigRefused([Problem(str(path), None, "the folder has no .yaml or .yml file")])
    texts: dict[str, bytes] = {}
    for file in files:
        try:
            texts[file.name if path.is_dir() else str(file)] = file.read_bytes()
        except OSError as exc:
            raise ConfigRefused([Problem(str(file), None, f"cannot be read: {exc.strerror}")]) from None
    return read_texts(texts, known_kinds=known_kinds, root=path if path.is_dir() else path.parent)


def read_texts(texts: Mapping[str, str | bytes], *, known_kinds: Mapping[str, bool], root: Path | None = None,
               assets: Mapping[str, bytes] | None = None, secrets: Mapping[str, str] | None = None) -> Source:
    """Read files given as texts (the Admin API's body): name -> YAML text. `secrets`, when given,
    are the only ones the files' references may name (forecourt.promotion.secrets)."""
    problems: list[Problem] = []
    items: dict[str, list[Item]] = {}
    for name in sorted(texts):
        value, lines, found = parse(texts[name], name)
        problems.extend(found)
        if found:
            continue
        if not isinstance(value, dict):
            problems.append(Problem(name, 1, "a configuration file is a mapping of kinds (version: 1, products: ...)"))
            continue
        version = value.pop("version", None)
        if version != FORMAT_VERSION:
            problems.append(Problem(name, lines.get(("version",), 1),
                                    f"version must be {FORMAT_VERSION} (this release's format), not {version!r}"))
            continue
        for kind, entries in value.items():
            if kind not in known_kinds:
                problems.append(Problem(name, lines.get((kind,)), f"unknown kind {kind!r}; known kinds: "
                                        + ", ".join(sorted(known_kinds))))
                continue
            single = known_kinds[kind]
            if single:
                if not isinstance(entries, dict):
                    problems.append(Problem(name, lines.get((kind,)), f"{kind} is one mapping"))
                    continue
                if items.get(kind):
                    problems.append(Problem(name, lines.get((kind,)), f"{kind} is given in more than one file"))
                    continue
                items[kind] = [Item(kind, entries, name, (kind,), lines)]
                continue
            if not isinstance(entries, list):
                problems.append(Problem(name, lines.get((kind,)), f"{kind} is a list of objects"))
                continue
            items.setdefault(kind, [])  # given, even empty: pruning considers the kind
            for index, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    problems.append(Problem(name, lines.get((kind, index)), f"each of {kind} is a mapping"))
                    continue
                items.setdefault(kind, []).append(Item(kind, entry, name, (kind, index), lines))
    if problems:
        raise ConfigRefused(problems)
    return Source(items=items, root=root, assets=dict(assets or {}), names=sorted(texts),
                  secrets=dict(secrets) if secrets is not None else None)
