"""Writing the site search's index (SearchEntry rows): which text of each thing is searchable, and how
the index follows every write.

Entries are rewritten by owner: a product's (its own entry: names, description, page content; an
entry per operation of each of its APIs' shown documents and of its specifications' documents; one
per getting-started document), a published page's (its title and content blocks), a published
post's (title, lead and content). A draft page or post has no entries. Who may see a product's
entries is decided at query time (forecourt.sitesearch.query), so publishing, hiding or moving a
product between catalogues changes no entry; only text does.

Kept current by the signal receivers below (the Admin Portal, the Admin API and configuration as
code write through model saves), and explicit calls where writes skip signals (the sync's
bulk_create of APIs: forecourt.providers.sync.update_apis). A block of many writes (a provider sync)
runs inside `deferred()`: its products are indexed once, together, at its end, in its transaction.
`rebuild()` (`forecourt search-index rebuild`, `forecourt rebuild-derived`) writes everything again.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models.signals import post_delete, post_save, pre_save

from forecourt.blog.models import Post
from forecourt.catalog.models import Product, ProductAPI, ProductDoc, ProductSpec
from forecourt.catalog.search import WORD
from forecourt.content import seeded
from forecourt.content.models import ContentBlock, Page
from forecourt.deferral import Deferral
from forecourt.i18n import content

from .models import TRANSLATIONS, SearchEntry
from .operations import operations_of

CHUNK = 200  # products indexed per batch
BATCH = 100  # rows per INSERT (SQLite's 999 parameters hold about 70 rows of 14 columns)
MAX_BODY = 20_000  # characters of an entry's body: enough for a snippet and every word a search needs
Kind = SearchEntry.Kind
PRODUCT_FIELDS = frozenset({"name", "display_name", "description", "content", "translations"})
API_FIELDS = frozenset({"oas_document", "gateway_document", "document_source", "product", "product_id"})

NAMES = ("Product", "ProductAPI", "ProductSpec", "ProductDoc", "Page", "ContentBlock", "Post", "SearchEntry")
APPS = {"Product": "catalog", "ProductAPI": "catalog", "ProductSpec": "catalog", "ProductDoc": "catalog",
        "Page": "content", "ContentBlock": "content", "Post": "blog", "SearchEntry": "sitesearch"}


def _models(apps: Any = None) -> dict[str, Any]:
    """The current models, or a migration's historical ones."""
    if apps is None:
        return {"Product": Product, "ProductAPI": ProductAPI, "ProductSpec": ProductSpec, "ProductDoc": ProductDoc,
                "Page": Page, "ContentBlock": ContentBlock, "Post": Post, "SearchEntry": SearchEntry}
    return {name: apps.get_model(APPS[name], name) for name in NAMES}


def _shown_document(row: dict[str, Any]) -> str:
    """ProductAPI.document over a values() row (the same rule, for historical models too)."""
    first, second = ("gateway_document", "oas_document") if row["document_source"] == "gateway" else (
        "oas_document", "gateway_document")
    document: str = row[first] or row[second]
    return document


def _operations(entry: Any, owner: str, product_id: int, text: str, **where: int) -> list[Any]:
    rows = []
    for position, op in enumerate(operations_of(text)):
        title = op.summary or op.operation_id or f"{op.method} {op.path}"
        # The path's words, not the path: PostgreSQL's parser reads "/ledgers/{id}" as one file-name token.
        words = " ".join(WORD.findall(op.path))
        body = "\n".join(t for t in (op.description, words, op.operation_id) if t)
        rows.append(entry(owner=owner, kind=Kind.OPERATION, product_id=product_id, method=op.method, path=op.path,
                          title=title, body=body[:MAX_BODY], position=position, **where))
    return rows


# -- products --------------------------------------------------------------------------------------

def index_products(product_ids: Iterable[int], *, apps: Any = None) -> None:
    """Rewrite the entries of these products (those that no longer exist lose theirs), in the caller's
    transaction. Inside a `deferred()` block it only notes them."""
    pending = _deferral.pending() if apps is None else None
    if pending is not None:
        pending.update(product_ids)
        return
    ids = sorted(set(product_ids))
    models = _models(apps)
    for start in range(0, len(ids), CHUNK):
        _index_chunk(ids[start:start + CHUNK], models)


def _body(own: list[str], translated: list[str]) -> str:
    """An entry's body: its own text (the default language's), then, after TRANSLATIONS, its translations'
    (so a reader finds it in the words of their language, and a snippet is cut from the part that matched),
    cut at MAX_BODY."""
    body = "\n\n".join(t for t in own if t)
    extra = "\n\n".join(t for t in translated if t)
    return (body + TRANSLATIONS + extra if extra else body)[:MAX_BODY]


def _index_chunk(chunk: list[int], m: dict[str, Any]) -> None:
    """A fixed number of queries for one product or CHUNK: the products, their APIs' documents, their
    specifications' documents, their docs, one deletion and the inserts."""
    entry = m["SearchEntry"]
    fields = content.stored_fields(m["Product"], "pk", "display_name", "name", "description", "content")
    products = {p["pk"]: p for p in m["Product"].objects.filter(pk__in=chunk).values(*fields)}
    rows: list[Any] = []
    for pk, p in products.items():
        rows.append(entry(owner=f"product:{pk}", kind=Kind.PRODUCT, product_id=pk,
                          title=f"{p['display_name']}\n{p['name']}" if p["name"] != p["display_name"]
                          else p["display_name"],
                          body=_body([p["description"], p["content"]], content.texts_of(p.get("translations")))))
    for api in (m["ProductAPI"].objects.filter(product_id__in=list(products)).order_by("product_id", "name", "pk")
                .values("pk", "product_id", "document_source", "oas_document", "gateway_document")):
        rows += _operations(entry, f"product:{api['product_id']}", api["product_id"], _shown_document(api),
                            api_id=api["pk"])
    for spec in (m["ProductSpec"].objects.filter(product_id__in=list(products)).order_by("product_id", "pk")
                 .values("pk", "product_id", "oas_document")):
        rows += _operations(entry, f"product:{spec['product_id']}", spec["product_id"], spec["oas_document"],
                            spec_id=spec["pk"])
    for doc in (m["ProductDoc"].objects.filter(product_id__in=list(products)).order_by("product_id", "position", "pk")
                .values(*content.stored_fields(m["ProductDoc"], "pk", "product_id", "title", "content", "position"))):
        rows.append(entry(owner=f"product:{doc['product_id']}", kind=Kind.DOC, product_id=doc["product_id"],
                          doc_id=doc["pk"], title=doc["title"],
                          body=_body([doc["content"]], content.texts_of(doc.get("translations"))),
                          position=doc["position"]))
    entry.objects.filter(owner__in=[f"product:{pk}" for pk in chunk]).delete()
    if rows:
        entry.objects.bulk_create(rows, batch_size=BATCH)


_deferral: Deferral[set[int]] = Deferral("forecourt.sitesearch", set, lambda ids: index_products(ids))


@contextmanager
def deferred() -> Iterator[None]:
    """Index once, at its end, every product written inside (a sync), in its transaction; a failed
    block writes none (forecourt.deferral)."""
    with _deferral.block():
        yield


# -- pages and posts -------------------------------------------------------------------------------

def index_pages(page_ids: Iterable[int], *, apps: Any = None) -> None:
    """Rewrite these pages' entries: a published page has one (its title, the text of its blocks that
    show), others none."""
    m = _models(apps)
    ids = sorted(set(page_ids))
    pages = {p["pk"]: p for p in m["Page"].objects.filter(pk__in=ids, status="published")
             .values(*content.stored_fields(m["Page"], "pk", "title", "path"))}
    texts: dict[int, list[str]] = {pk: [] for pk in pages}
    translated: dict[int, list[str]] = {pk: content.texts_of(p.get("translations")) for pk, p in pages.items()}
    for block in (m["ContentBlock"].objects.filter(page_id__in=list(pages)).order_by("page_id", "position", "pk")
                  .values(*content.stored_fields(m["ContentBlock"], "page_id", "name", "content"))):
        # The home page's seeded words are the theme's, not shown while untouched (content.seeded).
        if not seeded.untouched(pages[block["page_id"]]["path"], block["name"], block["content"]):
            texts[block["page_id"]].append(block["content"])
            translated[block["page_id"]] += content.texts_of(block.get("translations"))
    m["SearchEntry"].objects.filter(owner__in=[f"page:{pk}" for pk in ids]).delete()
    m["SearchEntry"].objects.bulk_create([
        m["SearchEntry"](owner=f"page:{pk}", kind=Kind.PAGE, title=p["title"], path=p["path"],
                         body=_body(texts[pk], translated[pk])) for pk, p in pages.items()], batch_size=BATCH)


def index_posts(post_ids: Iterable[int], *, apps: Any = None) -> None:
    """Rewrite these posts' entries: a published post has one (found once its publish date has come)."""
    m = _models(apps)
    ids = sorted(set(post_ids))
    posts = m["Post"].objects.filter(pk__in=ids, status="published").values(
        *content.stored_fields(m["Post"], "pk", "title", "path", "lede", "content", "published_at"))
    m["SearchEntry"].objects.filter(owner__in=[f"post:{pk}" for pk in ids]).delete()
    m["SearchEntry"].objects.bulk_create([
        m["SearchEntry"](owner=f"post:{p['pk']}", kind=Kind.POST, title=p["title"], path=p["path"],
                         body=_body([p["lede"], p["content"]], content.texts_of(p.get("translations"))),
                         published_at=p["published_at"])
        for p in posts], batch_size=BATCH)


def rebuild(apps: Any = None, using: Any = None) -> int:
    """Every entry written again from the products, pages and posts; on SQLite the FTS table is
    rebuilt from them too. Returns the number of entries."""
    m = _models(apps)
    m["SearchEntry"].objects.all().delete()
    index_products(m["Product"].objects.values_list("pk", flat=True), apps=apps or _Current)
    index_pages(m["Page"].objects.values_list("pk", flat=True), apps=apps)
    index_posts(m["Post"].objects.values_list("pk", flat=True), apps=apps)
    conn = using or connection
    if conn.vendor == "sqlite":
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO sitesearch_searchentry_fts(sitesearch_searchentry_fts) VALUES ('rebuild')")
    count: int = m["SearchEntry"].objects.count()
    return count


class _Current:
    """The current models, as a registry: a rebuild writes now, even inside a `deferred()` block."""

    @staticmethod
    def get_model(_app: str, name: str) -> Any:
        return _models()[name]


# -- signals: every model write that changes what is indexed ---------------------------------------

def _touches(update_fields: Any, fields: frozenset[str]) -> bool:
    return update_fields is None or bool(fields & set(update_fields))


def _product_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if not kwargs.get("raw") and _touches(update_fields, PRODUCT_FIELDS):
        index_products([instance.pk])


def _api_before_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Remember the product an API is moved from (it loses the API's operations)."""
    instance._sitesearch_moved_from = None
    if instance.pk is not None and _touches(update_fields, frozenset({"product", "product_id"})):
        before = sender.objects.filter(pk=instance.pk).values_list("product_id", flat=True).first()
        if before is not None and before != instance.product_id:
            instance._sitesearch_moved_from = before


def _api_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    moved_from = getattr(instance, "_sitesearch_moved_from", None)
    if not kwargs.get("raw") and (_touches(update_fields, API_FIELDS) or moved_from is not None):
        index_products([p for p in (instance.product_id, moved_from) if p is not None])


def _part_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A specification or getting-started document saved."""
    if not kwargs.get("raw"):
        index_products([instance.product_id])


def _part_deleted(sender: Any, instance: Any, origin: Any = None, **kwargs: Any) -> None:
    # Deleted with its product (a cascade): the product's entries go with it.
    if isinstance(origin, Product) or getattr(origin, "model", None) is Product:
        return
    index_products([instance.product_id])


def _page_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        index_pages([instance.pk])


def _block_changed(sender: Any, instance: Any, origin: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw") or isinstance(origin, Page) or getattr(origin, "model", None) is Page:
        return  # a page deleted with its blocks: _page_changed removes its entry
    index_pages([instance.page_id])


def _post_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        index_posts([instance.pk])


def connect() -> None:
    """Called once by SiteSearchConfig.ready()."""
    post_save.connect(_product_saved, sender=Product, dispatch_uid="sitesearch.product")
    pre_save.connect(_api_before_save, sender=ProductAPI, dispatch_uid="sitesearch.api_pre")
    post_save.connect(_api_saved, sender=ProductAPI, dispatch_uid="sitesearch.api")
    for model in (ProductAPI, ProductSpec, ProductDoc):
        post_delete.connect(_part_deleted, sender=model, dispatch_uid=f"sitesearch.{model.__name__}.delete")
    for model in (ProductSpec, ProductDoc):
        post_save.connect(_part_saved, sender=model, dispatch_uid=f"sitesearch.{model.__name__}.save")
    post_save.connect(_page_changed, sender=Page, dispatch_uid="sitesearch.page")
    post_delete.connect(_page_changed, sender=Page, dispatch_uid="sitesearch.page_delete")
    post_save.connect(_block_changed, sender=ContentBlock, dispatch_uid="sitesearch.block")
    post_delete.connect(_block_changed, sender=ContentBlock, dispatch_uid="sitesearch.block_delete")
    post_save.connect(_post_changed, sender=Post, dispatch_uid="sitesearch.post")
    post_delete.connect(_post_changed, sender=Post, dispatch_uid="sitesearch.post_delete")
