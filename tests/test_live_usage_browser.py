"""Issue 19's test: a developer with traffic in the Tyk simulator's analytics sees the chart of the
last 7 days of their app, in a real browser (chromium, Playwright): the canvas is drawn by the
vendored Chart.js under the strict Content-Security-Policy (no console error, which a violation would
be), and the data table beside it shows the simulator's numbers, day by day."""

import datetime

import pytest

from forecourt.usage import refresh

from . import factories
from .conftest import PASSWORD
from .support.tyk import simulator, tyk_dashboard
from .support.usage import credential_at, run_jobs
from .test_admin_dashboard_browser import painted_pixels
from .test_live_browser import SCREENSHOTS, new_page

__all__ = ["tyk_dashboard"]
pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_developer_sees_the_chart_of_their_last_7_days(browser, live_server, tyk_dashboard):
    from playwright.sync_api import expect

    developer = factories.consumer()
    developer.set_password(PASSWORD)
    developer.save()
    app = factories.app(developer, name="Storm Tracker")
    credential = credential_at(tyk_dashboard, app, days=7)
    refresh.schedule_refreshes(True)
    run_jobs()

    page = new_page(browser, live_server)
    page.context.set_default_timeout(60_000)  # the first request runs the start-up check, on a busy machine
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/auth/password/login")
    page.get_by_label("E-mail").fill(developer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/apps/{app.pk}")
    page.get_by_role("link", name="Usage").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Usage of Storm Tracker")
    expect(page.locator("#usage-period-label")).to_have_text("the last 7 days")
    expect(page.locator("html")).to_have_attribute("data-usage-chart", "3")
    expect(page.locator("#usage-chart")).to_be_visible()
    page.wait_for_timeout(500)  # the bars' short animation
    assert painted_pixels(page, "usage-chart") > 500
    # The chart and the table show the simulator's traffic, day by day.
    today = datetime.datetime.now(datetime.UTC).date()
    days = [today - datetime.timedelta(days=n) for n in range(6, -1, -1)]
    traffic = [simulator.Traffic.generated(credential.provider_reference, d) for d in days]
    charted = page.evaluate("() => window.Chart.getChart('usage-chart').data")
    assert charted["labels"] == [d.isoformat() for d in days]
    assert [ds["data"] for ds in charted["datasets"]] == [
        [t.ok for t in traffic], [t.errors_4xx for t in traffic], [t.errors_5xx for t in traffic]]
    rows = page.locator("#usage-table tbody tr")
    expect(rows).to_have_count(7)
    for index, (day, t) in enumerate(zip(days, traffic, strict=True)):
        cells = rows.nth(index).locator("th, td").all_inner_texts()
        assert cells[:4] == [day.isoformat(), str(t.ok + t.errors_4xx + t.errors_5xx), str(t.errors_4xx),
                             str(t.errors_5xx)]
    page.screenshot(path=SCREENSHOTS / "usage.png", full_page=True)
    assert errors == []
