"""The API docs page's "Try it" panel in chromium (issue 19): a developer picks their credential,
pastes its secret and gets a 200 from a real HTTP server standing in for the gateway, which
answers 200 only when it received the key where the API's definition says (tests/support/
gateway_standin.py). The secret never appears in a page the portal served nor in a log line."""

import dataclasses
import json
import logging

import httpx
import pytest

from forecourt.access.models import AccessRequest, Credential
from forecourt.catalog.models import ProductAPI

from . import factories
from .conftest import PASSWORD
from .idp.oidc_fixture import oidc_idp
from .support import axe, gateway_standin

__all__ = ["oidc_idp"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEY = "tryit-key-5b2f0c9e1d7a4b3c8e6f"
DOCUMENT = {"openapi": "3.0.3", "info": {"title": "Shop", "version": "1"},
            "paths": {"/pets": {"get": {"summary": "List pets", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 5}}],
                "responses": {"200": {"description": "Pets"}}}}}}


def developer_with_key(consumer, gateway_url: str, *, key_in: str, key_name: str) -> ProductAPI:
    """A published product whose API is at the stand-in, and `consumer`'s app with an active key for it."""
    provider = factories.provider()
    provider.gateway_url = gateway_url
    provider.save()
    product = factories.product(published=True, provider=provider)
    api = ProductAPI.objects.create(product=product, api_id="shop", name="Shop API", listen_path="/shop/",
                                    auth_type="authToken", oas_document=json.dumps(DOCUMENT),
                                    key_in=key_in, key_name=key_name)
    plan = factories.plan(provider=provider)
    catalogue = factories.catalogue([product], [plan])
    app = factories.app(consumer, name="Checkout")
    request = AccessRequest.objects.create(app=app, catalogue=catalogue, plan=plan, requester=consumer,
                                           status=AccessRequest.Status.APPROVED)
    request.products.set([product])
    Credential.objects.create(app=app, access_request=request, provider=provider, provider_reference="key-hash",
                              secret_hint=KEY[-4:], status=Credential.Status.ACTIVE)
    return api


def sign_in(browser, live_server, consumer):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(45_000)  # a busy CI machine
    page = context.new_page()
    page.goto("/auth/password/login")
    page.get_by_label("E-mail").fill(consumer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    return page


def test_a_developer_calls_the_gateway_with_their_key(browser, live_server, consumer, caplog, settings):
    from playwright.sync_api import expect

    caplog.set_level(logging.DEBUG)
    served: list[str] = []
    with gateway_standin.running("/shop/", lambda seen: seen.headers.get("x-api-key") == KEY) as gateway:
        api = developer_with_key(consumer, gateway.url, key_in="header", key_name="X-Api-Key")
        page = sign_in(browser, live_server, consumer)
        page.on("response", lambda r: served.append(r.text()) if r.url.startswith(live_server.url) and
                r.request.resource_type == "document" else None)
        page.goto(f"/catalogue-products/{api.product.slug}/{api.pk}/docs")
        panel = page.get_by_role("region", name="Try it with your credentials")
        expect(panel.get_by_label("Credential")).to_contain_text(f"Checkout: API key …{KEY[-4:]}")
        expect(panel.get_by_label("Operation")).to_contain_text("GET /pets · List pets")
        expect(panel.get_by_role("button", name="Get a token")).to_be_hidden()  # an API key has no token
        panel.get_by_label("Its secret").fill(KEY)
        panel.get_by_role("button", name="Send").click()
        expect(panel.locator("[data-try-it-status]")).to_have_text("200")
        violations = [v for v in axe.run(page) if "try-it" in v.describe()]
        assert not violations, axe.report("try-it panel", violations)
        # The gateway's answer is shown as text, never as markup.
        expect(panel.locator("[data-try-it-body]")).to_contain_text('"<b>Rex</b>"')
        assert panel.locator("[data-try-it-body] b").count() == 0
        call = gateway.calls()[-1]
        assert call.headers["x-api-key"] == KEY and call.query == {"limit": ["5"]}
        assert "authorization" not in call.headers  # the key went where the API's definition says, only there

        # A wrong key is the gateway's 401, shown as it came.
        panel.get_by_label("Its secret").fill("not-the-key")
        panel.get_by_role("button", name="Send").click()
        expect(panel.locator("[data-try-it-status]")).to_have_text("401")

        # Kept for the session only when asked: a reload forgets it otherwise.
        panel.get_by_label("Its secret").fill(KEY)
        page.reload()
        expect(panel.get_by_label("Its secret")).to_have_value("")
        panel.get_by_label("Its secret").fill(KEY)
        panel.get_by_label("Remember it in this tab").check()
        page.reload()
        expect(panel.get_by_label("Its secret")).to_have_value(KEY)

        # Through the portal's proxy once the operator turns it on: the same 200, sent by the portal.
        settings.CONFIG = dataclasses.replace(settings.CONFIG, try_it_proxy=True)
        page.reload()
        before = len(gateway.calls())
        panel.get_by_role("button", name="Send").click()
        expect(panel.locator("[data-try-it-status]")).to_have_text("200")
        relayed = gateway.calls()[before:]
        assert len(relayed) == 1 and relayed[0].headers["x-api-key"] == KEY and "origin" not in relayed[0].headers
        page.context.close()

    assert served and not any(KEY in text for text in served)
    assert not any(KEY in record.getMessage() for record in caplog.records)


def test_a_developer_gets_a_client_credentials_token_and_calls_the_gateway_with_it(
        browser, live_server, consumer, tmp_path):
    """Against the real test OAuth server process (tests/idp/server.py): a client it registered,
    whose secret the developer pastes; the stand-in gateway accepts only a token that server issued."""
    from playwright.sync_api import expect

    from forecourt.oauth.models import ClientType, OAuthProvider

    from .idp.fixture import TestIdP

    idp = TestIdP(tmp_path)
    try:
        made = httpx.post(f"{idp.url}/register", headers={"Authorization": f"Bearer {idp.initial_token}"}, json={
            "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic",
            "scope": "read", "client_name": "Checkout"}, timeout=10).json()

        def valid_token(seen) -> bool:
            auth = seen.headers.get("authorization", "")
            return auth.startswith("Bearer ") and httpx.get(
                f"{idp.url}/introspect-me", headers={"Authorization": auth}, timeout=5).status_code == 200

        with gateway_standin.running("/shop/", valid_token) as gateway:
            api = developer_with_key(consumer, gateway.url, key_in="header", key_name="Authorization")
            oauth = OAuthProvider.objects.create(name="Test IdP", well_known_url=idp.well_known)
            client_type = ClientType.objects.create(provider=oauth, name="Machines", grant_types=["client_credentials"])
            Credential.objects.filter(app__owner=consumer).update(
                type=Credential.Type.DCR_CLIENT, provider_reference=made["client_id"],
                secret_hint=made["client_secret"][-4:],
                provider_data={"oauth_provider_id": oauth.pk, "client_type_id": client_type.pk, "scope": "read"})
            page = sign_in(browser, live_server, consumer)
            page.goto(f"/catalogue-products/{api.product.slug}/{api.pk}/docs")
            panel = page.get_by_role("region", name="Try it with your credentials")
            panel.get_by_label("Its secret").fill("wrong-secret")
            panel.get_by_role("button", name="Get a token").click()
            expect(panel.locator("[data-try-it-token-state]")).to_contain_text("refused")
            panel.get_by_label("Its secret").fill(made["client_secret"])
            panel.get_by_role("button", name="Get a token").click()
            expect(panel.locator("[data-try-it-token-state]")).to_have_text("A token is ready.")
            panel.get_by_role("button", name="Send").click()
            expect(panel.locator("[data-try-it-status]")).to_have_text("200")
            assert gateway.calls()[-1].headers["authorization"].startswith("Bearer ")
            page.context.close()
    finally:
        idp.stop()


def test_a_tyk_oauth_client_gets_its_token_from_the_gateway_and_calls_with_it(browser, live_server, consumer):
    """A client Tyk's Dashboard made (Credential.Type.OAUTH2_CLIENT): the gateway is its authorisation
    server, at `<listen path>oauth/token/` (providers/tyk: `oauth_token_url`); the page asks it for a
    token by the client credentials grant and calls with it. No authorization code button: the gateway
    has no authorization endpoint the portal knows."""
    from playwright.sync_api import expect

    secret = "tyk-oauth-secret-8c1f0e2d"
    with gateway_standin.running("/shop/", lambda seen: seen.headers.get("authorization", "").removeprefix(
            "Bearer ") in gateway.issued, oauth_clients={"tyk-client-1": secret}) as gateway:
        api = developer_with_key(consumer, gateway.url, key_in="header", key_name="Authorization")
        Credential.objects.filter(app__owner=consumer).update(
            type=Credential.Type.OAUTH2_CLIENT, provider_reference="tyk-client-1", secret_hint=secret[-4:])
        page = sign_in(browser, live_server, consumer)
        page.goto(f"/catalogue-products/{api.product.slug}/{api.pk}/docs")
        panel = page.get_by_role("region", name="Try it with your credentials")
        expect(panel.get_by_role("button", name="Get a token")).to_be_visible()
        expect(panel.get_by_role("button", name="Sign in for a token")).to_be_hidden()
        panel.get_by_label("Its secret").fill("wrong-secret")
        panel.get_by_role("button", name="Get a token").click()
        expect(panel.locator("[data-try-it-token-state]")).to_contain_text("refused")
        panel.get_by_label("Its secret").fill(secret)
        panel.get_by_role("button", name="Get a token").click()
        expect(panel.locator("[data-try-it-token-state]")).to_have_text("A token is ready.")
        panel.get_by_role("button", name="Send").click()
        expect(panel.locator("[data-try-it-status]")).to_have_text("200")
        token_calls = [r for r in gateway.calls("POST") if r.path == "/shop/oauth/token/"]
        assert len(token_calls) == 2
        assert gateway.calls()[-1].headers["authorization"] == "Bearer " + next(iter(gateway.issued))
        page.context.close()


def test_a_developer_signs_in_at_the_identity_provider_and_calls_the_gateway_with_the_token(
        browser, live_server, consumer, oidc_idp):
    """Authorization code + PKCE against the real test OpenID Connect provider (tests/idp/oidc_server.py)
    in a popup, back through the portal's callback page; the stand-in gateway accepts only a token
    that provider's userinfo endpoint accepts."""
    from playwright.sync_api import expect

    from forecourt.oauth.models import ClientType, OAuthProvider

    secret = "pkce-client-secret-0a9b8c7d6e"
    oidc_idp.add_client("try-it-client", secret, [f"{live_server.url}/portal/try-it/callback"])
    oidc_idp.set_users({"ada": {"sub": "ada-1", "email": "ada@example.com", "name": "Ada", "groups": []}})

    def valid_token(seen) -> bool:
        auth = seen.headers.get("authorization", "")
        return auth.startswith("Bearer ") and httpx.get(
            f"{oidc_idp.url}/userinfo", headers={"Authorization": auth}, timeout=5).status_code == 200

    with gateway_standin.running("/shop/", valid_token) as gateway:
        api = developer_with_key(consumer, gateway.url, key_in="header", key_name="Authorization")
        oauth = OAuthProvider.objects.create(name="Test OIDC", well_known_url=oidc_idp.discovery_url)
        client_type = ClientType.objects.create(provider=oauth, name="Web", grant_types=["authorization_code"])
        Credential.objects.filter(app__owner=consumer).update(
            type=Credential.Type.DCR_CLIENT, provider_reference="try-it-client", secret_hint=secret[-4:],
            provider_data={"oauth_provider_id": oauth.pk, "client_type_id": client_type.pk, "scope": "openid"})
        page = sign_in(browser, live_server, consumer)
        page.goto(f"/catalogue-products/{api.product.slug}/{api.pk}/docs")
        panel = page.get_by_role("region", name="Try it with your credentials")
        panel.get_by_label("Its secret").fill(secret)
        with page.expect_popup() as opened:
            panel.get_by_role("button", name="Sign in for a token").click()
        popup = opened.value
        popup.get_by_label("Username").fill("ada")
        popup.get_by_role("button", name="Sign in to the test IdP").click()
        expect(panel.locator("[data-try-it-token-state]")).to_have_text("A token is ready.")
        panel.get_by_role("button", name="Send").click()
        expect(panel.locator("[data-try-it-status]")).to_have_text("200")
        assert gateway.calls()[-1].headers["authorization"].startswith("Bearer ")
        page.context.close()
