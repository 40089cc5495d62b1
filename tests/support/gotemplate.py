"""A small, strict renderer for the Go-template subset Forecourt's Helm chart uses.

No `helm` binary can be installed on this machine, so tests/test_deploy_files.py renders the chart
with this: actions `if`/`else`/`end`, `range $k, $v := ...`, `with`, `define`, pipelines, and the
Helm functions the chart calls (include, toYaml, nindent, quote, default, printf, required, fail, ...).
Strict where Helm is lenient: a template that reads a value missing from values.yaml raises
MissingValue instead of rendering an empty string, so the values and the templates cannot drift apart.
Anything outside the subset raises TemplateError, so a chart change that needs more fails loudly here.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class TemplateError(Exception):
    pass


class MissingValue(TemplateError):
    pass


class Fail(TemplateError):
    """The chart's own `fail` or `required`."""


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
_TOKEN = re.compile(r"""\s*(?:
    (?P<str>"(?:[^"\\]|\\.)*") |
    (?P<num>-?\d+) |
    (?P<assign>:=) |
    (?P<punct>[()|,]) |
    (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*) |
    (?P<field>(?:\.[A-Za-z0-9_]+)+|\.) |
    (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
)""", re.VERBOSE)


@dataclass
class Node:
    kind: str  # text, out, if, range, with, define
    arg: Any = None
    body: list[Node] = field(default_factory=list)
    orelse: list[Node] = field(default_factory=list)


def _lex(source: str) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    pos = 0
    for match in _ACTION.finditer(source):
        text = source[pos:match.start()]
        if match.group(1):
            text = text.rstrip()
        parts.append(("text", text))
        parts.append(("action", match.group(2).strip()))
        pos = match.end()
        if match.group(3):
            while pos < len(source) and source[pos].isspace():
                pos += 1
    parts.append(("text", source[pos:]))
    return parts


def _parse(parts: list[tuple[str, str]], index: int = 0, closers: tuple[str, ...] = ()) -> tuple[list[Node], int, str]:
    nodes: list[Node] = []
    while index < len(parts):
        kind, text = parts[index]
        index += 1
        if kind == "text":
            if text:
                nodes.append(Node("text", text))
            continue
        if text.startswith("/*"):
            continue
        word = text.split(None, 1)[0] if text else ""
        rest = text[len(word):].strip()
        if word in ("end", "else") and word in closers:
            return nodes, index, word
        if word in ("if", "with", "range", "define"):
            node = Node(word, rest)
            node.body, index, closer = _parse(parts, index, ("end", "else"))
            if closer == "else":
                node.orelse, index, closer = _parse(parts, index, ("end",))
            if closer != "end":
                raise TemplateError(f"{word} {rest!r} is not closed")
            nodes.append(node)
        elif word in ("end", "else", "template", "block", "break", "continue"):
            raise TemplateError(f"unsupported or misplaced action {text!r}")
        else:
            nodes.append(Node("out", text))
    if closers:
        raise TemplateError(f"missing {{{{ end }}}} (expected one of {closers})")
    return nodes, index, ""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise TemplateError(f"cannot parse {text!r} at {text[pos:]!r}")
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and not (isinstance(value, (dict, list)) and not value)


def _to_text(value: Any) -> str:
    if value is None:
        raise MissingValue("a template printed a value that is not set")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        raise TemplateError(f"printing a map or list directly ({value!r}): use toYaml")
    return str(value)


def _to_yaml(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip("\n") if value not in ({}, []) \
        else ("{}" if value == {} else "[]")


class Chart:
    """A chart directory: Chart.yaml, values.yaml, templates/."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.meta = yaml.safe_load((path / "Chart.yaml").read_text())
        self.default_values = yaml.safe_load((path / "values.yaml").read_text())
        self.templates = {p.name: _parse(_lex(p.read_text()))[0]
                          for p in sorted((path / "templates").iterdir())
                          if p.suffix in (".yaml", ".tpl", ".txt")}
        self.defines: dict[str, list[Node]] = {}
        for nodes in self.templates.values():
            for node in nodes:
                if node.kind == "define":
                    self.defines[json.loads(node.arg)] = node.body

    def values(self, values: dict[str, Any] | None = None) -> dict[str, Any]:
        """values.yaml with `values` merged over it, as Helm merges --set and -f."""
        return dict(_merge(self.default_values, values or {}))

    def render(self, values: dict[str, Any] | None = None, release: str = "portal") -> dict[str, str]:
        """{template file name: rendered text} for the files Helm would install (not _*.tpl)."""
        merged = self.values(values)
        root = {
            "Values": merged,
            "Chart": {"Name": self.meta["name"], "Version": self.meta["version"],
                      "AppVersion": self.meta.get("appVersion", "")},
            "Release": {"Name": release, "Namespace": "default", "Service": "Helm"},
            "Template": {"BasePath": "forecourt/templates"},
        }
        return {name: self._render_nodes(nodes, root, {"$": root})
                for name, nodes in self.templates.items() if not name.startswith("_")}

    # --- evaluation -------------------------------------------------------------------------------------

    def _render_nodes(self, nodes: list[Node], dot: Any, variables: dict[str, Any]) -> str:
        out: list[str] = []
        for node in nodes:
            if node.kind == "text":
                out.append(node.arg)
            elif node.kind == "define":
                continue
            elif node.kind == "out":
                value = self._pipeline(node.arg, dot, variables)
                out.append(_to_text(value))
            elif node.kind == "if":
                branch = node.body if truthy(self._pipeline(node.arg, dot, variables)) else node.orelse
                out.append(self._render_nodes(branch, dot, dict(variables)))
            elif node.kind == "with":
                value = self._pipeline(node.arg, dot, variables)
                if truthy(value):
                    out.append(self._render_nodes(node.body, value, dict(variables)))
                else:
                    out.append(self._render_nodes(node.orelse, dot, dict(variables)))
            elif node.kind == "range":
                out.append(self._range(node, dot, variables))
        return "".join(out)

    def _range(self, node: Node, dot: Any, variables: dict[str, Any]) -> str:
        match = re.fullmatch(r"(\$\w+)\s*,\s*(\$\w+)\s*:=\s*(.+)", node.arg, re.DOTALL)
        if not match:
            raise TemplateError(f"range form not supported: {node.arg!r}")
        collection = self._pipeline(match.group(3), dot, variables)
        items = sorted(collection.items()) if isinstance(collection, dict) else list(enumerate(collection or []))
        out = []
        for key, value in items:
            scope = {**variables, match.group(1): key, match.group(2): value}
            out.append(self._render_nodes(node.body, value, scope))
        return "".join(out)

    def _pipeline(self, text: str, dot: Any, variables: dict[str, Any]) -> Any:
        tokens = _tokens(text)
        value, pos = self._pipe(tokens, 0, dot, variables)
        if pos != len(tokens):
            raise TemplateError(f"unexpected {tokens[pos]} in {text!r}")
        return value

    def _pipe(self, tokens: list[tuple[str, str]], pos: int, dot: Any, variables: dict[str, Any]) -> tuple[Any, int]:
        value: Any = _NOTHING
        while True:
            args: list[Any] = []
            name = None
            if pos < len(tokens) and tokens[pos][0] == "ident" and tokens[pos][1] not in ("true", "false", "nil"):
                name = tokens[pos][1]
                pos += 1
            while pos < len(tokens) and tokens[pos][1] not in ("|", ")"):
                operand, pos = self._operand(tokens, pos, dot, variables)
                args.append(operand)
            if value is not _NOTHING:
                args.append(value)
            if name is not None:
                value = self._call(name, args, dot)
            elif len(args) == 1:
                value = args[0]
            else:
                raise TemplateError(f"cannot evaluate {tokens!r}")
            if pos < len(tokens) and tokens[pos][1] == "|":
                pos += 1
                continue
            return value, pos

    def _operand(self, tokens: list[tuple[str, str]], pos: int, dot: Any, variables: dict[str, Any]) -> tuple[Any, int]:
        kind, text = tokens[pos]
        if text == "(":
            value, pos = self._pipe(tokens, pos + 1, dot, variables)
            if pos >= len(tokens) or tokens[pos][1] != ")":
                raise TemplateError("unbalanced parenthesis")
            return value, pos + 1
        if kind == "str":
            return json.loads(text), pos + 1
        if kind == "num":
            return int(text), pos + 1
        if kind == "ident" and text in ("true", "false"):
            return text == "true", pos + 1
        if kind == "field":
            return self._lookup(dot, text[1:].split(".") if text != "." else [], text), pos + 1
        if kind == "var":
            head, *path = text.split(".")
            if head not in variables:
                raise TemplateError(f"undefined variable {head}")
            return self._lookup(variables[head], path, text), pos + 1
        raise TemplateError(f"unexpected {text!r}")

    @staticmethod
    def _lookup(value: Any, path: list[str], text: str) -> Any:
        for part in path:
            if not isinstance(value, dict) or part not in value:
                raise MissingValue(f"{text}: {part!r} is not set (not in values.yaml?)")
            value = value[part]
        return value

    def _call(self, name: str, args: list[Any], dot: Any) -> Any:
        if name == "include":
            template, data = args
            if template not in self.defines:
                # include (print $.Template.BasePath "/x.yaml") .: a whole template file
                file_name = template.rsplit("/", 1)[-1]
                if file_name not in self.templates:
                    raise TemplateError(f"include of unknown template {template!r}")
                return self._render_nodes(self.templates[file_name], data, {"$": data})
            return self._render_nodes(self.defines[template], data, {"$": data})
        functions: dict[str, Any] = {
            "quote": lambda v: json.dumps(_to_text(v)),
            "default": lambda d, v=None: v if truthy(v) else d,
            "printf": lambda fmt, *a: fmt.replace("%s", "{}").format(*(_to_text(x) for x in a)),
            "print": lambda *a: "".join(_to_text(x) for x in a),
            "trunc": lambda n, s: s[:n],
            "trimSuffix": lambda suffix, s: s[: -len(suffix)] if suffix and s.endswith(suffix) else s,
            "toYaml": _to_yaml,
            "nindent": lambda n, s: "\n" + "\n".join((" " * n + line) if line else line for line in s.split("\n")),
            "indent": lambda n, s: "\n".join((" " * n + line) if line else line for line in s.split("\n")),
            "eq": lambda a, b: a == b,
            "ne": lambda a, b: a != b,
            "gt": lambda a, b: a > b,
            "int": lambda v: int(v),
            "not": lambda v: not truthy(v),
            "and": lambda *a: next((x for x in a if not truthy(x)), a[-1]),
            "or": lambda *a: next((x for x in a if truthy(x)), a[-1]),
            "sha256sum": lambda s: hashlib.sha256(s.encode()).hexdigest(),
            "has": lambda item, items: item in (items or []),
            "required": self._required,
            "fail": self._fail,
        }
        if name not in functions:
            raise TemplateError(f"function {name!r} is not supported by this renderer")
        return functions[name](*args)

    @staticmethod
    def _required(message: str, value: Any) -> Any:
        if not truthy(value):
            raise Fail(message)
        return value

    @staticmethod
    def _fail(message: str) -> Any:
        raise Fail(message)


_NOTHING = object()


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return override
