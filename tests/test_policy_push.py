"""Products and plans made or edited in the portal are written to the Tyk Dashboard as policies,
and read back by the next sync without a single change."""

import pytest

from forecourt.api import forms
from forecourt.catalog.models import Plan, Product
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import push, sync
from forecourt.providers.models import Provider
from forecourt.providers.tyk import sync_mapping

from .support.tyk import ORG_ID, SECRET, simulator, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db

PUSH = push.JOB


@pytest.fixture
def provider(tyk_dashboard):
    return Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                   policy_tags=["portal"])


def run_jobs() -> None:
    while queue.run_next("test") is not None:
        pass


def policy_named(dashboard, name):
    (policy,) = [p for p in dashboard.policies.values() if p["name"] == name]
    return policy


def new_plan(api, provider, name="Gold Plan", **fields):
    body = {"Name": name, "ProviderID": provider.pk, "RateLimit": 50, "Per": 10, "UnlimitedQuota": False,
            "Quota": 5000, "QuotaRenewalRate": 86400, "KeyExpiresIn": 3600, **fields}
    response = api("post", "/plans", body)
    assert response.status_code in (200, 201), response.content
    return Plan.objects.get(pk=response.json()["ID"])


def test_a_plan_made_in_the_portal_becomes_a_tagged_partitioned_policy_that_syncs_back_unchanged(
        api, provider, tyk_dashboard):
    sync.sync(provider)
    plan = new_plan(api, provider)
    assert plan.push_state == "pending" and Job.objects.filter(name=PUSH).count() == 1
    assert api("get", f"/plans/{plan.pk}").json()["PushState"] == "pending"
    run_jobs()

    policy = policy_named(tyk_dashboard, "Gold Plan")
    assert policy["partitions"] == {"acl": False, "rate_limit": True, "quota": True, "complexity": False,
                                    "per_api": False}
    assert (policy["rate"], policy["per"], policy["quota_max"], policy["quota_renewal_rate"],
            policy["key_expires_in"]) == (50, 10, 5000, 86400, 3600)
    assert "portal" in policy["tags"] and policy["org_id"] == ORG_ID
    plan.refresh_from_db()
    assert (plan.reference_id, plan.push_state, plan.push_error) == (policy["_id"], "", "")

    report = sync.sync(provider)
    assert report.writes == 0, report
    assert Plan.objects.filter(name="Gold Plan").count() == 1


def test_a_product_made_in_the_portal_gets_its_apis_from_the_dashboard_and_syncs_back_unchanged(
        api, admin, provider, tyk_dashboard):
    sync.sync(provider)
    created = api("post", "/products", {"Name": "Payments Plus", "ProviderID": provider.pk, "Tags": ["fintech"]})
    assert created.status_code in (200, 201), created.content
    product = Product.objects.get(pk=created.json()["ID"])
    forms.save("product-apis", {"product": product.pk, "name": "payments", "api_id": simulator.API_PAYMENTS},
               admin)
    run_jobs()

    policy = policy_named(tyk_dashboard, "Payments Plus")
    assert policy["partitions"]["acl"] and not policy["partitions"]["rate_limit"]
    assert list(policy["access_rights"]) == [simulator.API_PAYMENTS]
    assert sorted(policy["tags"]) == ["fintech", "portal"]
    product.refresh_from_db()
    assert product.reference_id == policy["_id"] and product.push_state == ""
    (api_row,) = product.apis.all()
    assert api_row.name == "Payments API" and api_row.listen_path  # as the Dashboard has it

    report = sync.sync(provider)
    assert report.writes == 0, report
    product.refresh_from_db()
    assert not product.hidden_by_sync and Product.objects.filter(name="Payments Plus").count() == 1


def test_editing_a_synced_plans_limits_updates_its_policy_and_keeps_what_the_portal_does_not_own(
        api, provider, tyk_dashboard):
    sync.sync(provider)
    plan = Plan.objects.get(name="Pro Plan")
    before = dict(tyk_dashboard.policies[plan.reference_id])
    assert api("put", f"/plans/{plan.pk}", {"Description": "For grown-ups"}).status_code == 200
    assert not Job.objects.filter(name=PUSH).exists()  # nothing the policy holds changed

    assert api("put", f"/plans/{plan.pk}", {"RateLimit": 999}).status_code == 200
    run_jobs()
    after = tyk_dashboard.policies[plan.reference_id]
    assert after["rate"] == 999 and after["_id"] == before["_id"]
    assert (after["tags"], after["access_rights"], after["date_created"]) == (
        before["tags"], before["access_rights"], before["date_created"])
    assert sync.sync(provider).writes == 0


def test_linking_an_item_to_an_existing_policy_mirrors_it_without_writing(api, provider, tyk_dashboard):
    policy = policy_named(tyk_dashboard, "Free Plan")
    plan = new_plan(api, provider, name="Mirror", ReferenceID=policy["_id"])
    assert plan.push_state == "" and not Job.objects.filter(name=PUSH).exists()


def test_while_the_dashboard_is_down_the_item_stays_pending_and_the_sync_leaves_it_alone(
        api, client, admin, provider, tyk_dashboard):
    sync.sync(provider)
    plan = Plan.objects.get(name="Free Plan")
    tyk_dashboard.down()
    assert api("put", f"/plans/{plan.pk}", {"RateLimit": 77}).status_code == 200
    assert queue.run_next("test") is False  # refused connection: retried later
    plan.refresh_from_db()
    assert plan.push_state == "failed" and "retrying" in plan.push_error
    assert api("get", f"/plans/{plan.pk}").json()["PushError"] == plan.push_error
    client.force_login(admin)
    assert "Not written: " in client.get("/portal-admin/plans/").content.decode()

    tyk_dashboard.up()
    report = sync.sync(provider)  # the policy still says 10: the portal's 77 must survive
    plan.refresh_from_db()
    assert plan.rate_limit == 77 and not plan.hidden_by_sync and report.writes == 0

    Job.objects.filter(name=PUSH).update(run_at=Job.objects.get(name=PUSH).created_at)
    run_jobs()
    plan.refresh_from_db()
    assert (plan.push_state, plan.push_error) == ("", "")
    assert tyk_dashboard.policies[plan.reference_id]["rate"] == 77
    assert sync.sync(provider).writes == 0


def test_a_product_the_dashboard_refuses_fails_with_the_reason_and_is_not_retried(api, admin, provider,
                                                                                   tyk_dashboard):
    product = Product.objects.get(pk=api("post", "/products", {"Name": "Ghost", "ProviderID": provider.pk})
                                  .json()["ID"])
    forms.save("product-apis", {"product": product.pk, "name": "ghost", "api_id": "no-such-api"}, admin)
    run_jobs()
    product.refresh_from_db()
    assert product.push_state == "failed" and "no-such-api" in product.push_error
    assert not [p for p in tyk_dashboard.policies.values() if p["name"] == "Ghost"]
    assert set(Job.objects.filter(name=PUSH).values_list("status", flat=True)) == {Job.Status.DONE}
    assert not product.hidden_by_sync and sync.sync(provider).hidden == 0


def test_a_retry_after_a_crash_updates_the_policy_the_first_attempt_made(api, provider, tyk_dashboard,
                                                                          monkeypatch):
    plan = new_plan(api, provider, name="Crashy")

    def crash(policy):
        raise SystemExit("killed after the Dashboard made the policy")

    monkeypatch.setattr(sync_mapping, "wanted_plan", crash)
    with pytest.raises(SystemExit):
        queue.run_next("test")
    monkeypatch.undo()
    plan.refresh_from_db()
    assert plan.reference_id and plan.push_state == "pending"  # the ID chosen before the call
    policy = policy_named(tyk_dashboard, "Crashy")
    assert policy["id"] == plan.reference_id != policy["_id"]

    # A sync meanwhile neither imports the policy as a second plan nor hides this one.
    sync.sync(provider)
    assert Plan.objects.filter(name="Crashy").count() == 1
    plan.refresh_from_db()
    assert not plan.hidden_by_sync

    Job.objects.filter(name=PUSH).update(status=Job.Status.QUEUED, locked_until=None)
    run_jobs()
    plan.refresh_from_db()
    assert len([p for p in tyk_dashboard.policies.values() if p["name"] == "Crashy"]) == 1
    assert (plan.reference_id, plan.push_state) == (policy["_id"], "")
    assert sync.sync(provider).writes == 0


def test_an_edit_made_while_a_push_runs_is_not_overwritten_by_it(api, provider, tyk_dashboard, monkeypatch):
    plan = new_plan(api, provider, name="Racy")
    original = push.registry.client_for

    def client_for(p):
        client = original(p)
        real = client.push_policy

        def push_policy(item):
            Plan.objects.filter(pk=item.pk).update(rate_limit=4321)  # the admin saves meanwhile
            return real(item)

        client.push_policy = push_policy
        return client

    monkeypatch.setattr(push.registry, "client_for", client_for)
    queue.run_next("test")
    plan.refresh_from_db()
    assert plan.rate_limit == 4321 and plan.push_state == "pending"
