"""/portal-api/oauth-providers, their client types and /products/{id}/client_types: Tyk's 14 operations,
their shapes, their 422s, the audit log, and the initial access token never answered or audited."""

import json

import pytest

from forecourt.audit.models import AuditEntry
from forecourt.oauth.models import ClientType, OAuthProvider

from . import factories

pytestmark = pytest.mark.django_db

TOKEN = "iat-secret-0123456789abcdef"
PROVIDER_FIELDS = {"ID", "Name", "Type", "WellKnownURL", "RegistrationEndpoint", "SSLInsecureSkipVerify",
                   "TimeoutSeconds", "HasRegistrationAccessToken", "CreatedAt", "UpdatedAt"}
TYPE_FIELDS = {"ID", "Name", "Description", "GrantType", "ResponseTypes", "TokenEndpointAuthMethod", "OktaAppType",
               "Scopes", "CreatedAt", "UpdatedAt"}
WELL_KNOWN = "http://127.0.0.1:9/.well-known/openid-configuration"


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def errors_of(response):
    assert response.status_code == 422, response.content
    return " ".join(response.json()["errors"])


def _provider(api, **fields):
    return ok(api("post", "/oauth-providers", {"Name": "Keycloak", "Type": "Keycloak", "WellKnownURL": WELL_KNOWN,
                                               "RegistrationAccessToken": TOKEN, **fields}))


def test_providers_create_read_update_delete_and_the_token_is_write_only(api, admin):
    created = _provider(api)
    assert set(created) == PROVIDER_FIELDS
    assert created["HasRegistrationAccessToken"] is True and created["Type"] == "Keycloak"
    path = f"/oauth-providers/{created['ID']}"
    shown = ok(api("get", path))
    assert set(shown) == PROVIDER_FIELDS | {"ClientTypes"} and shown["ClientTypes"] == []
    assert [p["ID"] for p in ok(api("get", "/oauth-providers"))] == [created["ID"]]

    # A PUT without the token keeps it; what a GET answered can be sent back.
    updated = ok(api("put", path, {**shown, "Name": "Keycloak (prod)", "TimeoutSeconds": 5}))
    assert updated["Name"] == "Keycloak (prod)" and updated["TimeoutSeconds"] == 5
    assert OAuthProvider.objects.get().initial_access_token == TOKEN
    ok(api("put", path, {"RegistrationAccessToken": "another-token-value"}))
    assert OAuthProvider.objects.get().initial_access_token == "another-token-value"

    ok(api("delete", path))
    assert api("get", path).status_code == 404
    entries = AuditEntry.objects.filter(object_type="oauth.oauthprovider")
    assert [e.action for e in entries.order_by("pk")] == ["create", "update", "update", "delete"]
    everything = json.dumps([e.changes for e in entries]) + json.dumps(ok(api("get", "/oauth-providers")))
    assert TOKEN not in everything and "another-token-value" not in everything


@pytest.mark.parametrize(("body", "says"), [
    ({"Name": ""}, "Name"),
    ({"Type": "Auth0"}, "Type"),
    ({"WellKnownURL": "not a url"}, "WellKnownURL"),
    ({"WellKnownURL": "http://169.254.169.254/.well-known/openid-configuration"}, "SSRF"),
    ({"RegistrationEndpoint": "ftp://idp.example.com/register"}, "RegistrationEndpoint"),
])
def test_bad_providers_are_422_and_change_nothing(api, admin, body, says):
    response = api("post", "/oauth-providers", {"Name": "IdP", "WellKnownURL": WELL_KNOWN, **body})
    assert says in errors_of(response)
    assert not OAuthProvider.objects.exists()


def test_client_types_of_a_provider(api, admin):
    provider = _provider(api)
    base = f"/oauth-providers/{provider['ID']}/client-types"
    created = ok(api("post", base, {"Name": "Server", "Description": "Machine to machine",
                                    "GrantType": "client_credentials,refresh_token", "ResponseTypes": "",
                                    "TokenEndpointAuthMethod": "client_secret_post", "Scopes": "read  write"}))
    assert set(created) == TYPE_FIELDS
    assert created["GrantType"] == "client_credentials,refresh_token" and created["Scopes"] == "read write"
    one = f"{base}/{created['ID']}"
    assert ok(api("get", one)) == created
    assert [c["ID"] for c in ok(api("get", base))] == [created["ID"]]
    assert [c["ID"] for c in ok(api("get", f"/oauth-providers/{provider['ID']}"))["ClientTypes"]] == [created["ID"]]
    assert ok(api("put", one, {"ResponseTypes": "code,it_token"}))["ResponseTypes"] == "code,id_token"

    assert "grant type" in errors_of(api("post", base, {"Name": "X", "GrantType": "magic"}))
    assert "GrantType" in errors_of(api("post", base, {"Name": "X"}))
    assert "Name" in errors_of(api("post", base, {"Name": " ", "GrantType": "password"}))
    assert ClientType.objects.count() == 1
    assert api("get", "/oauth-providers/999999/client-types").status_code == 404
    other = _provider(api, Name="Other")
    assert api("get", f"/oauth-providers/{other['ID']}/client-types/{created['ID']}").status_code == 404
    ok(api("delete", one))
    assert not ClientType.objects.exists()


def test_a_products_client_types(api, admin):
    provider = _provider(api)
    client_type = ok(api("post", f"/oauth-providers/{provider['ID']}/client-types",
                         {"Name": "Server", "GrantType": "client_credentials"}))
    product = factories.product()
    base = f"/products/{product.pk}/client_types"
    assert ok(api("get", base)) == []
    attached = ok(api("post", base, {"ID": client_type["ID"]}), 201)
    assert attached["ID"] == client_type["ID"]
    ok(api("post", base, {"ID": str(client_type["ID"])}), 201)  # again: nothing changes
    assert [c["ID"] for c in ok(api("get", base))] == [client_type["ID"]]
    assert ok(api("get", f"{base}/{client_type['ID']}"))["Name"] == "Server"
    assert "no client type" in errors_of(api("post", base, {"ID": 987654}))

    # A provider whose client types products use cannot be deleted.
    refused = api("delete", f"/oauth-providers/{provider['ID']}")
    assert refused.status_code == 409 and "take them off the products" in refused.json()["errors"][0]
    ok(api("delete", f"{base}/{client_type['ID']}"))
    assert api("delete", f"{base}/{client_type['ID']}").status_code == 404
    assert ok(api("get", base)) == []
    ok(api("delete", f"/oauth-providers/{provider['ID']}"))
