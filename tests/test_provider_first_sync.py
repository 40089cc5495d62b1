"""A new provider is synced at once: creating one (Admin Portal form or Admin API) queues its first
sync job in the same transaction, and the providers list and the provider's page say "Syncing…"
while a sync job for it is queued or running (one subquery for the whole list)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.catalog.models import Product
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import jobs as provider_jobs
from forecourt.providers.models import Provider

from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def sync_jobs() -> list[Job]:
    return list(Job.objects.filter(name=provider_jobs.JOB))


def status_cell(client, provider: Provider) -> str:
    """The providers list's Status cell of `provider`'s row (the rows' objects and the columns)."""
    response = client.get("/portal-admin/providers/")
    assert response.status_code == 200
    rows = {obj.pk: obj for obj in response.context["page"].object_list}
    return provider_jobs_status(rows[provider.pk])


def provider_jobs_status(obj) -> str:
    from forecourt.adminportal.registry import BY_SLUG

    column = next(c for c in BY_SLUG["providers"].columns if c.label == "Status")
    return str(column.of(obj))


def run_worker() -> None:
    while queue.run_next("test") is not None:
        pass


def test_a_provider_made_in_the_admin_portal_is_synced_at_once(signed_in, tyk_dashboard):
    response = signed_in.post("/portal-admin/providers/new/", {
        "name": "Dashboard", "type": "tyk-pro", "url": tyk_dashboard.url, "secret": SECRET, "org_id": ORG_ID,
        "policy_tags": "portal"})
    assert response.status_code == 302, response.content
    provider = Provider.objects.get()
    assert [(j.payload, j.status) for j in sync_jobs()] == [({"provider_id": provider.pk}, Job.Status.QUEUED)]
    assert status_cell(signed_in, provider) == "Syncing…"
    assert "Syncing…" in signed_in.get("/portal-admin/providers/").content.decode()
    page = signed_in.get(f"/portal-admin/providers/{provider.pk}/sync/").content.decode()
    assert "Syncing…" in page and "A synchronisation is queued or running" in page

    run_worker()
    provider.refresh_from_db()
    assert provider.status == Provider.Status.UP
    assert Product.objects.filter(provider=provider).exists()
    assert status_cell(signed_in, provider) == "Up"
    page = signed_in.get(f"/portal-admin/providers/{provider.pk}/sync/").content.decode()
    assert "Syncing…" not in page


def test_a_running_sync_counts_and_a_finished_one_does_not(signed_in):
    provider = Provider.objects.create(name="Quiet", url="https://dash.example.com", secret="k", org_id="o")
    other = Provider.objects.create(name="Other", url="https://dash2.example.com", secret="k", org_id="o")
    assert status_cell(signed_in, provider) == "Unknown"
    job = queue.enqueue(provider_jobs.JOB, {"provider_id": provider.pk})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    assert status_cell(signed_in, provider) == "Syncing…"
    assert status_cell(signed_in, other) == "Unknown"  # another provider's job is not this one's
    assert provider_jobs.is_syncing(provider) and not provider_jobs.is_syncing(other)
    for done in (Job.Status.DONE, Job.Status.FAILED):
        Job.objects.filter(pk=job.pk).update(status=done)
        assert status_cell(signed_in, provider) == "Unknown"
        assert not provider_jobs.is_syncing(provider)


def test_editing_a_provider_queues_nothing_and_a_refused_form_queues_nothing(signed_in):
    response = signed_in.post("/portal-admin/providers/new/", {
        "name": "Bad", "type": "tyk-pro", "url": "https://dash.example.com", "secret": "", "org_id": "o"})
    assert response.status_code == 200 and not Provider.objects.exists() and not sync_jobs()
    provider = Provider.objects.create(name="Kept", url="https://dash.example.com", secret="k", org_id="o")
    response = signed_in.post(f"/portal-admin/providers/{provider.pk}/", {
        "name": "Kept again", "type": "tyk-pro", "url": "https://dash.example.com", "secret": "", "org_id": "o"})
    assert response.status_code == 302, response.content
    assert not sync_jobs()


def test_a_provider_made_with_the_admin_api_is_synced_at_once(api):
    body = {"Name": "API-made", "Type": "tyk-pro", "Configuration": {"MetaData": json.dumps({
        "URL": "https://dashboard.example.com:3000", "Secret": "s3cr3t-dashboard-key-0123456789", "OrgID": "5e9d",
        "PoliciesTags": ["portal"], "InsecureSkipVerify": False})}}
    response = api("post", "/providers", body)
    assert response.status_code == 200, response.content
    provider = Provider.objects.get(name="API-made")
    assert [j.payload for j in sync_jobs()] == [{"provider_id": provider.pk}]


def test_the_list_says_syncing_in_one_query_whatever_the_rows(signed_in):
    for n in range(3):
        Provider.objects.create(name=f"P{n}", url=f"https://d{n}.example.com", secret="k", org_id="o")
    signed_in.get("/portal-admin/providers/")  # the session's first-request writes
    with CaptureQueriesContext(connection) as few:
        signed_in.get("/portal-admin/providers/")
    for n in range(3, 12):
        provider = Provider.objects.create(name=f"P{n}", url=f"https://d{n}.example.com", secret="k", org_id="o")
        provider_jobs.enqueue_sync(provider.pk)
    signed_in.get("/portal-admin/providers/")  # the first page after a change reads the content revision
    with CaptureQueriesContext(connection) as many:
        body = signed_in.get("/portal-admin/providers/").content.decode()
    assert body.count("Syncing…") == 9
    assert len(many) == len(few)
