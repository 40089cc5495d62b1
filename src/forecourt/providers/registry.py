"""Which code talks to which kind of provider.

The rest of the portal asks `client_for(provider)` and calls the interface below; a gateway
integration registers its client class for its provider type. Nothing outside a provider's
own package knows how a gateway works.
"""

from typing import Any, Protocol

from .models import Provider


class ProviderClient(Protocol):
    def __init__(self, provider: Provider) -> None: ...

    def issue_credential(self, access_request: Any) -> Any:
        """Create the credential for an approved request at the gateway; return what was made."""
        ...


_clients: dict[str, type[ProviderClient]] = {}


class NoClient(Exception):
    """No integration is installed for this provider type."""


def register(provider_type: str, client: type[ProviderClient]) -> None:
    _clients[provider_type] = client


def client_for(provider: Provider) -> ProviderClient:
    try:
        return _clients[provider.type](provider)
    except KeyError:
        raise NoClient(f"no integration for providers of type {provider.type!r} is installed") from None
