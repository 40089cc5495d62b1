"""Search across everything a user may see (issue 19, part 3): products, API operations, getting-started
documents, pages and posts in one full-text index (forecourt.sitesearch), with one permission rule,
ranked, with safely highlighted snippets; the Live Portal's /search page and the header's box.

Transactional tests: MariaDB's FULLTEXT indexes see rows only once they are committed."""

import json
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forecourt.blog.models import Post
from forecourt.catalog.models import Catalogue, ProductAPI, ProductDoc, ProductSpec
from forecourt.content.models import ContentBlock, Page
from forecourt.lifecycle import rolling
from forecourt.providers import sync
from forecourt.sitesearch import indexing, operations, query
from forecourt.sitesearch.models import SearchEntry

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)


def oas(*operations: tuple[str, str, str]) -> str:
    """An OpenAPI document with these (path, summary, description) GET operations."""
    return json.dumps({"openapi": "3.0.3", "info": {"title": "T", "version": "1"},
                       "paths": {path: {"get": {"summary": summary, "description": description, "operationId":
                                                f"op{i}", "responses": {"200": {"description": "ok"}}}}
                                 for i, (path, summary, description) in enumerate(operations)}})


def titles(user, q: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.title) for hit in query.search(user, q)]


@pytest.fixture
def world(db):
    """Two organisations; Globex has a private catalogue with a product whose API, specification and
    getting-started document carry the word "zanzibar"; a public catalogue has a product too."""
    acme, globex = factories.organisation("Acme"), factories.organisation("Globex")
    secret = factories.product(display_name="Globex Ledger", description="Internal ledger", published=True)
    ProductAPI.objects.create(product=secret, name="Ledger API", oas_document=oas(
        ("/ledgers/{id}/settle", "Settle a ledger", "Moves the balance to zanzibar accounts.")))
    ProductSpec.objects.create(product=secret, spec_alias="ledger-v2", oas_document=oas(
        ("/v2/close", "Close the books", "Zanzibar closing rules.")))
    ProductDoc.objects.create(product=secret, title="Ledger quick start", content="Ask zanzibar support first.")
    factories.catalogue(products=[secret], visibility=Catalogue.Visibility.PRIVATE, audiences=[globex])
    shown = factories.product(display_name="Weather", description="Forecasts for zanzibar", published=True)
    ProductAPI.objects.create(product=shown, name="Weather API", oas_document=oas(
        ("/forecast", "Get a forecast", "Returns tomorrow's weather, hourly.")))
    factories.catalogue(products=[shown])
    return {"acme": factories.consumer(acme), "globex": factories.consumer(globex), "secret": secret,
            "shown": shown}


def test_a_private_catalogues_entries_are_found_by_members_only(world):
    outsider, member = world["acme"], world["globex"]
    assert titles(AnonymousUser(), "zanzibar") == [("product", "Weather")]
    assert titles(outsider, "zanzibar") == [("product", "Weather")]
    assert titles(outsider, "ledger") == [] and titles(outsider, "settle") == [] and titles(None, "books") == []
    found = set(titles(member, "zanzibar"))
    assert found == {("product", "Weather"), ("operation", "Settle a ledger"), ("operation", "Close the books"),
                     ("doc", "Ledger quick start")}
    # Another member of Acme's: still nothing of Globex's, and no product's entries while it is unpublished.
    assert titles(factories.consumer(world["acme"].organisation), "settle") == []


def test_an_operation_is_found_by_a_word_of_its_description_and_links_to_its_docs(client, world):
    hits = query.search(AnonymousUser(), "hourly")
    assert [(h.kind, h.title, h.method, h.path) for h in hits] == [("operation", "Get a forecast", "GET", "/forecast")]
    assert "<mark>hourly</mark>" in hits[0].snippet
    html = client.get("/search?q=hourly").content.decode()
    api = world["shown"].apis.get()
    assert f'href="/catalogue-products/{world["shown"].slug}/{api.pk}/docs"' in html
    assert "Get a forecast" in html and "<mark>hourly</mark>" in html
    # The last word is a prefix; every word must match; ranking puts a title match first.
    assert titles(None, "forec") == [("operation", "Get a forecast"), ("product", "Weather")]
    assert titles(None, "forecast hourly") == [("operation", "Get a forecast")]
    assert titles(None, "forecast nowhere") == []


def test_snippets_escape_the_documents_text_before_marking(world):
    ProductDoc.objects.create(product=world["shown"], title="Tricky",
                              content='<script>alert("x")</script> & <b>umbrella</b> <img src=x onerror=alert(1)>')
    hit = query.search(None, "umbrella")[0]
    assert "<script>" not in hit.snippet and "<img" not in hit.snippet and "<b>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert "&lt;b&gt;<mark>umbrella</mark>&lt;/b&gt;" in hit.snippet
    # A word that is also part of an entity's text ("amp", "lt") marks only real text, never the entity.
    assert "<mark>" not in query.snippet("a < b & c", ["lt"]) and "<mark>" not in query.snippet("x & y", ["amp"])
    # No query syntax reaches an engine: operators and quotes are only separators.
    for q in ['"umbrella', "umbrella*", "NEAR(umbrella)", "umbrella OR", "-umbrella", "'; DROP TABLE x; --"]:
        assert [h.title for h in query.search(None, q)] in (["Tricky"], [])


def test_the_index_follows_edits_and_deletes(world):
    member, shown = world["globex"], world["shown"]
    api = shown.apis.get()
    api.oas_document = oas(("/alerts", "List storm alerts", "Severe weather warnings."))
    api.save()
    assert titles(None, "storm") == [("operation", "List storm alerts")] and titles(None, "hourly") == []
    shown.published = False
    shown.save()
    assert titles(None, "storm") == [] and titles(None, "weather") == []
    shown.published = True
    shown.save()
    assert titles(None, "storm") == [("operation", "List storm alerts")]
    api.delete()
    assert titles(None, "storm") == []
    shown.content = "Read the barometer first."  # the product page's Markdown
    shown.save()
    assert titles(None, "barometer") == [("product", "Weather")]
    assert titles(None, "applications") == []  # the home page's seeded words do not show, so are not found
    page = Page.objects.create(title="About us", path="/about", status="published")
    ContentBlock.objects.create(page=page, name="Body", content="We build turbines.")
    assert titles(None, "turbines") == [("page", "About us")]
    page.status = "draft"
    page.save()
    assert titles(None, "turbines") == [] and not SearchEntry.objects.filter(owner=f"page:{page.pk}").exists()
    post = Post.objects.create(title="Launch", path="launch", content="Rockets ahoy", status="published",
                               published_at=timezone.now() + timedelta(days=1))
    assert titles(None, "rockets") == []  # scheduled: not yet
    post.published_at = timezone.now() - timedelta(minutes=1)
    post.save()
    assert titles(member, "rockets") == [("post", "Launch")]
    post.delete()
    assert titles(None, "rockets") == []
    secret_pk = world["secret"].pk
    world["secret"].delete()
    assert not SearchEntry.objects.filter(owner=f"product:{secret_pk}").exists()
    assert titles(member, "zanzibar") == [("product", "Weather")]
    # A rebuild (forecourt rebuild-derived) writes the same entries again.
    before = sorted(SearchEntry.objects.values_list("owner", "kind", "title"))
    assert rolling.rebuild_derived()["search entries"] == len(before)
    assert sorted(SearchEntry.objects.values_list("owner", "kind", "title")) == before


def test_a_sync_indexes_its_products_once_at_its_end(world):
    """The sync's bulk writes (providers.sync.update_apis) skip signals: it calls the index itself, and
    inside its `deferred()` block the products are written once, at the end, in its transaction."""
    shown = world["shown"]
    with indexing.deferred():
        sync.update_apis(shown, [sync.WantedAPI("gw-1", "Gateway API", "/gw/", "authToken",
                                                oas(("/tides", "Tide tables", "High and low water.")))])
        assert titles(None, "tides") == []  # noted only
    assert titles(None, "tides") == [("operation", "Tide tables")]


def test_a_bad_document_is_skipped_and_a_huge_one_is_capped_and_quick(world):
    shown = world["shown"]
    bad = ProductAPI.objects.create(product=shown, name="Broken", oas_document="{not: [json")
    assert bad.pk and titles(None, "forecast") == [("operation", "Get a forecast"), ("product", "Weather")]
    huge = oas(*((f"/things/{i}", f"Thing {i}", f"Describes thing number {i} in detail.") for i in range(10_000)))
    started = time.perf_counter()
    ProductAPI.objects.create(product=shown, name="Huge", oas_document=huge)
    took = time.perf_counter() - started
    assert SearchEntry.objects.filter(kind="operation", product=shown).count() == 1 + operations.MAX_OPERATIONS
    assert took < 5, f"saving a 10,000-operation document took {took:.1f}s"


def test_query_count_is_constant_in_the_number_of_hits(client, world):
    shown = world["shown"]
    ProductAPI.objects.create(product=shown, name="Many", oas_document=oas(
        *((f"/kites/{i}", f"Kite {i}", "A kite.") for i in range(60))))
    query.search(None, "kite")  # once-per-process reads (MariaDB's innodb_ft_min_token_size) are not counted

    def count(q: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            hits = query.search(None, q, limit=50)
        return len(ctx.captured_queries), len(hits)

    assert count("kite") == (1, 50)
    assert count("kite 7")[0] == 1  # "7" is below MariaDB's shortest indexed word: icontains there
    assert count("forecast") == (1, 2)
    response = client.get("/search?q=kite")
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="search-hit ') == 20 and 'rel="next"' in html
    html = client.get("/search?q=kite&page=3").content.decode()
    assert html.count('class="search-hit ') == 20 and 'rel="prev"' in html and 'rel="next"' not in html


def test_bad_input_gets_a_page_not_an_error(client, world):
    for url in ("/search", "/search?q=", "/search?q=%22%22%22", "/search?q=a&page=x", "/search?q=zanzibar&page=-4",
                "/search?q=" + "word+" * 500, "/search?q=zanzibar&page=99999999999999999999"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.post("/search?q=x").status_code == 405


def test_the_header_has_a_search_box_on_every_page(client, world):
    html = client.get("/").content.decode()
    assert '<form class="site-search" role="search"' in html and 'action="/search"' in html
    assert '<label class="visually-hidden" for="site-search-q">' in html and 'name="q"' in html
