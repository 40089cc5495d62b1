"""What the MCP tools answer, as plain data, for one user: the catalogue as the Live Portal shows it to them.

Sync code over the catalogue's services (`visible_products` is THE visibility rule) and the site search's reading
of a document's operations, called by the
tools through `sync_to_async`, so in the request's own thread with its database connection. An
API or product the user may not see is answered exactly as one that does not exist.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet

from forecourt.accounts.models import User
from forecourt.catalog import search as catalogue_search
from forecourt.catalog import services
from forecourt.catalog.models import Product, ProductAPI
from forecourt.sitesearch.operations import operations_of
from forecourt.sitesearch.query import search as site_search

PAGE_SIZE = 50  # products per list_products answer; a catalogue of thousands is read page by page
SEARCH_LIMIT = 20  # products, and other matches, a search answers, best first
MAX_QUERY = 200  # characters of a search


class NotFound(LookupError):
    """Nothing the user may see has that ID: said the same way whether it exists or not."""


def _products(user: User) -> QuerySet[Product]:
    return services.visible_products(user).prefetch_related(
        Prefetch("apis", queryset=ProductAPI.objects.without_documents().order_by("name", "pk")))


def _product(product: Product) -> dict[str, Any]:
    return {"id": product.pk, "name": product.translated("display_name") or product.name, "slug": product.slug,
            "description": product.description, "documentation_only": product.documentation_only,
            "apis": [{"id": api.pk, "name": api.name, "has_openapi_document": api.has_document}
                     for api in product.apis.all()]}


def list_products(user: User, page: int = 1) -> dict[str, Any]:
    """The products `user` may see, with their APIs, a page at a time (in the catalogue's order)."""
    if page < 1:
        raise ValueError("page starts at 1")
    start = (page - 1) * PAGE_SIZE
    rows = list(_products(user).order_by("display_name", "pk")[start:start + PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    return {"products": [_product(p) for p in rows[:PAGE_SIZE]], "page": page,
            "next_page": page + 1 if more else None}


def search_products(user: User, query: str) -> dict[str, Any]:
    """What matches the words of `query` among what `user` may see, best first: the products (the
    catalogue page's search) and every other match of the site-wide index (forecourt.sitesearch: API
    operations by path, summary or description, getting-started docs, pages and posts), each with the
    IDs the other tools take and its snippet as plain text."""
    if len(query) > MAX_QUERY:
        raise ValueError(f"the query is longer than {MAX_QUERY} characters")
    found, ranked = catalogue_search.search(_products(user), query)
    products = ([_product(p) for p in found.order_by("-search_rank", "display_name", "pk")[:SEARCH_LIMIT]]
                if ranked else [])
    matches = [{"kind": hit.kind, "title": hit.title, "product": hit.product_name or None,
                "api_id": hit.api_id, "method": hit.method or None, "path": hit.path or None,
                "snippet": hit.snippet.striptags()}
               for hit in site_search(user, query, limit=SEARCH_LIMIT) if hit.kind != "product"]
    return {"query": query, "products": products, "matches": matches}


def _api(user: User, api_id: int) -> ProductAPI:
    api = (ProductAPI.objects.select_related("product")
           .filter(pk=api_id, product__in=services.visible_products(user).values("pk")).first())
    if api is None:
        raise NotFound(f"there is no API with ID {api_id} in the catalogue you can see")
    return api


def list_operations(user: User, api_id: int) -> dict[str, Any]:
    """The operations (method, path, summary, else operation ID) of a visible API's OpenAPI document, read
    as the site-wide search reads them (the first sitesearch.operations.MAX_OPERATIONS)."""
    api = _api(user, api_id)
    return {"api": {"id": api.pk, "name": api.name, "product": api.product.display_name or api.product.name},
            "operations": [{"method": o.method, "path": o.path, "summary": o.summary or o.operation_id}
                           for o in operations_of(api.document)]}


def openapi_document(user: User, api_id: int) -> str:
    """A visible API's OpenAPI document, as the portal stores it (JSON or YAML)."""
    api = _api(user, api_id)
    if not api.document:
        raise NotFound(f"the API {api.name} (ID {api_id}) has no OpenAPI document")
    return api.document
