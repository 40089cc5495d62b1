"""Schemathesis over every operation of the Admin API's own OpenAPI document, against the portal's WSGI app.

Zero 5xx, and every response valid against the document (status code, content type, headers,
schema). Rules the document cannot express (unique names, password strength) make the API
refuse some schema-valid bodies with a 422, so "positive data is accepted" is not asserted.
The number of examples per operation is bounded so that CI stays fast. The document is the one
the code generates (the same as the committed docs/openapi.json, see test_api_openapi.py).

The requests go through Django's WSGI handler in the test's own process and database transaction,
rolled back after each operation, not over a socket to a live server: a live server needs committed
rows, so each of the 213 operations ended in a flush of every table. Measured alone on two workers
(`JOBS=2 scripts/run-tests sqlite tests/test_api_fuzz.py --no-cov`): 139 s over a live server, 84 s
in-process. A view that raises still shows as a 500 (Django's handler answers it). The whole stack
below the socket (middleware, the API, the ORM and the engine) is the same; what a real socket adds
is tested by the server tests (tests/test_serve.py, tests/test_portal_go_contract.py).
"""

import copy

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
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

from .support import databases

# Whether a response keeps to the document does not depend on the engine: the SQLite run tries 12
# examples of each operation. The PostgreSQL and MariaDB runs look for what only their engine refuses
# (a 5xx from a value it will not store) with 4, the first of which are hypothesis's boundary values:
# the fuzz was 8% of each run's time, three times over.
EXAMPLES = 12 if databases.dialect() == "sqlite3" else 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

# A deep copy: schemathesis resolves the document in place, and Ninja hands out its cached dict.
schema = schemathesis.openapi.from_dict(copy.deepcopy(api.get_openapi_schema(path_prefix="/portal-api")))


@pytest.fixture
def admin_token(admin):
    return tokens.issue(admin)


@pytest.fixture
def app():
    """The portal as a WSGI callable sharing the test's connection: as Django's test client does, the
    connection is not closed at the end of a request (it would end the test's transaction)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_within_its_contract(case, app, admin_token):
    case.call_and_validate(base_url="http://testserver", app=app, headers={"Authorization": admin_token},
                           checks=CHECKS)
