"""The search page's plain data: forecourt.sitesearch's hits with their links and labels, and paging.

Paged by asking for one hit more than a page (no COUNT over every match): "Next" shows while there is
one. The permission rule and the ranking are forecourt.sitesearch.query's."""

from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import get_language

from forecourt.blog.models import Post
from forecourt.catalog.models import Product, ProductDoc
from forecourt.content.models import Page
from forecourt.i18n import negotiation
from forecourt.i18n.content import translated_value
from forecourt.sitesearch import query
from forecourt.sitesearch.models import SearchEntry
from forecourt.themes.urls_names import reverse_live

PER_PAGE = 20
MAX_QUERY = 200  # characters of the search kept (terms() keeps at most 12 words of it)
LABELS = dict(SearchEntry.Kind.choices)


def _url(hit: query.Hit) -> str:
    kind = hit.kind
    if kind == SearchEntry.Kind.PAGE:
        return hit.path
    if kind == SearchEntry.Kind.POST:
        return reverse_live("blog_post", path=hit.path)
    if kind == SearchEntry.Kind.OPERATION and hit.api_id is not None:
        return reverse_live("api_docs", slug=hit.product_slug, api=hit.api_id)
    if kind == SearchEntry.Kind.OPERATION and hit.spec_id is not None:
        return reverse_live("spec_docs", slug=hit.product_slug, spec=hit.spec_id)
    product = reverse_live("product", slug=hit.product_slug)
    return f"{product}#doc-{hit.doc_id}" if kind == SearchEntry.Kind.DOC else product


def _hit(hit: query.Hit) -> dict[str, Any]:
    return {"kind": hit.kind, "label": str(LABELS.get(hit.kind, hit.kind)), "title": hit.title, "url": _url(hit),
            "snippet": hit.snippet, "product": hit.product_name, "method": hit.method,
            "path": hit.path if hit.kind == SearchEntry.Kind.OPERATION else ""}


def _in_readers_language(hits: list[query.Hit]) -> list[dict[str, Any]]:
    """The hits with their titles and product names in the reader's language where the object has a version in
    it (the index holds the default language's titles): four small queries for this page's hits at the most,
    none for a reader of the default language."""
    shown = [_hit(h) for h in hits]
    language = get_language()
    if not hits or not language or language == negotiation.offer().default:
        return shown
    kinds = SearchEntry.Kind

    def rows(model: Any, key: str, field: str, wanted: set[Any]) -> dict[Any, dict[str, Any]]:
        found = model.objects.filter(**{f"{key}__in": wanted}).values(key, field, "translations") if wanted else []
        return {row[key]: row for row in found}

    products = rows(Product, "slug", "display_name", {h.product_slug for h in hits if h.product_slug})
    docs = rows(ProductDoc, "pk", "title", {h.doc_id for h in hits if h.kind == kinds.DOC and h.doc_id})
    posts = rows(Post, "path", "title", {h.path for h in hits if h.kind == kinds.POST})
    pages = rows(Page, "path", "title", {h.path for h in hits if h.kind == kinds.PAGE})
    for row, hit in zip(shown, hits, strict=True):
        product = products.get(hit.product_slug)
        if product is not None and product["translations"]:
            row["product"] = translated_value(product, "display_name")
            if hit.kind == kinds.PRODUCT:
                row["title"] = row["product"]
        own: dict[str, dict[str, Any] | None] = {kinds.DOC: docs.get(hit.doc_id), kinds.POST: posts.get(hit.path),
                                                 kinds.PAGE: pages.get(hit.path)}
        found = own.get(hit.kind)
        if found is not None and found["translations"]:
            row["title"] = translated_value(found, "title")
    return shown


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), query.MAX_OFFSET // PER_PAGE + 1)


def search_page(user: Any, params: QueryDict) -> dict[str, Any]:
    """The page's context: the words searched, the hits of this page in rank order, and paging links."""
    q = (params.get("q") or "").strip()[:MAX_QUERY]
    page = _page_number(params.get("page"))
    found = query.search(user, q, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE) if q else []
    base = reverse_live("search")

    def link(number: int) -> str:
        return f"{base}?{urlencode({'q': q, **({'page': number} if number > 1 else {})})}"

    return {"q": q, "hits": _in_readers_language(found[:PER_PAGE]),
            "pagination": {"page": page, "previous_url": link(page - 1) if page > 1 else "",
                           "next_url": link(page + 1) if len(found) > PER_PAGE else ""}}
