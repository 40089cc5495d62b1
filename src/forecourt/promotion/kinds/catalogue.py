"""Providers, products (with their APIs, getting-started documents and specifications), plans and
catalogues as configuration files give them.

Products are matched by slug, plans, catalogues and providers by name; a product's or plan's policy
ID (`reference_id`) travels with it, so a policy promoted with the same ID (tyk-sync keeps IDs) stays
linked. A provider's API key is a secret reference. A product's images are files beside the
configuration (`assets/products/<slug>/logo-<hash>.png`): the name changes with the content, so a
new image shows in the plan.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from forecourt.accounts.models import Organisation
from forecourt.catalog import services as catalog
from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI, ProductDoc, ProductSpec
from forecourt.providers.models import Provider

from .base import (
    BOOL,
    INT,
    STRING,
    STRINGS,
    TEXT,
    Child,
    ChildKind,
    Context,
    Field,
    Invalid,
    Kind,
    choice,
    nullable,
    translations,
)


def _comma(value: Any) -> str:
    return ", ".join(value or [])


class Providers(Kind):
    name = "providers"
    model = Provider
    resource = "providers"
    description = "Gateway connections (the Tyk Dashboard); the API key by reference."
    fields = (
        Field("type", choice(Provider.Type.values)),
        Field("url", STRING),
        Field("secret", secret=True),
        Field("org_id", STRING),
        Field("policy_tags", STRINGS, to_form=_comma),
        Field("insecure_skip_verify", BOOL),
        Field("gateway_url", STRING),
    )


class ProductAPIs(ChildKind):
    name = "products.apis"
    model = ProductAPI
    resource = "product-apis"
    key = "api_id"
    parent_form_field = "product"
    fields = (
        Field("name", STRING),
        Field("listen_path", STRING),
        Field("auth_type", STRING),
        Field("document_source", choice(ProductAPI.DocumentSource.values)),
        Field("oas_document", TEXT),
        Field("graphql_schema", TEXT),
    )


class ProductDocs(ChildKind):
    name = "products.docs"
    model = ProductDoc
    resource = "product-docs"
    key = "title"
    parent_form_field = "product"
    fields = (Field("position", INT), Field("content", TEXT), translations(ProductDoc))

    def order_of(self, obj: Any) -> Any:
        return (obj.position, obj.title)


class ProductSpecs(ChildKind):
    name = "products.specs"
    model = ProductSpec
    resource = "product-specs"
    key = "name"
    parent_form_field = "product"
    fields = (Field("spec_alias", STRING), Field("oas_document", TEXT), Field("graphql_schema", TEXT),
              Field("asyncapi_document", TEXT))


class _Named(Kind):
    """Products and plans: a new one given only a name or only a display name takes it for both, as
    the Admin API's create does (catalog.services.default_names)."""

    def form_values(self, values: dict[str, Any], obj: Any, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
        data, files = super().form_values(values, obj, ctx)
        if obj is None or not obj.pk:
            name, display = catalog.default_names(data.get("name") or None, data.get("display_name") or None)
            data["name"], data["display_name"] = name or "", display or ""
        return data, files


def _image_asset(product: Product, kind: str, ctx: Context) -> str | None:
    stored = getattr(product, kind)
    if not stored:
        return None
    try:
        with stored.open("rb") as handle:
            content = handle.read()
    except OSError:
        return None  # a file lost from storage: exported as no image, and the plan will say so
    digest = hashlib.sha256(content).hexdigest()[:12]
    extension = os.path.splitext(stored.name)[1].lower() or ".bin"
    path = f"assets/products/{product.slug}/{kind}-{digest}{extension}"
    ctx.assets[path] = content
    return path


class Products(_Named):
    name = "products"
    model = Product
    resource = "products"
    key = "slug"
    description = "API products, with their APIs, getting-started documents and specifications."
    fields = (
        Field("name", STRING),
        Field("display_name", STRING),
        Field("description", TEXT),
        Field("content", TEXT),
        Field("logo", nullable(STRING)),
        Field("preview", nullable(STRING)),
        Field("tags", STRINGS, to_form=_comma),
        Field("documentation_only", BOOL),
        Field("published", BOOL),
        Field("featured", BOOL),
        Field("provider", ref="providers"),
        Field("reference_id", STRING),
        translations(Product),
    )
    children = (Child("apis", ProductAPIs()), Child("docs", ProductDocs()), Child("specs", ProductSpecs()))

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        if f.name in ("logo", "preview"):
            return _image_asset(obj, f.name, ctx) if obj.pk else None
        return super().export_field(obj, f, ctx)

    def form_values(self, values: dict[str, Any], obj: Any, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
        data, files = super().form_values(values, obj, ctx)
        for kind in ("logo", "preview"):
            wanted = values.get(kind)
            current = _image_asset(obj, kind, Context()) if obj is not None and obj.pk else None
            data.pop(kind, None)
            if wanted == current:
                continue  # unchanged: the form keeps the stored file
            if not wanted:
                data[f"{kind}-clear"] = True
                continue
            content = ctx.asset(wanted)
            if content is None:
                raise Invalid({kind: [f"the file {wanted} is missing beside the configuration"]})
            files[kind] = SimpleUploadedFile(os.path.basename(wanted), content)
        return data, files


class Plans(_Named):
    name = "plans"
    model = Plan
    resource = "plans"
    description = "Plans: rate limits, quotas and key expiry."
    fields = (
        Field("display_name", STRING),
        Field("description", TEXT),
        Field("rate_unlimited", BOOL),
        Field("rate_limit", INT),
        Field("rate_per", INT),
        Field("quota_unlimited", BOOL),
        Field("quota_max", INT),
        Field("quota_renewal_seconds", INT),
        Field("key_expires_in", INT),
        Field("auto_approve", BOOL),
        Field("provider", ref="providers"),
        Field("reference_id", STRING),
        translations(Plan),
    )


AUDIENCE = {"type": "object", "properties": {"organisation": STRING, "team": STRING},
            "required": ["organisation"], "additionalProperties": False}


class Catalogues(Kind):
    name = "catalogues"
    model = Catalogue
    resource = "catalogues"
    description = "Catalogues: which products and plans, seen by everyone or by chosen organisations and teams."
    fields = (
        Field("visibility", choice(Catalogue.Visibility.values)),
        Field("products", ref="products", many=True),
        Field("plans", ref="plans", many=True),
        Field("audiences", {"type": "array", "items": AUDIENCE}),
        translations(Catalogue),
    )

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        if f.name != "audiences":
            return super().export_field(obj, f, ctx)
        if not obj.pk:
            return []
        rows = [{"organisation": a.organisation.name, **({"team": a.team.name} if a.team_id else {})}
                for a in obj.audiences.select_related("organisation", "team")]
        return sorted(rows, key=lambda r: (r["organisation"], r.get("team", "")))

    def form_values(self, values: dict[str, Any], obj: Any, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
        data, files = super().form_values(values, obj, ctx)
        keys = []
        for audience in values.get("audiences") or []:
            organisation = Organisation.objects.filter(name=audience["organisation"]).first()
            if organisation is None:
                keys.append("org:-1")  # refused by the form's choices, named by the plan first
            elif audience.get("team"):
                team = organisation.teams.filter(name=audience["team"]).first()
                keys.append(f"team:{team.pk}" if team is not None else "team:-1")
            else:
                keys.append(f"org:{organisation.pk}")
        data["audiences"] = keys
        return data, files

    def references(self, values: dict[str, Any]) -> list[tuple[str, str, tuple[str | int, ...]]]:
        out = super().references(values)
        for index, audience in enumerate(values.get("audiences") or []):
            out.append(("organisations", audience.get("organisation", ""), ("audiences", index, "organisation")))
            if audience.get("team"):
                out.append(("organisations.teams", f"{audience.get('organisation')}/{audience['team']}",
                            ("audiences", index, "team")))
        return out
