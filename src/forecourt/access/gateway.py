"""The gateway as access sees it: what a credential's life (forecourt.access.credentials) asks of
the credential's provider.

access sits below providers: a provider's integration reads access requests and credentials
(forecourt.providers.interfaces), so access never imports providers. It asks this port instead,
which forecourt.providers fills at start-up (`install`, from ProvidersConfig.ready) with its
registry's lookup; the failure access tells apart (no integration for the provider's type) is
defined here, and forecourt.providers.registry.NoClient derives from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NotRequired, Protocol, TypeAlias, TypedDict

from django.db import models

if TYPE_CHECKING:
    from .models import AccessRequest, Credential


JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"


class NewCredential(TypedDict):
    """A new credential's identifiers, chosen by the integration (Credential's fields)."""

    type: str  # Credential.Type
    provider_reference: str
    secret: str
    secret_hint: str
    provider_data: dict[str, JSONValue]
    gateway_key: NotRequired[str]


class AtGateway(TypedDict, total=False):
    """What to record on a credential once the gateway has it (e.g. a key's hash as its reference).
    `secret` and `secret_hint` when the other side, not the portal, chose the secret (an identity
    provider registering a client: forecourt.access.dcr)."""

    provider_reference: str
    provider_data: dict[str, JSONValue]
    gateway_key: str
    secret: str
    secret_hint: str


class GatewayRef(TypedDict):
    """Everything a revocation needs (`Credential.gateway_ref()`), kept in its job's payload so it
    still works after the row is deleted; `gateway_key` encrypted, when there is one."""

    credential_id: int
    provider_id: int | None
    type: str
    reference: str
    data: dict[str, JSONValue]
    gateway_key: NotRequired[str]


class CredentialGateway(Protocol):
    """A provider's credential methods (the whole interface: forecourt.providers.interfaces).

    Every method may be called again after a crash or a failure at any point (the job queue
    retries them), so each must be idempotent: find what an earlier attempt made before making it again.
    """

    def new_credential(self, request: AccessRequest) -> NewCredential:
        """Choose a new credential's identifiers (Credential fields: type, provider_reference,
        secret, secret_hint, provider_data, gateway_key) without calling the gateway: the portal
        records them before the gateway is asked, so a retry finds what an interrupted attempt made."""
        ...

    def create_credential(self, credential: Credential) -> AtGateway | None:
        """Make the recorded credential exist at the gateway, with the request's products and plan.

        May answer fields to record on the credential once it is active (e.g. a reference that
        is not the secret itself, such as a key's hash); None when there is nothing to change."""
        ...

    def update_credential(self, credential: Credential) -> None:
        """Apply the access request's current plan and products to an existing credential."""
        ...

    def revoke_credential(self, ref: GatewayRef) -> None:
        """Remove a credential from the gateway (`Credential.gateway_ref()`); gone already is fine."""
        ...


class NoGateway(Exception):
    """No integration is installed for this provider's type (none at all before `install`)."""


class Lookup(Protocol):
    def __call__(self, provider: models.Model) -> CredentialGateway: ...


_lookup: Lookup | None = None
_by_id: Callable[[int], CredentialGateway | None] | None = None


def install(lookup: Lookup, by_id: Callable[[int], CredentialGateway | None]) -> None:
    """Called once by forecourt.providers at start-up: how a provider (a row, or its ID) gives its gateway."""
    global _lookup, _by_id
    _lookup, _by_id = lookup, by_id


def for_provider(provider: models.Model) -> CredentialGateway:
    """The integration of `provider` (a credential's or a plan's provider). Raises NoGateway."""
    if _lookup is None:
        raise NoGateway("no provider integration is installed")
    return _lookup(provider)


def for_provider_id(provider_id: int) -> CredentialGateway | None:
    """The integration of the provider with this ID; None if that provider was deleted."""
    if _by_id is None:
        raise NoGateway("no provider integration is installed")
    return _by_id(provider_id)
