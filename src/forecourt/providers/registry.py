"""Which code talks to which kind of provider.

The rest of the portal asks `client_for(provider)` and calls the interface
(forecourt.providers.interfaces.ProviderClient); a gateway integration registers its class for its
provider type. Nothing outside a provider's own package knows how a gateway works, so adding a
gateway touches no catalogue, access or portal code (docs/adding-a-provider.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from forecourt.access import gateway

from .models import Provider

if TYPE_CHECKING:
    from .interfaces import ProviderClient

_clients: dict[str, type[ProviderClient]] = {}


class ProviderError(Exception):
    """The provider could not be used (down, refusing, answering nonsense); the message says why."""


class NoClient(gateway.NoGateway):
    """No integration is installed for this provider type."""


class Rejected(Exception):
    """The provider refused the request (invalid, conflicting): retrying will not help."""


def register(provider_type: str, client: type[ProviderClient]) -> None:
    _clients[provider_type] = client


def client_for(provider: Provider) -> ProviderClient:
    try:
        return _clients[provider.type](provider)
    except KeyError:
        raise NoClient(f"no integration for providers of type {provider.type!r} is installed") from None


def client_for_id(provider_id: int) -> ProviderClient | None:
    """The integration of the provider with this ID; None if there is no such provider."""
    provider = Provider.objects.filter(pk=provider_id).first()
    return client_for(provider) if provider is not None else None


def _client_of(provider: models.Model) -> ProviderClient:
    if not isinstance(provider, Provider):
        raise TypeError(f"{provider!r} is not a provider")
    return client_for(provider)


def install() -> None:
    """Give access its way to a credential's gateway (forecourt.access.gateway): called once by
    ProvidersConfig.ready."""
    gateway.install(_client_of, client_for_id)
