"""The Admin Portal's usage page (adminportal/views_usage.py over forecourt.usage.reports): the top
apps by requests, by errors and the slowest, over a chosen period, from the cache; admins only."""

import datetime
import re

import pytest
from django.test import Client

from forecourt.usage.models import DailyUsage

from . import factories

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
