"""Credentials at the Tyk simulator with traffic in its analytics, for the usage tests: rows made
directly (the provisioning jobs are tested elsewhere), referring to the simulator as a provisioned
credential would (an OAuth client by its ID, a key by its hash)."""

import uuid
from typing import Any

from forecourt.access.models import App, Credential
from forecourt.catalog.models import Plan
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers.models import Provider

from .. import factories
from . import tyk


def provider_for(dashboard: Any) -> Provider:
    return Provider.objects.get_or_create(url=dashboard.url, defaults={
        "name": f"Tyk {dashboard.port}", "type": Provider.Type.TYK_PRO, "secret": tyk.SECRET,
        "org_id": tyk.ORG_ID})[0]


def credential_at(dashboard: Any, app: App, *, days: int = 7, plan: Plan | None = None,
                  kind: str = Credential.Type.OAUTH2_CLIENT) -> Credential:
    """An active credential of `app` at the simulator, with `days` days of generated traffic."""
    request = factories.pending_request(app.owner, plan)
    request.app = app
    request.save(update_fields=["app"])
    hashed = kind == Credential.Type.KEY
    reference = tyk.simulator.key_hash(uuid.uuid4().hex) if hashed else uuid.uuid4().hex
    credential = Credential.objects.create(
        app=app, access_request=request, provider=provider_for(dashboard), provider_reference=reference, type=kind,
        secret_hint="abcd", status=Credential.Status.ACTIVE, provider_data={"hashed": True} if hashed else {})
    if days:
        tyk.seed_traffic(dashboard, credential, days)
    return credential


def run_jobs() -> int:
    """Every due usage job, as the worker runs them; how many ran."""
    ran = 0
    Job.objects.exclude(name__startswith="usage.").delete()
    while queue.run_next("usage-tests") is not None:
        ran += 1
    return ran


def key_to_apis(dashboard: Any, app: App, apis: list[str], *, days: int = 0) -> Credential:
    """An active key of `app` made at the simulator with access rights to these APIs (their
    api_ids, added to the simulator beforehand), so its analytics' units name them; `days` days of
    generated traffic."""
    request = factories.pending_request(app.owner)
    request.app = app
    request.save(update_fields=["app"])
    rights = {api_id: {"api_id": api_id, "api_name": api_id, "versions": ["Default"]} for api_id in apis}
    with tyk.client(dashboard) as http:
        answer = http.post("/api/keys", json={"apply_policies": [], "access_rights": rights})
        assert answer.status_code == 200, answer.text
        hashed = str(answer.json()["key_hash"])
    credential = Credential.objects.create(
        app=app, access_request=request, provider=provider_for(dashboard), provider_reference=hashed,
        type=Credential.Type.KEY, secret_hint="abcd", status=Credential.Status.ACTIVE, provider_data={"hashed": True})
    if days:
        tyk.seed_traffic(dashboard, credential, days)
    return credential
