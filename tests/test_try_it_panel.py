"""The docs page's "Try it" panel data (issue 19), in-process: only the signed-in user's usable
credentials for the product (the visibility rule), never a secret, and the gateway in connect-src."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forecourt.access.models import AccessRequest, App, Credential
from forecourt.accounts.models import Role, User
from forecourt.catalog.models import ProductAPI

from . import csp_support, factories

pytestmark = pytest.mark.django_db

SECRET = "stored-secret-9f8e7d6c5b4a"


@pytest.fixture
def shop():
    provider = factories.provider()
    provider.gateway_url = "https://gateway.example.com:8443/"
    provider.save()
    product = factories.product(published=True, provider=provider)
    api = ProductAPI.objects.create(product=product, api_id="shop", name="Shop API", listen_path="/shop/",
                                    auth_type="authToken", key_in="query", key_name="api_key",
                                    oas_document=json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                                             "paths": {}}))
    plan = factories.plan(provider=provider)
    return api, factories.catalogue([product], [plan]), plan


def credential(shop, app: App, **fields) -> Credential:
    api, catalogue, plan = shop
    request = AccessRequest.objects.create(app=app, catalogue=catalogue, plan=plan, requester=app.owner,
                                           status=AccessRequest.Status.APPROVED)
    request.products.set([api.product])
    return Credential.objects.create(**{"app": app, "access_request": request, "provider_reference": "ref",
                                        "secret_hint": "h" + str(app.pk), "secret": SECRET,
                                        "status": Credential.Status.ACTIVE, **fields})


def teammate(me: User) -> User:
    """Another consumer of `me`'s organisation and team (no password: nobody signs in as them)."""
    other = User.objects.create(email=f"mate{factories.n()}@example.com", organisation=me.organisation,
                                role=Role.CONSUMER_TEAM_MEMBER)
    other.teams.set(me.teams.all())
    return other


def panel(client, api):
    response = client.get(f"/catalogue-products/{api.product.slug}/{api.pk}/docs")
    assert response.status_code == 200
    body = response.content.decode()
    found = re.search(r'<script type="application/json" id="try-it-config">(.*?)</script>', body, re.DOTALL)
    return (json.loads(found.group(1)) if found else None), body, response


def test_the_panel_offers_only_the_users_usable_credentials_and_no_secret(shop, client):
    api = shop[0]
    me = factories.consumer()
    assert panel(client, api)[0] is None  # signed out: no panel
    client.force_login(me)
    assert panel(client, api)[0] is None  # no credential for the product
    mine = credential(shop, factories.app(me, name="Mine"))
    credential(shop, factories.app(me, name="Revoked"), status=Credential.Status.REVOKED)
    credential(shop, factories.app(me, name="Expired"), expires_at=timezone.now() - datetime.timedelta(days=1))
    credential(shop, factories.app(teammate(me), name="A teammate's personal app"))
    shared = credential(shop, factories.app(teammate(me), name="Shared",
                                            visibility=App.Visibility.ORGANISATION))
    data, body, response = panel(client, api)
    assert [c["id"] for c in data["credentials"]] == [shared.pk, mine.pk]
    assert data["credentials"][1] == {"id": mine.pk, "app": "Mine", "kind": "key", "kind_label": "API key",
                                      "hint": mine.secret_hint, "label": f"Mine: API key …{mine.secret_hint}"}
    assert data["key"] == {"in": "query", "name": "api_key"}
    assert data["address"] == "https://gateway.example.com:8443/shop/" and data["proxy_url"] == ""
    assert SECRET not in body
    assert '<script type="module" src="/static/live/try-it.js"></script>' in body
    # The page calls the gateway itself: its origin is in connect-src, whatever the renderer.
    assert csp_support.directives(response["Content-Security-Policy"])["connect-src"] == [
        "'self'", "https://gateway.example.com:8443"]


def test_the_panels_query_count_does_not_grow_with_credentials(shop, client):
    api = shop[0]
    me = factories.consumer()
    client.force_login(me)
    credential(shop, factories.app(me))
    panel(client, api)
    with CaptureQueriesContext(connection) as one:
        panel(client, api)
    for _ in range(5):
        credential(shop, factories.app(me))
    with CaptureQueriesContext(connection) as six:
        assert len(panel(client, api)[0]["credentials"]) == 6
    assert len(six) == len(one)


def test_the_oauth_callback_page_keeps_nothing_and_keeps_the_opener(shop, client):
    """The identity provider's redirect lands here with the code in the query: no cache keeps the
    page, no referrer carries the code on, and the opener policies leave the popup its opener."""
    response = client.get("/portal/try-it/callback?code=the-code-1234567890&state=s")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "no-referrer"
    assert response["Cross-Origin-Opener-Policy"] == "unsafe-none"
    body = response.content.decode()
    assert "the-code-1234567890" not in body and '<script src="/static/live/try-it-callback.js"></script>' in body
    api = shop[0]
    me = factories.consumer()
    client.force_login(me)
    credential(shop, factories.app(me))
    docs = client.get(f"/catalogue-products/{api.product.slug}/{api.pk}/docs")
    assert docs["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
