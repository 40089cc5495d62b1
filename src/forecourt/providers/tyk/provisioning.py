"""Creating an approved request's credential at the Tyk Dashboard: a key with the right policies.

The steps, each safe to repeat after a crash at any point:
1. the portal records a pending Credential with a key ID it chose (committed);
2. it asks the Dashboard whether that key exists, and creates it (POST /api/keys/{keyId}) if not;
3. it marks the Credential active.
A retry after a crash between 1 and 2 creates the key; between 2 and 3 it finds the key and
only marks the row active. The key ID is the credential's secret; it is stored encrypted.
"""

import logging
import os
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction

from forecourt.access.models import AccessRequest, Credential
from forecourt.providers import registry
from forecourt.providers.models import Provider

from .client import Refused, TykDashboard

log = logging.getLogger("forecourt.providers.tyk")


def crash_point(name: str) -> None:
    """Fault injection for the crash tests: exit at once (as kill -9 would) at the named step."""
    if os.environ.get("FORECOURT_CRASH_AT") == name:
        os._exit(137)


def session_for(request: AccessRequest, credential: Credential, provider: Provider) -> dict[str, Any]:
    """The Tyk SessionState: the products' and the plan's policies, who it is for, when it expires."""
    plan = request.plan
    products = list(request.products.all())
    policies = [p.reference_id for p in products if p.reference_id] + ([plan.reference_id] if plan.reference_id else [])
    app = request.app
    teams = sorted(app.owner.teams.values_list("pk", flat=True))
    expires = 0
    if plan.key_expires_in:
        expires = int((credential.created_at + timedelta(seconds=plan.key_expires_in)).timestamp())
    return {
        "alias": f"{app.name} ({app.pk})"[:250],
        "org_id": provider.org_id,
        "apply_policies": policies,
        "access_rights": {},
        "meta_data": {
            "DeveloperID": str(app.owner_id),
            "ApplicationID": str(app.pk),
            "OrganisationID": str(app.organisation_id),
            "TeamIDs": [str(t) for t in teams],
            "AccessRequestID": str(request.pk),
        },
        "tags": [f"app-{app.pk}", f"org-{app.organisation_id}", "forecourt"],
        "expires": expires,
        "rate": 0, "per": 0, "quota_max": -1, "allowance": 0,
    }


class TykProvisioner:
    """The `tyk-pro` entry of forecourt.providers.registry."""

    def __init__(self, provider: Provider, client: TykDashboard | None = None) -> None:
        self.provider = provider
        self.client = client

    def _pending_credential(self, request: AccessRequest) -> Credential:
        with transaction.atomic():
            credential = Credential.objects.select_for_update().filter(
                access_request=request, type=Credential.Type.KEY).exclude(status=Credential.Status.REVOKED).first()
            if credential is None:
                key = secrets.token_hex(16)
                credential = Credential.objects.create(
                    app=request.app, access_request=request, provider=self.provider, type=Credential.Type.KEY,
                    provider_reference=key, secret=key, secret_hint=key[-4:], status=Credential.Status.PENDING)
        return credential

    def issue_credential(self, request: AccessRequest) -> Credential:
        credential = self._pending_credential(request)
        if credential.status == Credential.Status.ACTIVE:
            return credential
        crash_point("after-record")
        client = self.client or TykDashboard.for_provider(self.provider)
        try:
            try:
                client.request("GET", f"/api/keys/{credential.provider_reference}")
                exists = True
            except Refused as exc:
                if exc.status != 404:
                    raise
                exists = False
            if not exists:
                client.request("POST", f"/api/keys/{credential.provider_reference}",
                               body=session_for(request, credential, self.provider))
            crash_point("after-gateway")
        finally:
            if self.client is None:
                client.close()
        expires_in = request.plan.key_expires_in
        Credential.objects.filter(pk=credential.pk).update(
            status=Credential.Status.ACTIVE,
            expires_at=credential.created_at + timedelta(seconds=expires_in) if expires_in else None)
        log.info("credential issued at the gateway", extra={"credential": credential.pk, "request": request.pk})
        credential.refresh_from_db()
        return credential


registry.register("tyk-pro", TykProvisioner)


