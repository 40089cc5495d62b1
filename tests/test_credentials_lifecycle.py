"""A credential's life after approval: rotated, revoked, moved to another plan, removed with its app
or its owner, for API keys and OAuth 2.0 clients; through the services, the Admin API and the Admin
Portal. Every test checks what the Tyk Dashboard simulator holds, not only the portal's rows."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, App, Credential
from forecourt.accounts import services as accounts
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Plan, Product
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import sync
from forecourt.providers.models import Provider

from . import factories
from .support import tyk
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db

ACCOUNTS_API = "e95400eba23c4a2d4622a722be06fe95"  # the simulator's OAuth 2.0 API (use_oauth2)


@pytest.fixture
def provider(tyk_dashboard):
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    return provider


def run_jobs() -> None:
    """Run every due job, as the worker would (e-mails are not what these tests are about)."""
    Job.objects.filter(name__startswith="notify.").delete()
    while queue.run_next("test") is not None:
        pass


def retry_now() -> None:
    """As if the backoff of the jobs that failed had passed."""
    Job.objects.filter(status=Job.Status.QUEUED).update(run_at=timezone.now())


def unfinished() -> list[str]:
    return list(Job.objects.exclude(status=Job.Status.DONE).values_list("name", flat=True))


def granted(provider, admin, product="Payments Product", plans=("Free Plan", "Pro Plan"), provision=True):
    """An approved request of a new consumer's app for `product` on the first of `plans` (all of
    them in its catalogue), its credential created at the gateway unless `provision` is False."""
    item = Product.objects.get(provider=provider, name=product)
    item.published = True
    item.save()
    offered = [Plan.objects.get(provider=provider, name=name) for name in plans]
    owner = factories.consumer()
    request = access.submit_request(factories.app(owner), factories.catalogue([item], offered), offered[0], [item],
                                    owner)
    access.approve(request, admin)
    if provision:
        run_jobs()
        request.refresh_from_db()
        assert request.provisioning == "done", request.provisioning_error
    return request


def live(app: App) -> list[Credential]:
    return list(Credential.objects.filter(app=app, status="active"))


def only_credential(request: AccessRequest) -> Credential:
    (credential,) = Credential.objects.filter(access_request=request)
    return credential


def policy(dashboard, policy_id: str) -> dict | None:
    """A policy by its ID, as the Dashboard's API answers it (None: not there)."""
    with tyk.client(dashboard) as http:
        response = http.get(f"/api/portal/policies/{policy_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()


# -- rotation ----------------------------------------------------------------------------------

def test_rotation_makes_a_new_key_like_the_old_then_removes_the_old(provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    old = only_credential(request)
    before = tyk_dashboard.hashed_keys[old.provider_reference]

    new = credentials.rotate(old, admin)
    assert (new.status, new.replaces_id, new.access_request_id) == ("pending", old.pk, request.pk)
    assert new.provider_reference != old.provider_reference and new.secret_hint == new.gateway_key[-4:]
    assert new.provider_reference.startswith("portal-")  # not the key: that is kept encrypted only
    assert AuditEntry.objects.filter(object_type="access.credential", object_id=str(old.pk), actor=admin,
                                     note=f"credential rotated: replaced by credential #{new.pk}").exists()
    # Nothing at the gateway has changed yet; the old key still works.
    assert list(tyk_dashboard.hashed_keys) == [old.provider_reference]
    assert [c.pk for c in live(request.app)] == [old.pk]

    # One job at a time: the app has exactly one active credential at every step.
    while queue.run_next("test") is not None:
        assert len(live(request.app)) == 1
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, old.status) == ("active", "revoked") and old.revoked_at is not None
    assert list(tyk_dashboard.hashed_keys) == [new.provider_reference]  # the old key is gone, the new one is there
    after = tyk_dashboard.hashed_keys[new.provider_reference]
    for field in ("apply_policies", "meta_data", "tags", "access_rights", "rate", "per", "quota_max"):
        assert after[field] == before[field], field
    assert unfinished() == []


def test_rotating_twice_while_the_new_key_is_pending_is_refused(provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    old = only_credential(request)
    new = credentials.rotate(old, admin)
    jobs = Job.objects.count()
    with pytest.raises(ValidationError, match="being rotated already"):
        credentials.rotate(old, admin)
    with pytest.raises(ValidationError, match="Only active credentials can be rotated"):
        credentials.rotate(new, admin)
    assert Credential.objects.filter(access_request=request).count() == 2
    assert Job.objects.count() == jobs
    run_jobs()
    assert list(tyk_dashboard.hashed_keys) == [Credential.objects.get(status="active").provider_reference]
    with pytest.raises(ValidationError, match="this one is Revoked"):
        credentials.rotate(Credential.objects.get(pk=old.pk), admin)


def test_a_rotation_while_the_gateway_is_down_finishes_when_it_is_back(provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    old = only_credential(request)
    tyk_dashboard.down()
    new = credentials.rotate(old, admin)
    run_jobs()
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, old.status) == ("pending", "active")  # the old key keeps the app working
    tyk_dashboard.up()
    retry_now()
    run_jobs()
    new.refresh_from_db()
    assert new.status == "active"
    assert list(tyk_dashboard.hashed_keys) == [new.provider_reference]


# -- revocation --------------------------------------------------------------------------------

def test_revoking_removes_the_key_from_the_gateway(provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    credential = only_credential(request)
    assert credential.provider_reference in tyk_dashboard.hashed_keys
    assert credentials.revoke(credential, admin, note="leaked") is True
    assert credential.status == "revoking" and credential.revoked_at is not None
    assert AuditEntry.objects.filter(object_id=str(credential.pk), note="leaked", actor=admin).exists()
    run_jobs()
    credential.refresh_from_db()
    assert credential.status == "revoked"
    assert tyk_dashboard.hashed_keys == {}
    with tyk.client(tyk_dashboard) as http:
        assert http.get(f"/api/keys/{credential.provider_reference}").status_code == 404
    assert credentials.revoke(credential, admin) is False  # nothing left to do
    assert Job.objects.filter(name="access.revoke").count() == 1


def test_revoking_while_the_key_is_pending_leaves_no_key_when_the_gateway_is_back(provider, admin, tyk_dashboard):
    tyk_dashboard.down()
    request = granted(provider, admin, provision=False)
    run_jobs()  # provisioning fails: the gateway cannot be reached
    credential = only_credential(request)
    assert credential.status == "pending"
    assert credentials.revoke(credential, admin) is True
    tyk_dashboard.up()
    retry_now()
    run_jobs()
    credential.refresh_from_db()
    assert credential.status == "revoked"
    assert tyk_dashboard.hashed_keys == {}  # no key, not even one a retry of the provisioning made
    assert not Credential.objects.filter(access_request=request, status__in=Credential.LIVE).exists()
    assert unfinished() == []


# -- plan changes ------------------------------------------------------------------------------

def test_changing_plan_moves_the_key_to_the_new_plans_policy(provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    credential = only_credential(request)
    product = request.products.get()
    free, pro = Plan.objects.get(name="Free Plan"), Plan.objects.get(name="Pro Plan")
    assert tyk_dashboard.hashed_keys[credential.provider_reference]["apply_policies"] == [product.reference_id,
                                                                                   free.reference_id]
    credentials.change_plan(request, pro, admin)
    request.refresh_from_db()
    assert request.plan == pro
    assert AuditEntry.objects.get(object_type="access.accessrequest", note="plan changed").changes == {
        "plan": [free.pk, pro.pk]}
    run_jobs()
    session = tyk_dashboard.hashed_keys[credential.provider_reference]
    assert session["apply_policies"] == [product.reference_id, pro.reference_id]
    assert (session["rate"], session["per"], session["quota_max"]) == (100, 1, 1000000)  # the Pro Plan's
    assert list(tyk_dashboard.hashed_keys) == [credential.provider_reference]  # the same key, changed in place


def test_a_plan_from_another_catalogue_is_refused_and_nothing_changes(provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    credential = only_credential(request)
    before = tyk_dashboard.hashed_keys[credential.provider_reference]
    jobs = Job.objects.count()
    unlimited = Plan.objects.get(name="Unlimited Plan")  # a plan, but not in this request's catalogue
    with pytest.raises(ValidationError, match="is not offered in the catalogue"):
        credentials.change_plan(request, unlimited, admin)
    request.refresh_from_db()
    assert request.plan.name == "Free Plan"
    assert Job.objects.count() == jobs
    assert not AuditEntry.objects.filter(note="plan changed").exists()
    assert tyk_dashboard.hashed_keys[credential.provider_reference] == before


# -- an app or its owner goes ------------------------------------------------------------------

def test_deleting_an_app_removes_its_keys_at_the_gateway(provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    rotated = credentials.rotate(only_credential(request), admin)  # a pending one as well as the active one
    assert len(tyk_dashboard.hashed_keys) == 1
    credentials.delete_app(request.app, admin)
    assert not App.objects.filter(pk=request.app_id).exists()
    run_jobs()
    assert tyk_dashboard.hashed_keys == {}  # the active key went, and the pending one was never made
    assert not Credential.objects.filter(pk=rotated.pk).exists()
    assert unfinished() == []


def test_deleting_an_app_whose_key_is_pending_leaves_no_key_and_no_failing_job(provider, admin, tyk_dashboard):
    tyk_dashboard.down()
    request = granted(provider, admin, provision=False)
    run_jobs()  # provisioning fails: the gateway cannot be reached
    assert only_credential(request).status == "pending"
    credentials.delete_app(request.app, admin)
    tyk_dashboard.up()
    retry_now()
    run_jobs()
    assert tyk_dashboard.hashed_keys == {}
    assert unfinished() == []  # the provisioning retry finds its request gone and stops


def test_an_app_deleted_while_its_key_is_being_created_leaves_no_key(provider, admin, tyk_dashboard, monkeypatch):
    request = granted(provider, admin, provision=False)
    Job.objects.filter(name__startswith="notify.").delete()

    def app_deleted_meanwhile(step):
        # Between recording the credential and creating it at the gateway, the app is deleted and the
        # revocation job runs at once (another worker): it finds no key yet.
        if step == "after-record":
            credentials.delete_app(App.objects.get(pk=request.app_id), admin)
            (revocation,) = Job.objects.filter(name="access.revoke")
            assert queue.run(revocation) is True

    monkeypatch.setattr(credentials, "crash_point", app_deleted_meanwhile)
    run_jobs()
    monkeypatch.setattr(credentials, "crash_point", lambda step: None)
    retry_now()
    run_jobs()
    assert tyk_dashboard.hashed_keys == {}


def test_deactivating_a_user_removes_the_keys_of_their_apps(provider, admin, tyk_dashboard):
    mine, theirs = granted(provider, admin), granted(provider, admin)
    owner = mine.app.owner
    accounts.set_active(owner, False, admin)
    assert only_credential(mine).status == "revoking"
    run_jobs()
    assert only_credential(mine).status == "revoked"
    assert list(tyk_dashboard.hashed_keys) == [only_credential(theirs).provider_reference]  # only the owner's went
    note = f"credential revoked: its owner {owner} was deactivated"
    assert AuditEntry.objects.filter(object_id=str(only_credential(mine).pk), note=note, actor=admin).exists()


# -- OAuth 2.0 clients -------------------------------------------------------------------------

def test_an_oauth_product_gets_a_client_with_its_own_policy_which_revoking_removes(provider, admin, tyk_dashboard):
    request = granted(provider, admin, product="Accounts Product")
    credential = only_credential(request)
    assert (credential.type, credential.status) == ("oauth2-client", "active")
    assert tyk_dashboard.hashed_keys == {}
    policy_id = credential.provider_data["policy_id"]
    client = tyk_dashboard.oauth_clients[(ACCOUNTS_API, credential.provider_reference)]
    assert client["policy_id"] == policy_id and client["secret"] == credential.secret
    granted_policy = policy(tyk_dashboard, policy_id)
    assert granted_policy is not None
    assert list(granted_policy["access_rights"]) == [ACCOUNTS_API]  # the product's API
    assert not any(granted_policy["partitions"].values())  # one composite policy: rights and limits
    free = request.plan
    assert (granted_policy["rate"], granted_policy["per"], granted_policy["quota_max"]) == (
        free.rate_limit, free.rate_per, free.quota_max)
    # Not a product or plan: a sync leaves it alone.
    sync.sync(provider)
    assert not Product.objects.filter(reference_id=policy_id).exists()
    assert not Plan.objects.filter(reference_id=policy_id).exists()

    # A plan change rewrites the client's policy.
    pro = Plan.objects.get(name="Pro Plan")
    credentials.change_plan(request, pro, admin)
    run_jobs()
    changed = policy(tyk_dashboard, policy_id)
    assert changed is not None and (changed["rate"], changed["per"], changed["quota_max"]) == (100, 1, 1000000)
    assert list(changed["access_rights"]) == [ACCOUNTS_API]

    credentials.revoke(credential, admin)
    run_jobs()
    assert tyk_dashboard.oauth_clients == {}
    assert policy(tyk_dashboard, policy_id) is None
    assert only_credential(request).status == "revoked"


def test_rotating_an_oauth_client_replaces_client_and_policy(provider, admin, tyk_dashboard):
    request = granted(provider, admin, product="Accounts Product")
    old = only_credential(request)
    new = credentials.rotate(old, admin)
    run_jobs()
    new.refresh_from_db()
    assert new.status == "active" and new.type == "oauth2-client"
    assert list(tyk_dashboard.oauth_clients) == [(ACCOUNTS_API, new.provider_reference)]
    assert policy(tyk_dashboard, old.provider_data["policy_id"]) is None
    assert policy(tyk_dashboard, new.provider_data["policy_id"]) is not None


# -- the Admin API -----------------------------------------------------------------------------

def test_api_rotates_on_both_paths_and_answers_the_new_credential(api, provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    old = only_credential(request)
    response = api("put", f"/apps/{request.app_id}/credentials/{old.pk}/rotate")
    assert response.status_code == 200, response.content
    body = response.json()
    new = Credential.objects.get(replaces=old)
    assert (body["ID"], body["Status"], body["ReplacesID"], body["AccessRequestID"]) == (
        new.pk, "pending", old.pk, request.pk)
    assert body["SecretHint"] == new.secret_hint and body["RevokedAt"] is None
    assert not {"Secret", "Credential"} & set(body)
    assert AuditEntry.objects.filter(object_id=str(old.pk), actor=admin, note__startswith="credential rotated").exists()
    run_jobs()
    new.refresh_from_db()  # active now: kept by the key's hash
    assert list(tyk_dashboard.hashed_keys) == [new.provider_reference]
    listed = {c["ID"]: c for c in api("get", f"/apps/{request.app_id}/credentials").json()}
    assert (listed[new.pk]["Status"], listed[old.pk]["Status"]) == ("active", "revoked")
    assert listed[old.pk]["RevokedAt"] is not None

    nested = api("put", f"/apps/{request.app_id}/access-requests/{request.pk}/credentials/{new.pk}/rotate")
    assert nested.status_code == 200, nested.content
    assert nested.json()["ReplacesID"] == new.pk
    run_jobs()
    assert list(tyk_dashboard.hashed_keys) == [Credential.objects.get(replaces=new).provider_reference]


def test_api_rotation_errors_are_404_or_422_and_change_nothing(api, provider, admin, tyk_dashboard):
    request, other = granted(provider, admin), granted(provider, admin)
    old, others = only_credential(request), only_credential(other)
    assert api("put", f"/apps/{other.app_id}/credentials/{old.pk}/rotate").status_code == 404
    assert api("put", f"/apps/{request.app_id}/access-requests/{other.pk}/credentials/{old.pk}/rotate") \
        .status_code == 404
    assert api("put", f"/apps/{request.app_id}/access-requests/{request.pk}/credentials/{others.pk}/rotate") \
        .status_code == 404
    assert Credential.objects.count() == 2 and not Job.objects.exclude(status="done").exists()

    api("put", f"/apps/{request.app_id}/credentials/{old.pk}/rotate")
    count, jobs, entries = Credential.objects.count(), Job.objects.count(), AuditEntry.objects.count()
    again = api("put", f"/apps/{request.app_id}/credentials/{old.pk}/rotate")
    assert again.status_code == 422
    assert again.json() == {"status": "error", "errors": ["This credential is being rotated already."]}
    pending = Credential.objects.get(replaces=old)
    refused = api("put", f"/apps/{request.app_id}/credentials/{pending.pk}/rotate")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        "Only active credentials can be rotated; this one is Being created at the gateway."]
    assert (Credential.objects.count(), Job.objects.count(), AuditEntry.objects.count()) == (count, jobs, entries)


def test_api_revokes_and_a_second_revoke_changes_nothing(api, provider, admin, tyk_dashboard):
    request, other = granted(provider, admin), granted(provider, admin)
    credential = only_credential(request)
    assert api("delete", f"/apps/{other.app_id}/credentials/{credential.pk}").status_code == 404
    assert api("delete", f"/apps/{request.app_id}/credentials/999999").status_code == 404
    assert only_credential(request).status == "active"

    response = api("delete", f"/apps/{request.app_id}/credentials/{credential.pk}")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert AuditEntry.objects.filter(object_id=str(credential.pk), actor=admin, note="credential revoked").exists()
    assert api("get", f"/apps/{request.app_id}/credentials").json()[0]["Status"] == "revoking"
    run_jobs()
    assert list(tyk_dashboard.hashed_keys) == [only_credential(other).provider_reference]
    jobs, entries = Job.objects.count(), AuditEntry.objects.count()
    again = api("delete", f"/apps/{request.app_id}/credentials/{credential.pk}")
    assert again.status_code == 200 and again.json() == {"status": "ok"}
    assert (Job.objects.count(), AuditEntry.objects.count()) == (jobs, entries)
    assert only_credential(request).status == "revoked"


def test_a_plan_whose_policy_is_gone_cannot_be_granted(provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    Plan.objects.filter(name="Pro Plan").update(hidden_by_sync=True)
    with pytest.raises(ValidationError, match="policy is gone"):
        credentials.change_plan(request, Plan.objects.get(name="Pro Plan"), admin)
    request.refresh_from_db()
    assert request.plan.name == "Free Plan" and not Job.objects.filter(name="access.update").exists()


def test_a_plan_change_while_the_key_is_being_created_reaches_the_key(provider, admin, tyk_dashboard, monkeypatch):
    request = granted(provider, admin, provision=False)
    pro = Plan.objects.get(name="Pro Plan")

    def plan_changed_meanwhile(step):
        # The key is being made with the Free plan when an admin moves the request to Pro.
        if step == "after-record":
            credentials.change_plan(AccessRequest.objects.get(pk=request.pk), pro, admin)
            (update,) = Job.objects.filter(name="access.update")
            assert queue.run(queue.claim("other-worker")) is False  # pending: retried later
            update.refresh_from_db()
            assert "still being created" in update.last_error

    monkeypatch.setattr(credentials, "crash_point", plan_changed_meanwhile)
    run_jobs()
    monkeypatch.setattr(credentials, "crash_point", lambda step: None)
    retry_now()
    run_jobs()
    credential = only_credential(request)
    product = request.products.get()
    assert tyk_dashboard.hashed_keys[credential.provider_reference]["apply_policies"] == [product.reference_id,
                                                                                   pro.reference_id]
    assert unfinished() == []


def test_api_changes_the_plan_of_an_approved_request(api, provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    credential = only_credential(request)
    pro = Plan.objects.get(name="Pro Plan")
    response = api("put", f"/access_requests/{request.pk}/plan", {"PlanID": pro.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["ID"], body["PlanID"], body["Plan"]) == (request.pk, pro.pk, pro.display_name)
    assert [c["ID"] for c in body["Credentials"]] == [credential.pk]
    assert AuditEntry.objects.filter(object_id=str(request.pk), actor=admin, note="plan changed").exists()
    run_jobs()
    product = request.products.get()
    assert tyk_dashboard.hashed_keys[credential.provider_reference]["apply_policies"] == [product.reference_id,
                                                                                   pro.reference_id]
    # The current plan again: 200, nothing to do.
    jobs = Job.objects.count()
    assert api("put", f"/access_requests/{request.pk}/plan", {"PlanID": pro.pk}).status_code == 200
    assert Job.objects.count() == jobs


def test_api_plan_change_errors_change_nothing(api, provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    pending = granted(provider, admin, provision=False)
    AccessRequest.objects.filter(pk=pending.pk).update(status="pending", provisioning="not-needed")
    Job.objects.all().delete()
    before = tyk_dashboard.hashed_keys
    unlimited, pro = Plan.objects.get(name="Unlimited Plan"), Plan.objects.get(name="Pro Plan")
    path = f"/access_requests/{request.pk}/plan"

    other_catalogue = api("put", path, {"PlanID": unlimited.pk})
    assert other_catalogue.status_code == 422
    assert other_catalogue.json()["errors"] == [
        f"The plan {unlimited} is not offered in the catalogue {request.catalogue}."]
    unknown = api("put", path, {"PlanID": 999999})
    assert (unknown.status_code, unknown.json()["errors"]) == (422, ["PlanID: there is no plan #999999."])
    assert api("put", path, {}).status_code == 422
    assert api("put", path, {"PlanID": "pro"}).status_code == 422
    assert api("put", path, {"PlanID": 0}).status_code == 422
    assert api("put", path, {"PlanID": pro.pk, "Colour": "red"}).status_code == 422
    not_approved = api("put", f"/access_requests/{pending.pk}/plan", {"PlanID": pro.pk})
    assert (not_approved.status_code, not_approved.json()["errors"]) == (
        422, ["Only approved requests can change plan."])
    assert api("put", "/access_requests/999999/plan", {"PlanID": pro.pk}).status_code == 404

    assert set(AccessRequest.objects.values_list("plan__name", flat=True)) == {"Free Plan"}
    assert not Job.objects.exists() and not AuditEntry.objects.filter(note="plan changed").exists()
    assert tyk_dashboard.hashed_keys == before


def test_api_app_delete_removes_the_keys_at_the_gateway(api, provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    assert api("delete", f"/apps/{request.app_id}").json() == {"status": "ok"}
    run_jobs()
    assert tyk_dashboard.hashed_keys == {}


# -- the Admin Portal --------------------------------------------------------------------------

def page_of(client, request) -> str:
    response = client.get(f"/portal-admin/access-requests/{request.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_portal_shows_each_credential_with_its_status_hint_and_what_it_replaces(client, provider, admin):
    request = granted(provider, admin)
    old = only_credential(request)
    new = credentials.rotate(old, admin)
    client.force_login(admin)
    body = page_of(client, request)
    assert "provisioning pending" in body
    assert f"…{new.secret_hint}" in body and f"…{old.secret_hint}" in body
    assert f"#{old.pk} (…{old.secret_hint})" in body  # the new one says which it replaces
    assert "being rotated" in body
    assert f"credentials/{old.pk}/revoke/" in body and f"credentials/{new.pk}/revoke/" in body
    assert f"credentials/{old.pk}/rotate/" not in body  # being rotated already
    assert new.secret not in body  # never a secret
    assert "Change plan" in body
    run_jobs()
    body = page_of(client, request)
    assert "provisioning pending" not in body and "Revoked" in body
    assert f"credentials/{new.pk}/rotate/" in body and f"credentials/{old.pk}/revoke/" not in body


def test_portal_rotates_after_confirmation(client, provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    old = only_credential(request)
    client.force_login(admin)
    url = f"/portal-admin/access-requests/{request.pk}/credentials/{old.pk}/rotate/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert f"Rotate credential #{old.pk}" in text and "csrfmiddlewaretoken" in text and 'method="post"' in text
    assert Credential.objects.count() == 1  # asking changes nothing

    done = client.post(url, follow=True)
    assert done.redirect_chain[-1][0] == f"/portal-admin/access-requests/{request.pk}/"
    new = Credential.objects.get(replaces=old)
    assert f"the new credential #{new.pk} is being created at the gateway" in done.content.decode()
    assert AuditEntry.objects.filter(object_id=str(old.pk), actor=admin, note__startswith="credential rotated").exists()
    run_jobs()
    new.refresh_from_db()  # active now: kept by the key's hash
    assert list(tyk_dashboard.hashed_keys) == [new.provider_reference]


def test_portal_revokes_after_confirmation(client, provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    credential = only_credential(request)
    client.force_login(admin)
    url = f"/portal-admin/access-requests/{request.pk}/credentials/{credential.pk}/revoke/"
    assert "This cannot be undone" in client.get(url).content.decode()
    assert only_credential(request).status == "active"
    done = client.post(url, follow=True)
    assert f"Credential #{credential.pk} revoked" in done.content.decode()
    run_jobs()
    assert only_credential(request).status == "revoked" and tyk_dashboard.hashed_keys == {}
    again = client.post(url, follow=True)
    assert "was revoked already: nothing changed" in again.content.decode()
    assert Job.objects.filter(name="access.revoke").count() == 1


def test_portal_credential_errors_are_messages_and_change_nothing(client, provider, admin, tyk_dashboard):
    request, other = granted(provider, admin), granted(provider, admin)
    credential = only_credential(request)
    credentials.revoke(credential, admin)
    run_jobs()
    client.force_login(admin)
    base = f"/portal-admin/access-requests/{request.pk}/credentials"
    count, jobs = Credential.objects.count(), Job.objects.count()
    refused = client.post(f"{base}/{credential.pk}/rotate/", follow=True)
    assert "Nothing changed: Only active credentials can be rotated; this one is Revoked." in \
        refused.content.decode()
    assert client.post(f"{base}/{only_credential(other).pk}/revoke/").status_code == 404  # another request's
    assert client.post(f"{base}/{credential.pk}/delete/").status_code == 404
    assert (Credential.objects.count(), Job.objects.count()) == (count, jobs)
    assert only_credential(other).status == "active"
    assert list(tyk_dashboard.hashed_keys) == [only_credential(other).provider_reference]


def test_portal_changes_the_plan_and_refuses_one_from_another_catalogue(client, provider, admin, tyk_dashboard):
    request = granted(provider, admin)
    credential = only_credential(request)
    pro, unlimited = Plan.objects.get(name="Pro Plan"), Plan.objects.get(name="Unlimited Plan")
    client.force_login(admin)
    page = client.get(f"/portal-admin/access-requests/{request.pk}/")
    choices = [str(plan) for plan in page.context["plan_form"].fields["plan"].queryset]
    assert choices == ["Free Plan", "Pro Plan"]  # the catalogue's plans

    url = f"/portal-admin/access-requests/{request.pk}/"
    refused = client.post(url, {"action": "change-plan", "plan": unlimited.pk})
    assert "Nothing changed: Select a valid choice." in refused.content.decode()
    request.refresh_from_db()
    assert request.plan.name == "Free Plan" and not Job.objects.exclude(status="done").exists()

    done = client.post(url, {"action": "change-plan", "plan": pro.pk}, follow=True)
    assert f"moved to the plan {pro}" in done.content.decode()
    request.refresh_from_db()
    assert request.plan == pro
    assert AuditEntry.objects.filter(object_id=str(request.pk), actor=admin, note="plan changed").exists()
    run_jobs()
    assert tyk_dashboard.hashed_keys[credential.provider_reference]["apply_policies"][-1] == pro.reference_id


def test_portal_offers_no_plan_change_before_approval(client, admin):
    request = factories.pending_request()
    other_plan = factories.plan()
    request.catalogue.plans.add(other_plan)
    client.force_login(admin)
    page = client.get(f"/portal-admin/access-requests/{request.pk}/")
    assert page.context["plan_form"] is None and "Change plan" not in page.content.decode()
    refused = client.post(f"/portal-admin/access-requests/{request.pk}/",
                          {"action": "change-plan", "plan": other_plan.pk})
    assert "Nothing changed: Only approved requests can change plan." in refused.content.decode()
    request.refresh_from_db()
    assert (request.status, request.plan_id) == ("pending", request.plan_id)
    assert request.plan != other_plan
