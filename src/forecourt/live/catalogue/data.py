"""The catalogue pages' plain data: products, plans, APIs and docs as dicts for the theme templates.

What a user may see is decided by forecourt.catalog.services.visible_catalogues / visible_products;
everything here starts from those. Each function runs a fixed number of queries, whatever the
number of products.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import BooleanField, Count, ExpressionWrapper, Min, Prefetch, Q, QuerySet, Value, Window
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from forecourt.catalog import documents, graphql_schemas, images, search
from forecourt.catalog.models import (
    AUTH_TYPES,
    Catalogue,
    Plan,
    Product,
    ProductAPI,
    ProductDoc,
    ProductSpec,
    ProductTag,
    period_in_words,
    requests_in_words,
)
from forecourt.catalog.search import public_tags
from forecourt.catalog.services import (
    CATALOGUE_PAGE_SIZE,
    is_requestable,
    plan_offers,
    visible_catalogues,
    visible_products,
)
from forecourt.i18n.content import translated_value
from forecourt.themes.urls_names import reverse_live

PER_PAGE = CATALOGUE_PAGE_SIZE
FEATURED_MAX = 6  # featured products on the home page: a row of three, twice
MAX_QUERY = 200  # characters of a search that are used

AUTH_LABELS = AUTH_TYPES  # one list, in forecourt.catalog.models: the Admin Portal offers the same


def auth_label(auth_type: str) -> str:
    return str(AUTH_LABELS.get(auth_type, auth_type))


def _apis() -> QuerySet[ProductAPI]:
    """Product APIs without their OpenAPI documents (which can be megabytes), saying whether they have one."""
    return ProductAPI.objects.without_documents()


# -- the catalogue page ------------------------------------------------------------------------------

@dataclass
class Filters:
    q: str = ""
    catalogue: int | None = None
    tag: str = ""
    auth: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, params: Any) -> "Filters":
        def number(name: str) -> int | None:
            raw = str(params.get(name, "")).strip()
            return int(raw) if raw.isdigit() and len(raw) < 12 else None

        return cls(q=" ".join(str(params.get("q", "")).split())[:MAX_QUERY],
                   catalogue=number("catalogue"), tag=str(params.get("tag", "")).strip()[:100],
                   auth=str(params.get("auth", "")).strip()[:50], page=number("page") or 1)

    def query(self, **changes: Any) -> str:
        """This search as a query string ("?q=...&page=2"), with `changes` applied; "" if empty."""
        values = {"q": self.q, "catalogue": self.catalogue or "", "tag": self.tag, "auth": self.auth,
                  "page": self.page if self.page > 1 else "", **changes}
        pairs = [(k, v) for k, v in values.items() if v not in ("", None)]
        return "?" + urlencode(pairs) if pairs else ""


def catalogue_page(user: Any, filters: Filters) -> dict[str, Any]:
    """The catalogue page's context: the visible products matching `filters`, one page of them,
    and the choices of the filters (visible catalogues, tags and auth types).

    Everything is done by the database, in a fixed number of queries whatever the size of the
    catalogue: the filters, the search (forecourt.catalog.search: full-text, ranked), the count, the
    page cut (display name, then ID; best match first when searching) and the choices (DISTINCT)."""
    catalogues = list(visible_catalogues(user).values("pk", "name", "translations", "visibility"))
    visible = visible_products(user)
    products = visible
    if filters.catalogue is not None:
        products = products.filter(pk__in=Catalogue.products.through.objects.filter(
            catalogue_id=filters.catalogue, catalogue_id__in=[c["pk"] for c in catalogues]).values("product_id"))
    if filters.tag:
        products = products.filter(pk__in=ProductTag.objects.filter(folded=filters.tag.casefold()[:255])
                                   .values("product_id"))
    if filters.auth:
        products = products.filter(pk__in=ProductAPI.objects.filter(auth_type=filters.auth).values("product_id"))
    products, ranked = search.search(products, filters.q)

    # The page and the number of matches in one query (COUNT(*) OVER ()); a page past the end (an old
    # link) costs two more: the count, then the last page.
    order = ("-search_rank", "display_name", "pk") if ranked else ("display_name", "pk")
    rows = products.annotate(total=Window(Count("pk"))).order_by(*order).values_list("pk", "total")

    def cut(number: int) -> list[tuple[int, int]]:
        return list(rows[(number - 1) * PER_PAGE:number * PER_PAGE])

    page = max(filters.page, 1)
    cut_rows = cut(page)
    count = cut_rows[0][1] if cut_rows else (products.count() if page > 1 else 0)
    pages = max(1, -(-count // PER_PAGE))
    if not cut_rows and count:
        page = pages
        cut_rows = cut(page)
    page = min(page, pages)
    shown = [pk for pk, _row in cut_rows]
    memberships = _memberships(shown, [c["pk"] for c in catalogues])

    # The tag and auth-type choices in one query: DISTINCT over the visible products' rows.
    visible_ids = visible.values("pk")
    tag_choices = (ProductTag.objects.filter(product_id__in=visible_ids).values("folded")
                   .annotate(kind=Value("tag"), shown=Min("tag")).values_list("kind", "shown").order_by())
    auth_choices = (ProductAPI.objects.filter(product_id__in=visible_ids).exclude(auth_type="")
                    .annotate(kind=Value("auth")).values_list("kind", "auth_type").distinct().order_by())
    tags: list[str] = []
    auth_types: list[str] = []
    for kind, value in tag_choices.union(auth_choices, all=True):
        (tags if kind == "tag" else auth_types).append(value)
    url = reverse_live("catalogue")
    return {
        "products": product_cards(shown, memberships),
        "filters": {"q": filters.q, "catalogue": filters.catalogue, "tag": filters.tag, "auth": filters.auth},
        "choices": {
            "catalogues": [{"id": c["pk"], "name": translated_value(c, "name"), "visibility": c["visibility"]}
                           for c in catalogues],
            "tags": sorted(tags, key=str.casefold),
            "auth_types": [{"value": a, "label": auth_label(a)} for a in sorted(auth_types)],
        },
        "pagination": {
            "page": page, "pages": pages, "count": count, "per_page": PER_PAGE,
            "previous_url": url + filters.query(page=page - 1 if page > 2 else "") if page > 1 else None,
            "next_url": url + filters.query(page=page + 1) if page < pages else None,
        },
    }


def _memberships(product_ids: list[int], catalogue_ids: list[int]) -> dict[int, set[int]]:
    """Each of `product_ids`' catalogues among `catalogue_ids` (those the user sees), in one query."""
    memberships: dict[int, set[int]] = {pk: set() for pk in product_ids}
    if product_ids:
        for catalogue_id, product_id in Catalogue.products.through.objects.filter(
                product_id__in=product_ids, catalogue_id__in=catalogue_ids).values_list("catalogue_id", "product_id"):
            memberships[product_id].add(catalogue_id)
    return memberships


def featured(user: Any) -> list[dict[str, Any]]:
    """The products admins featured that `user` may see, as catalogue cards, by display name, at most
    FEATURED_MAX. Visibility is visible_products()' (never restated here): a private catalogue's
    featured product shows only to its audiences. The cut is one query; the cards a fixed few more."""
    ids = list(visible_products(user).filter(featured=True).order_by("display_name", "pk")
               .values_list("pk", flat=True)[:FEATURED_MAX])
    if not ids:
        return []
    catalogue_ids = list(visible_catalogues(user).values_list("pk", flat=True))
    return product_cards(ids, _memberships(ids, catalogue_ids))


def product_cards(product_ids: list[int], memberships: dict[int, set[int]]) -> list[dict[str, Any]]:
    """The products `product_ids` (already known to be visible), in that order, as catalogue cards;
    `memberships` gives each product's visible catalogues, whose plans it shows."""
    if not product_ids:
        return []
    products = {p.pk: p for p in Product.objects.filter(pk__in=product_ids).defer("content")
                .select_related("provider").defer("provider__secret").prefetch_related(
        Prefetch("apis", _apis()), Prefetch("docs", ProductDoc.objects.only("pk", "product_id", "title", "translations",
                                                        "position")))}
    plans = _plans_by_product({pk: memberships.get(pk, set()) for pk in product_ids})
    return [product_summary(products[pk], plans[pk]) for pk in product_ids if pk in products]


def _plans_by_product(memberships: dict[int, set[int]]) -> dict[int, list[dict[str, Any]]]:
    """Each product's plans: those of its visible catalogues (`memberships`), in one query for all."""
    products_of: dict[int, list[int]] = {}
    for product_id, catalogue_ids in memberships.items():
        for catalogue_id in catalogue_ids:
            products_of.setdefault(catalogue_id, []).append(product_id)
    out: dict[int, dict[int, dict[str, Any]]] = {pk: {} for pk in memberships}
    if products_of:
        for link in plan_offers(list(products_of)):
            for product_id in products_of[link.catalogue_id]:
                out[product_id].setdefault(link.plan_id, plan_data(link.plan))
    return {pk: list(plans.values()) for pk, plans in out.items()}


# -- products, plans, APIs, docs as plain data ------------------------------------------------------

def plan_data(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "name": plan.translated("display_name"),
        "description": plan.translated("description"),
        "limits": plan.limits_in_words,
        "rate_unlimited": plan.rate_unlimited,
        "rate_limit": plan.rate_limit,
        "rate_per": plan.rate_per,
        "quota_unlimited": plan.quota_unlimited,
        "quota_max": plan.quota_max,
        "quota_renewal_seconds": plan.quota_renewal_seconds,
        "key_expires_in": plan.key_expires_in,
        "auto_approve": plan.auto_approve,
        # The same limits in words, one per column of the product page's plan comparison.
        "rate_words": (_("Unlimited") if plan.rate_unlimited
                       else _("%(requests)s per %(period)s") % {"requests": requests_in_words(plan.rate_limit),
                                                                "period": period_in_words(plan.rate_per)}),
        "quota_words": (_("No quota") if plan.quota_unlimited
                        else _("%(requests)s per %(period)s") % {
                            "requests": requests_in_words(plan.quota_max),
                            "period": period_in_words(plan.quota_renewal_seconds)}),
        "key_expiry_words": _key_expiry(plan.key_expires_in),
    }


def _key_expiry(seconds: int) -> str:
    """"Never", "After 1 day", "After 90 days": when a plan's credentials stop working."""
    if seconds <= 0:
        return _("Never")
    return _("After %(period)s") % {"period": period_in_words(seconds, counting_one=True)}


def image_url(product: Product, kind: str) -> str | None:
    """Where the Live Portal serves the product's logo or preview image; None when it has none."""
    image = getattr(product, kind)
    if not image or images.content_type(image.name or "") is None:
        return None
    return reverse_live(f"product_{kind}", product.slug)


def logo_url(product: Product) -> str | None:
    return image_url(product, "logo")


def api_data(product: Product, api: ProductAPI) -> dict[str, Any]:
    has_document = api.has_document
    return {
        "id": api.pk,
        "name": api.name,
        "api_id": api.api_id,
        "listen_path": api.listen_path,
        "auth_type": api.auth_type,
        "auth_label": auth_label(api.auth_type),
        "has_document": has_document,
        "docs_url": reverse_live("api_docs", product.slug, api.pk) if has_document else None,
        "document_url": reverse_live("api_document", product.slug, api.pk) if has_document else None,
        "has_graphql": api.has_graphql,
        "graphql_url": reverse_live("api_graphql", product.slug, api.pk) if api.has_graphql else None,
    }


def _specs() -> QuerySet[ProductSpec]:
    """A product's specifications without their documents, saying whether they have each kind."""
    return ProductSpec.objects.defer("oas_document", "graphql_schema", "asyncapi_document").annotate(
        with_document=ExpressionWrapper(~Q(oas_document=""), output_field=BooleanField()),
        with_graphql=ExpressionWrapper(~Q(graphql_schema=""), output_field=BooleanField()),
        with_asyncapi=ExpressionWrapper(~Q(asyncapi_document=""), output_field=BooleanField())).order_by("pk")


def spec_data(product: Product, spec: ProductSpec) -> dict[str, Any]:
    """A specification (Tyk's spec details) as the product page lists it: its OpenAPI reference, its
    GraphQL playground and its AsyncAPI reference, each when it has one."""
    has_document, has_graphql = bool(getattr(spec, "with_document", False)), bool(getattr(spec, "with_graphql", False))
    has_asyncapi = bool(getattr(spec, "with_asyncapi", False))
    return {
        "id": spec.pk,
        "name": spec.name or spec.spec_alias,
        "alias": spec.spec_alias,
        "anchor": f"spec-{spec.pk}",
        "has_document": has_document,
        "docs_url": reverse_live("spec_docs", product.slug, spec.pk) if has_document else None,
        "document_url": reverse_live("spec_document", product.slug, spec.pk) if has_document else None,
        "has_graphql": has_graphql,
        "graphql_url": reverse_live("spec_graphql", product.slug, spec.pk) if has_graphql else None,
        "has_asyncapi": has_asyncapi,
        "asyncapi_url": reverse_live("spec_asyncapi", product.slug, spec.pk) if has_asyncapi else None,
        "asyncapi_document_url": (reverse_live("spec_asyncapi_document", product.slug, spec.pk)
                                  if has_asyncapi else None),
    }


def product_summary(product: Product, plans: list[dict[str, Any]]) -> dict[str, Any]:
    """A product as the catalogue shows it (its APIs and docs prefetched)."""
    apis = [api_data(product, api) for api in product.apis.all()]
    url = reverse_live("product", product.slug)
    return {
        "id": product.pk,
        "name": product.translated("display_name"),
        "slug": product.slug,
        "url": url,
        "description": product.translated("description"),
        "logo_url": logo_url(product),
        "tags": public_tags(product.tags, product.provider.policy_tags if product.provider is not None else []),
        "documentation_only": product.documentation_only,
        "auth_types": [{"value": a, "label": auth_label(a)} for a in sorted({a["auth_type"] for a in apis
                                                                             if a["auth_type"]})],
        "apis": apis,
        "docs": [{"id": d.pk, "title": d.translated("title"), "url": f"{url}#doc-{d.pk}"} for d in product.docs.all()],
        "plans": plans,
    }


def request_access_url(product: Product) -> str | None:
    """Where "Request access" leads: the developer area's `request_access` page for this product,
    or its planned address until that page exists. None for documentation-only products."""
    if not is_requestable(product):
        return None
    try:
        base = reverse_live("request_access")
    except NoReverseMatch:
        base = "/apps/request-access"
    return f"{base}?{urlencode({'product': product.slug})}"


def product_page(user: Any, product: Product) -> dict[str, Any]:
    """The product page's `product`: the summary plus its Markdown content, the docs' content (in
    order), the catalogues it is shown in (of those `user` sees) and the request-access link."""
    catalogues = list(visible_catalogues(user).filter(products=product)
                      .values("pk", "name", "translations", "visibility"))
    plans = _plans_by_product({product.pk: {c["pk"] for c in catalogues}})[product.pk]
    data = product_summary(product, plans)
    data.update({
        "content": product.translated("content"),
        "docs": [{"id": d.pk, "title": d.translated("title"), "content": d.translated("content"),
                  "anchor": f"doc-{d.pk}"}
                 for d in product.docs.all()],
        "catalogues": [{"id": c["pk"], "name": translated_value(c, "name"), "visibility": c["visibility"]}
                           for c in catalogues],
        "specs": [spec_data(product, spec) for spec in product.specs.all()],
        "request_access_url": request_access_url(product),
        "preview_url": image_url(product, "preview"),
    })
    return data


def visible_product(user: Any, slug: str) -> Product | None:
    """The product at `slug` if `user` may see it (with its provider, APIs and docs), else None."""
    return (visible_products(user).filter(slug=slug).select_related("provider").defer("provider__secret")
            .prefetch_related(Prefetch("apis", _apis()), "docs", Prefetch("specs", _specs())).first())


def visible_graphql_api(user: Any, slug: str, api_pk: int) -> tuple[Product, ProductAPI] | None:
    """A product's API with its GraphQL schema, if `user` may see the product and the API has one."""
    api = (ProductAPI.objects.select_related("product", "product__provider")
           .defer("oas_document", "gateway_document", "product__provider__secret")
           .filter(pk=api_pk, product__slug=slug, product__in=visible_products(user).values("pk"))
           .exclude(graphql_schema="", gateway_graphql_schema="").first())
    return (api.product, api) if api is not None else None


def visible_spec(user: Any, slug: str, spec_pk: int) -> tuple[Product, ProductSpec] | None:
    """A product's specification, if `user` may see the product."""
    spec = (ProductSpec.objects.select_related("product")
            .filter(pk=spec_pk, product__slug=slug, product__in=visible_products(user).values("pk")).first())
    return (spec.product, spec) if spec is not None else None


def graphql_introspection(schema: str) -> dict[str, Any] | None:
    """What the GraphiQL playground is given: the stored schema's introspection result."""
    return graphql_schemas.introspection(schema)


def visible_api(user: Any, slug: str, api_pk: int) -> tuple[Product, ProductAPI] | None:
    """A product's API, if `user` may see the product and the API has an OpenAPI document. The
    documents themselves are not loaded: the API's served document (its metadata, not its bytes;
    live.served_documents) comes with it."""
    api = (ProductAPI.objects.select_related("product", "product__provider", "served")
           .defer("oas_document", "gateway_document", "served__body", "served__gzipped")
           .filter(pk=api_pk, product__slug=slug, product__in=visible_products(user).values("pk"))
           .exclude(oas_document="", gateway_document="").first())
    return (api.product, api) if api is not None else None


def document_format(text: str) -> str:
    """"json" or "yaml": how an OpenAPI document is stored (it is served as it is)."""
    return documents.format_of(text)
