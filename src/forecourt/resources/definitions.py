"""Every resource both admin UIs write and list: its model, its form, what loads a list of it, its
delete rules, how it is saved and deleted, and the objects that belong to one of it.

The Admin Portal adds what its pages show (columns, search, filters, help: adminportal/registry.py);
the Admin API writes through the same definitions (api/forms.py). Querysets load what a list shows
with select_related / prefetch_related / annotate, so a list page runs the same number of queries for
10 rows as for 500 (tests/test_admin_queries.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from forecourt.access import credentials
from forecourt.access import services as access_services
from forecourt.access.models import AccessRequest, App, Credential, CustomCredential
from forecourt.accounts import attributes
from forecourt.accounts import services as accounts
from forecourt.accounts.models import (
    CustomAttribute,
    InviteCode,
    Organisation,
    OrganisationRequest,
    Team,
    User,
    UserAttributeValue,
)
from forecourt.audit.models import AuditEntry
from forecourt.blog import forms as blog_forms
from forecourt.blog.models import Category, Post
from forecourt.catalog import services as catalog
from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI, ProductDoc, ProductSpec
from forecourt.content import forms as content_forms
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.notify.models import EmailLog
from forecourt.oauth import forms as oauth_forms
from forecourt.oauth import services as oauth_services
from forecourt.oauth.models import ClientType, OAuthProvider
from forecourt.portalconfig.models import PortalSettings
from forecourt.providers import jobs as provider_jobs
from forecourt.providers.models import Provider
from forecourt.sso import forms as sso_forms
from forecourt.sso import profiles as sso_profiles
from forecourt.sso.models import SsoIdentity, SsoProfile
from forecourt.webhooks import headers as webhook_headers
from forecourt.webhooks.forms import WebhookForm
from forecourt.webhooks.models import Delivery, Webhook

from . import forms as f
from .forms import ModelForm


def count_of(model: type[models.Model], field_name: str) -> Coalesce:
    """The number of `model` rows whose `field_name` is the list's row, for annotate().

    A correlated subquery, computed for the rows of the page only; annotate(Count(...)) would
    join and group the whole table before the page is cut."""
    rows = (model._default_manager.filter(**{field_name: OuterRef("pk")}).order_by()
            .values(field_name).annotate(n=Count("*")).values("n"))
    return Coalesce(Subquery(rows), 0)


@dataclass(frozen=True)
class Related:
    """Objects that belong to one object of a resource (a product's APIs and documents).

    `rows(parent)` is one query whatever the number of rows; `slug` is the rows' resource;
    `parent_field` is the rows' form field that names the parent."""

    slug: str
    parent_field: str
    rows: Callable[[Any], QuerySet[Any]]


@dataclass(frozen=True)
class Definition:
    slug: str
    model: type[models.Model]
    form: type[ModelForm] | None
    # What a list of it loads: each row with what it shows, in a constant number of queries.
    queryset: Callable[[], QuerySet[Any]]
    delete_blockers: Callable[[Any, User], list[str]] | None = None
    # Whether an object may be deleted at all, from what it already holds (no queries): the
    # Default Organisation never can be; others are checked by delete_blockers when asked.
    row_deletable: Callable[[Any], bool] = lambda obj: True
    # Saves the form's object; the default is form.save(). Returns the saved object.
    saver: Callable[[Any, User], Any] | None = None
    # Deletes the object; the default is obj.delete(). Called after delete_blockers found nothing.
    deleter: Callable[[Any, User], None] | None = None
    related: Sequence[Related] = field(default_factory=tuple)


def _save_provider(form: Any, actor: Any) -> Provider:
    """Save a provider; a new one gets its first sync queued in the same transaction."""
    creating = form.instance.pk is None
    provider: Provider = form.save()
    if creating:
        provider_jobs.first_sync(provider)
    return provider


def _save_user(form: Any, actor: Any) -> User:
    """Save a user, and the custom attributes' values its form checked (the Admin Portal's)."""
    user = accounts.save_user(form.save(commit=False), actor, teams=form.cleaned_data.get("teams"))
    form.save_attributes(user)
    return user


PRODUCT_APIS = Related("product-apis", "product", catalog.apis_of)
PRODUCT_DOCS = Related("product-docs", "product", catalog.docs_of)
APP_CUSTOM_CREDENTIALS = Related("custom-credentials", "app",
                                 lambda app: CustomCredential.objects.filter(app=app).select_related("plan"))
PRODUCT_SPECS = Related("product-specs", "product", catalog.specs_of)
# A product's OAuth client types: with any, it is an OAuth/DCR product (forecourt.access.dcr).
PRODUCT_CLIENT_TYPES = Related("client-types", "products",
                               lambda product: ClientType.objects.filter(products=product).select_related("provider"))

DEFINITIONS: list[Definition] = [
    Definition(
        slug="providers", model=Provider, form=f.ProviderForm,
        queryset=lambda: provider_jobs.with_syncing(
            Provider.objects.annotate(n_products=count_of(Product, "provider"))),
        delete_blockers=catalog.provider_delete_blockers, saver=_save_provider,
    ),
    Definition(
        slug="products", model=Product, form=f.ProductForm,
        queryset=lambda: Product.objects.select_related("provider").annotate(
            n_apis=count_of(ProductAPI, "product"), n_client_types=count_of(ClientType.products.through, "product")),
        delete_blockers=catalog.product_delete_blockers, saver=catalog.save_with_push,
        related=(PRODUCT_APIS, PRODUCT_DOCS, PRODUCT_SPECS, PRODUCT_CLIENT_TYPES),
    ),
    Definition(
        slug="product-apis", model=ProductAPI, form=f.ProductAPIForm,
        queryset=lambda: ProductAPI.objects.select_related("product"),
        saver=catalog.save_product_api, deleter=catalog.delete_product_api,
    ),
    Definition(
        slug="product-docs", model=ProductDoc, form=f.ProductDocForm,
        queryset=lambda: ProductDoc.objects.select_related("product"),
    ),
    Definition(
        slug="product-specs", model=ProductSpec, form=f.ProductSpecForm,
        queryset=lambda: ProductSpec.objects.select_related("product").defer("oas_document", "graphql_schema",
                                                                             "asyncapi_document"),
    ),
    Definition(
        slug="plans", model=Plan, form=f.PlanForm,
        queryset=lambda: Plan.objects.select_related("provider"),
        delete_blockers=catalog.plan_delete_blockers, saver=catalog.save_with_push,
    ),
    Definition(
        slug="catalogues", model=Catalogue, form=f.CatalogueForm,
        queryset=lambda: Catalogue.objects.annotate(n_products=count_of(Catalogue.products.through, "catalogue"),
                                                    n_plans=count_of(Catalogue.plans.through, "catalogue")),
        delete_blockers=catalog.catalogue_delete_blockers, saver=catalog.save_catalogue,
    ),
    Definition(
        slug="organisations", model=Organisation, form=f.OrganisationForm,
        queryset=lambda: Organisation.objects.annotate(n_users=count_of(User, "organisation"),
                                                       n_teams=count_of(Team, "organisation")),
        row_deletable=lambda o: not o.is_default,
        delete_blockers=accounts.organisation_delete_blockers,
        saver=lambda form, actor: accounts.save_organisation(form.save(commit=False), actor),
    ),
    Definition(
        slug="teams", model=Team, form=f.TeamForm,
        queryset=lambda: Team.objects.select_related("organisation").annotate(
            n_members=count_of(User.teams.through, "team")),
        row_deletable=lambda t: not t.is_default,
        delete_blockers=accounts.team_delete_blockers,
    ),
    Definition(
        slug="users", model=User, form=f.UserForm,
        queryset=lambda: User.objects.select_related("organisation").prefetch_related(
            "teams", Prefetch("attribute_values", UserAttributeValue.objects.select_related("attribute"))),
        delete_blockers=accounts.user_delete_blockers, saver=_save_user,
    ),
    Definition(
        slug="custom-attributes", model=CustomAttribute, form=f.CustomAttributeForm,
        queryset=lambda: CustomAttribute.objects.annotate(n_values=count_of(UserAttributeValue, "attribute")),
        deleter=attributes.delete_attribute,
    ),
    Definition(
        slug="invite-codes", model=InviteCode, form=f.InviteCodeForm,
        queryset=lambda: InviteCode.objects.select_related("organisation", "team"),
    ),
    Definition(
        slug="organisation-requests", model=OrganisationRequest, form=None,
        queryset=lambda: OrganisationRequest.objects.select_related("requester", "decided_by"),
    ),
    Definition(
        slug="apps", model=App, form=f.AppForm,
        queryset=lambda: App.objects.select_related("owner", "organisation"),
        deleter=credentials.delete_app, saver=access_services.save_app, related=(APP_CUSTOM_CREDENTIALS,),
    ),
    Definition(
        slug="custom-credentials", model=CustomCredential, form=f.CustomCredentialForm,
        queryset=lambda: CustomCredential.objects.select_related("app", "plan"),
    ),
    Definition(
        slug="access-requests", model=AccessRequest, form=None,
        queryset=lambda: AccessRequest.objects.select_related("app", "plan", "catalogue", "requester"),
    ),
    Definition(
        slug="credentials", model=Credential, form=None,
        queryset=lambda: Credential.objects.select_related("app", "provider"),
    ),
    Definition(
        slug="audit-log", model=AuditEntry, form=None,
        queryset=lambda: AuditEntry.objects.all(),
    ),
    Definition(
        slug="pages", model=Page, form=content_forms.PageForm,
        queryset=lambda: Page.objects.annotate(n_blocks=count_of(ContentBlock, "page")),
    ),
    Definition(
        slug="content-blocks", model=ContentBlock, form=content_forms.ContentBlockForm,
        queryset=lambda: ContentBlock.objects.select_related("page").order_by("page__path", "position", "pk"),
    ),
    Definition(
        slug="menu-items", model=MenuItem, form=content_forms.MenuItemForm,
        queryset=lambda: MenuItem.objects.select_related("page", "parent").order_by("menu", "position", "pk"),
    ),
    Definition(
        slug="posts", model=Post, form=blog_forms.PostForm,
        queryset=lambda: Post.objects.prefetch_related("categories").order_by("-published_at", "-pk"),
    ),
    Definition(
        slug="post-categories", model=Category, form=blog_forms.CategoryForm,
        queryset=lambda: Category.objects.annotate(n_posts=count_of(Post.categories.through, "category")),
    ),
    Definition(
        slug="oauth-providers", model=OAuthProvider, form=oauth_forms.OAuthProviderForm,
        queryset=lambda: OAuthProvider.objects.annotate(n_client_types=count_of(ClientType, "provider")),
        delete_blockers=oauth_services.provider_delete_blockers,
    ),
    Definition(
        slug="client-types", model=ClientType, form=oauth_forms.ClientTypeForm,
        queryset=lambda: ClientType.objects.select_related("provider").prefetch_related("products"),
    ),
    Definition(
        slug="sso-profiles", model=SsoProfile, form=sso_forms.SsoProfileForm,
        queryset=lambda: SsoProfile.objects.select_related("default_team__organisation").defer(
            "saml_metadata_xml", "oidc_client_secret").annotate(n_identities=count_of(SsoIdentity, "profile")),
        saver=sso_profiles.save, deleter=sso_profiles.delete,
    ),
    Definition(
        slug="webhooks", model=Webhook, form=WebhookForm,
        queryset=lambda: Webhook.objects.all(), saver=webhook_headers.save_form,
    ),
    Definition(
        slug="webhook-deliveries", model=Delivery, form=None,
        queryset=lambda: Delivery.objects.select_related("event", "endpoint"),
    ),
    Definition(
        slug="email-log", model=EmailLog, form=None,
        queryset=lambda: EmailLog.objects.order_by("-created_at", "-pk"),
    ),
]

BY_SLUG = {d.slug: d for d in DEFINITIONS}

# The general settings: one row, edited on its own page (not a list), saved through the same audited path.
SETTINGS = Definition(slug="settings", model=PortalSettings, form=f.PortalSettingsForm,
                      queryset=PortalSettings.objects.all)
