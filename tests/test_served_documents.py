"""A product API's OpenAPI document as the Live Portal serves it (forecourt.live.served_documents):
made once per change of its inputs, never parsed per request; gzip when asked, ETag and 304; the
docs page of a 1,000-operation document usable in a real browser; the migration that fills it."""

import gzip
import importlib.util
import json
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from forecourt.catalog import documents
from forecourt.catalog.models import Catalogue, ProductAPI, ServedDocument
from forecourt.live import gateway, served_documents

from . import factories

pytestmark = pytest.mark.django_db

_spec = importlib.util.spec_from_file_location(
    "big_document", Path(__file__).resolve().parents[1] / "benchmarks" / "big_document.py")
big_document = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(big_document)

GATEWAY = "https://gw.example.com"


def published_api(document: str, gateway_url: str = GATEWAY, **fields) -> ProductAPI:
    provider = factories.provider()
    provider.gateway_url = gateway_url
    provider.save()
    item = factories.product(published=True, provider=provider)
    Catalogue.objects.create(name=f"Public {item.pk}", visibility=Catalogue.Visibility.PUBLIC).products.add(item)
    return ProductAPI.objects.create(product=item, name="Big", listen_path="/big/", oas_document=document, **fields)


def url(api: ProductAPI) -> str:
    return f"/catalogue-products/{api.product.slug}/{api.pk}/openapi"


@pytest.fixture
def parses(monkeypatch):
    """Every parse of a document (json.loads of a long text, documents.parse, prepare), counted."""
    calls: list[str] = []
    real_loads, real_parse, real_prepare = json.loads, documents.parse, served_documents.prepare

    def loads(text, *args, **kwargs):
        if isinstance(text, (str, bytes)) and len(text) > 5_000:
            calls.append("json.loads")
        return real_loads(text, *args, **kwargs)

    def parse(text):
        calls.append("documents.parse")
        return real_parse(text)

    def prepare(document, address):
        calls.append("prepare")
        return real_prepare(document, address)

    monkeypatch.setattr(json, "loads", loads)
    monkeypatch.setattr(documents, "parse", parse)
    monkeypatch.setattr(served_documents, "prepare", prepare)
    return calls


def test_serving_parses_nothing_and_answers_gzip_and_304(client, parses):
    api = published_api(big_document.text(300))
    # Made once, when saved: read for the catalogue's search index and for the site search's operations
    # (two reads: sharing one is left to do), prepared once to be served; serving then parses nothing.
    assert sorted(parses) == ["documents.parse", "documents.parse", "json.loads", "json.loads", "json.loads",
                              "prepare"]  # each with its json.loads
    parses.clear()

    plain = client.get(url(api))
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    served = json.loads(plain.content)
    parses.clear()  # the test's own parse
    assert served["servers"] == [{"url": f"{GATEWAY}/big/", "description": "The API gateway"}]
    assert len(served["paths"]) == 100  # 300 operations, 3 per path on average
    etag = plain["ETag"]
    assert etag.startswith('W/"') and plain["Cache-Control"] == "private, no-cache"
    assert "Accept-Encoding" in plain["Vary"]

    zipped = client.get(url(api), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip" and zipped["ETag"] == etag
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) * 5 < len(plain.content)
    refused = client.get(url(api), HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in refused and refused.content == plain.content

    again = client.get(url(api), HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING="gzip")
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(url(api), HTTP_IF_NONE_MATCH='"other"').status_code == 200

    page = client.get(f"/catalogue-products/{api.product.slug}/{api.pk}/docs")
    assert page.status_code == 200 and b"data-openapi-lite" in page.content  # 300 operations: the light renderer
    assert parses == []


def test_the_served_document_follows_its_inputs(client, parses):
    small = json.loads(big_document.text(3))
    api = published_api(json.dumps(small))
    first = client.get(url(api))["ETag"]

    parses.clear()
    api.name = "Renamed"
    api.save()  # inputs unchanged: nothing made
    api.save(update_fields=["name"])
    assert parses == [] and client.get(url(api))["ETag"] == first

    small["info"]["title"] = "Changed"
    api.oas_document = json.dumps(small)
    api.save()
    body = json.loads(client.get(url(api)).content)
    assert body["info"]["title"] == "Changed"

    api.gateway_document = json.dumps({**small, "info": {"title": "Gateway's", "version": "1"}})
    api.document_source = ProductAPI.DocumentSource.GATEWAY
    api.save(update_fields=["gateway_document", "document_source"])
    assert json.loads(client.get(url(api)).content)["info"]["title"] == "Gateway's"

    provider = api.product.provider
    provider.gateway_url = "https://new-gateway.example.com"
    provider.save()
    row = ServedDocument.objects.get(pk=api.pk)
    assert row.address == "https://new-gateway.example.com/big/"
    assert json.loads(client.get(url(api)).content)["servers"][0]["url"] == "https://new-gateway.example.com/big/"

    # A change no signal saw (a queryset update, as bulk writes do): the row names another address,
    # so the request makes it again, and keeps it.
    type(provider).objects.filter(pk=provider.pk).update(gateway_url="https://third.example.com")
    assert json.loads(client.get(url(api)).content)["servers"][0]["url"] == "https://third.example.com/big/"
    assert ServedDocument.objects.get(pk=api.pk).address == "https://third.example.com/big/"


def test_apis_added_in_bulk_get_theirs_on_first_use_and_yaml_is_served_as_stored(client):
    api = published_api("")
    assert not ServedDocument.objects.filter(pk=api.pk).exists()
    yaml_text = "openapi: 3.0.3\ninfo:\n  title: Yaml\n  version: '1'\npaths:\n  /a:\n    get:\n      responses: {}\n"
    ProductAPI.objects.filter(pk=api.pk).update(oas_document=yaml_text)
    response = client.get(url(api))
    assert response.status_code == 200 and response.content.decode() == yaml_text
    assert response["Content-Type"].startswith("application/yaml")
    row = ServedDocument.objects.get(pk=api.pk)
    assert (row.kind, row.operations) == ("yaml", 1)
    ProductAPI.objects.filter(pk=api.pk).update(oas_document="")
    assert client.get(url(api)).status_code == 404
    api.refresh_from_db()
    api.save()  # a save without a document removes its served form
    assert not ServedDocument.objects.filter(pk=api.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_existing_rows_and_reverses():
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("catalog")
    before = [("catalog", "0003_portal_owned_documents_and_sync_problems")]
    provider = factories.provider()  # (providers' table stays at its latest migration)
    type(provider).objects.filter(pk=provider.pk).update(gateway_url=GATEWAY)
    executor.migrate(before)
    try:
        apps = MigrationExecutor(connection).loader.project_state(before).apps
        product = apps.get_model("catalog", "Product").objects.create(
            name="p", display_name="p", slug="p", provider_id=provider.pk)
        Api = apps.get_model("catalog", "ProductAPI")
        with_doc = Api.objects.create(product=product, name="a", listen_path="/a/", oas_document=big_document.text(5))
        Api.objects.create(product=product, name="b")
        executor = MigrationExecutor(connection)
        executor.migrate(leaf)
        rows = list(ServedDocument.objects.all())
        assert [r.api_id for r in rows] == [with_doc.pk]
        assert rows[0].operations == 5 and rows[0].address == gateway.address(GATEWAY, "/a/")
        assert json.loads(bytes(rows[0].body))["servers"][0]["url"] == f"{GATEWAY}/a/"
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert "catalog_serveddocument" not in connection.introspection.table_names()
    finally:
        # Every app's leaf: going back in catalog also unapplied the other apps' migrations that depend on it.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_thousand_operation_document_opens_and_answers_in_a_browser(live_server, monkeypatch):
    """The docs page of a 1,000-operation document shows its first operation, and answers a click
    and a search, each within a generous 5 s (measured: well under 1 s here; NOTES-render.md)."""
    from playwright.sync_api import expect, sync_playwright

    from .support import browser as browser_support

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    document = big_document.document(1000)
    hostile = '<img src="data:," onerror="window.pwned = 1"><script>window.pwned = 2</script>'
    document["paths"]["/resources1"]["get"]["description"] = hostile
    api = published_api(json.dumps(document))
    with sync_playwright() as playwright:
        browser = browser_support.launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            started = time.monotonic()
            page.goto(f"{live_server.url}/catalogue-products/{api.product.slug}/{api.pk}/docs")
            expect(page.get_by_role("heading", name="Operation 1: GET resource 1s")).to_be_visible(timeout=5_000)
            first = time.monotonic() - started
            expect(page.get_by_text(hostile)).to_be_visible()  # the document's text is shown as text
            pwned = page.evaluate("window.pwned")
            started = time.monotonic()
            page.get_by_role("link", name="Operation 500:").click()
            expect(page.get_by_role("heading", name="Operation 500:")).to_be_visible(timeout=5_000)
            clicked = time.monotonic() - started
            page.get_by_role("searchbox", name="Search operations").fill("operation 999:")
            expect(page.get_by_text("1 of 1,000 operations")).to_be_visible(timeout=5_000)
            expect(page.get_by_role("link", name="Operation 999:")).to_be_visible()
            expect(page.get_by_role("link", name="Operation 998:")).to_be_hidden()
        finally:
            browser.close()
    assert pwned is None
    assert first < 5 and clicked < 5
