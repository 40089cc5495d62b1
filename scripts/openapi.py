"""Write the Admin API's OpenAPI document to docs/openapi.json (run: make openapi).

The document is generated from the code; it is committed so that every change to the API shows
up in review, and tests/test_api_openapi.py fails when the two drift apart.
"""

import json
import os
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def render() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    import django

    django.setup()
    from forecourt.api.views import api

    schema = api.get_openapi_schema(path_prefix="/portal-api")
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(Path.cwd()) if TARGET.is_relative_to(Path.cwd()) else TARGET}", file=sys.stderr)
