"""/portal-api/oauth-providers and /portal-api/products/{id}/client_types: OAuth 2.0 identity providers,
their client types, and the client types a product registers (Tyk's OAuthProviderElem / OAuthProviderShow
/ OAuthClientTypeElem; 14 operations). Writes go through the forms the Admin Portal uses
(forecourt.oauth.forms), so the rules and the audit log are shared.

Divergences from Tyk, on purpose (docs/migrating-from-tyk.md):

* `RegistrationAccessToken` (RFC 7591's initial access token) is write-only: never answered back once
  set (`HasRegistrationAccessToken` says whether there is one); a PUT without it keeps the current one.
* Extra fields: `RegistrationEndpoint` (empty: the discovery document's), `TimeoutSeconds`, and a client
  type's `Scopes` (space-separated), which Tyk's client types lack.
* `ResponseTypes` may be empty (a client_credentials-only client has none); Tyk's `it_token` is read as
  `id_token`.
* Attaching a client type to a product (POST /products/{id}/client_types) answers 201; it is audited as a
  change of the client type, which holds the link.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from forecourt.catalog.models import Product
from forecourt.oauth.models import ClientType, OAuthProvider

from .. import forms
from ..common import ERRORS, MAX_ID, Id, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["oauth-providers"])

PROVIDER_FIELDS = {"Name": "name", "Type": "type", "WellKnownURL": "well_known_url",
                   "RegistrationEndpoint": "registration_endpoint",
                   "RegistrationAccessToken": "initial_access_token",
                   "SSLInsecureSkipVerify": "insecure_skip_verify", "TimeoutSeconds": "timeout_seconds"}
TYPE_FIELDS = {"Name": "name", "Description": "description", "GrantType": "grant_types",
               "ResponseTypes": "response_types", "TokenEndpointAuthMethod": "token_endpoint_auth_method",
               "OktaAppType": "okta_app_type", "Scopes": "scopes"}


class ClientTypeOut(Out):
    ID: int
    Name: str
    Description: str
    GrantType: str = Field(description="Comma-separated grant types.")
    ResponseTypes: str = Field(description="Comma-separated response types (may be empty).")
    TokenEndpointAuthMethod: str
    OktaAppType: str
    Scopes: str = Field(description="Space-separated scopes registered with each client (Forecourt's).")
    CreatedAt: str | None
    UpdatedAt: str | None


class OAuthProviderOut(Out):
    ID: int
    Name: str
    Type: str = Field(description="Keycloak, Gluu, Okta or Other.")
    WellKnownURL: str
    RegistrationEndpoint: str = Field(description="Empty: the one the discovery document names.")
    SSLInsecureSkipVerify: bool
    TimeoutSeconds: int
    HasRegistrationAccessToken: bool = Field(description="The token itself is never answered.")
    CreatedAt: str | None
    UpdatedAt: str | None


class OAuthProviderShowOut(OAuthProviderOut):
    ClientTypes: list[ClientTypeOut]


class OAuthProviderIn(TykIn):
    """A provider to create, or the changes to one: fields left out keep their value."""

    READ_ONLY = frozenset({"ID", "CreatedAt", "UpdatedAt", "ClientTypes", "HasRegistrationAccessToken"})
    Name: str | None = Field(None, max_length=255)
    Type: str | None = Field(None, max_length=16, description="Keycloak, Gluu, Okta or Other.")
    WellKnownURL: str | None = Field(None, max_length=500)
    RegistrationEndpoint: str | None = Field(None, max_length=500)
    RegistrationAccessToken: str | None = Field(None, max_length=10_000, description="Write-only.")
    SSLInsecureSkipVerify: bool | None = None
    TimeoutSeconds: int | None = Field(None, ge=1, le=120)


class ClientTypeIn(TykIn):
    READ_ONLY = frozenset({"ID", "CreatedAt", "UpdatedAt"})
    Name: str | None = Field(None, max_length=255)
    Description: str | None = Field(None, max_length=10_000)
    GrantType: str | list[str] | None = Field(None, description="Comma-separated, e.g. client_credentials.")
    ResponseTypes: str | list[str] | None = Field(None, description="Comma-separated, e.g. code.")
    TokenEndpointAuthMethod: str | None = Field(None, max_length=32)
    OktaAppType: str | None = Field(None, max_length=16)
    Scopes: str | None = Field(None, max_length=1000)


class AttachIn(TykIn):
    ID: Id | str


def _type_out(c: ClientType) -> ClientTypeOut:
    return ClientTypeOut(ID=c.pk, Name=c.name, Description=c.description, GrantType=",".join(c.grant_types),
                         ResponseTypes=",".join(c.response_types),
                         TokenEndpointAuthMethod=c.token_endpoint_auth_method, OktaAppType=c.okta_app_type,
                         Scopes=c.scopes, CreatedAt=tyk_time(c.created_at), UpdatedAt=tyk_time(c.updated_at))


def _provider_fields(p: OAuthProvider) -> dict[str, Any]:
    return {"ID": p.pk, "Name": p.name, "Type": p.type, "WellKnownURL": p.well_known_url,
            "RegistrationEndpoint": p.registration_endpoint, "SSLInsecureSkipVerify": p.insecure_skip_verify,
            "TimeoutSeconds": p.timeout_seconds, "HasRegistrationAccessToken": bool(p.initial_access_token),
            "CreatedAt": tyk_time(p.created_at), "UpdatedAt": tyk_time(p.updated_at)}


def _show(provider_id: int) -> OAuthProviderShowOut:
    p = get_object_or_404(OAuthProvider.objects.prefetch_related("client_types"), pk=provider_id)
    return OAuthProviderShowOut(**_provider_fields(p), ClientTypes=[_type_out(c) for c in p.client_types.all()])


def _sent(payload: TykIn, fields: dict[str, str]) -> dict[str, Any]:
    return {fields[k]: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}


NAMES_P = {v: k for k, v in PROVIDER_FIELDS.items()}
NAMES_T = {v: k for k, v in TYPE_FIELDS.items()}


@router.get("/oauth-providers", response={200: list[OAuthProviderOut], **ERRORS})
def list_oauth_providers(request: HttpRequest, paging: PagingQuery) -> list[OAuthProviderOut]:
    return [OAuthProviderOut(**_provider_fields(p)) for p in page_of(OAuthProvider.objects.order_by("pk"), paging)]


@router.post("/oauth-providers", response={200: OAuthProviderOut, **ERRORS})
def create_oauth_provider(request: HttpRequest, payload: OAuthProviderIn) -> OAuthProviderOut:
    """Register an identity provider. A missing name or well-known URL, an unknown type or a URL the SSRF
    guard refuses is a 422. Answers 200, as Tyk does."""
    changes = {"type": OAuthProvider.Type.OTHER, "timeout_seconds": 10, **_sent(payload, PROVIDER_FIELDS)}
    provider = forms.save("oauth-providers", changes, actor(request), names=NAMES_P)
    return OAuthProviderOut(**_provider_fields(provider))


@router.get("/oauth-providers/{provider_id}", response={200: OAuthProviderShowOut, **ERRORS})
def get_oauth_provider(request: HttpRequest, provider_id: PathId) -> OAuthProviderShowOut:
    return _show(provider_id)


@router.put("/oauth-providers/{provider_id}", response={200: OAuthProviderShowOut, **ERRORS})
def update_oauth_provider(request: HttpRequest, provider_id: PathId, payload: OAuthProviderIn) -> OAuthProviderShowOut:
    """Change a provider; fields left out (the token too) keep their values. Credentials already issued
    keep their own registration access tokens; new approvals use the new settings."""
    provider = get_object_or_404(OAuthProvider, pk=provider_id)
    forms.save("oauth-providers", _sent(payload, PROVIDER_FIELDS), actor(request), instance=provider, names=NAMES_P)
    return _show(provider_id)


@router.delete("/oauth-providers/{provider_id}", response={200: StatusOut, **ERRORS})
def delete_oauth_provider(request: HttpRequest, provider_id: PathId) -> StatusOut:
    """Delete a provider and its client types; refused (422) while products use its client types."""
    forms.delete("oauth-providers", get_object_or_404(OAuthProvider, pk=provider_id), actor(request))
    return StatusOut()


def _types(provider_id: int) -> QuerySet[ClientType]:
    get_object_or_404(OAuthProvider.objects.only("pk"), pk=provider_id)
    return ClientType.objects.filter(provider_id=provider_id).order_by("pk")


@router.get("/oauth-providers/{provider_id}/client-types", response={200: list[ClientTypeOut], **ERRORS})
def list_client_types(request: HttpRequest, provider_id: PathId) -> list[ClientTypeOut]:
    return [_type_out(c) for c in _types(provider_id)]


@router.post("/oauth-providers/{provider_id}/client-types", response={200: ClientTypeOut, **ERRORS})
def create_client_type(request: HttpRequest, provider_id: PathId, payload: ClientTypeIn) -> ClientTypeOut:
    """Add a client type; a missing name, no or an unknown grant type is a 422. Answers 200, as Tyk does."""
    get_object_or_404(OAuthProvider.objects.only("pk"), pk=provider_id)
    changes = {"provider": provider_id, "token_endpoint_auth_method": ClientType.AuthMethod.BASIC,
               **_sent(payload, TYPE_FIELDS)}
    return _type_out(forms.save("client-types", changes, actor(request), names=NAMES_T))


def _client_type(provider_id: int, type_id: int) -> ClientType:
    return get_object_or_404(_types(provider_id), pk=type_id)


@router.get("/oauth-providers/{provider_id}/client-types/{client_type_id}", response={200: ClientTypeOut, **ERRORS})
def get_client_type(request: HttpRequest, provider_id: PathId, client_type_id: PathId) -> ClientTypeOut:
    return _type_out(_client_type(provider_id, client_type_id))


@router.put("/oauth-providers/{provider_id}/client-types/{client_type_id}", response={200: ClientTypeOut, **ERRORS})
def update_client_type(request: HttpRequest, provider_id: PathId, client_type_id: PathId,
                       payload: ClientTypeIn) -> ClientTypeOut:
    """Change a client type; clients already registered keep what they were registered with."""
    client_type = _client_type(provider_id, client_type_id)
    return _type_out(forms.save("client-types", _sent(payload, TYPE_FIELDS), actor(request),
                                instance=client_type, names=NAMES_T))


@router.delete("/oauth-providers/{provider_id}/client-types/{client_type_id}", response={200: StatusOut, **ERRORS})
def delete_client_type(request: HttpRequest, provider_id: PathId, client_type_id: PathId) -> StatusOut:
    forms.delete("client-types", _client_type(provider_id, client_type_id), actor(request))
    return StatusOut()


# A product's client types: the link is held by the client type (its form's `products`).


def _product(product_id: int) -> Product:
    return get_object_or_404(Product.objects.only("pk"), pk=product_id)


@router.get("/products/{product_id}/client_types", response={200: list[ClientTypeOut], **ERRORS})
def list_product_client_types(request: HttpRequest, product_id: PathId) -> list[ClientTypeOut]:
    product = _product(product_id)
    return [_type_out(c) for c in ClientType.objects.filter(products=product).order_by("pk")]


@router.post("/products/{product_id}/client_types", response={201: ClientTypeOut, **ERRORS})
def attach_product_client_type(request: HttpRequest, product_id: PathId, payload: AttachIn) -> Status[Any]:
    """Make the product an OAuth/DCR product with this client type (by ID); an ID that is no client
    type is a 422; one attached already changes nothing."""
    product = _product(product_id)
    raw = payload.ID
    if isinstance(raw, str):
        raw = int(raw.strip()) if raw.strip().isdigit() else 0
    client_type = ClientType.objects.filter(pk=raw).first() if 1 <= raw <= MAX_ID else None
    if client_type is None:
        raise forms.Invalid([f"ID: there is no client type {payload.ID}"])
    current = list(client_type.products.values_list("pk", flat=True))
    if product.pk not in current:
        forms.save("client-types", {"products": [*current, product.pk]}, actor(request), instance=client_type,
                   names=NAMES_T)
    return Status(201, _type_out(ClientType.objects.get(pk=client_type.pk)))


@router.get("/products/{product_id}/client_types/{client_type_id}", response={200: ClientTypeOut, **ERRORS})
def get_product_client_type(request: HttpRequest, product_id: PathId, client_type_id: PathId) -> ClientTypeOut:
    product = _product(product_id)
    return _type_out(get_object_or_404(ClientType.objects.filter(products=product), pk=client_type_id))


@router.delete("/products/{product_id}/client_types/{client_type_id}", response={200: StatusOut, **ERRORS})
def detach_product_client_type(request: HttpRequest, product_id: PathId, client_type_id: PathId) -> StatusOut:
    """Take the client type off the product (the client type stays); 404 if the product does not have it.
    Credentials already registered stay until revoked."""
    product = _product(product_id)
    client_type = ClientType.objects.filter(products=product, pk=client_type_id).first()
    if client_type is None:
        raise Http404("the product has no such client type")
    current = [pk for pk in client_type.products.values_list("pk", flat=True) if pk != product.pk]
    forms.save("client-types", {"products": current}, actor(request), instance=client_type, names=NAMES_T)
    return StatusOut()
