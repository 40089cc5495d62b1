"""The JSON Schema of configuration files, made from the kinds (one place for what a file may hold).

`document()` is the schema of one file; it is shipped in the package (`config-schema.json`, written
by `scripts/config-schema.py`, a test fails while it is stale) and in docs/. `check()`
validates a source's items with it, each problem at its line; an unknown field is named with the
fields its kind knows.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from django.core.exceptions import FieldDoesNotExist

from . import secrets
from .errors import Problem
from .kinds import KINDS, Kind
from .source import FORMAT_VERSION, Item, Source

SHIPPED = Path(__file__).with_name("config-schema.json")
DOCS = Path(__file__).resolve().parents[3] / "docs" / "config-schema.json"


def _nullable(kind: Kind, attr: str) -> bool:
    try:
        return bool(kind.model._meta.get_field(attr).null)
    except FieldDoesNotExist:
        return False


def _allows_null(field_schema: dict[str, Any]) -> bool:
    kinds = field_schema.get("type")
    return kinds == "null" or (isinstance(kinds, list) and "null" in kinds)


def item_schema(kind: Kind) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    if not kind.single:
        properties[kind.key] = kind.key_schema or {"type": "string", "minLength": 1}
        required.append(kind.key)
    for f in kind.fields:
        properties[f.name] = f.json_schema()
        if not f.secret and not f.ref and _nullable(kind, f.model_attr) and not _allows_null(properties[f.name]):
            properties[f.name] = {"anyOf": [properties[f.name], {"type": "null"}]}
    for child in kind.children:
        properties[child.name] = {"type": "array", "items": item_schema(child.kind)}
    out: dict[str, Any] = {"type": "object", "properties": properties, "required": required,
                           "additionalProperties": False}
    if kind.description:
        out["description"] = kind.description
    return out


def document() -> dict[str, Any]:
    """The JSON Schema of one configuration file."""
    properties: dict[str, Any] = {"version": {"const": FORMAT_VERSION}}
    for kind in KINDS:
        properties[kind.name] = item_schema(kind) if kind.single else {"type": "array", "items": item_schema(kind)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Forecourt configuration",
        "description": "A Forecourt portal's configuration, as `forecourt export` writes it and "
                       "`forecourt plan` / `apply` read it (docs/config-as-code.md).",
        "type": "object",
        "properties": properties,
        "required": ["version"],
        "additionalProperties": False,
    }


@cache
def _validator(kind_name: str) -> Any:
    kind = next(k for k in KINDS if k.name == kind_name)
    return jsonschema_rs.validator_for(item_schema(kind))


def _unknown_fields(kind: Kind, item: Item, values: dict[str, Any], sub: tuple[str | int, ...]) -> list[Problem]:
    known = ([] if kind.single else [kind.key]) + [f.name for f in kind.fields] + [c.name for c in kind.children]
    problems = [item.problem(f"unknown field {name!r} in {kind.name}; known fields: {', '.join(known)}", *sub, name)
                for name in values if name not in known]
    for child in kind.children:
        entries = values.get(child.name)
        if isinstance(entries, list):
            for index, entry in enumerate(entries):
                if isinstance(entry, dict):
                    problems += _unknown_fields(child.kind, item, entry, (*sub, child.name, index))
    return problems


def _secret_paths(kind: Kind, values: dict[str, Any], sub: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
    """Where the item's secret fields are (children's too)."""
    out = [(*sub, f.name) for f in kind.fields if f.secret and f.name in values]
    for child in kind.children:
        entries = values.get(child.name)
        if isinstance(entries, list):
            for index, entry in enumerate(entries):
                if isinstance(entry, dict):
                    out += _secret_paths(child.kind, entry, (*sub, child.name, index))
    return out


def check(source: Source) -> list[Problem]:
    """Every value the schema refuses, each at its file and line. A secret field's problem never
    quotes its value (the schema's messages do): a secret written in clear is not repeated."""
    problems: list[Problem] = []
    for kind in KINDS:
        for item in source.items.get(kind.name, []):
            unknown = _unknown_fields(kind, item, item.values, ())
            if unknown:
                problems += unknown
                continue
            secret_paths = _secret_paths(kind, item.values, ())
            for error in _validator(kind.name).iter_errors(item.values):
                path = tuple(error.instance_path)
                name = ".".join(str(p) for p in path) or kind.name
                secret = next((s for s in secret_paths if path[:len(s)] == s), None)
                if secret is not None:
                    problems.append(item.problem(f"{'.'.join(str(p) for p in secret)}: {secrets.RULE}", *secret))
                else:
                    problems.append(item.problem(f"{name}: {error.message}", *path))
    return problems


def text() -> str:
    return json.dumps(document(), indent=2, sort_keys=False) + "\n"
