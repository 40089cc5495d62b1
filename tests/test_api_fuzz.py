"""Schemathesis over every operation of the Admin API's own OpenAPI document, against a live server.

Zero 5xx, and every response valid against the document (status code, content type, headers,
schema). Rules the document cannot express (unique names, password strength) make the API
refuse some schema-valid bodies with a 422, so "positive data is accepted" is not asserted.
The number of examples per operation is bounded so that CI stays fast. The document is the one
the code generates (the same as the committed docs/openapi.json, see test_api_openapi.py).
"""

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forecourt.accounts import tokens
from forecourt.api.views import api

EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

# A deep copy: schemathesis resolves the document in place, and Ninja hands out its cached dict.
schema = schemathesis.openapi.from_dict(copy.deepcopy(api.get_openapi_schema(path_prefix="/portal-api")))


@pytest.fixture
def admin_token(admin):
    return tokens.issue(admin)


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_within_its_contract(case, live_server, admin_token):
    case.call_and_validate(base_url=live_server.url, headers={"Authorization": admin_token}, checks=CHECKS)
