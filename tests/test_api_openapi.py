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


def test_schema_names_are_unique():
    """The document names each schema by its class: two different classes of one name share one
    entry, and an operation shows the other's fields (the plans' body once read as the plan
    change's {"PlanID"})."""
    from ninja import Schema

    import forecourt.api.views  # noqa: F401 - every router, so every schema class exists

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    by_name = {}
    for c in subclasses(Schema):
        if c.__module__.startswith("forecourt.api"):
            by_name.setdefault(c.__name__, []).append(c)
    clashes = [name for name, classes in by_name.items()
               if len({json.dumps(c.model_json_schema(), sort_keys=True) for c in classes}) > 1]
    assert clashes == []  # two different schemas of one name: rename one
    plans_body = json.loads((ROOT / "docs" / "openapi.json").read_text())["paths"]["/portal-api/plans"]["post"]
    ref = plans_body["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    served = json.loads((ROOT / "docs" / "openapi.json").read_text())["components"]["schemas"][ref]
    assert {"Name", "DisplayName", "RateLimit"} <= served["properties"].keys()
