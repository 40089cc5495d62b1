"""Dynamic Client Registration as a credential gateway: for an access request whose products have OAuth
client types (forecourt.oauth), the credential is an OAuth 2.0 client that the identity provider (IdP)
registers (RFC 7591), not a key the gateway makes.

It plugs into the credential life of forecourt.access.credentials as one more `CredentialGateway`, so
approval, activation, rotation, re-issue, revocation, app deletion and user deactivation follow the
same steps, jobs and audit entries as keys do:

- `new_credential`: the pending row, with the client type and IdP recorded (the IdP, not the portal,
  chooses client_id and secret, so nothing else can be chosen before the call);
- `create_credential`: register the client (client type's grant types, response types, scopes and
  token endpoint auth method; the app's redirect URLs; the app's name as client_name) and answer its
  client_id (the reference: never a secret), client_secret (kept encrypted, shown to the app's owner
  once, then wiped), and RFC 7592's registration client URI and registration access token (encrypted
  in provider_data: the revocation job needs them, even after the row is gone);
- `update_credential`: RFC 7592 PUT of the client type's current metadata;
- `revoke_credential`: RFC 7592 DELETE ("gone already" is done). Rotation is a new registration, then
  this deletion of the old client once the new one is active.

The limit RFC 7591 leaves: it has no way to find a client again, so a crash in the instant between the
IdP's answer and the commit of the credential leaves a client at the IdP that the portal does not know
(registered under the app's name); the retry registers another. Keys have no such window (their IDs are
chosen before the call).
"""

from __future__ import annotations

import uuid
from typing import Any

from forecourt.oauth import registration
from forecourt.oauth import services as oauth
from forecourt.oauth.models import ClientType, OAuthProvider
from forecourt.ops import crypto

from .gateway import AtGateway, GatewayRef, JSONValue, NewCredential
from .models import AccessRequest, Credential


class ClientTypeGone(registration.RegistrationError):
    """The client type a pending credential was to be registered with was deleted meanwhile."""


def client_type_for(request: AccessRequest) -> ClientType | None:
    """The client type `request` registers, or None: its products have none (a key, from the gateway)."""
    return oauth.client_type_for(request.products.values_list("pk", flat=True))


def _redirect_uris(credential: Credential) -> list[str]:
    return [line.strip() for line in credential.app.redirect_urls.splitlines() if line.strip()]


def _metadata(client_type: ClientType, credential: Credential) -> dict[str, Any]:
    return registration.client_metadata(client_type, client_name=credential.app.name,
                                        redirect_uris=_redirect_uris(credential))


def _client_type(credential: Credential) -> ClientType:
    client_type = (ClientType.objects.select_related("provider")
                   .filter(pk=credential.provider_data.get("client_type_id")).first())
    if client_type is None:
        raise ClientTypeGone(f"credential #{credential.pk}: its OAuth client type was deleted; revoke it and "
                             "request access again")
    return client_type


def _idp_for(provider_id: Any) -> registration.IdP:
    """The IdP's client for RFC 7592 calls (which need no discovery): its TLS and timeout settings, or the
    defaults if the provider was deleted since (the client URI is all a deletion needs)."""
    provider = OAuthProvider.objects.filter(pk=provider_id).first() if isinstance(provider_id, int) else None
    if provider is None:
        return registration.IdP(well_known_url="")
    return registration.IdP.for_provider(provider)


class DCRGateway:
    """The `CredentialGateway` of OAuth/DCR products (forecourt.access.gateway says what each step promises)."""

    def new_credential(self, request: AccessRequest) -> NewCredential:
        client_type = client_type_for(request)
        assert client_type is not None, "only requests for OAuth/DCR products come here"
        marker = uuid.uuid4().hex
        return {"type": Credential.Type.DCR_CLIENT, "provider_reference": f"dcr-pending-{marker}",
                "secret": "", "secret_hint": "",
                "provider_data": {"oauth_provider_id": client_type.provider_id, "client_type_id": client_type.pk}}

    def create_credential(self, credential: Credential) -> AtGateway | None:
        data = dict(credential.provider_data)
        if data.get("client_uri") or not str(credential.provider_reference).startswith("dcr-pending-"):
            return None  # registered already (and recorded)
        client_type = _client_type(credential)
        with registration.IdP.for_provider(client_type.provider) as idp:
            made = idp.register(_metadata(client_type, credential))
        recorded: dict[str, JSONValue] = {
            **data, "client_uri": made.registration_client_uri,
            "registration_access_token": crypto.encrypt(made.registration_access_token),
            "grant_types": list(made.metadata.get("grant_types") or []),
            "scope": str(made.metadata.get("scope") or "")}
        return {"provider_reference": made.client_id, "secret": made.client_secret,
                "secret_hint": made.client_secret[-4:], "provider_data": recorded}

    def update_credential(self, credential: Credential) -> None:
        """The client type's current grant types and scopes, and the app's redirect URLs (RFC 7592 PUT)."""
        data = credential.provider_data
        if not data.get("client_uri"):
            return
        client_type = _client_type(credential)
        token = crypto.decrypt(str(data.get("registration_access_token") or ""))
        with _idp_for(data.get("oauth_provider_id")) as idp:
            idp.update(str(data["client_uri"]), token,
                       {**_metadata(client_type, credential), "client_id": credential.provider_reference})

    def revoke_credential(self, ref: GatewayRef) -> None:
        data = ref.get("data") or {}
        if not data.get("client_uri"):
            return  # never registered: nothing at the IdP
        token = crypto.decrypt(str(data.get("registration_access_token") or ""))
        with _idp_for(data.get("oauth_provider_id")) as idp:
            idp.delete(str(data["client_uri"]), token)
