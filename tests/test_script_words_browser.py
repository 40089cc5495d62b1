"""The words scripts build are in the page's language, in chromium (issue 21): a German page's
multi-select (Admin Portal), "Try it" panel and light OpenAPI renderer, and usage chart (Live Portal) say
German words, with numbers grouped and days written the German way (Intl, for <html lang="de">). The
pages are asked for in German with the language cookie, as the switcher leaves it.
"""

import re
import socket

import pytest

from forecourt.catalog.models import Product
from forecourt.i18n import negotiation

from . import factories
from .conftest import PASSWORD
from .support.tyk import tyk_dashboard
from .test_try_it_browser import developer_with_key, sign_in

__all__ = ["tyk_dashboard"]
pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_german(page, live_server) -> None:
    page.context.add_cookies([{"name": negotiation.COOKIE, "value": "de", "url": live_server.url}])


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to fetch" not in m.text
            and "ERR_CONNECTION_REFUSED" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_the_multiselect_speaks_the_pages_language(browser, live_server, admin):
    from playwright.sync_api import expect

    Product.objects.bulk_create(Product(name=f"p{i}", display_name=f"Product {i:04}", slug=f"product-{i:04}")
                                for i in range(1234))
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="de-DE")
    context.set_default_timeout(30_000)
    page = context.new_page()
    problems = watch(page)
    in_german(page, live_server)
    page.goto("/portal-admin/sign-in/")
    page.locator("input[type=email]").first.fill(admin.email)
    page.locator("input[type=password]").first.fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/portal-admin/")
    page.goto("/portal-admin/catalogues/new/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    field = page.locator("fieldset.multiselect").filter(has=page.locator("#id_products"))
    status = field.locator(".multiselect-status")
    expect(status).to_have_text("0 ausgewählt, 1.234 insgesamt.")  # German words, German grouping
    expect(field.locator(".multiselect-filter-label")).to_have_text(re.compile(r"^\S+ filtern$"))
    box = field.locator(".multiselect-filter")
    box.fill("zzz")
    expect(status).to_have_text("0 ausgewählt, keine Treffer.")
    box.fill("product 0007")
    expect(status).to_have_text("0 ausgewählt, 1 von 1.234 angezeigt.")
    box.press("Enter")
    expect(status).to_have_text("1 ausgewählt, 1 von 1.234 angezeigt.")
    expect(field.get_by_role("button", name="Product 0007 entfernen")).to_be_visible()
    assert problems == []
    context.close()


def test_try_it_and_the_light_renderer_speak_the_pages_language(browser, live_server, consumer, monkeypatch):
    from playwright.sync_api import expect

    from . import test_try_it_browser

    # Enough operations for the light renderer (live/catalogue/views.py LITE_FROM), the first with a
    # required path parameter; the "gateway" is a closed port, so the call fails in the browser.
    paths = {"/pets/{id}": {"get": {"summary": "One pet", "parameters": [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "A pet"}}}}}
    paths.update({f"/things/{n}": {"get": {"summary": f"Thing {n}", "responses": {"200": {"description": "OK"}}}}
                  for n in range(220)})
    document = {**test_try_it_browser.DOCUMENT, "paths": paths}
    monkeypatch.setattr(test_try_it_browser, "DOCUMENT", document)
    with socket.socket() as spare:  # a port nothing listens on once closed
        spare.bind(("127.0.0.1", 0))
        closed = spare.getsockname()[1]
    api = developer_with_key(consumer, f"http://127.0.0.1:{closed}", key_in="header", key_name="X-Api-Key")
    page = sign_in(browser, live_server, consumer)
    problems = watch(page)
    in_german(page, live_server)
    page.goto(f"/catalogue-products/{api.product.slug}/{api.pk}/docs")
    expect(page.locator("html")).to_have_attribute("lang", "de")

    panel = page.locator("[data-try-it]")
    expect(panel.locator("label[for=try-it-param-0]")).to_have_text("id (path, erforderlich)")
    panel.locator("#try-it-param-0").fill("7")
    panel.locator("#try-it-secret").fill("a-key")
    panel.locator("button[type=submit]").click()
    expect(panel.locator("[data-try-it-status]")).to_have_text("nicht empfangen")
    expect(panel.locator("[data-try-it-body]")).to_contain_text(
        "(Ein Gateway, das keine CORS-Anfrage beantwortet, kann nicht von der Seite aus aufgerufen werden.)")

    lite = page.locator(".openapi-lite")
    expect(lite.locator(".ol-count")).to_have_text("221 Operationen")
    expect(lite.locator(".ol-search")).to_have_attribute("placeholder", "221 Operationen durchsuchen")
    expect(lite.locator(".ol-panel h3").first).to_have_text("Parameter")
    lite.locator(".ol-search").fill("one pet")
    expect(lite.locator(".ol-count")).to_have_text("1 von 221 Operationen")
    assert problems == [], problems
    page.context.close()


def test_the_usage_chart_speaks_the_pages_language(browser, live_server, tyk_dashboard):
    from playwright.sync_api import expect

    from forecourt.usage import refresh

    from .support.usage import credential_at, run_jobs

    developer = factories.consumer()
    developer.set_password(PASSWORD)
    developer.save()
    app = factories.app(developer, name="Storm Tracker")
    credential_at(tyk_dashboard, app, days=7)
    refresh.schedule_refreshes(True)
    run_jobs()

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="de-DE")
    context.set_default_timeout(60_000)
    page = context.new_page()
    problems = watch(page)
    page.goto("/auth/password/login")
    page.locator("input[type=email]").first.fill(developer.email)
    page.locator("input[type=password]").first.fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/")
    in_german(page, live_server)
    page.goto(f"/apps/{app.pk}/usage")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("html")).to_have_attribute("data-usage-chart", "3")
    chart = page.evaluate("""() => { const c = window.Chart.getChart('usage-chart');
        return { series: c.data.datasets.map((d) => d.label), ticks: c.scales.x.ticks.map((t) => t.label) }; }""")
    assert chart["series"] == ["Erfolgreich", "Client-Fehler (4xx)", "Server-Fehler (5xx)"]
    assert chart["ticks"] and all(re.fullmatch(r"\d{1,2}\. \S+", tick) for tick in chart["ticks"]), chart["ticks"]
    assert problems == [], problems
    context.close()
