"""The Admin Portal's OAuth providers and client types: the initial access token is asked for, stored
encrypted, never rendered back; a client type's products make them OAuth/DCR products, listed on the
product's page."""

import pytest

from forecourt.oauth.models import ClientType, OAuthProvider

from . import factories

pytestmark = pytest.mark.django_db

TOKEN = "admin-portal-initial-token-5b2d"


def test_provider_and_client_type_forms(client, admin):
    client.force_login(admin)
    response = client.post("/portal-admin/oauth-providers/new/", {
        "name": "Keycloak", "type": "Keycloak", "initial_access_token": TOKEN, "timeout_seconds": "10",
        "well_known_url": "http://127.0.0.1:8080/realms/dcr/.well-known/openid-configuration"})
    assert response.status_code == 302, response.content.decode()[:3000]
    provider = OAuthProvider.objects.get()
    assert provider.initial_access_token == TOKEN
    edit = client.get(f"/portal-admin/oauth-providers/{provider.pk}/").content.decode()
    assert "Keycloak" in edit and TOKEN not in edit
    # Saved again without the token: kept.
    response = client.post(f"/portal-admin/oauth-providers/{provider.pk}/", {
        "name": "Keycloak", "type": "Keycloak", "timeout_seconds": "5", "well_known_url": provider.well_known_url})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.initial_access_token == TOKEN and provider.timeout_seconds == 5
    assert TOKEN not in client.get("/portal-admin/audit-log/").content.decode()

    product = factories.product()
    response = client.post("/portal-admin/client-types/new/", {
        "provider": provider.pk, "name": "Server", "grant_types": "client_credentials",
        "token_endpoint_auth_method": "client_secret_basic", "scopes": "read", "products": [product.pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(ClientType.objects.get().products.all()) == [product]
    page = client.get(f"/portal-admin/products/{product.pk}/").content.decode()
    assert "OAuth client types" in page and "Server" in page
    assert "Yes" in client.get("/portal-admin/products/").content.decode()

    bad = client.post("/portal-admin/client-types/new/", {
        "provider": provider.pk, "name": "Bad", "grant_types": "magic", "token_endpoint_auth_method":
        "client_secret_basic"})
    assert bad.status_code == 200 and "Unknown grant type magic" in bad.content.decode()
    assert ClientType.objects.count() == 1
