"""/mcp in-process, on every engine: the tools' database work runs in the request's own thread, on the
connection Django's request cycle opens and closes. The rows this test makes are in its transaction,
which no other connection can see: a tool that ran elsewhere would not find them. (The protocol as a
client speaks it, against a real server: tests/test_mcp_server.py.)"""

import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forecourt.accounts import tokens
from forecourt.catalog.models import Catalogue, Product, ProductAPI
from forecourt.mcp import catalogue

pytestmark = pytest.mark.django_db

HEADERS = {"HTTP_ACCEPT": "application/json, text/event-stream", "HTTP_MCP_PROTOCOL_VERSION": "2025-06-18"}


def call(token: str, tool: str, arguments: dict) -> tuple[int, dict]:
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    response = Client().post("/mcp", json.dumps(body), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}", **HEADERS)
    return response.status_code, json.loads(response.content)


def test_a_tool_reads_the_database_in_the_requests_thread(consumer, monkeypatch):
    public = Catalogue.objects.create(name="Public", visibility="public")
    product = Product.objects.create(name="Uncommitted", display_name="Uncommitted", slug="uncommitted", published=True)
    public.products.add(product)
    ProductAPI.objects.create(product=product, name="Uncommitted API")
    token = tokens.issue(consumer)
    threads = []
    original = catalogue.list_products

    def spy(user, page=1):
        threads.append(threading.get_ident())
        return original(user, page)

    monkeypatch.setattr(catalogue, "list_products", spy)
    status, answer = call(token, "list_products", {})
    assert status == 200, answer
    assert [p["name"] for p in answer["result"]["structuredContent"]["products"]] == ["Uncommitted"]
    assert threads == [threading.get_ident()]


def test_bad_arguments_are_a_clear_error_that_changes_nothing(consumer):
    token = tokens.issue(consumer)
    status, answer = call(token, "list_products", {"page": 0})
    assert status == 200 and answer["result"]["isError"] is True
    assert "page starts at 1" in answer["result"]["content"][0]["text"]
    status, answer = call(token, "search", {"query": "x" * 201})
    assert answer["result"]["isError"] is True and "longer than 200" in answer["result"]["content"][0]["text"]


def test_without_a_token_nothing_is_read():
    with CaptureQueriesContext(connection) as queries:
        response = Client().post("/mcp", "{}", content_type="application/json", **HEADERS)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer ")
    assert not [q["sql"] for q in queries if "catalog_" in q["sql"] or "apitoken" in q["sql"].lower()]
