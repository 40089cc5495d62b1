"""Write the configuration files' JSON Schema (forecourt.promotion.schema) into the package and docs/.

Run after changing a kind: PORTAL_DATADIR=$(mktemp -d) .venv/bin/python scripts/config-schema.py
(tests/test_promotion_schema.py fails while either copy is stale)."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
django.setup()

from forecourt.promotion import schema  # noqa: E402 - after django.setup(): the kinds import models

for path in (schema.SHIPPED, schema.DOCS):
    path.write_text(schema.text(), encoding="utf-8")
    print(f"wrote {path}")
sys.exit(0)
