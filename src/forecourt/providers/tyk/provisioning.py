"""The Tyk Dashboard as a provider: credentials (keys and OAuth 2.0 clients) and health.

Each method is one idempotent step that the access services call from jobs (see
forecourt.access.services for the order of steps and why a crash between them is safe): the
credential's identifiers are chosen here before the Dashboard is called (`new_credential`), so
a retry asks the Dashboard whether the thing exists before creating it, and never makes a twin.

- An API key is created with `POST /api/keys/{keyId}`: `apply_policies` = the products' policies
  and the plan's, `meta_data` saying whose it is (with the owner's fields and custom attributes the
  admins mark for credentials, named as Tyk's portal names them), tags `app-<id>` and `org-<id>`, expiry from
  the plan.

Where a Tyk key is kept, and why. A key's ID at the gateway is the key itself, and it is chosen
here before the call (crash safety: a retry finds the key the crashed attempt made). So the key
is a secret the portal must still use for a while, and it is kept only encrypted
(forecourt.ops.crypto): in `Credential.secret` until its owner has seen it, and in
`Credential.gateway_key`, the address of a key that is not yet known by its hash.
`provider_reference`, which pages, searches and the Admin API show, never holds the key: it is a
portal-made `portal-<uuid>` until the Dashboard answers the key's hash (`key_hash`), then that
hash, and from then on the key is addressed by hash (`?hashed=true`) and `gateway_key` is wiped,
so after the reveal the database holds nothing that works as the key. A Dashboard that answers no
hash (key hashing turned off) leaves the key in `gateway_key` for as long as the credential
lives. A revocation, which must outlive the row, carries the key encrypted in its job
(`Credential.gateway_ref`). While a key is in use it is registered with forecourt.redaction,
and paths holding it are named after the credential in messages and log lines.

The other design, letting the Dashboard generate the key and finding a half-made one again by a
portal-chosen `alias` or `meta_data` value, is not possible: the Dashboard's key search
(`GET /api/keys/detailed?q=`) matches key IDs only (contracts/tyk/dashboard-swagger.yml).
- An OAuth 2.0 client (products whose APIs use Tyk's OAuth) is registered on one of those APIs
  with `POST /api/apis/oauth/{apiId}`. A client has one policy, so the portal writes one for it
  (unpartitioned, hence never imported by a sync): the products' access rights with the plan's
  limits.
"""

import logging
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from forecourt import redaction
from forecourt.access.gateway import AtGateway, GatewayRef, NewCredential
from forecourt.access.models import AccessRequest, Credential
from forecourt.accounts import attributes
from forecourt.catalog.models import Plan, Product
from forecourt.ops import crypto
from forecourt.ops.faults import crash_point
from forecourt.providers import registry, sync
from forecourt.providers.interfaces import PolicyFields
from forecourt.providers.models import Provider
from forecourt.providers.usage import UsageDay

from . import analytics, policies, sync_mapping
from .client import DashboardError, Refused, TykDashboard

log = logging.getLogger("forecourt.providers.tyk")

OAUTH = "oauth2"  # ProductAPI.auth_type of an API that uses Tyk's OAuth 2.0 (see sync_mapping.apis_by_id)


def _policies(request: AccessRequest) -> list[str]:
    products = [p.reference_id for p in request.products.all() if p.reference_id]
    return products + ([request.plan.reference_id] if request.plan.reference_id else [])


def _expires(request: AccessRequest, credential: Credential) -> int:
    if not request.plan.key_expires_in:
        return 0
    return int((credential.created_at + timedelta(seconds=request.plan.key_expires_in)).timestamp())


# The users' built-in fields (accounts.attributes.DEFAULT_ATTRIBUTES) as Tyk's portal names them in
# credentials' metadata, when the admins add them.
DEFAULT_FIELDS = {"first_name": "First", "last_name": "Last", "email": "Email", "role": "Role",
                  "organisation": "Organisation", "team_names": "TeamNames"}


def _owner(request: AccessRequest) -> dict[str, Any]:
    """The key's `meta_data`: whose it is, then the owner's built-in fields and custom attributes the
    admins mark for credentials (accounts.attributes.key_metadata); whose it is wins a clash of names."""
    app = request.app
    chosen = attributes.key_metadata(app.owner)
    extra: dict[str, Any] = {**chosen.custom, **{DEFAULT_FIELDS[k]: v for k, v in chosen.defaults.items()}}
    return {
        **extra,
        "DeveloperID": str(app.owner_id),
        "ApplicationID": str(app.pk),
        "OrganisationID": str(app.organisation_id),
        "TeamIDs": [str(t) for t in sorted(app.owner.teams.values_list("pk", flat=True))],
        "AccessRequestID": str(request.pk),
    }


def _tags(request: AccessRequest) -> list[str]:
    return [f"app-{request.app_id}", f"org-{request.app.organisation_id}", "forecourt"]


def session_for(request: AccessRequest, credential: Credential, provider: Provider) -> dict[str, Any]:
    """The Tyk SessionState of a key: the products' and the plan's policies, whose it is, its expiry."""
    app = request.app
    return {
        "alias": f"{app.name} ({app.pk})"[:250],
        "org_id": provider.org_id,
        "apply_policies": _policies(request),
        "access_rights": {},
        "meta_data": _owner(request),
        "tags": _tags(request),
        "expires": _expires(request, credential),
        "rate": 0, "per": 0, "quota_max": -1, "allowance": 0,
    }


def _oauth_api(request: AccessRequest) -> str:
    """The API an OAuth client is registered on: the first (by ID) of the request's OAuth APIs."""
    ids = sorted(api.api_id for p in request.products.all() for api in p.apis.all()
                 if api.auth_type == OAUTH and api.api_id)
    return ids[0] if ids else ""


class TykProvider:
    """The `tyk-pro` entry of forecourt.providers.registry."""

    def __init__(self, provider: Provider, client: TykDashboard | None = None) -> None:
        self.provider = provider
        self.client = client

    @contextmanager
    def _dashboard(self) -> Iterator[TykDashboard]:
        """The Dashboard's client, with the provider's own API key registered as a secret meanwhile."""
        with redaction.secrets_in_use(self.provider.secret):
            if self.client is not None:
                yield self.client
                return
            client = TykDashboard.for_provider(self.provider)
            try:
                yield client
            finally:
                client.close()

    def _get(self, dashboard: TykDashboard, path: str, params: dict[str, str] | None = None,
             shown: str | None = None) -> Any:
        """The object at `path`, or None when the Dashboard answers 404."""
        try:
            return dashboard.request("GET", path, params=params, shown=shown) or {}
        except Refused as exc:
            if exc.status == 404:
                return None
            raise

    def _exists(self, dashboard: TykDashboard, path: str) -> bool:
        return self._get(dashboard, path) is not None

    def _delete(self, dashboard: TykDashboard, path: str, params: dict[str, str] | None = None,
                shown: str | None = None) -> None:
        """DELETE, where "not found" means an earlier attempt (or someone else) did it already."""
        try:
            dashboard.request("DELETE", path, params=params, shown=shown)
        except Refused as exc:
            if exc.status != 404:
                raise

    # -- the catalogue ---------------------------------------------------------------------
    def read_catalogue(self) -> sync.Catalogue:
        """The Dashboard's APIs and policies, read (two paged lists) and mapped (sync_mapping)."""
        with self._dashboard() as dashboard:
            apis = sync_mapping.apis_by_id(dashboard.apis())
            found = dashboard.policies()
        return sync_mapping.catalogue(found, apis, set(self.provider.policy_tags or []))

    def sync(self) -> sync.Report:
        return sync.sync(self.provider, self)

    def dangling_references(self) -> list[dict[str, str]]:
        """Policies granting access to APIs the Dashboard no longer has (read-only, not retried)."""
        provider = self.provider
        with TykDashboard(provider.url, provider.secret, verify=not provider.insecure_skip_verify,
                          retries=0) as dashboard:
            apis = sync_mapping.api_ids(dashboard.apis())
            return sync_mapping.dangling_references(dashboard.policies(), apis, set(provider.policy_tags or []))

    # -- usage -----------------------------------------------------------------------------
    def read_usage(self, credential: Credential, start: date, end: date) -> list[UsageDay]:
        with self._dashboard() as dashboard:
            return analytics.read(dashboard, credential, start, end)

    # -- OAuth ------------------------------------------------------------------------------
    def oauth_token_url(self, api_address: str) -> str:
        """Tyk's gateway is the authorisation server of its OAuth clients: `/oauth/token/` under the
        API's listen path (HTTP Basic with the client's ID and secret)."""
        return api_address.rstrip("/") + "/oauth/token/" if api_address else ""

    # -- health ----------------------------------------------------------------------------
    def health(self) -> str:
        try:
            with self._dashboard() as dashboard:
                dashboard.request("GET", "/api/apis", params={"p": 1})
        except DashboardError as exc:
            return str(exc)
        return ""

    # -- credentials -----------------------------------------------------------------------
    def new_credential(self, request: AccessRequest) -> NewCredential:
        """The identifiers of a new credential for `request`, chosen here, before any call."""
        api_id = _oauth_api(request)
        if api_id:
            secret = secrets.token_urlsafe(32)
            return {"type": Credential.Type.OAUTH2_CLIENT, "provider_reference": uuid.uuid4().hex,
                    "secret": secret, "secret_hint": secret[-4:],
                    "provider_data": {"api_id": api_id, "policy_id": f"forecourt-{uuid.uuid4().hex}"}}
        key = secrets.token_hex(16)
        return {"type": Credential.Type.KEY, "provider_reference": f"portal-{uuid.uuid4().hex}", "gateway_key": key,
                "secret": key, "secret_hint": key[-4:], "provider_data": {}}

    def create_credential(self, credential: Credential) -> AtGateway | None:
        """Create the key (or OAuth client). For a key, answer its hash as the reference to keep
        and wipe `gateway_key`: from then on the key is addressed by hash (`?hashed=true`), so once
        its owner has seen the secret the database holds nothing that works as an API key."""
        request = credential.access_request
        with self._dashboard() as dashboard:
            if credential.type == Credential.Type.OAUTH2_CLIENT:
                with redaction.secrets_in_use(credential.secret):  # sent in the body
                    self._create_oauth_client(dashboard, request, credential)
                return None
            key = _KeyAddress.of(credential)
            with redaction.secrets_in_use(key.key_id):
                found = self._get(dashboard, key.path, key.params, shown=key.shown)
                if found is None:
                    found = dashboard.request("POST", key.path, body=session_for(request, credential, self.provider),
                                              shown=key.shown) or {}
        log.info("credential created at the gateway", extra={"credential": credential.pk, "request": request.pk})
        key_hash = found.get("key_hash") if isinstance(found, dict) else None
        if key_hash and not credential.provider_data.get("hashed"):
            return {"provider_reference": str(key_hash), "provider_data": {**credential.provider_data, "hashed": True},
                    "gateway_key": ""}
        return None

    def update_credential(self, credential: Credential) -> None:
        request = credential.access_request
        with self._dashboard() as dashboard:
            if credential.type == Credential.Type.OAUTH2_CLIENT:
                policy_id = credential.provider_data["policy_id"]
                dashboard.request("PUT", f"/api/portal/policies/{policy_id}",
                                  body=self._client_policy(dashboard, request, credential))
                return
            key = _KeyAddress.of(credential)
            with redaction.secrets_in_use(key.key_id):
                dashboard.request("PUT", key.path, params=key.params, shown=key.shown,
                                  body=session_for(request, credential, self.provider))

    def revoke_credential(self, ref: GatewayRef) -> None:
        with self._dashboard() as dashboard:
            if ref["type"] == Credential.Type.OAUTH2_CLIENT:
                data = ref.get("data") or {}
                self._delete(dashboard, f"/api/apis/oauth/{data['api_id']}/{ref['reference']}")
                crash_point("after-client-delete")
                self._delete(dashboard, f"/api/portal/policies/{data['policy_id']}")
            else:
                key = _KeyAddress.of_ref(ref)
                with redaction.secrets_in_use(key.key_id):
                    self._delete(dashboard, key.path, key.params, shown=key.shown)
        log.info("credential removed from the gateway", extra={"credential": ref.get("credential_id")})

    # -- OAuth 2.0 clients -----------------------------------------------------------------
    def _client_policy(self, dashboard: TykDashboard, request: AccessRequest, credential: Credential) -> dict[str, Any]:
        """One policy for one client: the access rights of the products' policies (as the
        Dashboard has them: versions and URL rules included) and the plan's limits."""
        rights: dict[str, Any] = {}
        for product in request.products.all():
            if product.reference_id:
                policy = dashboard.request("GET", f"/api/portal/policies/{product.reference_id}")
                rights.update((policy or {}).get("access_rights") or {})
            else:
                for api in product.apis.all():
                    rights[api.api_id] = {"api_id": api.api_id, "api_name": api.name, "versions": ["Default"]}
        plan = request.plan
        return {
            "id": credential.provider_data["policy_id"],
            "name": f"Forecourt credential {credential.provider_data['policy_id']}",
            "org_id": self.provider.org_id,
            "access_rights": rights,
            "rate": -1 if plan.rate_unlimited else plan.rate_limit,
            "per": -1 if plan.rate_unlimited else plan.rate_per,
            "quota_max": -1 if plan.quota_unlimited else plan.quota_max,
            "quota_renewal_rate": plan.quota_renewal_seconds,
            "key_expires_in": plan.key_expires_in,
            "partitions": {"quota": False, "rate_limit": False, "complexity": False, "acl": False,
                           "per_api": False},
            "tags": _tags(request),
            "meta_data": {k: ",".join(v) if isinstance(v, list) else v for k, v in _owner(request).items()},
            "active": True,
            "state": "active",
        }

    def _create_oauth_client(self, dashboard: TykDashboard, request: AccessRequest, credential: Credential) -> None:
        data = credential.provider_data
        if not self._exists(dashboard, f"/api/portal/policies/{data['policy_id']}"):
            dashboard.request("POST", "/api/portal/policies", body=self._client_policy(dashboard, request, credential))
        crash_point("after-client-policy")
        if self._exists(dashboard, f"/api/apis/oauth/{data['api_id']}/{credential.provider_reference}"):
            return
        redirect = next((line.strip() for line in request.app.redirect_urls.splitlines() if line.strip()), "")
        dashboard.request("POST", f"/api/apis/oauth/{data['api_id']}", body={
            "client_id": credential.provider_reference,
            "secret": credential.secret,
            "redirect_uri": redirect,
            "policy_id": data["policy_id"],
            "client_name": request.app.name[:250],
            "description": request.app.description[:1000],
            "meta_data": {k: ",".join(v) if isinstance(v, list) else v for k, v in _owner(request).items()},
        })

    # -- products and plans written from the portal ---------------------------------------
    def push_policy(self, item: Product | Plan) -> PolicyFields:
        return policies.push(self.provider, item, self.client)


registry.register("tyk-pro", TykProvider)


@dataclass(frozen=True)
class _KeyAddress:
    """How a key is addressed at the Dashboard: by its hash (`?hashed=true`) once that is known,
    else by the key itself; `shown` is how messages and log lines name the path instead."""

    key_id: str
    hashed: bool
    credential_id: Any

    @classmethod
    def of(cls, credential: Credential) -> "_KeyAddress":
        if credential.provider_data.get("hashed"):
            return cls(credential.provider_reference, True, credential.pk)
        return cls(credential.gateway_key or credential.provider_reference, False, credential.pk)

    @classmethod
    def of_ref(cls, ref: GatewayRef) -> "_KeyAddress":
        """From a revocation's job payload (Credential.gateway_ref): the hash, the key encrypted,
        or (a job queued by 0.5.0 or earlier) the key as the reference."""
        if (ref.get("data") or {}).get("hashed"):
            return cls(str(ref["reference"]), True, ref.get("credential_id"))
        sealed = ref.get("gateway_key")
        return cls(crypto.decrypt(sealed) if sealed else str(ref["reference"]), False, ref.get("credential_id"))

    @property
    def path(self) -> str:
        return f"/api/keys/{self.key_id}"

    @property
    def params(self) -> dict[str, str] | None:
        return {"hashed": "true"} if self.hashed else None

    @property
    def shown(self) -> str:
        return f"/api/keys/(credential #{self.credential_id})"
