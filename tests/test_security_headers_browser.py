"""The Content-Security-Policy in a real browser (Debian's chromium driven by Playwright): every page
works under it, with no violation and no console error, and the API references actually render
their operations: the Live Portal's docs page with each renderer, the Admin Portal (the e-mail
log's sandboxed HTML preview included) and the Admin API's /portal-api/docs (Swagger UI)."""

import dataclasses
import json

import pytest

from forecourt.catalog.models import Catalogue
from forecourt.notify.models import EmailLog

from .conftest import PASSWORD
from .test_live_catalogue import OAS, product

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLEAN_OAS = {**OAS, "info": {"title": "Pets", "version": "1.0", "description": "All about *pets*."}}
# Redoc's sidebar always asks for its vendor's badge from a CDN; the policy blocks it, as it should.
KNOWN_BLOCKED = ("https://cdn.redoc.ly/",)
# Every violation, in the page and its frames, as the browser reports it to the page.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
    e => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


class Watched:
    """A page whose console errors, page errors and CSP violations are collected."""

    def __init__(self, browser, base_url: str) -> None:
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        context.add_init_script(RECORD_VIOLATIONS)
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, path
        assert "'nonce-" in response.headers["content-security-policy"] or "script-src 'self'" in \
            response.headers["content-security-policy"]

    def check(self) -> None:
        self.page.wait_for_timeout(300)  # late style injections and workers
        for frame in self.page.frames:
            try:
                self.problems += frame.evaluate("window.__violations || []")
            except Exception as exc:  # a sandboxed frame may refuse evaluation: fine
                assert frame != self.page.main_frame, exc
        found = [p for p in self.problems if not any(known in p for known in KNOWN_BLOCKED)]
        self.problems.clear()
        assert found == [], found


@pytest.mark.parametrize("renderer", ["stoplight", "redoc"])
def test_api_docs_render_under_the_policy(browser, live_server, settings, monkeypatch, renderer):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, product_doc_renderer=renderer)
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    item = product("Pets", [public], [{"name": "Clean", "auth_type": "authToken",
                                       "oas_document": json.dumps(CLEAN_OAS)}])
    watched = Watched(browser, live_server.url)
    watched.visit(f"/catalogue-products/{item.slug}/{item.apis.get().pk}/docs")
    watched.page.get_by_text("List the pets").first.wait_for(timeout=30_000)  # an operation, rendered
    watched.check()
    for path in ("/", "/catalogue-products", f"/catalogue-products/{item.slug}", "/auth/password/login"):
        watched.visit(path)
        watched.check()


def test_admin_portal_and_admin_api_docs_work_under_the_policy(browser, live_server, admin):
    entry = EmailLog.objects.create(
        to="a@example.com", subject="Styled", template="test", status=EmailLog.Status.SENT, body_text="Hi",
        body_html='<p id="styled" style="color: rgb(200, 0, 0)">Styled</p><style>p { font-size: 20px }</style>')
    watched = Watched(browser, live_server.url)
    page = watched.page
    watched.visit("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Dashboard").first.wait_for()
    watched.check()
    for path in ("/portal-admin/users/", "/portal-admin/themes/", "/portal-admin/settings/"):
        watched.visit(path)
        watched.check()

    # The e-mail's HTML, inline styles and all, shows in its sandboxed frame.
    watched.visit(f"/portal-admin/email-log/{entry.pk}/")
    frame = page.frame_locator("iframe[title='HTML part']")
    styled = frame.locator("#styled")
    styled.wait_for()
    assert styled.evaluate("e => getComputedStyle(e).color") == "rgb(200, 0, 0)"
    assert styled.evaluate("e => getComputedStyle(e).fontSize") == "20px"
    watched.check()

    # The Admin API's own reference (Swagger UI, served by Django Ninja from the portal).
    watched.visit("/portal-api/docs")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    assert page.locator(".opblock").count() > 10
    watched.check()
