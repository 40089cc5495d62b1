"""The Admin Portal dashboard in a real browser: the activity charts are drawn (by the vendored
Chart.js, under the strict Content-Security-Policy), in light and dark, with no console errors (a
CSP violation is one), and the set-up checklist reads as a list of steps. Screenshots go to
test-artifacts/admin/ (git-ignored)."""

from datetime import timedelta
from pathlib import Path

import pytest

from .conftest import PASSWORD

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "admin"


def signed_in_page(browser, live_server, admin, scheme: str):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  color_scheme=scheme)
    context.set_default_timeout(30_000)  # the first request runs the start-up check
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page, errors


def some_activity() -> None:
    """Sign-ups and requests on a few of the last days, so the bars have heights."""
    from django.utils import timezone

    from forecourt.access.models import AccessRequest

    from . import factories

    now = timezone.now()
    for days_ago in (0, 0, 2, 5, 5, 5, 12):
        request = factories.pending_request()
        AccessRequest.objects.filter(pk=request.pk).update(created_at=now - timedelta(days=days_ago))


def painted_pixels(page, canvas_id: str) -> int:
    """How many pixels of the canvas are not transparent: 0 for a canvas nothing drew on."""
    return page.evaluate("""(id) => {
        const canvas = document.getElementById(id);
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) painted++; }
        return painted;
    }""", canvas_id)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_charts_are_drawn_without_console_errors(browser, live_server, admin, scheme):
    from playwright.sync_api import expect

    some_activity()
    page, errors = signed_in_page(browser, live_server, admin, scheme)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("html")).to_have_attribute("data-dashboard-charts", "3")
    for key in ("signups", "requests", "approvals"):
        canvas = page.locator(f"#chart-{key}")
        expect(canvas).to_be_visible()
        assert page.evaluate("(id) => !!window.Chart.getChart(id)", f"chart-{key}"), key
    page.wait_for_timeout(500)  # the bars' short animation
    assert painted_pixels(page, "chart-requests") > 500
    # The chart's colours come from the page's custom properties, not fixed light ones.
    bar = page.evaluate("() => window.Chart.getChart('chart-requests').data.datasets[0].backgroundColor")
    accent = page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert bar == accent
    label = page.locator("#chart-requests").get_attribute("aria-label")
    assert label.startswith("Access requests submitted, last 30 days: 7 access requests in total;")
    # The data table is there for those who cannot see the chart.
    figure = page.locator("figure", has=page.locator("#chart-requests"))
    figure.get_by_text("Data table").click()
    expect(figure.get_by_role("table")).to_be_visible()
    expect(figure.get_by_role("row")).to_have_count(31)  # a header and a row per day
    # The checklist: its steps, each with a link there.
    expect(page.get_by_role("heading", name="Set up your portal")).to_be_visible()
    expect(page.get_by_role("link", name="Add a provider (connect a provider)")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"dashboard-{scheme}.png", full_page=True)
    assert errors == []


def test_without_javascript_the_tables_stand_in_for_the_charts(browser, live_server, admin):
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("#chart-signups")).to_be_hidden()  # an empty canvas would show as a gap
    page.get_by_text("Data table").first.click()
    expect(page.get_by_role("table").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "dashboard-no-js.png", full_page=True)
