"""The provider interface: what the portal asks of a gateway's integration.

An integration (one folder, e.g. forecourt.providers.tyk) implements `ProviderClient` and
registers its class for its provider type (forecourt.providers.registry.register); the rest of
the portal gets it with `registry.client_for(provider)`. Nothing outside the integration's folder
knows how its gateway works: the sync (forecourt.providers.sync) applies the plain records its
`read_catalogue()` answers, the push job (forecourt.providers.push) hands it a product or plan,
the credential jobs (forecourt.access.credentials, through the port forecourt.access.gateway)
hand it access requests and credentials, and the upgrade check asks it for dangling references.
docs/adding-a-provider.md is the checklist; tests/provider_contract.py the tests every
integration passes.

Layering: providers sits above catalog and access. It reads and writes their models (the types
below), and they never import providers: access reaches a provider through its port
(forecourt.access.gateway, filled by ProvidersConfig.ready), catalog queues a push by the job's
name (forecourt.catalog.policy_push).

Every method may be called again after a crash or a failure at any point (the job queue retries
them), so each must be idempotent: find what an earlier attempt made before making it again.
Each may raise registry.ProviderError (down, refusing, answering nonsense: the message says why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeAlias

from forecourt.access.gateway import CredentialGateway

if TYPE_CHECKING:
    import datetime

    from forecourt.access.models import Credential
    from forecourt.catalog.models import Plan, Product

    from .models import Provider
    from .sync import Catalogue, Report
    from .usage import UsageDay


# A pushed item's fields as the next sync will read them (reference_id, name, tags, a plan's limits).
PolicyFields: TypeAlias = "dict[str, str | int | bool | list[str]]"


class ProviderClient(CredentialGateway, Protocol):
    """The interface. The credential methods (new_credential, create_credential,
    update_credential, revoke_credential) are declared by forecourt.access.gateway.CredentialGateway,
    the part access calls."""

    def __init__(self, provider: Provider) -> None: ...

    def read_catalogue(self) -> Catalogue:
        """Read the gateway's products and plans (for the portal: the provider's tags, live ones)
        as plain records, without writing anything. Objects that cannot be read are left out and
        reported (`Catalogue.problems`, and why an item mirroring one cannot follow it)."""
        ...

    def sync(self) -> Report:
        """Bring the provider's products and plans into the portal: `forecourt.providers.sync.sync(
        self.provider, self)` (one at a time per provider: raises sync.AlreadyRunning if another
        process is at it). Raises ProviderError if the provider cannot be read."""
        ...

    def health(self) -> str:
        """"" when the provider answers with the configured credentials, else what is wrong."""
        ...

    def push_policy(self, item: Product | Plan) -> PolicyFields:
        """Write a product or plan made or edited in the portal to the gateway as its policy.

        Return the item's fields as a sync would read them back from that policy (with its
        `reference_id`), so the next sync finds nothing to change. A new policy's identifier must
        be recorded on the item before the gateway is called (a retry then finds the policy).
        Raise registry.Rejected when the gateway refuses it for a reason a retry will not change."""
        ...

    def read_usage(self, credential: Credential, start: datetime.date, end: datetime.date) -> list[UsageDay]:
        """Read-only, for forecourt.usage's refresh job: the credential's traffic on each day from
        `start` to `end` (UTC, inclusive) that had any, oldest first, from the gateway's analytics
        (`forecourt.providers.usage.UsageDay`: percentiles only where the gateway keeps them). A
        credential the gateway never saw has none. Raises usage.BadRange for a range it refuses."""
        ...

    def oauth_token_url(self, api_address: str) -> str:
        """Where an OAuth 2.0 client this provider made asks its gateway for tokens (the client
        credentials grant) for the API at `api_address` (its Gateway URL and listen path), for the
        docs page's Try it panel; "" when the provider's gateway issues none."""
        ...

    def dangling_references(self) -> list[dict[str, str]]:
        """Read-only, for `forecourt upgrade-check`: the gateway's products (policies) for the portal
        that grant access to APIs the gateway no longer has, each {"policy": its key, "name": ...,
        "api": the missing API's ID}. Not retried: one failed call raises ProviderError."""
        ...
