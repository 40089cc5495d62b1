"""The committed OpenAPI document is the one the code generates, and it is served."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import openapi  # noqa: E402


def test_committed_document_matches_the_code():
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert openapi.render() == committed, "the Admin API changed: run `make openapi` and commit docs/openapi.json"


@pytest.mark.django_db
def test_document_is_served_with_a_local_docs_page(client):
    served = client.get("/portal-api/openapi.json").json()
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert served["paths"].keys() == committed["paths"].keys()
    assert served["openapi"].startswith("3.1")
    page = client.get("/portal-api/docs").content.decode()
    assert "cdn." not in page and "unpkg" not in page  # assets are served by the portal itself
    assert "/static/ninja/" in page
