"""AsyncAPI documents that admins give a product's specification: read (JSON or YAML), checked, summarised.

THE rule for an AsyncAPI document (event-driven APIs: channels, messages, operations), shared by the
Admin Portal's specification form (paste, upload) and the Admin API
(`/products/{id}/spec-details/{spec_id}/asyncapi`). `check(text)` accepts an AsyncAPI 2.x or 3.x
document of at most `documents.MAX_BYTES` and answers its `Summary` (title, version, channel and
operation counts), or raises `documents.InvalidDocument` with every problem found, each with its line:
the same reading and the same messages as OpenAPI documents, so an admin meets one set of rules.

* Syntax: `documents.parse` (JSON or YAML, safe loading, the size cap, YAML aliases capped).
* The version: `asyncapi` must name a version whose official JSON Schema is vendored in
  `asyncapi_schemas/` (2.0.0 to 2.6.0, 3.0.0, 3.1.0); a 1.x document, an OpenAPI document or a text
  that is no AsyncAPI document is refused saying which it is.
* The structure: that version's schema (the AsyncAPI Initiative's, read locally, never fetched),
  with jsonschema-rs as for OpenAPI documents.
* References: each `$ref` within the document must point somewhere in it; one to another file or URL
  is refused. The Live Portal's renderer would try to fetch it from the reader's browser, which the
  page's policy forbids (and which would make readers fetch what an admin named): a document with
  external references is bundled first (`asyncapi bundle`).

The text is stored as given (JSON or YAML, comments kept) and downloaded as it was given.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from django.utils.translation import gettext, ngettext

from forecourt.wording import counted_in

from . import documents
from .documents import InvalidDocument, Problem

SCHEMAS = "asyncapi_schemas"
_SCHEMA_FILE = re.compile(r"^asyncapi-(\d+\.\d+\.\d+)\.json$")


@cache
def versions() -> tuple[str, ...]:
    """The AsyncAPI versions the portal takes: those whose schema is vendored, in order."""
    folder = resources.files("forecourt.catalog").joinpath(SCHEMAS)
    found = [m.group(1) for entry in folder.iterdir() if (m := _SCHEMA_FILE.match(entry.name))]
    return tuple(sorted(found, key=lambda v: tuple(int(p) for p in v.split("."))))


def versions_in_words() -> str:
    """"2.0.0 to 2.6.0, 3.0.0 and 3.1.0": what an admin is told the portal takes."""
    by_major: dict[str, list[str]] = {}
    for version in versions():
        by_major.setdefault(version.split(".")[0], []).append(version)
    spans = [group[0] if len(group) == 1 else f"{group[0]} to {group[-1]}" for group in by_major.values()]
    return ", ".join(spans[:-1]) + (" and " if len(spans) > 1 else "") + spans[-1]


@dataclass(frozen=True)
class Summary:
    title: str
    version: str
    asyncapi: str  # the `asyncapi` field, e.g. "3.0.0"
    channels: int
    operations: int
    format: str  # "json" or "yaml"

    def __str__(self) -> str:
        """What the portals say of a document, in the active language (the Admin API answers the fields)."""
        title = f"“{self.title}”" if self.title else gettext("untitled")
        version = f" {self.version}" if self.version else ""
        channels = counted_in(ngettext("%(count)s channel", "%(count)s channels", self.channels), self.channels)
        operations = counted_in(ngettext("%(count)s operation", "%(count)s operations", self.operations),
                                self.operations)
        return f"{title}{version} (AsyncAPI {self.asyncapi}), {channels}, {operations}"


@cache
def _validator(version: str) -> Any:
    """The validator of AsyncAPI `version` documents, compiled once per process."""
    text = resources.files("forecourt.catalog").joinpath(SCHEMAS, f"asyncapi-{version}.json").read_text("utf-8")
    return jsonschema_rs.validator_for(json.loads(text))


def _version_problems(data: dict[str, Any], positions: Any) -> list[Problem]:
    version = data.get("asyncapi")
    if version is None:
        if "openapi" in data or "swagger" in data:
            return [Problem("this is an OpenAPI document, not an AsyncAPI one: give it as the specification's "
                            "OpenAPI document", 1, 1)]
        return [Problem("not an AsyncAPI document: it has no `asyncapi` field (e.g. asyncapi: 3.0.0)", 1, 1)]
    if not isinstance(version, str):
        return [Problem(f"asyncapi: must be text such as \"3.0.0\", not {version!r} (in YAML, quote it)",
                        *positions.at(["asyncapi"]))]
    if version not in versions():
        old = " (AsyncAPI 1.x is not supported: convert it to 2.x or 3.x with AsyncAPI's converter)" \
            if version.startswith("1.") else ""
        shown = version if len(version) <= 40 else version[:39] + "…"
        return [Problem(f"asyncapi: AsyncAPI {shown} is not a version the portal takes; it takes "
                        f"{versions_in_words()}{old}", *positions.at(["asyncapi"]))]
    return []


def _reference_problems(data: Any, positions: Any) -> list[Problem]:
    found = []
    stack: list[tuple[Any, list[Any]]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                where = [*path, "$ref"]
                shown = ref if len(ref) <= 120 else ref[:119] + "…"
                if not ref.startswith("#"):
                    found.append(Problem(f"{documents.dotted(where)}: {shown} is outside the document; the portal "
                                         "serves one file: bundle it first (e.g. `asyncapi bundle`)",
                                         *positions.at(where)))
                elif not documents.resolve(data, ref)[0]:
                    found.append(Problem(f"{documents.dotted(where)}: {shown} points to nothing in the document",
                                         *positions.at(where)))
            stack.extend((v, [*path, k]) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, [*path, i]) for i, v in enumerate(value))
    return found


def problems_of(data: Any, positions: Any) -> list[Problem]:
    """Every problem of parsed document data, by line."""
    if not isinstance(data, dict):
        return [Problem("an AsyncAPI document is an object (a mapping of fields) at the top level", 1, 1)]
    found = _version_problems(data, positions)
    if found:
        return found
    validator = _validator(data["asyncapi"])
    found = [documents.schema_problem(data, error, positions) for error in validator.iter_errors(data)]
    found += _reference_problems(data, positions)
    return sorted(found, key=lambda p: (p.line or 0, p.column or 0, p.message))


def check(text: str) -> Summary:
    """The summary of a valid AsyncAPI 2.x or 3.x document; InvalidDocument with every problem otherwise."""
    data, kind, positions = documents.parse(text)
    try:
        found = problems_of(data, positions)
    except RecursionError:
        found = [Problem("the document is nested too deeply")]
    if found:
        raise InvalidDocument(found)
    return _summary(data, kind)


def describe(text: str) -> Summary | None:
    """The summary of a stored document, or None if there is none or it cannot be read."""
    if not text:
        return None
    try:
        data, kind, _ = documents.parse(text)
    except InvalidDocument:
        return None
    return _summary(data, kind) if isinstance(data, dict) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _summary(data: dict[str, Any], kind: str) -> Summary:
    info = _mapping(data.get("info"))
    channels = _mapping(data.get("channels"))
    if _text(data.get("asyncapi")).startswith("2."):
        # 2.x: operations are a channel's publish and subscribe
        operations = sum(1 for item in channels.values() for verb in ("publish", "subscribe")
                         if isinstance(_mapping(item).get(verb), dict))
    else:
        operations = len(_mapping(data.get("operations")))
    return Summary(title=_text(info.get("title")), version=_text(info.get("version")),
                   asyncapi=_text(data.get("asyncapi")), channels=len(channels), operations=operations, format=kind)
