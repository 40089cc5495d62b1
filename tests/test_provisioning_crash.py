"""Issue 5, with real processes: a job worker killed at any step of a credential's life leaves the
portal and the gateway in agreement once a worker takes the job over.

Each test sets up, in this process, a Tyk Dashboard simulator (in a thread) and, in the test
database, a provider synced from it with an approved access request. Then it runs the real
`forecourt worker` on that database with FORECOURT_CRASH_AT=<step>: the process dies there with
os._exit(137), as after kill -9 (nothing uncommitted survives, no clean-up runs). The test checks
what it left, lets the dead worker's lease expire (as five minutes would) and runs a worker again
until every credential job is done. Then, for every credential of the app:

- no key (nor OAuth client, nor the policy the portal writes for one) at the gateway that is not
  an active portal credential's: no orphan;
- every active credential exists at the gateway with the policies the portal meant: none without
  its key;
- no duplicate: one active credential per request, one gateway object per credential;
- nothing left half-done (pending or revoking); a revoked credential is gone from the gateway.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, Credential
from forecourt.catalog.models import Plan, Product
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.ops.faults import CRASH_EXIT_STATUS
from forecourt.providers import jobs as provider_jobs
from forecourt.providers import sync
from forecourt.providers.models import Provider

from . import factories
from .support import tyk, workers
from .support.tyk import tyk_dashboard

__all__ = ["tyk_dashboard"]

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

KEY, OAUTH = Credential.Type.KEY, Credential.Type.OAUTH2_CLIENT
PRODUCT = {KEY: "Payments Product", OAUTH: "Accounts Product"}  # auth token; Tyk's OAuth 2.0
PLAN = "Free Plan"
DONE, RUNNING = Job.Status.DONE, Job.Status.RUNNING


@pytest.fixture
def dashboard(tyk_dashboard):
    """The simulator (tests/support/tyk.py), in this process; the workers reach it over HTTP."""
    return tyk_dashboard


@pytest.fixture
def provider(dashboard):
    provider = Provider.objects.create(name="Dashboard", url=dashboard.url, secret=tyk.SECRET, org_id=tyk.ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    # A sync scheduled for later: the workers' start-up sync (providers.jobs) finds it and adds
    # none, so they spend their time on the credential jobs only.
    queue.enqueue(provider_jobs.JOB, {"provider_id": provider.pk}, delay=timedelta(hours=1))
    return provider


def approved_request(provider, admin, kind=KEY) -> AccessRequest:
    """An approved request whose `access.provision` job is the only job due."""
    product = Product.objects.get(provider=provider, name=PRODUCT[kind])
    product.published = True
    product.save()
    plan = Plan.objects.get(provider=provider, name=PLAN)
    owner = factories.consumer()
    request = access.submit_request(factories.app(owner), factories.catalogue([product], [plan]), plan, [product],
                                    owner)
    request = access.approve(request, admin)
    Job.objects.exclude(name__in=["access.provision", provider_jobs.JOB]).delete()  # the e-mail is not under test
    return request


def provisioned(provider, admin, kind=KEY) -> Credential:
    """An approved request's active credential (provisioned in this process, without crashes)."""
    request = approved_request(provider, admin, kind)
    assert queue.run_next("test") is True
    return Credential.objects.get(access_request=request, status=Credential.Status.ACTIVE)


# -- the worker processes ------------------------------------------------------------------------

def crash_at(tmp_path, step: str, job_name: str) -> Job:
    """Run a worker that dies at `step`; return the job it held (still leased to the dead worker)."""
    worker = workers.start_worker(workers.child_env(tmp_path, FORECOURT_CRASH_AT=step), tmp_path, f"crash-{step}")
    try:
        worker.wait_until(lambda: worker.proc.poll() is not None or not_past(step), timeout=30,
                          what=f"dead at {step}")
        status = worker.wait(timeout=10)
    finally:
        worker.stop()
    assert status == CRASH_EXIT_STATUS, f"the worker exited with {status}, not at {step}:\n{worker.log()}"
    held = Job.objects.get(status=RUNNING)
    assert (held.name, held.attempts) == (job_name, 1), worker.log()
    assert held.locked_until > timezone.now()  # leased: no other worker takes it yet
    return held


def expire_lease(job: Job) -> None:
    """What time does for a dead worker's job: its lease runs out."""
    assert Job.objects.filter(pk=job.pk, status=RUNNING).update(
        locked_until=timezone.now() - timedelta(seconds=1)) == 1


def assert_no_job_failed() -> None:
    """A retry after a crash must succeed at once; a worker meant to crash must not fail instead."""
    failed = list(Job.objects.filter(name__startswith="access.").exclude(last_error="")
                  .values_list("name", "status", "last_error"))
    assert not failed, failed


def not_past(step: str) -> bool:
    """False while a worker may still reach `step`; fails the test once it cannot."""
    assert not credential_jobs_done(), f"every credential job is done: the worker never reached {step}"
    return False


def credential_jobs_done() -> bool:
    assert_no_job_failed()
    return not Job.objects.filter(name__startswith="access.").exclude(status=DONE).exists()


def recover(tmp_path) -> None:
    """Run a worker (no crash) until every credential job is done, then stop it."""
    worker = workers.start_worker(workers.child_env(tmp_path), tmp_path, "recover")
    try:
        worker.wait_until(credential_jobs_done, timeout=30, what="every credential job done")
    finally:
        status = worker.stop()
    assert status == 0, worker.log()


# -- what the gateway holds ----------------------------------------------------------------------

def at_gateway(dashboard) -> list[tuple[str, str]]:
    """Every credential the simulator holds, as (type, reference); with the policy each OAuth
    client got from the portal as ("client-policy", id)."""
    found = [(KEY, key_id) for key_id in dashboard.hashed_keys]
    found += [(OAUTH, client_id) for _, client_id in dashboard.oauth_clients]
    found += [("client-policy", p["id"]) for p in dashboard.policies.values()
              if any(tag.startswith("app-") for tag in p["tags"] or [])]  # synced policies are tagged "portal"
    return sorted(found)


def gateway_objects(credential: Credential) -> list[tuple[str, str]]:
    if credential.type == OAUTH:
        return sorted([(OAUTH, credential.provider_reference),
                       ("client-policy", credential.provider_data["policy_id"])])
    # An active key is kept by its hash; a pending one by the key (encrypted), whose hash the simulator lists.
    if credential.provider_data.get("hashed"):
        return [(KEY, credential.provider_reference)]
    assert credential.gateway_key and credential.provider_reference != credential.gateway_key
    return [(KEY, tyk.simulator.key_hash(credential.gateway_key))]


def assert_portal_and_gateway_agree(dashboard, app_id: int) -> list[Credential]:
    """The invariants; returns the app's active credentials."""
    rows = list(Credential.objects.filter(app_id=app_id).select_related("access_request__plan"))
    assert all(c.status in (Credential.Status.ACTIVE, Credential.Status.REVOKED) for c in rows), [
        (c.pk, c.status) for c in rows]  # nothing half-done
    references = [c.provider_reference for c in rows]
    assert len(references) == len(set(references))
    active = [c for c in rows if c.status == Credential.Status.ACTIVE]
    for request_id in {c.access_request_id for c in rows}:
        assert sum(c.access_request_id == request_id for c in active) <= 1  # one working credential per request
    # Exactly the active credentials at the gateway: no orphan, none missing, no twin.
    assert at_gateway(dashboard) == sorted(o for c in active for o in gateway_objects(c))
    for credential in active:
        assert_as_meant(dashboard, credential)
    return active


def assert_as_meant(dashboard, credential: Credential) -> None:
    request = credential.access_request
    policies = [p.reference_id for p in request.products.all()] + [request.plan.reference_id]
    owner = {"ApplicationID": str(request.app_id), "AccessRequestID": str(request.pk)}
    if credential.type == KEY:
        # Kept by its hash, never by the key itself: the database holds nothing that works as a key.
        assert credential.provider_data.get("hashed") and credential.provider_reference not in dashboard.keys
        assert credential.gateway_key == ""  # the key is no longer needed to address it
        session = dashboard.hashed_keys[credential.provider_reference]
        assert session["apply_policies"] == policies
        assert owner.items() <= session["meta_data"].items()
        assert f"app-{request.app_id}" in session["tags"]
        return
    (api_id, client), = [(a, c) for (a, c_id), c in dashboard.oauth_clients.items()
                         if c_id == credential.provider_reference]
    assert api_id == credential.provider_data["api_id"] and client["secret"] == credential.secret
    assert client["policy_id"] == credential.provider_data["policy_id"]
    assert owner.items() <= client["meta_data"].items()
    policy = next(p for p in dashboard.policies.values() if p["id"] == client["policy_id"])
    assert api_id in policy["access_rights"]
    assert (policy["rate"], policy["per"], policy["quota_max"]) == (
        request.plan.rate_limit, request.plan.rate_per, request.plan.quota_max)


# -- the tests -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "step"), [(KEY, "after-record"), (KEY, "after-gateway"), (OAUTH, "after-record"),
                                            (OAUTH, "after-client-policy"), (OAUTH, "after-gateway")])
def test_provisioning_killed_at_any_step_is_finished_by_the_next_worker(provider, admin, dashboard, tmp_path,
                                                                        step, kind):
    request = approved_request(provider, admin, kind)

    held = crash_at(tmp_path, step, "access.provision")
    credential = Credential.objects.get(access_request=request)
    assert credential.status == Credential.Status.PENDING  # the portal knew the key before the gateway
    made = {"after-record": [], "after-gateway": gateway_objects(credential),
            # the client's own policy exists; the client does not yet
            "after-client-policy": [o for o in gateway_objects(credential) if o[0] == "client-policy"]}[step]
    assert at_gateway(dashboard) == made

    expire_lease(held)
    recover(tmp_path)

    (active,) = assert_portal_and_gateway_agree(dashboard, request.app_id)
    assert active.pk == credential.pk  # the recorded credential was finished, not a second one made
    request.refresh_from_db()
    assert (request.provisioning, request.provisioning_error) == ("done", "")
    assert Job.objects.get(pk=held.pk).attempts == 2


@pytest.mark.parametrize("step", ["after-record", "after-gateway"])
def test_a_credential_revoked_while_its_provisioning_worker_lay_dead_stays_revoked(provider, admin, dashboard,
                                                                                   tmp_path, step):
    request = approved_request(provider, admin)
    held = crash_at(tmp_path, step, "access.provision")
    credential = Credential.objects.get(access_request=request)
    assert credentials.revoke(credential, admin) is True  # an admin acts before the lease runs out

    expire_lease(held)
    recover(tmp_path)  # the provisioning retry and the revocation, in whatever order the queue takes them

    assert assert_portal_and_gateway_agree(dashboard, request.app_id) == []
    assert list(Credential.objects.filter(access_request=request).values_list("pk", "status")) == [
        (credential.pk, Credential.Status.REVOKED)]  # not replaced by a new credential


@pytest.mark.parametrize("step", ["after-record", "after-gateway", "after-revoke"])
def test_rotation_killed_at_any_step_ends_with_the_new_credential_only(provider, admin, dashboard, tmp_path, step):
    old = provisioned(provider, admin)
    new = credentials.rotate(old, admin)

    held = crash_at(tmp_path, step, "access.revoke" if step == "after-revoke" else "access.activate")
    old.refresh_from_db()
    new.refresh_from_db()
    if step == "after-revoke":  # the new one works; the old one is gone from the gateway, its row not yet revoked
        assert (new.status, old.status) == (Credential.Status.ACTIVE, Credential.Status.REVOKING)
        assert at_gateway(dashboard) == gateway_objects(new)
    else:  # the app still has its working credential
        assert (new.status, old.status) == (Credential.Status.PENDING, Credential.Status.ACTIVE)
        expected = gateway_objects(old) + (gateway_objects(new) if step == "after-gateway" else [])
        assert at_gateway(dashboard) == sorted(expected)

    expire_lease(held)
    recover(tmp_path)

    (active,) = assert_portal_and_gateway_agree(dashboard, old.app_id)
    assert (active.pk, active.replaces_id) == (new.pk, old.pk)
    old.refresh_from_db()
    assert old.status == Credential.Status.REVOKED and old.revoked_at is not None


@pytest.mark.parametrize(("kind", "how", "step"), [(KEY, "revoke", "after-revoke"), (OAUTH, "revoke", "after-revoke"),
                                                   (OAUTH, "revoke", "after-client-delete"),
                                                   (KEY, "delete-app", "after-revoke")])
def test_revocation_killed_after_the_gateway_call_is_finished_by_the_next_worker(provider, admin, dashboard,
                                                                                 tmp_path, kind, how, step):
    credential = provisioned(provider, admin, kind)
    app_id = credential.app_id
    if how == "revoke":
        assert credentials.revoke(credential, admin) is True
    else:
        credentials.delete_app(credential.app, admin)

    held = crash_at(tmp_path, step, "access.revoke")
    if step == "after-client-delete":  # the client is gone, its policy not yet
        assert at_gateway(dashboard) == [o for o in gateway_objects(credential) if o[0] == "client-policy"]
    else:
        assert at_gateway(dashboard) == []  # gone at the gateway ...
    if how == "revoke":  # ... and not yet marked revoked in the portal
        assert Credential.objects.get(pk=credential.pk).status == Credential.Status.REVOKING

    expire_lease(held)
    recover(tmp_path)

    assert assert_portal_and_gateway_agree(dashboard, app_id) == []
    if how == "revoke":
        assert Credential.objects.get(pk=credential.pk).status == Credential.Status.REVOKED
    else:
        assert not Credential.objects.filter(pk=credential.pk).exists()
