"""The Admin Portal's usage page (adminportal/views_usage.py over forecourt.usage.reports): the top
apps by requests, by errors, the slowest APIs (from the Tyk simulator's analytics through the
refresh job) and apps, over a chosen period, from the cache, in a fixed number of queries; admins
only."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forecourt.catalog.models import ProductAPI
from forecourt.usage import refresh
from forecourt.usage.models import DailyUsage

from . import factories
from .support.tyk import simulator, tyk_dashboard
from .support.usage import key_to_apis, provider_for, run_jobs

__all__ = ["tyk_dashboard"]

Traffic = simulator.Traffic

pytestmark = pytest.mark.django_db


def _credential(app):
    from forecourt.access.models import Credential

    request = factories.pending_request(app.owner)
    return Credential.objects.create(app=app, access_request=request, provider_reference="ref", secret_hint="abcd",
                                     status=Credential.Status.ACTIVE)


def _names(body: str, table: str) -> list[str]:
    section = body.split(f'<table id="{table}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', section)


def test_top_apps_errors_and_slowest_over_the_period(admin) -> None:
    today = datetime.datetime.now(datetime.UTC).date()
    busy, failing, slow = (factories.app(factories.consumer(), name=n) for n in ("Busy", "Failing", "Slow"))
    idle = factories.app(factories.consumer(), name="Idle")
    rows = [(busy, today, 900, 0, 0, 10), (busy, today - datetime.timedelta(days=1), 600, 1, 0, 20),
            (failing, today, 200, 30, 20, 15), (slow, today, 50, 0, 0, 400),
            (idle, today - datetime.timedelta(days=40), 5000, 900, 900, 999)]  # outside the last 7 days
    DailyUsage.objects.bulk_create(
        DailyUsage(credential=_credential(app), day=day, requests=n, errors_4xx=e4, errors_5xx=e5,
                   latency_avg_ms=latency, latency_max_ms=latency * 2)
        for app, day, n, e4, e5, latency in rows)
    client = Client()
    client.force_login(admin)
    body = client.get("/portal-admin/usage/").content.decode()
    assert _names(body, "top-apps") == ["Busy", "Failing", "Slow"]
    assert _names(body, "top-errors") == ["Failing", "Busy"]
    assert _names(body, "slowest") == ["Slow", "Failing", "Busy"]
    assert "<td>1500</td>" in body  # Busy's two days summed
    ninety = client.get("/portal-admin/usage/", {"days": "90"}).content.decode()
    assert _names(ninety, "top-apps")[0] == "Idle"
    bad = client.get("/portal-admin/usage/", {"from": "2026-13-01", "to": "2026-01-01"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()


def test_consumers_do_not_see_it(consumer) -> None:
    client = Client()
    client.force_login(consumer)
    assert client.get("/portal-admin/usage/").status_code == 404
    assert Client().get("/portal-admin/usage/").status_code == 302


def _apis(body: str) -> list[tuple[str, str, str]]:
    """The slowest APIs table's rows: name, requests and slowest request."""
    section = body.split('<table id="slowest-apis">', 1)[1].split("</table>", 1)[0]
    return [(name, requests, slowest) for name, requests, slowest in re.findall(
        r'<th scope="row">([^<]+)</th><td><code>[^<]*</code></td><td>(\d+)</td>'
        r'<td>\d+</td><td>\d+</td><td>[\d.]+</td><td>([\d.]+)</td>', section)]


def test_the_slowest_apis_from_the_simulators_analytics_named_as_the_portal_knows_them(
        admin, tyk_dashboard) -> None:
    ids = {name: str(tyk_dashboard.add_api({"name": name, "proxy": {"listen_path": f"/{n}/"}})
                     ["api_definition"]["api_id"]) for n, name in enumerate(["Orders API", "Stock API", "Audit API",
                                                                           "Billing API"])}
    product = factories.product(provider=provider_for(tyk_dashboard))
    ProductAPI.objects.create(product=product, api_id=ids["Stock API"], name="Stock (as the portal names it)")
    app = factories.app(factories.consumer(), name="Shop")
    today = datetime.datetime.now(datetime.UTC).date()
    for apis, traffic in (([ids["Orders API"]], Traffic(ok=20, latency_ms=30.0, max_latency_ms=80)),
                          ([ids["Stock API"]], Traffic(ok=4, errors_5xx=1, latency_ms=250.0, max_latency_ms=1200)),
                          ([ids["Audit API"]], Traffic(ok=9, latency_ms=90.0, max_latency_ms=300))):
        tyk_dashboard.set_traffic(key_to_apis(tyk_dashboard, app, apis).provider_reference, today, traffic)
    refresh.schedule_refreshes(True)
    assert run_jobs() == 3
    client = Client()
    client.force_login(admin)
    body = client.get("/portal-admin/usage/").content.decode()  # the first page also fills caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/portal-admin/usage/").status_code == 200
    # Stock: the slowest on average (its 250 ms calls) and its slowest request the traffic's 1200 ms.
    assert _apis(body) == [("Stock (as the portal names it)", "5", "1200.0"), ("Audit API", "9", "300.0"),
                           ("Orders API", "20", "80.0")]
    assert _names(body, "slowest") == ["Shop"]  # the slowest apps are still there
    # More APIs on the list and more credentials: the same number of queries.
    more = [key_to_apis(tyk_dashboard, app, [ids["Orders API"], ids["Billing API"]], days=3) for _ in range(3)]
    refresh.schedule_refreshes(True)
    assert run_jobs() == len(more)
    client.get("/portal-admin/usage/")  # what is read once per content revision (the languages offered) is not counted
    with CaptureQueriesContext(connection) as many:
        assert len(_apis(client.get("/portal-admin/usage/").content.decode())) == 4
    assert len(many) == len(few)
