"""A large, valid OpenAPI 3.0 document for the benchmark's docs page: `operations` operations.

Minimal generator written for the benchmark harness (issue 15); deterministic, so runs compare.
`python benchmarks/big_document.py [N]` prints one.
"""

import json
import sys
from typing import Any

RESOURCES = ["widgets", "gadgets", "orders", "invoices", "shipments", "customers", "stations", "readings"]
METHODS = ["get", "post", "put", "delete", "patch"]
ITEM = {"$ref": "#/components/schemas/Item"}


def summary(number: int) -> str:
    """The summary of operation `number` (1-based): what a reader looks for on the docs page."""
    return f"Operation {number:04d} on {RESOURCES[number % len(RESOURCES)]}"


def generate(operations: int = 1000) -> dict[str, Any]:
    """An OpenAPI 3.0.3 document with exactly `operations` operations, five per path, sharing schemas.

    The operations carry no tags: renderers then list all of them in one table of contents (the
    most they ever lay out at once), and the first one is on screen without a click, which is
    what the benchmark times."""
    paths: dict[str, dict[str, Any]] = {}
    for index in range(operations):
        number = index + 1
        resource = RESOURCES[number % len(RESOURCES)]
        path = f"/{resource}/group-{index // len(METHODS):04d}/{{id}}"
        method = METHODS[index % len(METHODS)]
        operation: dict[str, Any] = {
            "operationId": f"operation{number:04d}", "summary": summary(number),
            "description": f"Does step {number} to one of the {resource}.",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Done.",
                                  "content": {"application/json": {"schema": ITEM}}},
                          "404": {"description": "No such item."}},
        }
        if method in ("post", "put", "patch"):
            operation["requestBody"] = {"content": {"application/json": {"schema": ITEM}}}
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Big API ({operations} operations)", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": {"Item": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "count": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}}}}}},
    }


if __name__ == "__main__":
    print(json.dumps(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1000), indent=1))
