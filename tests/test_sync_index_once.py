"""A sync indexes what it writes for search, and bumps the page cache's revision, once per sync: the
queries for that are the same for 5 new products as for 50, and a sync that fails writes neither."""

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from forecourt.catalog import search
from forecourt.catalog.models import Product, ProductAPI, ProductSearch, ProductTag
from forecourt.pagecache import revision
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.providers.tyk.provisioning import TykProvider

pytestmark = pytest.mark.django_db

DERIVED = ("catalog_productsearch", "catalog_producttag", "pagecache_revision")


class Dashboard:
    """What the sync reads from a Tyk Dashboard: `n` products of one API each, tagged for the portal
    (given to the Tyk integration as its Dashboard client)."""

    def __init__(self, n: int, name: str = "Item") -> None:
        self.n, self.name = n, name

    def apis(self) -> list[dict[str, Any]]:
        return [{"api_definition": {"api_id": f"api{i}", "name": f"{self.name} API {i}",
                                    "proxy": {"listen_path": f"/item-{i}/"}}} for i in range(self.n)]

    def policies(self) -> list[dict[str, Any]]:
        return [{"_id": f"pol{i}", "name": f"{self.name} {i}", "tags": ["portal", f"{self.name} tag"],
                 "partitions": {"acl": True}, "access_rights": {f"api{i}": {}}} for i in range(self.n)]


@pytest.fixture
def provider():
    return Provider.objects.create(name="Dashboard", url="https://dash.example.com", secret="k", org_id="o",
                                   policy_tags=["portal"])


def derived_queries(captured: list[dict[str, Any]]) -> list[str]:
    """The queries that read or write the search index or the revision."""
    return [q["sql"] for q in captured if any(t in q["sql"] for t in DERIVED)]


def first_sync(n: int) -> tuple[int, list[str]]:
    provider = Provider.objects.create(name=f"Dashboard {n}", url="https://dash.example.com", secret="k",
                                       org_id="o", policy_tags=["portal"])
    with CaptureQueriesContext(connection) as ctx:
        report = sync.sync(provider, TykProvider(provider, Dashboard(n, name=f"Item{n}")))
    assert report.products_created == n
    return len(ctx.captured_queries) - 2 * n, derived_queries(ctx.captured_queries)


def test_a_first_sync_of_5_or_50_new_products_indexes_them_and_bumps_the_revision_at_the_same_cost():
    before = revision.current()
    rest_of_5, derived_of_5 = first_sync(5)
    rest_of_50, derived_of_50 = first_sync(50)
    assert len(derived_of_5) == len(derived_of_50), (derived_of_5, derived_of_50)
    assert rest_of_5 == rest_of_50  # the whole sync: two queries per product, the rest constant
    assert sum("pagecache_revision" in sql for sql in derived_of_50) == 1
    assert revision.current() != before
    # Every new product is indexed, with its API and its public tag.
    assert ProductSearch.objects.count() == 55
    assert ProductSearch.objects.get(product__name="Item50 42").apis == "Item50 API 42"
    assert ProductTag.objects.filter(folded="item50 tag").count() == 50
    assert not ProductTag.objects.filter(folded="portal").exists()


def test_a_sync_that_changes_many_products_indexes_them_once(provider):
    sync.sync(provider, TykProvider(provider, Dashboard(20)))
    renamed = Dashboard(20, name="Renamed")
    with CaptureQueriesContext(connection) as ctx:
        report = sync.sync(provider, TykProvider(provider, renamed))
    assert report.products_updated == 20
    derived = derived_queries(ctx.captured_queries)
    # One read, two deletions, two inserts and one revision, for all twenty.
    assert len(derived) == 6, derived
    row = ProductSearch.objects.get(product__reference_id="pol7")
    assert row.title == "Renamed 7\nRenamed 7" and row.apis == "Renamed API 7"
    assert set(ProductTag.objects.values_list("folded", flat=True)) == {"renamed tag"}


def test_a_sync_that_fails_writes_neither_the_index_nor_the_revision(provider, monkeypatch):
    before = revision.current()

    def broken(*args: Any) -> list[Any]:
        raise RuntimeError("the plans could not be written")

    monkeypatch.setattr(sync, "_apply_plans", broken)
    with pytest.raises(RuntimeError):
        sync.sync(provider, TykProvider(provider, Dashboard(5)))
    assert not Product.objects.exists() and not ProductSearch.objects.exists() and not ProductTag.objects.exists()
    assert revision.current() == before


# -- the deferral itself ----------------------------------------------------------------------------

def make_product(name: str) -> Product:
    return Product.objects.create(name=name, display_name=name, slug=name.lower(), tags=[name])


def test_inside_a_deferred_block_saves_are_indexed_together_when_it_ends():
    before = revision.current()
    with revision.deferred(), search.deferred():
        first, second = make_product("First"), make_product("Second")
        ProductAPI.objects.create(product=second, api_id="a", name="Second API")
        first.description = "Changed"
        first.save()
        assert not ProductSearch.objects.exists()  # nothing yet: noted only
        assert revision.current() == before
    rows = dict(ProductSearch.objects.values_list("product__name", "body"))
    assert rows == {"First": "Changed\nFirst", "Second": "\nSecond"}
    assert ProductSearch.objects.get(product=second).apis == "Second API"
    assert revision.current() != before


def test_a_deferred_block_that_fails_writes_nothing_and_nested_blocks_flush_once():
    before = revision.current()
    with pytest.raises(ValueError), transaction.atomic(), search.deferred(), revision.deferred():
        make_product("Lost")
        raise ValueError
    assert not ProductSearch.objects.exists() and revision.current() == before

    with CaptureQueriesContext(connection) as ctx, revision.deferred(), search.deferred():
        with revision.deferred(), search.deferred():
            make_product("Inner")
        assert not ProductSearch.objects.exists()  # the inner block joined the outer one
        make_product("Outer")
    assert sorted(ProductSearch.objects.values_list("product__name", flat=True)) == ["Inner", "Outer"]
    assert sum("pagecache_revision" in q["sql"] for q in ctx.captured_queries) == 1


@pytest.mark.parametrize("indexed", [False, True], ids=["new", "reindexed"])
def test_index_products_costs_the_same_queries_for_5_and_50_products(indexed):
    def cost(n: int) -> int:
        ids = [make_product(f"P{n}x{i}").pk for i in range(n)]
        ProductAPI.objects.bulk_create(ProductAPI(product_id=pk, api_id="a", name=f"API {pk}") for pk in ids)
        if indexed:
            search.index_products(ids)
        else:
            ProductSearch.objects.filter(product_id__in=ids).delete()
            ProductTag.objects.filter(product_id__in=ids).delete()
        with CaptureQueriesContext(connection) as ctx:
            search.index_products(ids)
        assert ProductSearch.objects.filter(product_id__in=ids).count() == n
        assert ProductTag.objects.filter(product_id__in=ids).count() == n
        return len(ctx.captured_queries)

    assert cost(5) == cost(50)
