"""The Live Portal's usage pages (forecourt.live.developer.usage over forecourt.usage): an app's
traffic from the cache the refresh job filled from the Tyk simulator, the period chooser, one
credential, the CSV, a consumer-admin's organisation page; other organisations' apps are 404; the
page never calls the provider; a key in an analytics path reaches no log line and no page."""

import csv
import datetime
import io
from typing import Any

import pytest
from django.test import Client

from forecourt.access.models import Credential
from forecourt.accounts.models import Role
from forecourt.jobs.models import Job
from forecourt.usage import refresh
from forecourt.usage.models import DailyUsage

from . import factories
from .support.tyk import simulator, tyk_dashboard
from .support.usage import credential_at, run_jobs
from .test_key_secrecy import debug_logs

__all__ = ["debug_logs", "tyk_dashboard"]

pytestmark = pytest.mark.django_db


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def test_a_developer_sees_the_last_7_days_of_their_app_from_the_cache(tyk_dashboard: Any) -> None:
    owner = factories.consumer()
    app = factories.app(owner, name="Shop")
    credential = credential_at(tyk_dashboard, app, days=7)
    client = _signed_in(owner)
    tyk_dashboard.clear_requests()
    first = client.get(f"/apps/{app.pk}/usage")
    assert first.status_code == 200
    assert "being read" in first.content.decode()
    assert tyk_dashboard.requests == []  # the page never waits for the provider: it queued a job
    assert Job.objects.filter(name=refresh.JOB, payload={"credential_id": credential.pk}).exists()
    run_jobs()
    body = client.get(f"/apps/{app.pk}/usage").content.decode()
    today = _today()
    expected = simulator.Traffic.generated(credential.provider_reference, today)
    requests = expected.ok + expected.errors_4xx + expected.errors_5xx
    assert (f'<tr data-day="{today.isoformat()}"><th scope="row">{today.isoformat()}</th><td>{requests:,}</td>'
            f"<td>{expected.errors_4xx:,}</td><td>{expected.errors_5xx:,}</td>") in body
    total = sum(DailyUsage.objects.filter(credential=credential).values_list("requests", flat=True))
    assert f'<dd id="usage-total-requests">{total:,}</dd>' in body and "refreshed" in body
    assert body.count('<tr data-day="') == 7 and f"/apps/{app.pk}/usage.csv?days=7" in body
    # The app's page links to it.
    assert f'href="/apps/{app.pk}/usage"' in client.get(f"/apps/{app.pk}").content.decode()


def test_one_credential_its_quota_and_the_period_chooser(tyk_dashboard: Any) -> None:
    owner = factories.consumer()
    app = factories.app(owner)
    plan = factories.plan(quota_unlimited=False, quota_max=100000, quota_renewal_seconds=30 * 86400)
    one = credential_at(tyk_dashboard, app, days=30, plan=plan)
    other = credential_at(tyk_dashboard, app, days=30)
    assert refresh.refresh_if_stale([one.pk, other.pk]) == 2
    run_jobs()
    client = _signed_in(owner)
    body = client.get(f"/apps/{app.pk}/usage", {"credential": one.pk, "days": "30"}).content.decode()
    assert body.count('<tr data-day="') == 30
    used = sum(DailyUsage.objects.filter(credential=one).values_list("requests", flat=True))
    assert f"about {used} of 100000 requests used in the last 30 days" in body
    assert f'<dd id="usage-total-requests">{used:,}</dd>' in body
    ranged = client.get(f"/apps/{app.pk}/usage", {"from": "2026-01-01", "to": "2026-01-03"}).content.decode()
    assert ranged.count('<tr data-day="') == 3 and "2026-01-01 to 2026-01-03" in ranged
    bad = client.get(f"/apps/{app.pk}/usage", {"from": "2026-01-05", "to": "2026-01-01"})
    assert bad.status_code == 400 and "The period ends before it starts." in bad.content.decode()
    assert client.get(f"/apps/{app.pk}/usage", {"days": "12"}).status_code == 400
    assert client.get(f"/apps/{app.pk}/usage.csv", {"days": "12"}).status_code == 400


def test_other_organisations_apps_and_credentials_are_404(tyk_dashboard: Any) -> None:
    owner = factories.consumer(factories.organisation())
    app = factories.app(owner)
    credential = credential_at(tyk_dashboard, app, days=1)
    stranger_app = factories.app(factories.consumer(factories.organisation()))
    theirs = credential_at(tyk_dashboard, stranger_app, days=1)
    admin_elsewhere = factories.consumer(factories.organisation(), role=Role.CONSUMER_ADMIN)
    client = _signed_in(owner)
    assert client.get(f"/apps/{stranger_app.pk}/usage").status_code == 404
    assert client.get(f"/apps/{stranger_app.pk}/usage.csv").status_code == 404
    assert client.get(f"/apps/{app.pk}/usage", {"credential": theirs.pk}).status_code == 404
    assert client.get(f"/apps/{app.pk}/usage.csv", {"credential": theirs.pk}).status_code == 404
    assert _signed_in(admin_elsewhere).get(f"/apps/{app.pk}/usage").status_code == 404
    assert client.get("/usage").status_code == 404  # the organisation's page: consumer-admins only
    assert Client().get(f"/apps/{app.pk}/usage").status_code == 302  # sign in first
    assert client.get(f"/apps/{app.pk}/usage", {"credential": credential.pk}).status_code == 200


def test_a_consumer_admin_sees_the_organisations_apps(tyk_dashboard: Any) -> None:
    org = factories.organisation()
    personal = factories.app(factories.consumer(org), name="Teammate's personal app")
    credential_at(tyk_dashboard, personal, days=3)
    elsewhere = factories.app(factories.consumer(factories.organisation()), name="Not ours")
    credential_at(tyk_dashboard, elsewhere, days=3)
    refresh.refresh_if_stale(Credential.objects.values_list("pk", flat=True))
    run_jobs()
    admin = factories.consumer(org, role=Role.CONSUMER_ADMIN)
    client = _signed_in(admin)
    body = client.get("/usage").content.decode()
    assert "Teammate&#39;s personal app" in body and "Not ours" not in body
    total = sum(DailyUsage.objects.filter(credential__app=personal).values_list("requests", flat=True))
    assert f'<dd id="usage-total-requests">{total:,}</dd>' in body
    assert client.get(f"/apps/{personal.pk}/usage").status_code == 200
    assert 'href="/usage"' in client.get("/apps").content.decode()


def test_the_csv_download(tyk_dashboard: Any) -> None:
    owner = factories.consumer()
    app = factories.app(owner, name="@evil")
    credential = credential_at(tyk_dashboard, app, days=0)
    DailyUsage.objects.create(credential=credential, day=_today(), requests=42, errors_5xx=2, latency_avg_ms=12.5,
                              latency_max_ms=80)
    response = _signed_in(owner).get(f"/apps/{app.pk}/usage.csv", {"days": "7"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 8 and rows[-1][0] == "'@evil"
    assert rows[-1][2:] == [_today().isoformat(), "42", "0", "2", "0", "12.5", "80.0", "", ""]


def test_a_key_in_an_analytics_path_reaches_no_log_and_no_page(tyk_dashboard: Any, debug_logs: Any) -> None:
    """A Dashboard that hashes no keys records the key itself: the analytics path then holds it."""
    owner = factories.consumer()
    app = factories.app(owner)
    key = "k3y" + "9" * 29
    credential = credential_at(tyk_dashboard, app, days=0, kind=Credential.Type.KEY)
    Credential.objects.filter(pk=credential.pk).update(provider_reference="portal-1", provider_data={})
    credential.refresh_from_db()
    credential.gateway_key = key
    credential.save(update_fields=["gateway_key"])
    tyk_dashboard.seed_traffic(key, 2)
    tyk_dashboard.fail_status(500, times=1)  # a failure's warning names the path: the credential, not the key
    refresh.refresh(credential.pk)
    refresh.refresh(credential.pk)
    assert DailyUsage.objects.filter(credential=credential).count() == 2
    assert any(key in r.path for r in tyk_dashboard.requests)  # it was used...
    page = _signed_in(owner).get(f"/apps/{app.pk}/usage").content.decode()
    logs = debug_logs()
    assert "/api/activity/keys/" in logs and "credential #" in logs
    assert key not in logs and key not in page  # ...and written nowhere
