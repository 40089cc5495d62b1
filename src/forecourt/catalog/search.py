"""THE catalogue's search index and its queries: which text of a product is searchable, how it is kept
current, and how a user's words become a full-text query on each engine.

What is indexed (one ProductSearch row per product, plus one ProductTag row per public tag):
- `title`: display name and name, and the display name's translations (ranked highest);
- `body`: description (and its translations: a reader finds a product in their language's words) and
  public tags (`public_tags`: the provider's policy tags never show);
- `apis`: the APIs' names and the operation summaries of the document each shows (`ProductAPI.document`),
  read once when the API is saved, never per request.

The full-text index is the engine's own, created by migration catalog.0004:
- SQLite: an FTS5 table (`catalog_productsearch_fts`, external content over catalog_productsearch) that
  triggers on catalog_productsearch keep in step, ranked with bm25();
- PostgreSQL: a generated, weighted `tsvector` column (`search`, config "simple": no stemming, no stop
  words, every language alike) with a GIN index, ranked with ts_rank();
- MariaDB: FULLTEXT indexes (InnoDB, built without a stop-word list) on (title, body, apis) and on
  title, queried IN BOOLEAN MODE. Words shorter than innodb_ft_min_token_size are never in that index,
  and MariaDB drops InnoDB's default stop words from a query: those words alone are matched with a
  plain `icontains` over the same columns (the only fallback).

Since each engine derives its index from catalog_productsearch rows, a backup holds those rows and a
restore (on any engine) rebuilds the index as it inserts them. `forecourt search-index rebuild` rewrites
every row (and the SQLite FTS table) should the index ever disagree with the products.

Kept current by: the signal receivers below (product, API and provider saves and deletes: the Admin
Portal and the Admin API write through model saves), and explicit calls where writes skip signals
(the sync's bulk_create of APIs: forecourt.providers.sync.update_apis). A block of many writes (a
provider sync) runs inside `deferred()`: the products are then indexed once, together, at its end.
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import connection, connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_delete, post_save, pre_save

from forecourt.deferral import Deferral
from forecourt.i18n import content

from . import documents
from .models import Product, ProductAPI, ProductSearch, ProductTag

MAX_TERMS = 12  # words of a search that are used
MAX_TERM = 64  # characters of a word
CHUNK = 500  # products indexed per batch
TAG_LENGTH = 255  # ProductTag.tag's max_length

# A user's words: runs of letters and digits. Everything else (quotes, *, -, parentheses, operators'
# punctuation) separates words, so no input can carry query syntax to an engine.
WORD = re.compile(r"[^\W_]+")
TITLE_WEIGHT, BODY_WEIGHT, APIS_WEIGHT = 10.0, 2.0, 1.0  # SQLite's bm25 and MariaDB's sum
PRODUCT_FIELDS = frozenset({"name", "display_name", "description", "tags", "provider", "provider_id", "translations"})
API_FIELDS = frozenset({"name", "oas_document", "gateway_document", "document_source", "product", "product_id"})


# -- the tags rule ---------------------------------------------------------------------------------

def _tags(raw: Any) -> list[str]:
    return [str(t) for t in raw if isinstance(t, (str, int, float)) and str(t).strip()] if isinstance(raw, list) else []


def public_tags(tags: Any, policy_tags: Any) -> list[str]:
    """A product's tags as the Live Portal shows them (cards, product page, the tag filter, search):
    without its provider's policy tags (any case). Those tags (Provider.policy_tags, e.g. "portal")
    select which of the provider's policies are imported, so every imported product carries them:
    they are the provider's business and tell consumers nothing. The Admin Portal keeps them all."""
    hidden = {t.casefold() for t in _tags(policy_tags)}
    return [t for t in _tags(tags) if t.casefold() not in hidden]


# -- writing the index -----------------------------------------------------------------------------

def _models(apps: Any = None) -> tuple[Any, Any, Any, Any]:
    """Product, ProductAPI, ProductSearch, ProductTag: the current ones, or a migration's historical ones."""
    if apps is None:
        return Product, ProductAPI, ProductSearch, ProductTag
    return tuple(apps.get_model("catalog", n) for n in ("Product", "ProductAPI", "ProductSearch", "ProductTag"))


def _shown_document(row: dict[str, Any]) -> str:
    """ProductAPI.document over a values() row (the same rule, for historical models too)."""
    first, second = ("gateway_document", "oas_document") if row["document_source"] == "gateway" else (
        "oas_document", "gateway_document")
    document: str = row[first] or row[second]
    return document


def index_products(product_ids: Iterable[int], *, apis: bool = True, models: Any = None) -> None:
    """Rewrite the index rows of these products (those that no longer exist lose theirs). `apis`:
    read their APIs' documents again (an API changed); otherwise the API text already indexed is kept.
    Runs in the caller's transaction: the index changes with what it describes. Inside a `deferred()`
    block it only notes the products, which the block indexes together when it ends."""
    pending = _deferral.pending() if models is None else None
    if pending is not None:
        for pk in product_ids:
            pending[pk] = pending.get(pk, False) or apis
        return
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), CHUNK):
        _index_chunk(ids[start:start + CHUNK], apis, _models(models))


def _index_chunk(chunk: list[int], apis: bool, models: tuple[Any, Any, Any, Any]) -> None:
    """The same few queries for one product as for CHUNK: one read (the products, their APIs' documents
    or their indexed API text, and whether they have index rows yet, in one joined query), the
    deletion of the rows there are (none for new products) and two bulk inserts (in batches of the
    engine's parameter limit: SQLite's 999 holds about 240 rows)."""
    Product, _, ProductSearch, ProductTag = models
    fields = content.stored_fields(Product, "pk", "display_name", "name", "description", "tags",
                                   "provider__policy_tags", "search_row__apis")
    order = ["pk"]
    if apis:  # one row per API (one row, with None, for a product without any)
        fields += ["apis__pk", "apis__name", "apis__oas_document", "apis__gateway_document", "apis__document_source"]
        order += ["apis__name", "apis__pk"]
    rows = (Product.objects.filter(pk__in=chunk)
            .annotate(has_tags=Exists(ProductTag.objects.filter(product_id=OuterRef("pk"))))
            .values(*fields, "has_tags").order_by(*order))
    products: dict[int, dict[str, Any]] = {}
    api_texts: dict[int, list[str]] = {}
    for row in rows:
        pk = row["pk"]
        if pk not in products:
            products[pk] = row
            api_texts[pk] = [] if apis else [row["search_row__apis"] or ""]
        if apis and row["apis__pk"] is not None:
            api_texts[pk].append(row["apis__name"])
            api_texts[pk].extend(documents.operation_summaries(_shown_document(
                {k: row[f"apis__{k}"] for k in ("document_source", "gateway_document", "oas_document")})))
    gone = [pk for pk in chunk if pk not in products]
    indexed = [pk for pk, p in products.items() if p["search_row__apis"] is not None]
    tagged = [pk for pk, p in products.items() if p["has_tags"]]
    if indexed or gone:
        ProductSearch.objects.filter(product_id__in=indexed + gone).delete()
    if tagged or gone:
        ProductTag.objects.filter(product_id__in=tagged + gone).delete()
    search_rows, tags = [], []
    for pk, p in products.items():
        shown = public_tags(p["tags"], p["provider__policy_tags"])
        # Every language's name and description: a reader finds a product in the words of their language.
        titles = content.texts_of(p.get("translations"), "display_name")
        bodies = content.texts_of(p.get("translations"), "description")
        search_rows.append(ProductSearch(product_id=pk, title="\n".join([p["display_name"], p["name"], *titles]),
                                         body="\n".join([p["description"], *bodies, *shown]),
                                         apis="\n".join(api_texts[pk])))
        seen: set[str] = set()
        for tag in shown:
            tag = tag.strip()[:TAG_LENGTH]
            folded = tag.casefold()[:TAG_LENGTH]
            if tag and folded not in seen:
                seen.add(folded)
                tags.append(ProductTag(product_id=pk, tag=tag, folded=folded))
    if search_rows:
        ProductSearch.objects.bulk_create(search_rows, batch_size=CHUNK)
    if tags:
        ProductTag.objects.bulk_create(tags, batch_size=CHUNK)


def _flush(pending: dict[int, bool]) -> None:
    """The products noted in a `deferred()` block: those any write asked with `apis` (an API changed)
    have their documents read again, the others keep their indexed API text."""
    index_products([pk for pk, apis in pending.items() if apis])
    index_products([pk for pk, apis in pending.items() if not apis], apis=False)


_deferral: Deferral[dict[int, bool]] = Deferral("forecourt.catalog.search", dict, _flush)


@contextmanager
def deferred() -> Iterator[None]:
    """Index once, at its end, every product written inside: for a block that saves many products
    (a sync), where each save's signal would rewrite its product's rows (a read, two deletions and two
    inserts each). The signal receivers and explicit calls all go through `index_products`, which
    inside the block only notes the products; the block indexes them together when it ends, still in
    its transaction, so the index commits with the products, and a failed block writes none
    (forecourt.deferral)."""
    with _deferral.block():
        yield


def index_provider(provider_id: int, models: Any = None) -> None:
    """A provider's policy tags changed: its products' public tags did too (their API text did not)."""
    Product = _models(models)[0]
    index_products(Product.objects.filter(provider_id=provider_id).values_list("pk", flat=True), apis=False,
                   models=models)


def rebuild(models: Any = None, using: Any = None) -> int:
    """Every product's index rows written again from the products and their documents; on SQLite the
    FTS table is rebuilt from them too. Returns the number of products indexed."""
    Product, _, ProductSearch, _ = _models(models)
    ids = list(Product.objects.values_list("pk", flat=True))
    ProductSearch.objects.exclude(product_id__in=ids).delete()  # none, unless rows were restored without products
    index_products(ids, models=models)
    conn = using or connection
    if conn.vendor == "sqlite":
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO catalog_productsearch_fts(catalog_productsearch_fts) VALUES ('rebuild')")
    return len(ids)


# -- signals: every model write that changes what is indexed ---------------------------------------

def _touches(update_fields: Any, fields: frozenset[str]) -> bool:
    return update_fields is None or bool(fields & set(update_fields))


def product_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if _touches(update_fields, PRODUCT_FIELDS):
        index_products([instance.pk], apis=False)


def api_before_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Remember the product an API is moved from (its index loses the API's text)."""
    instance._search_moved_from = None
    if instance.pk is not None and _touches(update_fields, frozenset({"product", "product_id"})):
        before = sender.objects.filter(pk=instance.pk).values_list("product_id", flat=True).first()
        if before is not None and before != instance.product_id:
            instance._search_moved_from = before


def api_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    moved_from = getattr(instance, "_search_moved_from", None)
    if _touches(update_fields, API_FIELDS) or moved_from is not None:
        index_products([p for p in (instance.product_id, moved_from) if p is not None])


def api_deleted(sender: Any, instance: Any, origin: Any = None, **kwargs: Any) -> None:
    # Deleted with its product (a cascade): the product's index rows go with it.
    if isinstance(origin, Product) or (isinstance(origin, QuerySet) and origin.model is Product):
        return
    index_products([instance.product_id])


def provider_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw") or created:
        return
    if _touches(update_fields, frozenset({"policy_tags"})):
        index_provider(instance.pk)


def connect() -> None:
    """Called once by CatalogConfig.ready(). `provider_saved` is connected by ProvidersConfig.ready()
    (providers sits above catalog: catalog does not import it)."""
    post_save.connect(product_saved, sender=Product, dispatch_uid="catalog.search.product")
    pre_save.connect(api_before_save, sender=ProductAPI, dispatch_uid="catalog.search.api_pre")
    post_save.connect(api_saved, sender=ProductAPI, dispatch_uid="catalog.search.api")
    post_delete.connect(api_deleted, sender=ProductAPI, dispatch_uid="catalog.search.api_delete")


# -- querying --------------------------------------------------------------------------------------

def terms(q: str) -> list[str]:
    """The words of a search, lower-cased: letters and digits only (see WORD), at most MAX_TERMS."""
    return [w[:MAX_TERM] for w in WORD.findall(q.lower())][:MAX_TERMS]


# InnoDB's default stop words (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD). The indexes are built
# without them (migration catalog.0004), but MariaDB still drops them from a query: like words shorter
# than the index's minimum, they are matched with icontains instead.
INNODB_STOPWORDS = frozenset({
    "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how", "i", "in", "is",
    "it", "la", "of", "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "who", "will",
    "with", "und", "www"})


@cache
def mariadb_min_token(alias: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT @@innodb_ft_min_token_size")
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] else 3


def _contains_everywhere(word: str) -> Q:
    return (Q(search_row__title__icontains=word) | Q(search_row__body__icontains=word)
            | Q(search_row__apis__icontains=word))


def search(products: QuerySet[Any], q: str) -> tuple[QuerySet[Any], bool]:
    """`products` narrowed to those matching the words of `q` (every word; the last one as a prefix,
    since users type "pay" for "payments"), annotated with `search_rank` (higher: better; a title match
    above a description match). Returns (queryset, ranked); with no usable word, (products, False)."""
    words = terms(q)
    if not words:
        return products, False
    # Each engine's index is joined to the products (extra(): the FTS5 table is no Django model), so
    # that the engine runs its full-text query once per request, not once per product.
    vendor = connection.vendor
    if vendor == "sqlite":
        expr = " ".join(f'"{w}"' for w in words) + "*"
        return products.extra(  # every value is a parameter
            tables=["catalog_productsearch_fts"],
            # The unary + keeps SQLite from reaching the FTS table by rowid: it drives the join with its
            # MATCH, once. The rank is FTS5's `rank` column (bm25 with these weights, set per query), a
            # column and not a bm25() call so that it survives the page's COUNT(*) OVER ().
            where=['+catalog_productsearch_fts.rowid = "catalog_product"."id"', "catalog_productsearch_fts MATCH %s",
                   "catalog_productsearch_fts.rank MATCH %s"],
            params=[expr, f"bm25({TITLE_WEIGHT}, {BODY_WEIGHT}, {APIS_WEIGHT})"],
            select={"search_rank": "-catalog_productsearch_fts.rank"}), True
    if vendor == "postgresql":
        expr = " & ".join(f"'{w}'" for w in words) + ":*"
        return products.extra(  # every value is a parameter
            tables=["catalog_productsearch"],
            where=['catalog_productsearch.product_id = "catalog_product"."id"',
                   "catalog_productsearch.search @@ to_tsquery('simple'::regconfig, %s)"],
            params=[expr],
            select={"search_rank": "ts_rank(catalog_productsearch.search, to_tsquery('simple'::regconfig, %s))"},
            select_params=[expr]), True
    if vendor == "mysql":
        shortest = mariadb_min_token(products.db)

        def in_index(word: str) -> bool:
            return len(word) >= shortest and word not in INNODB_STOPWORDS

        indexed = [w for w in words[:-1] if in_index(w)]
        last = words[-1]
        if in_index(last):
            indexed.append(last + "*")
        for word in words:
            if not in_index(word):
                products = products.filter(_contains_everywhere(word))
        if not indexed:
            return products, False
        expr = " ".join(f"+{w}" for w in indexed)
        return products.extra(  # every value is a parameter
            tables=["catalog_productsearch"],
            where=["catalog_productsearch.product_id = `catalog_product`.`id`",
                   ("MATCH(catalog_productsearch.title, catalog_productsearch.body, catalog_productsearch.apis) "
                   "AGAINST (%s IN BOOLEAN MODE)")],
            params=[expr],
            select={"search_rank": "MATCH(catalog_productsearch.title) AGAINST (%s IN BOOLEAN MODE) * %s + "
                                   "MATCH(catalog_productsearch.title, catalog_productsearch.body, "
                                   "catalog_productsearch.apis) AGAINST (%s IN BOOLEAN MODE)"},
            select_params=[expr, TITLE_WEIGHT, expr]), True
    # Another engine has no index here: every word in any indexed column.
    for word in words:
        products = products.filter(_contains_everywhere(word))
    return products, False
