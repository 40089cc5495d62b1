"""OpenAPI documents that admins give a product's APIs: read (JSON or YAML), checked, summarised.

THE rule for an admin's document, shared by the Admin Portal's product API form (paste, upload,
import from a URL) and the Admin API (`/products/{id}/api-details/{api_id}/oas`): `check(text)`
accepts an OpenAPI 3.0 or 3.1 document of at most MAX_BYTES and answers its `Summary` (title,
version, operation count), or raises `InvalidDocument` with every problem found, each with its
line and column in the text when it has one, so an admin can find it in their editor:
"line 12, column 7: paths./pets.get.responses is required".

* Syntax first: a text that starts with `{` or `[` is JSON, anything else YAML (JSON's line and
  column, or the YAML parser's mark, are reported).
* Then the structure, with jsonschema against the OpenAPI Initiative's published schemas, vendored
  in `openapi_schemas/` (read locally; nothing is fetched). A Swagger 2.0 document is refused with
  a message saying what it is, rather than a page of schema errors.
* Then the references within the document (`$ref: "#/components/..."`), which the schemas cannot
  check: one that points nowhere breaks the Live Portal's reference page.

Line numbers come from the YAML parser's node tree (JSON is read through it too, for positions only,
and only when there are problems to place). YAML aliases may not expand the document past
MAX_NODES nodes: a few lines of nested aliases could otherwise stand for billions.

The text is stored as given (JSON or YAML, comments kept): the Live Portal serves it as it is.
"""

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

import jsonschema_rs
import yaml
from django.utils.translation import gettext, ngettext

from forecourt.wording import counted_in

MAX_BYTES = 5 * 1024 * 1024  # a document's size, however it comes (uploads, URLs, pasted text, the Admin API)
MAX_PROBLEMS = 20  # problems reported at once; the rest are counted
MAX_NODES = 2_000_000  # values in the document once YAML aliases are expanded
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
VERSIONS = re.compile(r"^3\.(0|1)\.\d+(-.+)?$")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


@dataclass(frozen=True)
class Problem:
    message: str
    line: int | None = None  # 1-based, in the text as given
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column:
            return gettext("line %(line)s, column %(column)s: %(message)s") % {
                "line": self.line, "column": self.column, "message": self.message}
        return gettext("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class InvalidDocument(ValueError):
    """The document cannot be used; `problems` says where and why, `messages` for showing them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    @property
    def messages(self) -> list[str]:
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS]]
        more = len(self.problems) - MAX_PROBLEMS
        if more > 0:
            shown.append(counted_in(ngettext("... and %(count)s more problem.", "... and %(count)s more problems.",
                                             more), more))
        return shown


@dataclass(frozen=True)
class Summary:
    title: str
    version: str
    openapi: str  # the `openapi` field, e.g. "3.1.0" (or the `swagger` field of an old document)
    operations: int
    format: str  # "json" or "yaml"

    def __str__(self) -> str:
        """What the Admin Portal says of a document, in the active language (the Admin API answers the
        fields, not this)."""
        title = f"“{self.title}”" if self.title else gettext("untitled")
        version = f" {self.version}" if self.version else ""
        count = counted_in(ngettext("%(count)s operation", "%(count)s operations", self.operations),
                           self.operations)
        return f"{title}{version} (OpenAPI {self.openapi or '?'}), {count}"


def format_of(text: str) -> str:
    """"json" or "yaml": how a stored document is written (the Live Portal serves it as it is)."""
    try:
        json.loads(text)
    except ValueError:
        return "yaml"
    return "json"


# -- reading ---------------------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """An uploaded or fetched document's bytes as text (UTF-8, or UTF-16 with its byte-order mark)."""
    if len(data) > MAX_BYTES:
        raise InvalidDocument([Problem(too_large(len(data)))])
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    try:
        text = data.decode("utf-16") if utf16 else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidDocument([Problem(gettext("the document is not UTF-8 text (byte %(byte)s is not valid)")
                                       % {"byte": exc.start + 1})]) from None
    if "\x00" in text:
        raise InvalidDocument([Problem(gettext("the document contains NUL characters: it is not a text file"))])
    return text


def read_upload(upload: Any) -> str:
    """An uploaded file (Django's UploadedFile) as text, refused unread when it is too large."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise InvalidDocument([Problem(too_large(size))])
    return decode(upload.read(MAX_BYTES + 1))


def too_large(size: int) -> str:
    return gettext("the document is %(size)s MB; the limit is %(limit)s MB") % {
        "size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}


class _Positions:
    """Where each value of the document is in its text, found through the YAML node tree."""

    def __init__(self, text: str, root: yaml.Node | None = None) -> None:
        self._text = text
        self._root = root
        self._composed = root is not None

    def _tree(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:  # JSON is YAML, once tabs (whitespace between JSON tokens, never inside strings) are spaces
                self._root = yaml.compose(self._text.replace("\t", " "), Loader=_Loader)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def at(self, path: list[Any]) -> tuple[int | None, int | None]:
        """(line, column) of the value at `path` (keys and list indexes); of its key when it has one,
        so "get" points at `get:`. The deepest part of the path that exists when not all of it does."""
        node = self._tree()
        if node is None:
            return None, None
        mark = node.start_mark
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        node, mark = value, key.start_mark
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return mark.line + 1, mark.column + 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node tree whose aliases expand past MAX_NODES values, or that contains itself."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_NODES:
                raise InvalidDocument([Problem(
                    gettext("the document's YAML aliases expand it to more than %(count)s values")
                    % {"count": f"{MAX_NODES:,}"},
                    node.start_mark.line + 1, node.start_mark.column + 1)])
            continue
        if key in sizes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise InvalidDocument([Problem(gettext("a YAML alias refers to a value that contains it"),
                                               child.start_mark.line + 1, child.start_mark.column + 1)])
            if id(child) not in sizes:
                stack.append((child, False))


def _plain(value: Any) -> Any:
    """YAML's values as JSON's: keys as text (`200:` is the response "200"), dates as ISO text."""
    if isinstance(value, dict):
        return {_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, set):
        return [_plain(v) for v in value]
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return _plain(key) if isinstance(key, (datetime, date)) else str(key)


def _parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise InvalidDocument([Problem(gettext("the document is empty"))])
        if "&" in text:  # no anchor, no alias
            _check_expansion(root)
        return loader.construct_document(root), root
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(part for part in (exc.context, exc.problem) if part) or gettext("it cannot be read")
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise InvalidDocument([Problem(gettext("not valid YAML: %(why)s") % {"why": what}, line, column)]) from None
    except yaml.YAMLError as exc:
        raise InvalidDocument([Problem(gettext("not valid YAML: %(why)s") % {"why": exc})]) from None
    finally:
        loader.dispose()


def parse(text: str) -> tuple[Any, str, _Positions]:
    """(the document's data as JSON-like values, "json" or "yaml", where each value is); InvalidDocument
    for a syntax error, with its line and column."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InvalidDocument([Problem(too_large(len(text.encode("utf-8", "surrogatepass"))))])
    if not text.strip():
        raise InvalidDocument([Problem(gettext("the document is empty"))])
    try:
        if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
            try:
                return json.loads(text.lstrip("\ufeff")), "json", _Positions(text)
            except json.JSONDecodeError as exc:
                json_error = InvalidDocument([Problem(gettext("not valid JSON: %(why)s") % {"why": exc.msg},
                                                      exc.lineno, exc.colno)])
            try:  # a YAML flow mapping ({a: 1}) also starts with a brace
                data, root = _parse_yaml(text)
            except InvalidDocument:
                raise json_error from None
            return _plain(data), "yaml", _Positions(text, root)
        data, root = _parse_yaml(text)
        return _plain(data), "yaml", _Positions(text, root)
    except RecursionError:
        raise InvalidDocument([Problem(gettext("the document is nested too deeply"))]) from None


# -- checking --------------------------------------------------------------------------------------

@cache
def _validator(minor: str) -> Any:
    """The validator of OpenAPI 3.`minor` documents: the vendored OAI schema, compiled once per process
    by jsonschema-rs (a few milliseconds for a document of megabytes, where pure Python takes minutes)."""
    name = {"0": "oas-3.0.json", "1": "oas-3.1.json"}[minor]
    schema = json.loads(resources.files("forecourt.catalog").joinpath("openapi_schemas", name).read_text("utf-8"))
    return jsonschema_rs.validator_for(schema)


def _path_in(data: Any, raw: list[Any]) -> list[Any]:
    """The validator's instance path as this module writes paths: keys as text (it reports the
    response "200" as the number 200), list indexes as numbers."""
    path: list[Any] = []
    value = data
    for part in raw:
        if isinstance(value, list) and isinstance(part, int):
            value = value[part] if 0 <= part < len(value) else None
            path.append(part)
        else:
            key = str(part)
            value = value.get(key) if isinstance(value, dict) else None
            path.append(key)
    return path


def _dotted(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _missing_in_branches(error: Any) -> set[str]:
    """The fields that the alternatives of a oneOf/anyOf error (nested ones too) say are missing from
    the value itself: "a parameter needs schema or content"."""
    here = list(error.instance_path)
    found: set[str] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        for branch in getattr(current.kind, "context", None) or ():
            for sub in branch:
                if list(sub.instance_path) != here:
                    continue
                name = getattr(sub.kind, "name", "")
                if name == "required":
                    found.add(str(sub.kind.property))
                elif name in ("oneOf", "anyOf"):
                    stack.append(sub)
    return found


def _schema_problem(data: Any, error: Any, positions: _Positions) -> Problem:
    path = _path_in(data, list(error.instance_path))
    kind = error.kind
    where = _dotted(path) or gettext("the document")
    name = getattr(kind, "name", "")
    if name == "required":
        message = gettext("%(name)s is required") % {"name": _dotted([*path, kind.property])}
    elif name in ("additionalProperties", "unevaluatedProperties"):
        unexpected = [str(u) for u in kind.unexpected]
        message = ngettext("%(where)s: %(names)s is not allowed here", "%(where)s: %(names)s are not allowed here",
                           len(unexpected)) % {"where": where, "names": ", ".join(unexpected)}
    elif name in ("oneOf", "anyOf"):
        needs = sorted(_missing_in_branches(error) - {"$ref"})
        message = (gettext("%(where)s: matches none of the forms allowed here: it needs %(needs)s")
                   % {"where": where, "needs": _either(needs)} if needs else
                   gettext("%(where)s: matches none of the forms allowed here") % {"where": where})
    else:
        message = f"{where}: {_shorten(error.message)}"
    return Problem(message, *positions.at(path))


def _either(names: list[str]) -> str:
    """"a or b or c", with the reader's word for "or"."""
    text = names[0]
    for name in names[1:]:
        text = gettext("%(first)s or %(second)s") % {"first": text, "second": name}
    return text


def _local_refs(data: Any) -> Iterator[tuple[list[Any], str]]:
    """(path, reference) of every `$ref` within the document (starting with "#")."""
    stack: list[tuple[Any, list[Any]]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                yield [*path, "$ref"], ref
            stack.extend((v, [*path, k]) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, [*path, i]) for i, v in enumerate(value))


def _resolve(data: Any, ref: str) -> tuple[bool, Any]:
    """(found, value) of a reference within the document ("#/components/schemas/Pet")."""
    pointer = ref[1:]
    if pointer in ("", "/"):
        return True, data
    if not pointer.startswith("/"):
        return False, None  # "#anchor" ($anchor of 3.1): not followed here
    value = data
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        part = unquote(part)
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None
    return True, value


def _version_problems(data: dict[str, Any], positions: _Positions) -> list[Problem]:
    version = data.get("openapi")
    if version is None:
        if "swagger" in data:
            return [Problem(gettext("this is a Swagger %(version)s document; the portal takes OpenAPI 3.0 or 3.1: "
                                    "convert it first (e.g. the Swagger Editor's \"Convert to OpenAPI 3\")")
                            % {"version": data["swagger"]},
                            *positions.at(["swagger"]))]
        return [Problem(gettext("not an OpenAPI document: it has no `openapi` field (e.g. openapi: 3.1.0)"), 1, 1)]
    if not isinstance(version, str):
        return [Problem(gettext("openapi: must be text such as \"3.0.3\", not %(value)s (in YAML, quote it)")
                        % {"value": repr(version)},
                        *positions.at(["openapi"]))]
    if not VERSIONS.match(version):
        return [Problem(gettext("openapi: OpenAPI %(version)s is not supported; the portal takes 3.0.x and 3.1.x")
                        % {"version": _shorten(version, 40)}, *positions.at(["openapi"]))]
    return []


def problems_of(data: Any, positions: _Positions) -> list[Problem]:
    """Every problem of parsed document data, by line."""
    if not isinstance(data, dict):
        return [Problem(gettext("an OpenAPI document is an object (a mapping of fields) at the top level"), 1, 1)]
    found = _version_problems(data, positions)
    if found:
        return found
    validator = _validator(data["openapi"].split(".")[1])
    found = [_schema_problem(data, error, positions) for error in validator.iter_errors(data)]
    for path, ref in _local_refs(data):
        if not _resolve(data, ref)[0]:
            found.append(Problem(gettext("%(path)s: %(ref)s points to nothing in the document")
                                 % {"path": _dotted(path), "ref": _shorten(ref, 120)},
                                 *positions.at(path)))
    return sorted(found, key=lambda p: (p.line or 0, p.column or 0, p.message))


def check(text: str) -> Summary:
    """The summary of a valid OpenAPI 3.0 or 3.1 document; InvalidDocument with every problem otherwise."""
    data, kind, positions = parse(text)
    try:
        found = problems_of(data, positions)
    except RecursionError:
        found = [Problem(gettext("the document is nested too deeply"))]
    if found:
        raise InvalidDocument(found)
    return _summary(data, kind)


def describe(text: str) -> Summary | None:
    """The summary of a stored document, checked or not (the gateway's), or None if it cannot be read."""
    if not text:
        return None
    try:
        data, kind, _ = parse(text)
    except InvalidDocument:
        return None
    return _summary(data, kind) if isinstance(data, dict) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _summary(data: dict[str, Any], kind: str) -> Summary:
    info = data.get("info")
    if not isinstance(info, dict):
        info = {}
    return Summary(title=_text(info.get("title")), version=_text(info.get("version")),
                   openapi=_text(data.get("openapi") or data.get("swagger")), operations=count_operations(data),
                   format=kind)


def count_operations(data: dict[str, Any]) -> int:
    """The operations under `paths` (a path item's get, put, post...; one that is a reference within the
    document is followed). Webhooks (3.1) are not counted: consumers do not call them."""
    paths = data.get("paths")
    if not isinstance(paths, dict):
        return 0
    count = 0
    for item in paths.values():
        if isinstance(item, dict) and isinstance(item.get("$ref"), str) and item["$ref"].startswith("#"):
            found, target = _resolve(data, item["$ref"])
            item = target if found else item
        if isinstance(item, dict):
            count += sum(1 for method in METHODS if isinstance(item.get(method), dict))
    return count


_SUMMARIES: "OrderedDict[str, list[str]]" = OrderedDict()
_SUMMARIES_KEPT = 64


def operation_summaries(text: str) -> list[str]:
    """The summaries of a stored document's operations (else their operation IDs), in document order,
    for the catalogue's search index; [] if the document cannot be read. Parsing is the expensive part:
    callers run this when a document is saved, never per request, and the answers for the last
    documents read are kept by their hash, so a save that leaves a document as it was parses nothing."""
    if not text:
        return []
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if digest in _SUMMARIES:
        _SUMMARIES.move_to_end(digest)
        return list(_SUMMARIES[digest])
    found = _operation_summaries(text)
    _SUMMARIES[digest] = found
    while len(_SUMMARIES) > _SUMMARIES_KEPT:
        _SUMMARIES.popitem(last=False)
    return list(found)


def _operation_summaries(text: str) -> list[str]:
    try:
        data, _, _ = parse(text)
    except InvalidDocument:
        return []
    paths = data.get("paths") if isinstance(data, dict) else None
    if not isinstance(paths, dict):
        return []
    found: list[str] = []
    for item in paths.values():
        if isinstance(item, dict) and isinstance(item.get("$ref"), str) and item["$ref"].startswith("#"):
            ok, target = _resolve(data, item["$ref"])
            item = target if ok else item
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                words = _text(operation.get("summary")).strip() or _text(operation.get("operationId")).strip()
                if words:
                    found.append(words)
    return found


# What forecourt.catalog.asyncapi shares with this module: AsyncAPI documents are read, placed and
# reported exactly as OpenAPI ones are, so an admin meets one set of messages.
schema_problem = _schema_problem
dotted = _dotted
resolve = _resolve
