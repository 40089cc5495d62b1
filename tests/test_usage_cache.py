"""The usage cache (forecourt.usage): the refresh job fills it from the provider's analytics (the
Tyk simulator, its answers validated against the Dashboard contract), refreshes it, keeps it when
the provider fails, is scheduled for stale credentials only once; the reports and the CSV read it."""

import csv
import datetime
import io
from typing import Any

import pytest
from django.utils import timezone

from forecourt.access.models import Credential
from forecourt.catalog.models import ProductAPI
from forecourt.jobs.models import Job
from forecourt.usage import csv_export, refresh, reports
from forecourt.usage.models import DailyApiUsage, DailyUsage, UsageRefresh

from . import factories
from .support.tyk import simulator, tyk_dashboard
from .support.usage import credential_at, key_to_apis, provider_for, run_jobs

__all__ = ["tyk_dashboard"]

pytestmark = pytest.mark.django_db


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def _expected(ident: str, day: datetime.date) -> tuple[int, int, int]:
    t = simulator.Traffic.generated(ident, day)
    return t.ok + t.errors_4xx + t.errors_5xx, t.errors_4xx, t.errors_5xx


def test_the_job_fills_the_cache_per_day_and_a_refresh_replaces_recent_days(tyk_dashboard: Any) -> None:
    app = factories.app(factories.consumer())
    client = credential_at(tyk_dashboard, app, days=7)
    key = credential_at(tyk_dashboard, app, days=3, kind=Credential.Type.KEY)
    refresh.schedule_refreshes(True)
    assert run_jobs() == 2
    today = _today()
    for credential, days in ((client, 7), (key, 3)):
        rows = {r.day: (r.requests, r.errors_4xx, r.errors_5xx)
                for r in DailyUsage.objects.filter(credential=credential)}
        assert rows == {today - datetime.timedelta(days=n): _expected(credential.provider_reference,
                                                                       today - datetime.timedelta(days=n))
                        for n in range(days)}
        assert UsageRefresh.objects.get(credential=credential).refreshed_at is not None
    # The first refresh read 90 days, a day a request (the Dashboard's answer has no days); the next one
    # only from the day before the last refresh.
    def asked(request) -> str:
        return "/".join(request.path.split("/")[-6:])

    def day_path(day: datetime.date) -> str:
        return f"{day.day}/{day.month}/{day.year}/{day.day}/{day.month}/{day.year}"

    first = tyk_dashboard.requests_to("GET", f"/api/activity/oauthid/{client.provider_reference}")
    assert [asked(r) for r in first] == [day_path(today - datetime.timedelta(days=n)) for n in range(89, -1, -1)]

    tyk_dashboard.set_traffic(client.provider_reference, today, simulator.Traffic(ok=5, errors_5xx=1))
    tyk_dashboard.set_traffic(client.provider_reference, today - datetime.timedelta(days=5),
                              simulator.Traffic(ok=1))  # an old day: not re-read
    tyk_dashboard.clear_requests()
    assert refresh.refresh_if_stale([client.pk]) == 0  # fresh: nothing queued
    UsageRefresh.objects.filter(credential=client).update(attempted_at=timezone.now() - datetime.timedelta(hours=2))
    assert refresh.refresh_if_stale([client.pk, key.pk]) == 1
    assert refresh.refresh_if_stale([client.pk]) == 0  # already queued
    assert run_jobs() == 1
    second = tyk_dashboard.requests_to("GET", "/api/activity/oauthid/")
    assert [asked(r) for r in second] == [day_path(today - datetime.timedelta(days=1)), day_path(today)]
    assert DailyUsage.objects.get(credential=client, day=today).requests == 6
    old = today - datetime.timedelta(days=5)
    assert DailyUsage.objects.get(credential=client, day=old).requests == _expected(client.provider_reference, old)[0]


def test_a_failing_provider_leaves_the_cache_and_says_why(tyk_dashboard: Any) -> None:
    credential = credential_at(tyk_dashboard, factories.app(factories.consumer()), days=2)
    refresh.refresh(credential.pk)
    before = list(DailyUsage.objects.filter(credential=credential).values_list("day", "requests"))
    refreshed_at = UsageRefresh.objects.get(credential=credential).refreshed_at
    tyk_dashboard.fail_status(500)
    refresh.refresh(credential.pk)  # no exception: recorded
    tyk_dashboard.heal()
    state = UsageRefresh.objects.get(credential=credential)
    assert state.error and "500" in state.error and state.refreshed_at == refreshed_at
    assert list(DailyUsage.objects.filter(credential=credential).values_list("day", "requests")) == before
    assert reports.refreshed([credential.pk]).errors == [state.error]


def test_only_stale_live_credentials_are_scheduled_and_each_once(tyk_dashboard: Any) -> None:
    app = factories.app(factories.consumer())
    live = credential_at(tyk_dashboard, app, days=0)
    revoked_long_ago = credential_at(tyk_dashboard, app, days=0)
    Credential.objects.filter(pk=revoked_long_ago.pk).update(
        status=Credential.Status.REVOKED, revoked_at=timezone.now() - datetime.timedelta(days=30))
    refresh.schedule_refreshes(True)
    refresh.schedule_refreshes(False)
    assert list(Job.objects.filter(name=refresh.JOB).values_list("payload", flat=True)) == [{"credential_id": live.pk}]
    run_jobs()
    refresh.schedule_refreshes(False)
    assert not Job.objects.filter(name=refresh.JOB, status=Job.Status.QUEUED).exists()


def _api(dashboard: Any, name: str) -> str:
    return str(dashboard.add_api({"name": name, "proxy": {"listen_path": f"/{name[:5].lower()}/"}})
               ["api_definition"]["api_id"])


def test_the_cache_keeps_each_days_traffic_per_api_and_a_refresh_replaces_it(tyk_dashboard: Any) -> None:
    orders, stock = _api(tyk_dashboard, "Orders API"), _api(tyk_dashboard, "Stock API")
    first, second = sorted([orders, stock])
    app = factories.app(factories.consumer())
    both = key_to_apis(tyk_dashboard, app, [orders, stock])
    one = key_to_apis(tyk_dashboard, app, [orders])
    today = _today()
    yesterday = today - datetime.timedelta(days=1)
    tyk_dashboard.set_traffic(both.provider_reference, today, simulator.Traffic(
        ok=91, errors_4xx=7, errors_5xx=1, latency_ms=40.0, max_latency_ms=900))
    tyk_dashboard.set_traffic(both.provider_reference, yesterday, simulator.Traffic(ok=10, latency_ms=10.0))
    tyk_dashboard.set_traffic(one.provider_reference, today, simulator.Traffic(ok=5, latency_ms=300.0))
    refresh.schedule_refreshes(True)
    assert run_jobs() == 2

    def cached() -> set[tuple[int, datetime.date, str, int, int, int]]:
        return {(r.credential_id, r.day, r.api_id, r.requests, r.errors_4xx, r.errors_5xx)
                for r in DailyApiUsage.objects.all()}

    # today's hits shared out by the simulator between the key's two APIs, the first one more.
    assert cached() == {(both.pk, today, first, 51, 4, 1), (both.pk, today, second, 48, 3, 0),
                        (both.pk, yesterday, first, 5, 0, 0), (both.pk, yesterday, second, 5, 0, 0),
                        (one.pk, today, orders, 5, 0, 0)}
    row = DailyApiUsage.objects.get(credential=both, day=today, api_id=orders)
    assert row.api_name == "Orders API" and row.latency_max_ms == 900 and row.latency_avg_ms is not None
    # Orders is the slower (the other key's 300 ms calls), over both keys' calls to it.
    slowest = reports.slowest_apis(reports.last_days(7))
    assert [(s.api_id, s.name) for s in slowest] == [(orders, "Orders API"), (stock, "Stock API")]
    assert slowest[0].requests == (51 if first == orders else 48) + 5 + 5 and slowest[0].latency_max_ms == 900
    assert slowest[0].latency_avg_ms > slowest[1].latency_avg_ms

    # A ProductAPI of the provider names the API as the portal knows it.
    product = factories.product(provider=provider_for(tyk_dashboard))
    ProductAPI.objects.create(product=product, api_id=orders, name="Orders (portal)")
    assert reports.slowest_apis(reports.last_days(7))[0].name == "Orders (portal)"

    # A refresh replaces the days it re-reads, per API too: no row left over, none doubled.
    tyk_dashboard.set_traffic(both.provider_reference, today, simulator.Traffic(ok=3, latency_ms=5.0))
    UsageRefresh.objects.update(attempted_at=timezone.now() - datetime.timedelta(hours=2))
    assert refresh.refresh_if_stale([both.pk]) == 1 and run_jobs() == 1
    assert cached() == {(both.pk, today, first, 2, 0, 0), (both.pk, today, second, 1, 0, 0),
                        (both.pk, yesterday, first, 5, 0, 0), (both.pk, yesterday, second, 5, 0, 0),
                        (one.pk, today, orders, 5, 0, 0)}
    assert DailyUsage.objects.get(credential=both, day=today).requests == 3


def test_series_totals_and_quota_from_the_cache(tyk_dashboard: Any) -> None:
    plan = factories.plan(quota_unlimited=False, quota_max=1000, quota_renewal_seconds=3 * 86400)
    app = factories.app(factories.consumer())
    one = credential_at(tyk_dashboard, app, days=0, plan=plan)
    two = credential_at(tyk_dashboard, app, days=0)
    today = _today()
    DailyUsage.objects.bulk_create([
        DailyUsage(credential=one, day=today, requests=100, errors_4xx=5, latency_avg_ms=10, latency_max_ms=50),
        DailyUsage(credential=two, day=today, requests=300, errors_5xx=2, latency_avg_ms=30, latency_max_ms=90),
        DailyUsage(credential=one, day=today - datetime.timedelta(days=2), requests=50),
        DailyUsage(credential=one, day=today - datetime.timedelta(days=3), requests=7000),  # outside the quota window
    ])
    days = reports.series([one.pk, two.pk], reports.last_days(7))
    assert len(days) == 7 and days[-1].day == today and days[0].day == today - datetime.timedelta(days=6)
    assert (days[-1].requests, days[-1].errors_4xx, days[-1].errors_5xx) == (400, 5, 2)
    assert days[-1].latency_avg_ms == 25.0 and days[-1].latency_max_ms == 90  # weighted by requests
    assert days[-1].latency_p50_ms is None and days[-5].requests == 0
    total = reports.totals(days)
    assert (total.requests, total.latency_max_ms) == (7450, 90)
    assert reports.quota(one) == reports.Quota(1000, 3, 150)
    top = reports.top_apps(reports.last_days(7))
    assert [(r.app_id, r.requests) for r in top] == [(app.pk, 7450)]


def test_the_csv_has_a_row_per_credential_and_day_and_escapes_formulas(tyk_dashboard: Any) -> None:
    app = factories.app(factories.consumer(), name="=HYPERLINK(\"http://evil.example\",\"x\")")
    credential = credential_at(tyk_dashboard, app, days=0)
    today = _today()
    DailyUsage.objects.create(credential=credential, day=today, requests=12, errors_4xx=1, latency_avg_ms=4.5)
    rows = list(csv.reader(io.StringIO(csv_export.render([credential], reports.last_days(7)))))
    assert rows[0] == csv_export.HEADER and len(rows) == 8
    assert all(r[0] == "'=HYPERLINK(\"http://evil.example\",\"x\")" for r in rows[1:])
    assert rows[-1][2:6] == [today.isoformat(), "12", "1", "0"] and rows[-1][7] == "4.5"
    for dangerous in ("+1", "-1", "@SUM(A1)", "\tx", "=1"):
        assert csv_export.cell(dangerous) == "'" + dangerous
    assert csv_export.cell("plain") == "plain" and csv_export.cell(None) == ""


@pytest.mark.parametrize(("days", "start", "end", "message"), [
    ("8", None, None, "7, 30 or 90"), (None, "2026-01-02", None, "YYYY-MM-DD"),
    (None, "2026-01-05", "2026-01-01", "ends before"), (None, "2024-01-01", "2026-01-01", "at most"),
])
def test_a_bad_period_is_refused_with_a_reason(days: str | None, start: str | None, end: str | None,
                                                message: str) -> None:
    with pytest.raises(reports.BadPeriod, match=message):
        reports.parse_period(days, start, end)
    assert reports.parse_period("30", None, None).preset == 30
    assert reports.parse_period(None, "2026-01-01", "2026-01-03").days[-1] == datetime.date(2026, 1, 3)
