"""The catalogue in SQL (issue 15, item 1): the catalogue page's cost does not grow with the catalogue,
the search is the engine's full-text search (ranked, prefix on the last word, any input safe), and
the index follows every kind of change.

Transactional tests: MariaDB's FULLTEXT indexes see rows only once they are committed."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from forecourt.catalog import search
from forecourt.catalog.models import Catalogue, Product, ProductAPI, ProductSearch, ProductTag
from forecourt.live.catalogue import data
from forecourt.providers import sync
from forecourt.providers.models import Provider

from . import factories
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db(transaction=True)


def oas(*summaries: str) -> str:
    return json.dumps({"openapi": "3.0.3", "info": {"title": "T", "version": "1"},
                       "paths": {f"/p{i}": {"get": {"summary": s, "responses": {"200": {"description": "ok"}}}}
                                 for i, s in enumerate(summaries)}})


@pytest.fixture
def public(db) -> Catalogue:
    return Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)


def listed(public: Catalogue, display_name: str, **fields) -> Product:
    item = factories.product(**{"display_name": display_name, "published": True, **fields})
    public.products.add(item)
    return item


def found(q: str = "", user=None, **filters) -> list[str]:
    """The display names the catalogue page lists for a search, in order (the first page)."""
    page = data.catalogue_page(user or AnonymousUser(), data.Filters(q=q, **filters))
    return [p["name"] for p in page["products"]]


# -- a constant number of queries -------------------------------------------------------------------

def stock(public: Catalogue, start: int, stop: int) -> None:
    """Products start..stop-1 in bulk, one API each, indexed as the sync indexes bulk rows."""
    with transaction.atomic():
        _stock(public, start, stop)


def _stock(public: Catalogue, start: int, stop: int) -> None:
    products = Product.objects.bulk_create(
        Product(name=f"bulk-{i}", display_name=f"Bulk {i:05d}", slug=f"bulk-{i}", published=True,
                description=f"Bulk product number {i}", tags=[f"t{i % 7}", "Shared"]) for i in range(start, stop))
    public.products.add(*products)
    ProductAPI.objects.bulk_create(ProductAPI(product=p, name=f"API {p.pk}", auth_type=("authToken", "jwt")[i % 2])
                                   for i, p in enumerate(products))
    search.index_products(p.pk for p in products)


def queries_for(client, url: str) -> tuple[int, str]:
    """The queries of rendering `url`: a new content revision first, so neither the page cache nor
    the signed-in page's cached data answers it."""
    from forecourt.pagecache import revision

    revision.bump()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_catalogue_page_costs_the_same_queries_at_100_and_10000_products(client, public, signed_in):
    if signed_in:
        client.force_login(factories.consumer())
    client.get("/")  # the session's first activity stamp is not counted
    stock(public, 0, 100)
    urls = ["/catalogue-products", "/catalogue-products?page=3",
            "/catalogue-products?q=bulk+prod&tag=shared&auth=jwt&page=2"]
    for url in urls:  # once-per-process reads (MariaDB's innodb_ft_min_token_size) are not counted
        client.get(url)
    small = [queries_for(client, url) for url in urls]
    stock(public, 100, 10_000)
    client.get("/")  # as above: the session's activity stamp, due again after the long stocking
    large = [queries_for(client, url) for url in urls]
    assert [count for count, _ in small] == [count for count, _ in large]
    # The searches matched (a page of cards), at both sizes.
    for _, html in small + large:
        assert html.count('class="product-card"') == data.PER_PAGE
    assert "10,000" in large[0][1] or "10000" in large[0][1]  # the count comes from the database


def test_filters_and_choices_come_from_sql(public):
    provider = factories.provider()
    provider.policy_tags = ["portal"]
    provider.save()
    a = listed(public, "Alpha", tags=["Maps", "portal"], provider=provider)
    b = listed(public, "Beta", tags=["maps", "Weather"])
    ProductAPI.objects.create(product=a, name="A", auth_type="jwt")
    ProductAPI.objects.create(product=b, name="B", auth_type="keyless")
    listed(public, "Hidden draft", tags=["Secret"], published=False)
    page = data.catalogue_page(AnonymousUser(), data.Filters())
    assert [t.casefold() for t in page["choices"]["tags"]] == ["maps", "weather"]  # no policy tag, no draft's
    assert [a["value"] for a in page["choices"]["auth_types"]] == ["jwt", "keyless"]
    assert found(tag="MAPS") == ["Alpha", "Beta"]
    assert found(tag="portal") == []
    assert found(auth="keyless") == ["Beta"]
    other = Catalogue.objects.create(name="Other", visibility=Catalogue.Visibility.PUBLIC)
    other.products.add(b)
    assert found(catalogue=other.pk) == ["Beta"]
    assert page["pagination"]["count"] == 2


# -- full-text search -------------------------------------------------------------------------------

def test_a_name_match_ranks_above_a_description_match(public):
    listed(public, "Aardvark tools", description="Works with zephyr feeds and more words here")
    listed(public, "Zephyr gateway", description="Streams")
    listed(public, "Unrelated", description="Nothing to see")
    assert found("zephyr") == ["Zephyr gateway", "Aardvark tools"]


def test_operation_summaries_api_names_and_tags_are_found(public):
    item = listed(public, "Pets", tags=["animals"])
    ProductAPI.objects.create(product=item, name="Kennel API", oas_document=oas("Adopt a hamster"))
    listed(public, "Other")
    assert found("hamster") == ["Pets"]
    assert found("kennel") == ["Pets"]
    assert found("animals") == ["Pets"]
    assert found("adopt hamster") == ["Pets"]  # every word, in any column
    assert found("adopt giraffe") == []


def test_the_last_word_is_a_prefix(public):
    listed(public, "Payments", description="Card charges")
    listed(public, "Payroll")
    listed(public, "Shipping")
    assert found("paym") == ["Payments"]
    assert sorted(found("pay")) == ["Payments", "Payroll"]
    assert found("card char") == ["Payments"]


HOSTILE = ['"', "'", '""', "*", "NEAR", "NEAR(a b)", "-", "--", "a -b", "pay*", '"pay', "AND OR NOT",
           "(", ")", "^", "+", "@@", ":*", "\\", "%", "_", "; DROP TABLE catalog_product; --", "é", "日本語 API",
           "🙂", "a", "of the", "x" * 200, "w " * 100, "pay\tments", "<script>", "col:val", "{a}", "~x", "'pay'"]


@pytest.mark.parametrize("q", HOSTILE)
def test_any_search_input_answers_a_page(client, public, q):
    listed(public, "Payments", description="Card charges")
    response = client.get("/catalogue-products", {"q": q})
    assert response.status_code == 200


def test_punctuation_and_unicode_words_still_search(public):
    listed(public, "Crème brûlée API", description="Dessert—recipes")
    listed(public, "Payments")
    assert found('"crème"') == ["Crème brûlée API"]
    assert found("recipes!") == ["Crème brûlée API"]
    assert found("NEAR payments*") == []  # NEAR is a word here, not an operator
    assert found("(payments)") == ["Payments"]


def test_short_words_and_common_words_are_found(public):
    listed(public, "Go SDK", description="An io helper: where the data goes")
    listed(public, "Payments")
    assert found("go") == ["Go SDK"]
    assert found("io sdk") == ["Go SDK"]
    assert found("where") == ["Go SDK"]  # a stop word of InnoDB's
    assert found("the data") == ["Go SDK"]


# -- the index follows every change -----------------------------------------------------------------

def test_product_edit_and_delete(public):
    item = listed(public, "Parcel tracker")
    assert found("parcel") == ["Parcel tracker"]
    item.display_name = "Freight tracker"
    item.description = "Where is my pallet"
    item.save()
    assert found("parcel") == []
    assert found("pallet") == ["Freight tracker"]
    item.delete()
    assert found("pallet") == [] and not ProductSearch.objects.exists() and not ProductTag.objects.exists()


def test_api_document_changes_rename_move_and_delete(public):
    first, second = listed(public, "First"), listed(public, "Second")
    api = ProductAPI.objects.create(product=first, name="Ledger", oas_document=oas("Close the books"))
    assert found("books") == ["First"]
    api.oas_document = oas("Open an account")
    api.save()
    assert found("books") == [] and found("account") == ["First"]
    api.gateway_document = oas("Gateway view")
    api.document_source = ProductAPI.DocumentSource.GATEWAY
    api.save()
    assert found("account") == [] and found("gateway view") == ["First"]
    api.product = second
    api.save()
    assert found("ledger") == ["Second"]
    api.delete()
    assert found("ledger") == []
    ProductAPI.objects.create(product=second, name="Audit", oas_document=oas("x"))
    ProductAPI.objects.filter(product=second).delete()  # a queryset delete (the sync drops APIs so)
    assert found("audit") == []


def test_provider_policy_tags_change_hides_and_shows_tags(public):
    provider = factories.provider()
    listed(public, "Tagged", tags=["portal", "billing"], provider=provider)
    assert found("portal") == ["Tagged"] and found(tag="portal") == ["Tagged"]
    provider.policy_tags = ["portal"]
    provider.save()
    assert found("portal") == [] and found(tag="portal") == [] and found("billing") == ["Tagged"]
    assert data.catalogue_page(AnonymousUser(), data.Filters())["choices"]["tags"] == ["billing"]
    provider.policy_tags = []
    provider.save(update_fields=["policy_tags"])
    assert found(tag="portal") == ["Tagged"]


def test_a_sync_indexes_what_it_writes(tyk_dashboard, public):
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    Product.objects.update(published=True)
    public.products.add(*Product.objects.all())
    # The Petstore's document came from the gateway with the APIs' bulk_create: its summaries are found.
    assert sorted(found("all pets")) == ["Commerce Bundle", "Petstore Product"]
    assert "Payments Product" in found("payments api")
    assert found(tag="product")  # a public tag of the synced products
    assert found(tag="portal") == []


def test_rebuild_restores_a_lost_index(public):
    listed(public, "Lighthouse")
    ProductSearch.objects.all().delete()
    ProductTag.objects.all().delete()
    assert found("lighthouse") == []
    assert search.rebuild() == 1
    assert found("lighthouse") == ["Lighthouse"]
