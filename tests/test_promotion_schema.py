"""The configuration files' published JSON Schema: the copy shipped in the package
and the one in docs/ are what scripts/config-schema.py writes from this release's kinds, so a kind
changed without regenerating them fails here. (Every exported file is validated against it by
tests/test_promotion_round_trip.py.)"""

import json

import jsonschema
import pytest

from forecourt.promotion import schema


@pytest.mark.parametrize("path", [schema.SHIPPED, schema.DOCS], ids=["package", "docs"])
def test_the_published_schema_is_the_kinds_schema(path):
    assert path.read_text(encoding="utf-8") == schema.text(), (
        f"{path} is stale: run PORTAL_DATADIR=$(mktemp -d) .venv/bin/python scripts/config-schema.py")


def test_the_published_schema_is_a_valid_schema_that_refuses_what_the_engine_refuses():
    document = json.loads(schema.SHIPPED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    validator = jsonschema.Draft202012Validator(document)
    good = {"version": 1, "plans": [{"name": "Gold", "rate_limit": 10, "provider": None}],
            "providers": [{"name": "Tyk", "secret": {"env": "FORECOURT_PROVIDERS_TYK_SECRET"}}]}
    assert list(validator.iter_errors(good)) == []
    for bad in ({"version": 1, "plans": [{"name": "Gold", "colour": "blue"}]},  # an unknown field
                {"version": 1, "plans": [{"rate_limit": 10}]},  # no key
                {"version": 1, "providers": [{"name": "Tyk", "secret": "in clear"}]},
                {"version": 2},
                {"version": 1, "widgets": []}):
        assert list(validator.iter_errors(bad)), bad
