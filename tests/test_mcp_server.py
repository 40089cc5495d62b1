"""The catalogue's MCP server at /mcp, through the SDK's own Streamable HTTP client against a real
`forecourt serve`: each user lists exactly the products they may see, reads operations and documents
of those only, and a visitor without a valid token gets nothing.

One server for the module, started by its one test: xdist's worksteal would otherwise start a second
one on the other worker. Each check is a function of its own, run in turn, its name in the failure."""

import asyncio
import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.support import databases, servers

pytestmark = pytest.mark.server

DOCUMENT = {
    "openapi": "3.1.0", "info": {"title": "Alpha Payments", "version": "1.0.0"},
    "paths": {"/payments": {"get": {"summary": "List payments", "responses": {"200": {"description": "ok"}}},
                            "post": {"operationId": "createPayment", "responses": {"201": {"description": "ok"}}}},
              "/payments/{id}": {"delete": {"summary": "Cancel a payment",
                                            "responses": {"204": {"description": "gone"}}}}}}
HIDDEN_DOCUMENT = {"openapi": "3.1.0", "info": {"title": "Beta Shipping internals", "version": "1.0.0"},
                   "paths": {"/secret-manifests": {"get": {"summary": "Beta's secret manifests",
                                                           "responses": {"200": {"description": "ok"}}}}}}

# Two organisations, each with a private catalogue of its own, and a public catalogue both see; a
# deactivated user's token; tokens made by the one rule (accounts.tokens), printed for the test.
SEED = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
import django
django.setup()
from forecourt.accounts import tokens
from forecourt.accounts.models import Organisation, Role, Team, User
from forecourt.catalog.models import Catalogue, CatalogueAudience, Product, ProductAPI
document, hidden_document = sys.argv[1], sys.argv[2]

def product(name, slug, description, catalogue, **api):
    p = Product.objects.create(name=name, display_name=name, slug=slug, description=description, published=True)
    catalogue.products.add(p)
    a = ProductAPI.objects.create(product=p, name=name + " API", **api)
    return p, a

def member(email, organisation):
    user = User.objects.create_user(email, None, role=Role.CONSUMER_ADMIN, organisation=organisation)
    user.teams.add(Team.objects.get(organisation=organisation, is_default=True))
    return user

out = {}
public = Catalogue.objects.create(name="Public", visibility="public")
for key, name in (("a", "Alpha Org"), ("b", "Beta Org")):
    organisation = Organisation.objects.create(name=name)
    Team.objects.get_or_create(organisation=organisation, is_default=True, defaults={"name": "Default Team"})
    catalogue = Catalogue.objects.create(name=name + " catalogue", visibility="private")
    CatalogueAudience.objects.create(catalogue=catalogue, organisation=organisation)
    user = member(key + "@example.com", organisation)
    out["token_" + key] = tokens.issue(user)
    out["org_" + key] = organisation.pk
    out["catalogue_" + key] = catalogue.pk
catalogue_a, catalogue_b = Catalogue.objects.get(pk=out["catalogue_a"]), Catalogue.objects.get(pk=out["catalogue_b"])
_, alpha = product("Alpha Payments", "alpha-payments", "Take card payments.", catalogue_a, oas_document=document)
_, beta = product("Beta Shipping", "beta-shipping", "Ship parcels.", catalogue_b, oas_document=hidden_document)
_, weather = product("Open Weather", "open-weather", "Forecasts for everyone.", public)
unpublished = Product.objects.create(name="Draft Thing", display_name="Draft Thing", slug="draft", published=False)
catalogue_a.products.add(unpublished)
gone = member("gone@example.com", Organisation.objects.get(pk=out["org_a"]))
out["token_inactive"] = tokens.issue(gone)
gone.is_active = False
gone.save()
out.update(alpha_api=alpha.pk, beta_api=beta.pk, weather_api=weather.pk)
print(json.dumps(out))
"""


@pytest.fixture
def portal(tmp_path):
    with databases.migrated_database(tmp_path) as db_env:
        env = servers.child_env(db_env, tmp_path)
        seeded = subprocess.run([sys.executable, "-c", SEED, json.dumps(DOCUMENT), json.dumps(HIDDEN_DOCUMENT)],
                                env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
        assert seeded.returncode == 0, seeded.stderr
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        server = servers.start(env, tmp_path)
        try:
            server.wait_for("/ready", 200)
            yield server, seed
        finally:
            server.stop()


async def _session(url: str, token: str, calls: list[tuple[str, dict[str, Any]]]) -> tuple[list[Any], list[Any]]:
    """Connect with the SDK's client as `token`'s owner; the tools listed and each call's result."""
    async with (create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http,
                Client(streamable_http_client(url + "/mcp", http_client=http)) as client):
        listed = await client.list_tools()
        results = [await client.call_tool(name, arguments) for name, arguments in calls]
    return listed.tools, results


def session(url: str, token: str, *calls: tuple[str, dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    return asyncio.run(_session(url, token, list(calls)))


def products_of(result: Any) -> set[str]:
    assert not result.is_error, result.content
    return {p["name"] for p in result.structured_content["products"]}


def text_of(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def each_user_lists_exactly_the_products_they_may_see(server: servers.Server, seed: dict[str, Any]) -> None:
    tools, (a_list,) = session(server.url, seed["token_a"], ("list_products", {}))
    assert sorted(t.name for t in tools) == ["get_openapi_document", "list_operations", "list_products", "search"]
    for tool in tools:  # read-only, and said so
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False, tool.name
    assert products_of(a_list) == {"Alpha Payments", "Open Weather"}
    alpha = next(p for p in a_list.structured_content["products"] if p["name"] == "Alpha Payments")
    assert alpha["apis"] == [{"id": seed["alpha_api"], "name": "Alpha Payments API", "has_openapi_document": True}]
    assert a_list.structured_content["next_page"] is None

    _, (b_list, b_search, b_search_hidden) = session(server.url, seed["token_b"], ("list_products", {}),
                                                     ("search", {"query": "parcels"}), ("search", {"query": "card"}))
    assert products_of(b_list) == {"Beta Shipping", "Open Weather"}
    assert products_of(b_search) == {"Beta Shipping"}
    assert products_of(b_search_hidden) == set(), "A's product is not found by B's search"
    assert b_search_hidden.structured_content["matches"] == []

    # An operation found by a word of its summary, with what the other tools take; never by an outsider.
    _, (a_cancel,) = session(server.url, seed["token_a"], ("search", {"query": "cancel"}))
    assert [(m["kind"], m["method"], m["path"], m["api_id"]) for m in a_cancel.structured_content["matches"]] == [
        ("operation", "DELETE", "/payments/{id}", seed["alpha_api"])]
    match = a_cancel.structured_content["matches"][0]
    assert match["title"] == "Cancel a payment" and match["product"] == "Alpha Payments"
    assert "<" not in match["snippet"], "snippets are plain text over MCP"
    _, (b_cancel,) = session(server.url, seed["token_b"], ("search", {"query": "cancel"}))
    assert b_cancel.structured_content["matches"] == [] and products_of(b_cancel) == set()


def operations_and_document_of_a_visible_api(server: servers.Server, seed: dict[str, Any]) -> None:
    _, (operations, document, undocumented) = session(
        server.url, seed["token_a"], ("list_operations", {"api_id": seed["alpha_api"]}),
        ("get_openapi_document", {"api_id": seed["alpha_api"]}),
        ("get_openapi_document", {"api_id": seed["weather_api"]}))
    assert not operations.is_error, operations.content
    assert operations.structured_content["operations"] == [
        {"method": "GET", "path": "/payments", "summary": "List payments"},
        {"method": "POST", "path": "/payments", "summary": "createPayment"},
        {"method": "DELETE", "path": "/payments/{id}", "summary": "Cancel a payment"}]
    assert not document.is_error and json.loads(text_of(document)) == DOCUMENT
    assert undocumented.is_error and "has no OpenAPI document" in text_of(undocumented)


def a_hidden_api_answers_as_one_that_does_not_exist(server: servers.Server, seed: dict[str, Any]) -> None:
    hidden, missing = seed["beta_api"], 987654
    _, results = session(server.url, seed["token_a"],
                         ("list_operations", {"api_id": hidden}), ("get_openapi_document", {"api_id": hidden}),
                         ("list_operations", {"api_id": missing}), ("get_openapi_document", {"api_id": missing}))
    texts = [text_of(r) for r in results]
    assert all(r.is_error for r in results), texts
    assert [t.replace(str(hidden), "N") for t in texts[:2]] == [t.replace(str(missing), "N") for t in texts[2:]]
    for text in texts:
        assert "Beta" not in text and "secret" not in text.lower()


def a_visitor_without_a_valid_token_is_refused(server: servers.Server, seed: dict[str, Any]) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "test", "version": "1"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    for authorization in (None, "Bearer not-a-token", seed["token_a"], f"Bearer {seed['token_inactive']}"):
        headers = accept | ({"Authorization": authorization} if authorization else {})
        answer = httpx.post(server.url + "/mcp", json=initialize, headers=headers, timeout=servers.HTTP_TIMEOUT)
        assert answer.status_code == 401, (authorization, answer.text)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer "), answer.headers
        assert "Alpha" not in answer.text

    with pytest.raises(ExceptionGroup) as refused:  # the SDK's client gives up on the 401, listing nothing
        session(server.url, "not-a-token", ("list_products", {}))
    assert refused.group_contains(MCPError, depth=2), refused.value


def tokens_never_reach_the_log(server: servers.Server, seed: dict[str, Any]) -> None:
    session(server.url, seed["token_b"], ("list_products", {}))  # at least one use logged by every logger
    log = server.log()
    assert "Tool 'get_openapi_document' failed" in log  # the SDK's loggers write here (the hidden API's check)
    assert "session manager started" not in log  # quieted: one per request says nothing (forecourt.mcp.server)
    for key in ("token_a", "token_b", "token_inactive"):
        assert seed[key] not in log
        assert seed[key][8:] not in log  # not even past the prefix the account page shows


CHECKS = (each_user_lists_exactly_the_products_they_may_see,
          operations_and_document_of_a_visible_api, a_hidden_api_answers_as_one_that_does_not_exist,
          a_visitor_without_a_valid_token_is_refused, tokens_never_reach_the_log)  # the log check last


def test_the_catalogue_over_mcp(portal):
    server, seed = portal
    for check in CHECKS:
        try:
            check(server, seed)
        except BaseException as exc:
            exc.add_note(f"in check {check.__name__}")
            raise
