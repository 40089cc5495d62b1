"""The catalogue pages' plain data: products, plans, APIs and docs as dicts for the theme templates.

What a user may see is decided by forecourt.catalog.services.visible_catalogues / visible_products;
everything here starts from those. Each function runs a fixed number of queries, whatever the
number of products.
"""

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.db.models import Prefetch, QuerySet

from forecourt.catalog import documents
from forecourt.catalog.models import AUTH_TYPES, Catalogue, Plan, Product, ProductAPI, ProductDoc
from forecourt.catalog.services import visible_catalogues, visible_products
from forecourt.themes.urls_names import reverse_live

PER_PAGE = 20
MAX_QUERY = 200  # characters of a search that are used

AUTH_LABELS = AUTH_TYPES  # one list, in forecourt.catalog.models: the Admin Portal offers the same
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
              ".webp": "image/webp"}


def auth_label(auth_type: str) -> str:
    return AUTH_LABELS.get(auth_type, auth_type)


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
        from urllib.parse import urlencode

        values = {"q": self.q, "catalogue": self.catalogue or "", "tag": self.tag, "auth": self.auth,
                  "page": self.page if self.page > 1 else "", **changes}
        pairs = [(k, v) for k, v in values.items() if v not in ("", None)]
        return "?" + urlencode(pairs) if pairs else ""


@dataclass
class _Candidate:
    pk: int
    texts: list[str]
    tags: list[str]
    catalogues: set[int] = field(default_factory=set)
    auth_types: set[str] = field(default_factory=set)


def _matches(candidate: _Candidate, filters: Filters, words: list[str]) -> bool:
    if filters.catalogue is not None and filters.catalogue not in candidate.catalogues:
        return False
    if filters.tag and filters.tag.casefold() not in {t.casefold() for t in candidate.tags}:
        return False
    if filters.auth and filters.auth not in candidate.auth_types:
        return False
    haystack = " ".join(candidate.texts + candidate.tags).casefold()
    return all(word in haystack for word in words)


def _tags(raw: Any) -> list[str]:
    return [str(t) for t in raw if isinstance(t, (str, int, float)) and str(t).strip()] if isinstance(raw, list) else []


def public_tags(tags: Any, policy_tags: Any) -> list[str]:
    """A product's tags as the Live Portal shows them (cards, product page, the tag filter, search):
    without its provider's policy tags (any case). Those tags (Provider.policy_tags, e.g. "portal")
    select which of the provider's policies are imported, so every imported product carries them:
    they are the provider's business and tell consumers nothing. The Admin Portal keeps them all."""
    hidden = {t.casefold() for t in _tags(policy_tags)}
    return [t for t in _tags(tags) if t.casefold() not in hidden]


def catalogue_page(user: Any, filters: Filters) -> dict[str, Any]:
    """The catalogue page's context: the visible products matching `filters`, one page of them,
    and the choices of the filters (visible catalogues, tags and auth types)."""
    catalogues = list(visible_catalogues(user).values("pk", "name", "visibility"))
    products = visible_products(user)
    candidates: dict[int, _Candidate] = {
        row["pk"]: _Candidate(row["pk"], [row["display_name"], row["name"], row["description"]],
                              public_tags(row["tags"], row["provider__policy_tags"]))
        for row in products.values("pk", "display_name", "name", "description", "tags", "provider__policy_tags")
    }
    memberships = Catalogue.products.through.objects.filter(
        catalogue_id__in=visible_catalogues(user).values("pk"), product_id__in=products.values("pk"))
    for catalogue_id, product_id in memberships.values_list("catalogue_id", "product_id"):
        if product_id in candidates:
            candidates[product_id].catalogues.add(catalogue_id)
    for product_id, auth_type in (ProductAPI.objects.filter(product_id__in=products.values("pk"))
                                  .exclude(auth_type="").values_list("product_id", "auth_type")):
        if product_id in candidates:
            candidates[product_id].auth_types.add(auth_type)

    words = filters.q.casefold().split()
    matching = [c.pk for c in candidates.values() if _matches(c, filters, words)]  # in display-name order
    count = len(matching)
    pages = max(1, -(-count // PER_PAGE))
    page = min(max(filters.page, 1), pages)
    shown = matching[(page - 1) * PER_PAGE:page * PER_PAGE]

    all_tags: dict[str, str] = {}
    for candidate in candidates.values():
        for tag in candidate.tags:
            all_tags.setdefault(tag.casefold(), tag)
    auth_types = sorted({a for c in candidates.values() for a in c.auth_types})
    url = reverse_live("catalogue")
    return {
        "products": product_cards(shown, {pk: candidates[pk].catalogues for pk in shown}),
        "filters": {"q": filters.q, "catalogue": filters.catalogue, "tag": filters.tag, "auth": filters.auth},
        "choices": {
            "catalogues": [{"id": c["pk"], "name": c["name"], "visibility": c["visibility"]} for c in catalogues],
            "tags": sorted(all_tags.values(), key=str.casefold),
            "auth_types": [{"value": a, "label": auth_label(a)} for a in auth_types],
        },
        "pagination": {
            "page": page, "pages": pages, "count": count, "per_page": PER_PAGE,
            "previous_url": url + filters.query(page=page - 1 if page > 2 else "") if page > 1 else None,
            "next_url": url + filters.query(page=page + 1) if page < pages else None,
        },
    }


def product_cards(product_ids: list[int], memberships: dict[int, set[int]]) -> list[dict[str, Any]]:
    """The products `product_ids` (already known to be visible), in that order, as catalogue cards;
    `memberships` gives each product's visible catalogues, whose plans it shows."""
    if not product_ids:
        return []
    products = {p.pk: p for p in Product.objects.filter(pk__in=product_ids).defer("content")
                .select_related("provider").defer("provider__secret").prefetch_related(
        Prefetch("apis", _apis()), Prefetch("docs", ProductDoc.objects.only("pk", "product_id", "title", "position")))}
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
        links = (Catalogue.plans.through.objects.filter(catalogue_id__in=list(products_of), plan__hidden_by_sync=False)
                 .select_related("plan").order_by("plan__display_name", "plan_id"))
        for link in links:
            for product_id in products_of[link.catalogue_id]:
                out[product_id].setdefault(link.plan_id, plan_data(link.plan))
    return {pk: list(plans.values()) for pk, plans in out.items()}


# -- products, plans, APIs, docs as plain data ------------------------------------------------------

def plan_data(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "name": plan.display_name,
        "description": plan.description,
        "limits": plan.limits_in_words,
        "rate_unlimited": plan.rate_unlimited,
        "rate_limit": plan.rate_limit,
        "rate_per": plan.rate_per,
        "quota_unlimited": plan.quota_unlimited,
        "quota_max": plan.quota_max,
        "quota_renewal_seconds": plan.quota_renewal_seconds,
        "key_expires_in": plan.key_expires_in,
        "auto_approve": plan.auto_approve,
    }


def logo_url(product: Product) -> str | None:
    if not product.logo or PurePosixPath(product.logo.name or "").suffix.lower() not in LOGO_TYPES:
        return None
    return reverse_live("product_logo", product.slug)


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
    }


def product_summary(product: Product, plans: list[dict[str, Any]]) -> dict[str, Any]:
    """A product as the catalogue shows it (its APIs and docs prefetched)."""
    apis = [api_data(product, api) for api in product.apis.all()]
    url = reverse_live("product", product.slug)
    return {
        "id": product.pk,
        "name": product.display_name,
        "slug": product.slug,
        "url": url,
        "description": product.description,
        "logo_url": logo_url(product),
        "tags": public_tags(product.tags, product.provider.policy_tags if product.provider is not None else []),
        "documentation_only": product.documentation_only,
        "auth_types": [{"value": a, "label": auth_label(a)} for a in sorted({a["auth_type"] for a in apis
                                                                             if a["auth_type"]})],
        "apis": apis,
        "docs": [{"id": d.pk, "title": d.title, "url": f"{url}#doc-{d.pk}"} for d in product.docs.all()],
        "plans": plans,
    }


def request_access_url(product: Product) -> str | None:
    """Where "Request access" leads: the developer area's `request_access` page for this product,
    or its planned address until that page exists. None for documentation-only products."""
    from urllib.parse import urlencode

    from django.urls import NoReverseMatch

    if product.documentation_only:
        return None
    try:
        base = reverse_live("request_access")
    except NoReverseMatch:
        base = "/apps/request-access"
    return f"{base}?{urlencode({'product': product.slug})}"


def product_page(user: Any, product: Product) -> dict[str, Any]:
    """The product page's `product`: the summary plus its Markdown content, the docs' content (in
    order), the catalogues it is shown in (of those `user` sees) and the request-access link."""
    catalogues = list(visible_catalogues(user).filter(products=product).values("pk", "name", "visibility"))
    plans = _plans_by_product({product.pk: {c["pk"] for c in catalogues}})[product.pk]
    data = product_summary(product, plans)
    data.update({
        "content": product.content,
        "docs": [{"id": d.pk, "title": d.title, "content": d.content, "anchor": f"doc-{d.pk}"}
                 for d in product.docs.all()],
        "catalogues": [{"id": c["pk"], "name": c["name"], "visibility": c["visibility"]} for c in catalogues],
        "request_access_url": request_access_url(product),
    })
    return data


def visible_product(user: Any, slug: str) -> Product | None:
    """The product at `slug` if `user` may see it (with its provider, APIs and docs), else None."""
    return (visible_products(user).filter(slug=slug).select_related("provider").defer("provider__secret")
            .prefetch_related(Prefetch("apis", _apis()), "docs").first())


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
