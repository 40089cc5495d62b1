"""A sample portal with something on every page of both portals, and the list of those pages: what the
page-by-page tests (axe's accessibility run, the pseudo-locale run) visit, seeded in one place so that a
page added to one run is seeded for the other too.
"""

from __future__ import annotations

import json
import struct
import zlib
from datetime import timedelta
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from forecourt.access.models import AccessRequest, App, Credential, CustomCredential
from forecourt.accounts.models import (
    CustomAttribute,
    InviteCode,
    Organisation,
    OrganisationRequest,
    Role,
    Team,
    User,
)
from forecourt.adminportal import registry
from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI, ProductDoc, ProductSpec
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.notify.models import EmailLog
from forecourt.oauth.models import ClientType, OAuthProvider
from forecourt.providers.models import Provider
from forecourt.sso.models import SsoProfile
from forecourt.webhooks.models import Delivery, Event, Webhook

from .. import themes_support
from ..conftest import PASSWORD

OAS = {"openapi": "3.0.3",
       "info": {"title": "Weather", "version": "1.0", "description": "Forecasts by the minute."},
       "servers": [{"url": "https://gateway.example.com/weather"}],
       "paths": {"/forecast": {"get": {"summary": "Today's forecast", "operationId": "forecast",
                                       "parameters": [{"name": "city", "in": "query", "required": True,
                                                       "schema": {"type": "string"}}],
                                       "responses": {"200": {"description": "The forecast"}}}}}}


def png(width: int = 8, height: int = 8) -> bytes:
    """A small blue PNG for the product's logo (no image library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x4f\xb5" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def seed(admin: User) -> dict[str, Any]:
    """A portal with something on every page: products with a logo, APIs and documents, plans, a
    catalogue, an organisation with a consumer-admin and a developer, their app with an approved
    request and a credential, a pending request, a blog post, a content page, webhooks, a theme."""
    org = Organisation.objects.create(name="Acme Rockets")
    team = Team.objects.create(organisation=org, name="Default Team", is_default=True)
    Team.objects.create(organisation=org, name="Launch Team")
    lead = User.objects.create_user("rita@acme.example", PASSWORD, first_name="Rita", last_name="Rocket",
                                    organisation=org, role=Role.CONSUMER_ADMIN)
    dev = User.objects.create_user("dora@acme.example", PASSWORD, first_name="Dora", last_name="Dev",
                                   organisation=org, role=Role.CONSUMER_TEAM_MEMBER)
    for user in (lead, dev):
        user.teams.add(team)
    InviteCode.objects.create(code="ACME-2026", organisation=org, team=team)
    CustomAttribute.objects.create(name="Company size", identifier="company-size")
    OrganisationRequest.objects.create(name="Orbital Ltd", requester=dev)

    provider = Provider.objects.create(name="Tyk Dashboard", url="https://dashboard.example.com",
                                       secret="dashboard-api-key", org_id="org1")
    weather = Product.objects.create(
        name="weather", display_name="Weather API", slug="weather", published=True,
        description="Everything about the weather, by the minute.",
        content="## Getting going\n\nAsk for a key, then call the API.")
    weather.logo.save("weather.png", ContentFile(png()), save=True)
    Product.objects.create(name="maps", display_name="Maps API", slug="maps", published=True,
                           description="Tiles and geocoding.")
    api = ProductAPI.objects.create(product=weather, name="Forecasts", api_id="forecasts",
                                    listen_path="/weather/", auth_type="authToken", oas_document=json.dumps(OAS))
    ProductDoc.objects.create(product=weather, title="Getting started",
                              content="1. Create an app.\n2. Request access.\n3. Call `GET /forecast`.")
    ProductSpec.objects.create(product=weather, spec_alias="weather-spec", oas_document=json.dumps(OAS))
    gold = Plan.objects.create(name="gold", display_name="Gold", rate_limit=100, rate_per=60)
    Plan.objects.create(name="free", display_name="Free", rate_limit=10, rate_per=60, quota_unlimited=False,
                        quota_max=1000)
    shop = Catalogue.objects.create(name="Public APIs", visibility=Catalogue.Visibility.PUBLIC)
    shop.products.set(Product.objects.all())
    shop.plans.set(Plan.objects.all())

    app = App.objects.create(name="Rocket tracker", description="Tracks launches.", owner=lead, organisation=org)
    approved = AccessRequest.objects.create(app=app, catalogue=shop, plan=gold, requester=lead,
                                            status=AccessRequest.Status.APPROVED)
    approved.products.add(weather)
    Credential.objects.create(app=app, access_request=approved, provider_reference="key-1", secret_hint="9f3a",
                              status=Credential.Status.ACTIVE)
    other = App.objects.create(name="Launch board", owner=dev, organisation=org)
    pending = AccessRequest.objects.create(app=other, catalogue=shop, plan=gold, requester=dev)
    pending.products.add(weather)
    CustomCredential.objects.create(app=app, alias="Imported key", plan=gold, key_hint="77ab")

    news = Category.objects.create(name="News")
    post = Post.objects.create(title="Ten tips for rockets", path="ten-tips", status=Post.Status.PUBLISHED,
                               lede="Read this before launch.", content="## Tip one\n\nCheck the weather.",
                               author_name="Ada", published_at=timezone.now() - timedelta(days=1))
    post.categories.add(news)
    about = Page.objects.create(path="/about-us", title="About us", status=Page.Status.PUBLISHED)
    ContentBlock.objects.create(page=about, name="Content", content="We make **rockets**.")
    MenuItem.objects.create(label="About", page=about, position=20)

    hook = Webhook.objects.create(name="Ops", url="https://hooks.example.com/forecourt",
                                  events=["UserRegistered"])
    event = Event.objects.create(name="UserRegistered", message={"Email": dev.email})
    Delivery.objects.create(event=event, endpoint=hook, status="failed", attempts=1, response_code=500,
                            error="HTTP 500")
    EmailLog.objects.create(to=dev.email, subject="Welcome", template="welcome")
    oauth = OAuthProvider.objects.create(name="Acme IdP", well_known_url="https://idp.example.com/.well-known/openid-configuration",
                                         registration_endpoint="https://idp.example.com/register")
    ClientType.objects.create(provider=oauth, name="Web app", token_endpoint_auth_method="client_secret_basic")
    SsoProfile.objects.create(key="corp", name="Corp", protocol="oidc",
                              oidc_discovery_url="https://idp.example.com/.well-known/openid-configuration",
                              oidc_client_id="portal", oidc_client_secret="s3cret-value")
    themes_support.store(name="acme", actor=admin)
    return {"org": org, "lead": lead, "dev": dev, "product": weather, "api": api, "app": app, "post": post,
            "pending": pending, "provider": provider, "about": about}


def live_public_pages(portal) -> list[tuple[str, str]]:
    product, api = portal["product"], portal["api"]
    spec = product.specs.first()
    return [
        ("home", "/"),
        ("catalogue", reverse("live:catalogue")),
        ("product", reverse("live:product", args=[product.slug])),
        ("api-docs", reverse("live:api_docs", args=[product.slug, api.pk])),
        ("spec-docs", reverse("live:spec_docs", args=[product.slug, spec.pk])),
        ("sign-in", reverse("live:sign_in")),
        ("sign-up", reverse("live:sign_up")),
        ("password-forgotten", reverse("live:password_forgotten")),
        ("password-reset", reverse("live:password_reset", args=reset_link(portal["dev"]))),
        ("sign-up-done", reverse("live:sign_up_done")),
        ("blog", reverse("live:blog")),
        ("blog-post", reverse("live:blog_post", args=[portal["post"].path])),
        ("content-page", portal["about"].path),
    ]


def live_signed_in_pages(portal) -> list[tuple[str, str]]:
    app, product = portal["app"], portal["product"]
    return [
        ("dashboard", reverse("live:dashboard")),
        ("apps", reverse("live:apps")),
        ("app", reverse("live:app", args=[app.pk])),
        ("app-new", reverse("live:app_create")),
        ("app-edit", reverse("live:app_edit", args=[app.pk])),
        ("request-access", reverse("live:request_access") + f"?product={product.slug}"),
        ("account", reverse("live:my_account")),
        ("api-token", reverse("live:api_token")),
        ("organisation", reverse("live:my_organisation")),
        ("mfa-set-up", reverse("live:authenticator")),
        ("catalogue-signed-in", reverse("live:catalogue")),
        ("product-signed-in", reverse("live:product", args=[product.slug])),
    ]


def reset_link(user) -> tuple[str, str]:
    """The uid and token of a password-reset e-mail's link for `user`."""
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def admin_pages() -> tuple[list[tuple[str, str]], list[str]]:
    """Every Admin Portal page: the fixed ones, then each registry resource's list, add form, edit form
    (or detail page) and row actions. Also what the registry has that the portal above lacks."""
    pages = [
        ("dashboard", reverse("adminportal:dashboard")),
        ("settings", reverse("adminportal:settings")),
        ("themes", reverse("themes:list")),
        ("about", reverse("adminportal:about")),
        ("profile", reverse("adminportal:profile")),
        ("mfa-set-up", reverse("adminportal:authenticator")),
        ("built-in-attributes", reverse("adminportal:default_attributes")),
        ("webhook-new", reverse("adminportal:webhook_create")),
    ]
    missing = []
    deletable = next(r for r in registry.RESOURCES if r.can_delete and r.queryset().exists())
    obj = deletable.queryset().order_by("-pk").first()
    pages.append(("delete-confirm", reverse("adminportal:resource_delete", args=[deletable.slug, obj.pk])))
    for resource in registry.RESOURCES:
        slug = resource.slug
        pages.append((f"{slug}-list", reverse("adminportal:resource_list", args=[slug])))
        if resource.can_create:
            pages.append((f"{slug}-new", reverse("adminportal:resource_create", args=[slug])))
        obj = resource.queryset().order_by("pk").first()
        if obj is None:
            missing.append(slug)
            continue
        if resource.detail_url_name:
            pages.append((f"{slug}-detail", reverse(resource.detail_url_name, args=[obj.pk])))
        elif resource.can_edit:
            pages.append((f"{slug}-edit", reverse("adminportal:resource_edit", args=[slug, obj.pk])))
        for label, suffix in resource.extra_actions:
            action = label.lower().replace(" ", "-")
            pages.append((f"{slug}-{action}", reverse("adminportal:resource_edit", args=[slug, obj.pk]) + suffix))
    return pages, missing
