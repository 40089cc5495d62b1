"""What a consumer sees around their credentials, in a real browser (Debian's chromium, Playwright).

Signing in to an account that still waits for approval; the app page that updates itself while
the gateway makes a credential; re-issuing a revoked credential; the one-time key page's copy
button and example call against the gateway; the API reference using the window's width.
Background jobs are run by the test with the job queue's own functions, as the worker would.
"""

import json
import re

import pytest

from forecourt.access import credentials as credential_service
from forecourt.access import services as access
from forecourt.access.models import App, Credential

from . import factories
from .conftest import PASSWORD
from .support.tyk import tyk_dashboard
from .test_live_browser import SCREENSHOTS, catalogue, new_page, run_jobs, shot

__all__ = ["catalogue", "tyk_dashboard"]
pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GATEWAY = "https://gateway.example.com:8443"


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/auth/password/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def developer(db):
    user = factories.consumer()
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def approved(catalogue, developer, admin):
    """The developer's app with an approved request whose credential the gateway has not made yet."""
    product, plan = catalogue
    provider = product.provider
    provider.gateway_url = GATEWAY + "/"
    provider.save()
    app = App.objects.create(name="Storm Tracker", owner=developer, organisation=developer.organisation)
    request = access.submit_request(app, plan.catalogues.get(), plan, [product], developer)
    if request.status != request.Status.APPROVED:
        access.approve(request, admin)
    return app, request


def test_an_account_waiting_for_approval_is_told_so_after_its_right_password(browser, live_server):
    from playwright.sync_api import expect

    waiting = factories.consumer(is_active=False)
    waiting.set_password(PASSWORD)
    waiting.save()
    page = new_page(browser, live_server)
    sign_in(page, waiting.email, "not the password")
    expect(page.get_by_role("alert")).to_have_text("Enter the e-mail address and password of an active account.")
    sign_in(page, waiting.email)
    expect(page.get_by_role("alert")).to_contain_text("Your account is waiting for an administrator's approval")
    shot(page, "consumer-01-waiting-for-approval")


def test_the_app_page_shows_the_credential_once_the_gateway_has_made_it_without_a_reload(
        browser, live_server, developer, approved):
    from playwright.sync_api import expect

    app, _ = approved
    page = new_page(browser, live_server)
    problems: list[str] = []  # a policy violation (eval, an inline style) or a script error
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, developer.email)
    page.goto(f"/apps/{app.pk}")
    expect(page.get_by_text("Approved: provisioning pending").first).to_be_visible()
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    run_jobs()  # the worker makes the key at the gateway
    expect(page.get_by_role("button", name="Show it now")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Approved: provisioning pending")).to_have_count(0)
    expect(page.get_by_role("link", name="Refresh")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place, not reloaded
    assert problems == []
    shot(page, "consumer-02-credential-ready")


def test_without_javascript_the_refresh_link_shows_the_ready_credential(browser, live_server, developer, approved):
    from playwright.sync_api import expect

    app, _ = approved
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, developer.email)
    page.goto(f"/apps/{app.pk}")
    expect(page.get_by_text("Approved: provisioning pending").first).to_be_visible()
    run_jobs()
    page.get_by_role("link", name="Refresh").click()
    expect(page.get_by_role("button", name="Show it now")).to_be_visible()


def test_the_key_page_copies_the_key_and_shows_a_call_to_the_gateway(browser, live_server, developer, approved):
    from playwright.sync_api import expect

    app, request = approved
    run_jobs()
    credential = Credential.objects.get(access_request=request, status=Credential.Status.ACTIVE)
    key = credential.secret
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, developer.email)
    page.goto(f"/apps/{app.pk}")
    apis = list(request.products.get().apis.all())
    for api in apis:
        expect(page.get_by_text(f"{GATEWAY}/{api.listen_path.lstrip('/')}").first).to_be_visible()
    page.get_by_role("button", name="Show it now").click()
    expect(page.locator("#secret")).to_have_text(key)
    # The clipboard answers a focused document only: beside another worker's chromium, make sure of it.
    page.bring_to_front()
    page.get_by_role("button", name="Copy the key").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible(timeout=10_000)
    assert page.evaluate("navigator.clipboard.readText()") == key
    token_api = next(a for a in apis if a.auth_type in ("authToken", ""))
    expected = f"curl -H 'Authorization: {key}' '{GATEWAY}/{token_api.listen_path.lstrip('/')}'"
    expect(page.locator("pre.example code").first).to_have_text(expected)
    page.get_by_role("button", name="Copy the command").first.click()
    assert page.evaluate("navigator.clipboard.readText()") == expected
    shot(page, "consumer-03-key-page")


def test_a_revoked_credential_is_reissued_with_one_button(browser, live_server, developer, approved, tyk_dashboard):
    from playwright.sync_api import expect

    app, request = approved
    run_jobs()
    old = Credential.objects.get(access_request=request, status=Credential.Status.ACTIVE)
    credential_service.revoke(old, developer, note=credential_service.REVOKED_BY_CONSUMER)  # on the app page
    run_jobs()
    page = new_page(browser, live_server)
    sign_in(page, developer.email)
    page.goto(f"/apps/{app.pk}")
    expect(page.get_by_text("Approved", exact=True).first).to_be_visible()
    expect(page.get_by_text("No credentials yet")).to_have_count(0)
    expect(page.get_by_text("still approved, but its credential was revoked")).to_be_visible()
    shot(page, "consumer-04-revoked")
    page.get_by_role("button", name="Issue a new credential").click()
    expect(page.get_by_text("A new credential is being created")).to_be_visible()
    expect(page.get_by_text("Being created at the gateway").first).to_be_visible()
    run_jobs()
    expect(page.get_by_role("button", name="Show it now")).to_be_visible(timeout=15_000)
    new = Credential.objects.get(access_request=request, status=Credential.Status.ACTIVE)
    assert new.pk != old.pk and new.provider_reference in tyk_dashboard.hashed_keys
    shot(page, "consumer-05-reissued")


def test_the_api_reference_uses_the_windows_width(browser, live_server, developer, catalogue):
    from playwright.sync_api import expect

    product, _ = catalogue
    api = next(a for a in product.apis.all() if a.document)
    document = json.loads(api.document)
    page = new_page(browser, live_server)  # 1280 x 900
    page.goto(f"/catalogue-products/{product.slug}/{api.pk}/docs")
    expect(page.get_by_text(document.get("info", {}).get("title", "")).first).to_be_visible(timeout=30_000)
    # Open the first operation: its request sample (curl) and response tabs are shown beside it.
    tag = next(iter(document.get("tags") or []), {}).get("name") or "pets"
    page.locator("elements-api").get_by_text(tag, exact=True).first.click()
    page.locator("elements-api a[href*='#/operations/'], elements-api a[href*='#/paths/']").first.click()
    sample = page.get_by_text(re.compile(r"^curl")).first
    expect(sample).to_be_visible(timeout=15_000)
    page.wait_for_timeout(500)
    shot(page, "consumer-06-api-docs")
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    reference = page.locator(".api-reference").bounding_box()
    assert reference is not None and reference["x"] >= 0 and reference["x"] + reference["width"] <= width
    # The request sample, the response example and the response tabs: nothing of them lies past
    # the right edge of its box, and no box past the reference's.
    cut = page.evaluate("""(limit) => {
      const boxes = [...document.querySelectorAll('.api-reference pre, .api-reference [role=tablist]')];
      const out = [];
      for (const box of boxes) {
        const edge = box.getBoundingClientRect();
        if (edge.width === 0) continue;  // a collapsed panel
        if (edge.right > limit + 1) out.push('box past the reference: ' + box.textContent.slice(0, 40));
        for (const inner of box.querySelectorAll('*')) {
          const r = inner.getBoundingClientRect();
          if (r.width > 0 && r.right > edge.right + 1) {
            out.push('cut off: ' + inner.textContent.slice(0, 40));
            break;
          }
        }
        if (box.scrollWidth > box.clientWidth + 1) out.push('scrolls: ' + box.textContent.slice(0, 40));
      }
      return [boxes.length, out];
    }""", reference["x"] + reference["width"])
    assert cut[0] >= 2 and cut[1] == [], cut
    assert SCREENSHOTS.is_dir()
