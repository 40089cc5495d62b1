"""A large, valid OpenAPI 3.0 document for the benchmarks and the big-document tests.

`document(n)` answers a dict with `n` operations (spread over resources, four or so per path,
each with parameters, a request body where it makes sense, responses and shared component
schemas), `text(n)` the same as JSON. Deterministic: the same `n` gives the same bytes, so the
served document's ETag is stable across runs.

    .venv/bin/python benchmarks/big_document.py 1000 > /tmp/big.json
"""

import json
import sys
from typing import Any

METHODS = ("get", "post", "put", "delete", "patch")
TAGS_EVERY = 25  # operations per tag (the renderers group by tag)


def _schema(index: int) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": f"Identifier of resource {index}."},
            "name": {"type": "string", "maxLength": 200, "description": "A human-readable name."},
            "status": {"type": "string", "enum": ["active", "paused", "retired"]},
            "created_at": {"type": "string", "format": "date-time"},
            "quantity": {"type": "integer", "minimum": 0},
            "labels": {"type": "array", "items": {"type": "string"}},
        },
    }


def _operation(number: int, resource: int, method: str, tag: str, with_id: bool) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/Resource{resource}"}
    operation: dict[str, Any] = {
        "operationId": f"{method}Resource{resource}{'Item' if with_id else 'List'}",
        "summary": f"Operation {number}: {method.upper()} resource {resource}{' item' if with_id else 's'}",
        "description": f"Operation number {number}. It {method}s resource {resource}; generated for the "
                       "big-document benchmark, with enough words to look like a real description.",
        "tags": [tag],
        "parameters": [
            {"name": "X-Request-Id", "in": "header", "required": False, "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {"description": "Done.", "content": {"application/json": {"schema": ref}}},
            "404": {"description": "Not found.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }
    if not with_id:
        operation["parameters"].append(
            {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}})
    if method in ("post", "put", "patch"):
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref}}}
    return operation


def document(n: int) -> dict[str, Any]:
    """An OpenAPI 3.0.3 document with exactly `n` operations."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": {"type": "object", "properties": {"message": {"type": "string"}}}}
    number = 0
    resource = 0
    while number < n:
        resource += 1
        schemas[f"Resource{resource}"] = _schema(resource)
        for with_id in (False, True):
            path = f"/resources{resource}/{{id}}" if with_id else f"/resources{resource}"
            item: dict[str, Any] = {}
            if with_id:
                item["parameters"] = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
            methods = ("get", "put", "delete", "patch") if with_id else ("get", "post")
            for method in methods:
                if number >= n:
                    break
                number += 1
                tag = f"Group {1 + (number - 1) // TAGS_EVERY}"
                item[method] = _operation(number, resource, method, tag, with_id)
            if any(m in item for m in METHODS):
                paths[path] = item
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Big API ({n} operations)", "version": "1.0.0",
                 "description": "A generated document for measuring the API docs page."},
        "servers": [{"url": "https://upstream.example/v1"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def generate(operations: int = 1000) -> dict[str, Any]:
    """The benchmark's name for `document`."""
    return document(operations)


def summary(number: int) -> str:
    """The summary of operation `number` (1-based): what the benchmark waits to see on the docs page."""
    for item in document(number)["paths"].values():
        for method, operation in item.items():
            if method in METHODS and operation["summary"].startswith(f"Operation {number}:"):
                return str(operation["summary"])
    raise ValueError(f"no operation {number}")


def text(n: int) -> str:
    return json.dumps(document(n), indent=2)


if __name__ == "__main__":
    sys.stdout.write(text(int(sys.argv[1]) if len(sys.argv) > 1 else 1000) + "\n")
