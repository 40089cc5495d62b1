"""theme.json: what a theme says about itself, checked before anything of it is stored.

The format is Tyk's ({name, version, author, templates: [{name, template, layout}]}) plus `base`,
the default-theme version a theme was derived from (used to upgrade it), and `upgraded_from`, the
name of the theme `forecourt theme upgrade` made it from: the theme to go back to when Forecourt
is downgraded below `base` (`forecourt downgrade` offers it). A template entry names
`views/<template>.html`, rendered in `layouts/<layout>.html`.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 65536
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/-]{0,99}")
RESERVED = "default"


class BadManifest(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class TemplateEntry:
    name: str
    template: str
    layout: str

    @property
    def view_path(self) -> str:
        return f"views/{self.template}.html"

    @property
    def layout_path(self) -> str:
        return f"layouts/{self.layout}.html"


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    author: str = ""
    base: str = ""
    upgraded_from: str = ""
    templates: tuple[TemplateEntry, ...] = field(default_factory=tuple)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def layout_for(self, view: str) -> str | None:
        """The layout the manifest gives `view` ("views/home.html"), if it lists it."""
        for entry in self.templates:
            if entry.view_path == view:
                return entry.layout_path
        return None

    def referenced(self) -> list[str]:
        """Every file the manifest refers to, in order, without duplicates."""
        seen: dict[str, None] = {}
        for entry in self.templates:
            seen[entry.view_path] = None
            seen[entry.layout_path] = None
        return list(seen)


def _text(data: dict[str, Any], key: str, limit: int, errors: list[str], required: bool = True) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.append(f"theme.json: {key!r} must be a string")
        return ""
    text: str = value.strip()
    if required and not text:
        errors.append(f"theme.json: {key!r} is required")
    elif len(text) > limit:
        errors.append(f"theme.json: {key!r} must have at most {limit} characters")
    return text


def parse(content: bytes) -> Manifest:
    """The manifest in `content`, or BadManifest listing every problem."""
    if len(content) > MAX_BYTES:
        raise BadManifest([f"theme.json: larger than {MAX_BYTES} bytes"])
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadManifest([f"theme.json: not valid JSON ({exc})"]) from None
    if not isinstance(data, dict):
        raise BadManifest(["theme.json: must be a JSON object"])
    errors: list[str] = []
    name = _text(data, "name", 64, errors)
    if name and not NAME.fullmatch(name):
        errors.append("theme.json: 'name' must be 1 to 64 letters, digits, '_', '.' or '-', "
                      "starting with a letter or digit")
    version = _text(data, "version", 32, errors)
    author = _text(data, "author", 255, errors, required=False)
    base = _text(data, "base", 32, errors, required=False)
    upgraded_from = _text(data, "upgraded_from", 64, errors, required=False)
    if upgraded_from and not NAME.fullmatch(upgraded_from):
        errors.append("theme.json: 'upgraded_from' must be a theme's name (letters, digits, '_', '.' or '-')")
    templates = data.get("templates", [])
    entries: list[TemplateEntry] = []
    if not isinstance(templates, list):
        errors.append("theme.json: 'templates' must be a list")
        templates = []
    for i, item in enumerate(templates):
        where = f"theme.json: templates[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{where} must be an object with name, template and layout")
            continue
        values = {}
        for key in ("name", "template", "layout"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.append(f"{where}.{key} is required (a string)")
            elif key != "name" and (not _REF.fullmatch(value) or ".." in value or "//" in value):
                errors.append(f"{where}.{key}: {value!r} is not a template name (e.g. \"home\", without "
                              "folder or extension)")
            elif len(value) > 100:
                errors.append(f"{where}.{key} must have at most 100 characters")
            else:
                values[key] = value.strip()
        if len(values) == 3:
            entries.append(TemplateEntry(**values))
    if errors:
        raise BadManifest(errors)
    return Manifest(name=name, version=version, author=author, base=base, upgraded_from=upgraded_from,
                    templates=tuple(entries), raw=data)
