"""The Live Portal end to end in a real browser (Debian's chromium driven by Playwright).

A developer signs up, an admin approves the account, the developer signs in, browses the
catalogue, opens a product and its rendered API documentation, creates an app, requests access;
the admin approves the request, the credential is created at the Tyk Dashboard simulator, the
developer sees it (the secret once), and rotates it.

Runs against pytest-django's live_server (in-process, on the test database), so background jobs
are run by the test with the job queue's own functions, as the worker would. Full-page
screenshots of the pages visited go to test-artifacts/live/ (git-ignored).
"""

import re
from pathlib import Path

import pytest

from forecourt.access.models import Credential
from forecourt.accounts.models import User
from forecourt.catalog.models import Catalogue, Plan, Product
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import sync
from forecourt.providers.models import Provider

from .conftest import PASSWORD
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "live"
DEVELOPER = "dev@rockets.example"
DEV_PASSWORD = "correct horse battery staple 9"


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def run_jobs() -> None:
    """Every due job, as the worker would run them (e-mails are not what this test is about)."""
    Job.objects.filter(name__startswith="notify.").delete()
    while queue.run_next("browser-test") is not None:
        pass


@pytest.fixture
def catalogue(tyk_dashboard):
    """The Dashboard's products synced; one with an OpenAPI document published in a public catalogue."""
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    product = next(p for p in Product.objects.filter(provider=provider, hidden_by_sync=False).order_by("name")
                   if any(a.document for a in p.apis.all()) and not any(a.auth_type == "oauth2"
                                                                            for a in p.apis.all()))
    product.published = True
    product.description = "Everything about the weather, by the minute."
    product.content = "## Getting going\n\nAsk for a key, then call the API."
    product.save()
    plan = Plan.objects.filter(provider=provider, hidden_by_sync=False).order_by("name").first()
    assert plan is not None
    shop = Catalogue.objects.create(name="Public APIs", visibility=Catalogue.Visibility.PUBLIC)
    shop.products.add(product)
    shop.plans.add(plan)
    return product, plan


def test_a_developer_signs_up_gets_approved_requests_access_and_rotates_a_credential(
        browser, live_server, admin, catalogue, tyk_dashboard):
    from playwright.sync_api import expect

    product, plan = catalogue
    dev = new_page(browser, live_server)

    # Sign up: the account waits for an admin.
    dev.goto("/")
    shot(dev, "01-home")
    dev.goto("/auth/password/register")
    dev.get_by_label("E-mail").fill(DEVELOPER)
    dev.get_by_label("First name").fill("Dora")
    dev.get_by_label("Last name").fill("Dev")
    dev.get_by_label("Password", exact=True).fill(DEV_PASSWORD)
    dev.get_by_label("Password (again)").fill(DEV_PASSWORD)
    dev.get_by_role("button", name="Create my account").click()
    expect(dev).to_have_url(re.compile(r"/auth/password/register/done"))
    shot(dev, "02-sign-up-done")
    developer = User.objects.get(email=DEVELOPER)
    assert not developer.is_active

    # An admin activates it in the Admin Portal.
    admin_page = new_page(browser, live_server)
    admin_page.goto("/portal-admin/sign-in/")
    admin_page.get_by_label("E-mail").fill(admin.email)
    admin_page.get_by_label("Password").fill(PASSWORD)
    admin_page.get_by_role("button", name="Sign in").click()
    admin_page.goto(f"/portal-admin/users/{developer.pk}/actions/")
    admin_page.get_by_role("button", name="Activate").click()
    expect(admin_page.get_by_role("button", name="Deactivate")).to_be_visible()
    developer.refresh_from_db()
    assert developer.is_active

    # The developer signs in and browses the catalogue.
    dev.goto("/auth/password/login")
    dev.get_by_label("E-mail").fill(DEVELOPER)
    dev.get_by_label("Password").fill(DEV_PASSWORD)
    dev.get_by_role("button", name="Sign in").click()
    dev.goto("/catalogue-products")
    expect(dev.get_by_role("link", name=product.display_name).first).to_be_visible()
    shot(dev, "03-catalogue")
    dev.get_by_role("link", name=product.display_name).first.click()
    expect(dev.get_by_role("heading", name="Getting going")).to_be_visible()
    expect(dev.get_by_role("row", name=plan.display_name)).to_be_visible()  # the plans compared
    shot(dev, "04-product")

    # Its API documentation, rendered by the vendored renderer from our own origin.
    api = next(a for a in product.apis.all() if a.document)
    dev.goto(f"/catalogue-products/{product.slug}/{api.pk}/docs")
    title = __import__("json").loads(api.document).get("info", {}).get("title", "")
    expect(dev.get_by_text(title).first).to_be_visible(timeout=30_000)
    shot(dev, "05-api-docs")

    # An app, and a request for access to the product.
    dev.goto("/apps/new")
    dev.get_by_label("Name").fill("Storm Tracker")
    dev.get_by_role("button", name="Create the app").click()
    expect(dev.get_by_role("heading", name="Storm Tracker")).to_be_visible()
    dev.goto(f"/apps/request-access?product={product.slug}")
    dev.get_by_label("Storm Tracker").check()
    dev.get_by_label(plan.display_name).check()
    shot(dev, "06-request-access")
    dev.get_by_role("button", name="Request access").click()
    expect(dev.get_by_text(re.compile("pending", re.IGNORECASE)).first).to_be_visible()
    shot(dev, "07-request-pending")

    # The admin approves it; the worker creates the key at the Dashboard.
    request = developer.apps.get().access_requests.get()
    admin_page.goto(f"/portal-admin/access-requests/{request.pk}/")
    admin_page.get_by_role("button", name="Approve").click()
    run_jobs()
    credential = Credential.objects.get(access_request=request, status=Credential.Status.ACTIVE)
    assert credential.provider_reference in tyk_dashboard.hashed_keys

    # The developer sees the credential, and its secret exactly once.
    dev.goto(f"/apps/{request.app_id}")
    expect(dev.get_by_text(f"…{credential.secret_hint}").first).to_be_visible()
    dev.get_by_role("button", name="Show it now").click()
    expect(dev.locator("#secret")).to_have_text(credential.secret)
    shot(dev, "08-secret-once")
    dev.goto(f"/apps/{request.app_id}")
    expect(dev.get_by_role("button", name="Show it now")).to_have_count(0)
    expect(dev.get_by_text(credential.secret)).to_have_count(0)

    # Rotation: confirmed, then the new key replaces the old one at the gateway.
    dev.get_by_role("link", name="Rotate").click()
    shot(dev, "09-rotate-confirm")
    dev.get_by_role("button", name="Rotate").click()
    run_jobs()
    new = Credential.objects.get(replaces=credential)
    assert new.status == Credential.Status.ACTIVE
    credential.refresh_from_db()
    assert credential.status == Credential.Status.REVOKED
    assert set(tyk_dashboard.hashed_keys) == {new.provider_reference}
    dev.goto(f"/apps/{request.app_id}")
    expect(dev.get_by_text(f"…{new.secret_hint}").first).to_be_visible()
    shot(dev, "10-rotated")
