"""The Tyk provider against the Dashboard simulator: sync, one bad policy, and working credentials."""

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, Credential
from forecourt.catalog.models import Plan, Product
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import jobs as provider_jobs
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.providers.tyk.client import DashboardError

from . import factories
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(tyk_dashboard):
    return Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                   policy_tags=["portal"])


def product_names(provider):
    return sorted(Product.objects.filter(provider=provider, hidden_by_sync=False).values_list("name", flat=True))


def test_sync_imports_tagged_products_and_plans_and_skips_the_bad_policy(provider):
    report = sync.sync(provider)
    names = product_names(provider)
    assert {"Payments Product", "Petstore Product", "Commerce Bundle"} <= set(names)
    assert "Draft Product" not in names and "Internal Ops Policy" not in names  # draft; untagged
    plans = {p.name: p for p in Plan.objects.filter(provider=provider)}
    assert {"Free Plan", "Pro Plan", "Unlimited Plan"} <= set(plans)
    assert "Suspended Plan" not in plans
    free = plans["Free Plan"]
    assert (free.rate_limit, free.rate_per, free.quota_max, free.quota_unlimited) == (10, 60, 1000, False)
    assert plans["Unlimited Plan"].rate_unlimited and plans["Unlimited Plan"].quota_unlimited
    bundle = Product.objects.get(name="Commerce Bundle")
    assert sorted(bundle.apis.values_list("name", flat=True)) == ["Payments API", "Petstore"]
    assert all(a.listen_path for a in bundle.apis.all())

    # The policy that grants access to a deleted API is skipped and reported; the rest synced.
    provider.refresh_from_db()
    reasons = {p["name"]: p["reason"] for p in provider.sync_problems}
    assert "Retired Product" in reasons and "which does not exist" in reasons["Retired Product"]
    assert report.problems == provider.sync_problems
    assert (provider.status, provider.last_error) == ("up", "")
    assert provider.last_synced_at is not None


def test_a_second_sync_without_upstream_changes_writes_nothing(provider):
    sync.sync(provider)
    with CaptureQueriesContext(connection) as ctx:
        report = sync.sync(provider)
    assert report.writes == 0
    writes = [q["sql"] for q in ctx.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    # Only the provider row: the lock, its release and the sync time/status.
    assert all("providers_provider" in sql for sql in writes), writes


def test_removed_policies_hide_their_products_which_return_with_their_settings(provider, tyk_dashboard):
    sync.sync(provider)
    product = Product.objects.get(name="Petstore Product")
    product.display_name, product.published, product.description = "Pets!", True, "Our pets."
    product.save()
    policy_id = product.reference_id
    stored = tyk_dashboard.policies[policy_id]
    deleted = httpx.delete(f"{tyk_dashboard.url}/api/portal/policies/{policy_id}", headers={"Authorization": SECRET})
    assert deleted.status_code == 200
    assert sync.sync(provider).hidden == 1
    product.refresh_from_db()
    assert product.hidden_by_sync and product.display_name == "Pets!"
    tyk_dashboard.add_policy(stored)
    assert sync.sync(provider).restored == 1
    product.refresh_from_db()
    assert (product.hidden_by_sync, product.display_name, product.published, product.description) == (
        False, "Pets!", True, "Our pets.")


def test_renames_follow_unless_the_display_name_was_customised(provider, tyk_dashboard):
    sync.sync(provider)
    free = Plan.objects.get(name="Free Plan")
    policy = tyk_dashboard.policies[free.reference_id]
    tyk_dashboard.add_policy({**policy, "name": "Starter Plan"})
    sync.sync(provider)
    free.refresh_from_db()
    assert (free.name, free.display_name) == ("Starter Plan", "Starter Plan")


def test_a_dashboard_that_is_down_changes_no_product(provider, tyk_dashboard):
    sync.sync(provider)
    before = product_names(provider)
    tyk_dashboard.down()
    with pytest.raises(DashboardError, match="cannot be reached"):
        sync.sync(provider)
    provider.refresh_from_db()
    assert provider.status == "down" and "cannot be reached" in provider.last_error
    assert product_names(provider) == before


@pytest.mark.parametrize("failure", ["invalid_json", "truncate", "status401"])
def test_bad_answers_are_reported_not_applied(provider, tyk_dashboard, failure):
    sync.sync(provider)
    before = product_names(provider)
    if failure == "status401":
        tyk_dashboard.fail_status(401)
    else:
        getattr(tyk_dashboard, failure)()
    with pytest.raises(DashboardError):
        sync.sync(provider)
    provider.refresh_from_db()
    assert provider.status == "down" and provider.last_error
    assert product_names(provider) == before


def test_one_sync_per_provider_at_a_time(provider):
    assert sync._acquire(provider.pk)
    with pytest.raises(sync.AlreadyRunning):
        sync.sync(provider)
    sync._release(provider.pk)
    sync.sync(provider)


def test_sync_is_queued_once_and_runs_as_a_job(provider):
    assert provider_jobs.enqueue_sync(provider.pk) is True
    assert provider_jobs.enqueue_sync(provider.pk) is False  # already queued
    assert queue.run_next("test") is True
    assert Product.objects.filter(provider=provider).exists()
    provider_jobs.schedule_syncs(first=True)
    assert Job.objects.filter(name="providers.sync", status="queued").count() == 1


# -- credentials -------------------------------------------------------------------------------

def approved_request(provider, admin):
    sync.sync(provider)
    product = Product.objects.get(name="Payments Product")
    product.published = True
    product.save()
    plan = Plan.objects.get(name="Free Plan")
    owner = factories.consumer()
    request = access.submit_request(factories.app(owner), factories.catalogue([product], [plan]), plan, [product],
                                    owner)
    Job.objects.all().delete()
    return access.approve(request, admin), product, plan


def test_approval_issues_a_key_with_exactly_the_policies_and_metadata_meant(provider, admin, tyk_dashboard):
    request, product, plan = approved_request(provider, admin)
    Job.objects.exclude(name="access.provision").delete()
    assert queue.run_next("test") is True
    request.refresh_from_db()
    assert request.provisioning == "done"
    credential = Credential.objects.get(access_request=request)
    assert credential.status == "active" and credential.secret_hint == credential.secret[-4:]
    # From now on the key is addressed by its hash (?hashed=true): the reference does not work as a key.
    assert credential.provider_data["hashed"] and credential.provider_reference not in tyk_dashboard.keys
    session = tyk_dashboard.hashed_keys[credential.provider_reference]
    assert session["apply_policies"] == [product.reference_id, plan.reference_id]
    app = request.app
    assert session["meta_data"] == {
        "DeveloperID": str(app.owner_id), "ApplicationID": str(app.pk), "OrganisationID": str(app.organisation_id),
        "TeamIDs": [str(t) for t in app.owner.teams.values_list("pk", flat=True)],
        "AccessRequestID": str(request.pk)}
    assert {f"app-{app.pk}", f"org-{app.organisation_id}"} <= set(session["tags"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM access_credential WHERE id = %s", [credential.pk])
        assert credential.secret not in cursor.fetchone()[0]  # encrypted at rest


def test_a_dashboard_that_is_down_leaves_the_request_approved_and_pending(provider, admin, tyk_dashboard):
    request, _, _ = approved_request(provider, admin)
    tyk_dashboard.down()
    assert queue.run_next("test") is False
    request.refresh_from_db()
    assert (request.status, request.provisioning) == ("approved", "pending")
    assert "cannot be reached" in request.provisioning_error
    tyk_dashboard.up()
    Job.objects.exclude(name="access.provision").delete()
    Job.objects.update(run_at=Job.objects.get().created_at)
    assert queue.run_next("test") is True
    request.refresh_from_db()
    assert request.provisioning == "done"
    assert len(tyk_dashboard.keys) == 1


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs, no `except Exception` catches it."""


@pytest.mark.django_db(transaction=True)  # real commits: what a dead process leaves is what is committed
@pytest.mark.parametrize("step", ["after-record", "after-gateway"])
def test_a_crash_at_any_step_leaves_no_orphan_and_no_duplicate(provider, admin, tyk_dashboard, monkeypatch, step):
    request, _, _ = approved_request(provider, admin)

    def crash(name):
        if name == step:
            assert not connection.in_atomic_block  # nothing uncommitted is lost with the process
            raise Crash(name)

    monkeypatch.setattr(credentials, "crash_point", crash)
    Job.objects.exclude(name="access.provision").delete()
    job = queue.claim("test")
    with pytest.raises(Crash):
        queue.run(job)
    credential = Credential.objects.get(access_request=request)
    assert credential.status == "pending"  # the portal knows the key it is creating
    assert len(tyk_dashboard.keys) == (1 if step == "after-gateway" else 0)
    assert set(tyk_dashboard.keys) <= {credential.gateway_key}  # no key the portal does not know

    monkeypatch.setattr(credentials, "crash_point", lambda name: None)
    Job.objects.update(status="queued", locked_until=None)  # the lease of the dead worker expired
    assert queue.run_next("test") is True
    credential.refresh_from_db()
    assert credential.status == "active"
    assert list(tyk_dashboard.hashed_keys) == [credential.provider_reference]  # exactly one key
    assert Credential.objects.filter(access_request=request).count() == 1
    assert AccessRequest.objects.get(pk=request.pk).provisioning == "done"


def test_the_api_shows_the_provider_status_and_the_skipped_policies(api, provider):
    sync.sync(provider)
    body = api("get", f"/providers/{provider.pk}").json()
    assert body["Status"] == "Up" and body["LastError"] == ""
    skipped = {p["Name"]: p["Reason"] for p in body["SyncProblems"]}
    assert "which does not exist" in skipped["Retired Product"]


def test_a_dashboard_answering_500_is_reported_as_failing_not_unreachable(provider, tyk_dashboard):
    tyk_dashboard.fail_status(500)
    with pytest.raises(DashboardError, match=r"failed: GET /api/apis answered HTTP 500 \d+ time\(s\)"):
        sync.sync(provider)
    provider.refresh_from_db()
    assert provider.status == "down" and "cannot be reached" not in provider.last_error


def test_a_first_sync_costs_two_queries_per_new_product_and_one_per_new_plan(provider):
    with CaptureQueriesContext(connection) as ctx:
        report = sync.sync(provider)
    per_item = 2 * report.products_created + report.plans_created
    # The rest is constant: the lock, the reads, the slug list, the savepoint, the provider's status, and
    # once per sync the search index of every new product (a read and two inserts), the site search's
    # entries of those products (its reads of products, APIs, docs and specs, a delete and an insert:
    # test_sitesearch::test_a_sync_indexes_its_products_once_at_its_end) and the revision.
    assert len(ctx.captured_queries) - per_item <= 18, [q["sql"][:80] for q in ctx.captured_queries]
