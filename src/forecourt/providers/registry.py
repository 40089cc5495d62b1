"""Which code talks to which kind of provider.

The rest of the portal asks `client_for(provider)` and calls the interface below; a gateway
integration registers its class for its provider type. Nothing outside a provider's own package
knows how a gateway works, so adding a gateway touches no catalogue, access or portal code.

Every method may be called again after a crash or a failure at any point (the job queue retries
them), so each must be idempotent: find what an earlier attempt made before making it again.
"""

from typing import Any, Protocol

from .models import Provider


class ProviderClient(Protocol):
    def __init__(self, provider: Provider) -> None: ...

    def sync(self) -> Any:
        """Bring the provider's products and plans into the portal (one at a time per provider:
        raise forecourt.providers.sync.AlreadyRunning if another process is at it); return a
        report with `writes` and `problems`. Raise ProviderError if the provider cannot be read."""
        ...

    def health(self) -> str:
        """"" when the provider answers with the configured credentials, else what is wrong."""
        ...

    def new_credential(self, access_request: Any) -> dict[str, Any]:
        """Choose a new credential's identifiers (Credential fields: type, provider_reference,
        secret, secret_hint, provider_data) without calling the gateway: the portal records them
        before the gateway is asked, so a retry finds what an interrupted attempt made."""
        ...

    def create_credential(self, credential: Any) -> dict[str, Any] | None:
        """Make the recorded credential exist at the gateway, with the request's products and plan.

        May answer fields to record on the credential once it is active (e.g. a reference that
        is not the secret itself, such as a key's hash); None when there is nothing to change."""
        ...

    def update_credential(self, credential: Any) -> None:
        """Apply the access request's current plan and products to an existing credential."""
        ...

    def revoke_credential(self, ref: dict[str, Any]) -> None:
        """Remove a credential from the gateway (`Credential.gateway_ref()`); gone already is fine."""
        ...

    def push_policy(self, item: Any) -> dict[str, Any]:
        """Write a product or plan made or edited in the portal to the gateway as its policy.

        Return the item's fields as a sync would read them back from that policy (with its
        `reference_id`), so the next sync finds nothing to change. A new policy's identifier must
        be recorded on the item before the gateway is called (a retry then finds the policy).
        Raise Rejected when the gateway refuses it for a reason a retry will not change."""
        ...


_clients: dict[str, type[ProviderClient]] = {}


class ProviderError(Exception):
    """The provider could not be used (down, refusing, answering nonsense); the message says why."""


class NoClient(Exception):
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
