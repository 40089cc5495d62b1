"""The operations of an OpenAPI document as search entries' text: method, path, summary, description
and operation ID, read when the document is saved or synced (never per request).

Capped: at most MAX_OPERATIONS per document and MAX_TEXT characters of each description, so a
document of 10,000 operations costs a bounded save (measured in tests/test_sitesearch.py) and the
index stays a size a page can search. A document that cannot be read gives no operations: a bad
document never stops the save that carries it (catalog.documents checked it where it came in)."""

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from forecourt.catalog import documents

MAX_OPERATIONS = 1000  # per document: the first ones, in document order
MAX_TEXT = 2000  # characters of a summary or description
_KEPT = 32  # the last documents read, by hash: a save that leaves a document unchanged parses nothing


@dataclass(frozen=True)
class Operation:
    method: str  # upper-case
    path: str
    summary: str
    description: str
    operation_id: str


_READ: "OrderedDict[str, tuple[Operation, ...]]" = OrderedDict()


def operations_of(text: str) -> tuple[Operation, ...]:
    """The document's operations (at most MAX_OPERATIONS), () for an empty or unreadable one."""
    if not text or not text.strip():
        return ()
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if digest in _READ:
        _READ.move_to_end(digest)
        return _READ[digest]
    found = _read(text)
    _READ[digest] = found
    while len(_READ) > _KEPT:
        _READ.popitem(last=False)
    return found


def _text(value: Any) -> str:
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


def _read(text: str) -> tuple[Operation, ...]:
    try:
        data, _, _ = documents.parse(text)
    except documents.InvalidDocument:
        return ()
    paths = data.get("paths") if isinstance(data, dict) else None
    if not isinstance(paths, dict):
        return ()
    found: list[Operation] = []
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in documents.METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            found.append(Operation(method=method.upper(), path=str(path)[:1000],
                                   summary=_text(operation.get("summary")),
                                   description=_text(operation.get("description")),
                                   operation_id=_text(operation.get("operationId"))[:255]))
            if len(found) >= MAX_OPERATIONS:
                return tuple(found)
    return tuple(found)
