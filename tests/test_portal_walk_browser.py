"""Defects found walking both portals in chromium, each walked again to show it is gone: a theme's
own headline, a consumer who strays into /portal-admin/, a new provider's first sync, the import
tags, counts in words, invite codes' sign-up links, the signed-out message, the catalogue's search
box, and copying an Admin Portal table row.

Runs against pytest-django's live_server (in-process, on the test database), like
tests/test_live_browser.py and tests/test_admin_browser.py; jobs are run by the test with the
job queue's own functions, as the worker would.
"""

import re

import pytest

from forecourt.accounts.models import InviteCode
from forecourt.catalog.models import Catalogue, Plan, Product
from forecourt.content.models import ContentBlock
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import jobs as provider_jobs
from forecourt.providers.models import Provider

from . import factories
from . import themes_support as ts
from .conftest import PASSWORD
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_HEADLINE = "Rockets for everyone"


@pytest.fixture
def new_page(browser, live_server):
    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
        context.set_default_timeout(30_000)
        return context.new_page()

    return make


def admin_sign_in(page, admin) -> None:
    from playwright.sync_api import expect

    page.goto("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def live_sign_in(page, user) -> None:
    from playwright.sync_api import expect

    page.goto("/auth/password/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def field(page, label: str):
    """The Admin Portal form field labelled `label` (a required field's label ends in " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def run_jobs() -> None:
    Job.objects.filter(name__startswith="notify.").delete()
    while queue.run_next("browser-test") is not None:
        pass


# 1. A theme's own headline -------------------------------------------------------------------------

def test_an_uploaded_themes_headline_shows_until_an_admin_edits_the_block(new_page, admin):
    import importlib

    from django.apps import apps
    from playwright.sync_api import expect

    # The home page as migrations seed it (a transactional test before this one may have flushed it).
    importlib.import_module("forecourt.content.migrations.0002_home_page").seed(apps, None)

    files = ts.theme_files(views__home_DOT_html=(
        "{% extends layout %}{% block content %}{% include 'partials/preview_bar.html' %}"
        "<h1>{{ blocks.HeaderTitle.content if blocks.HeaderTitle else '" + NEW_HEADLINE + "' }}</h1>"
        "{% endblock %}"))
    page = new_page()
    admin_sign_in(page, admin)
    page.goto("/portal-admin/themes/")
    page.get_by_label("Theme zip").set_input_files(files=[{"name": "acme.zip", "mimeType": "application/zip",
                                                           "buffer": ts.make_zip(files)}])
    page.get_by_role("button", name="Upload").click()
    # Previewing first: the banner says the words are the theme's own.
    page.get_by_role("button", name="Preview acme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_HEADLINE)
    expect(page.get_by_role("status")).to_contain_text("The words on this page are the theme's own")
    page.goto("/portal-admin/themes/")
    expect(page.get_by_role("status").filter(has_text="previewing")).to_contain_text(
        "Where the home page's headline comes from")
    page.get_by_role("button", name="Quit preview").click()

    page.goto("/portal-admin/themes/")
    page.get_by_role("button", name="Activate acme").click()
    visitor = new_page()
    visitor.goto("/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(NEW_HEADLINE)

    # An admin edits the block: it wins over the theme.
    block = ContentBlock.objects.get(page__path="/", name="HeaderTitle")
    page.goto(f"/portal-admin/content-blocks/{block.pk}/")
    field(page, "Content").fill("Launch with us")
    page.get_by_role("button", name="Save").click()
    visitor.goto("/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Launch with us")


# 2. A consumer on /portal-admin/ -------------------------------------------------------------------

def test_a_consumer_on_the_admin_portal_gets_the_404_and_stays_signed_in(new_page, consumer, admin):
    from playwright.sync_api import expect

    page = new_page()
    live_sign_in(page, consumer)
    for path in ("/portal-admin/", "/portal-admin/users/", "/portal-admin/themes/"):
        response = page.goto(path)
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    visitor = new_page()
    visitor.goto("/portal-admin/users/")
    expect(visitor).to_have_url(re.compile(r"/portal-admin/sign-in/\?next=/portal-admin/users/"))
    admin_page = new_page()
    admin_sign_in(admin_page, admin)
    admin_page.goto("/portal-admin/users/")
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Users")


# 3. A new provider's first sync ----------------------------------------------------------------------

def test_a_new_provider_says_syncing_then_up_with_its_products(new_page, admin, tyk_dashboard):
    from playwright.sync_api import expect

    page = new_page()
    admin_sign_in(page, admin)
    page.goto("/portal-admin/providers/new/")
    field(page, "Name").fill("Dashboard")
    field(page, "URL").fill(tyk_dashboard.url)
    field(page, "API key").fill(SECRET)
    field(page, "Organisation ID").fill(ORG_ID)
    field(page, "Policy tags").fill("portal")
    page.get_by_role("button", name="Create").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Dashboard", exact=True))
    expect(row).to_contain_text("Syncing…")
    provider = Provider.objects.get()
    assert Job.objects.filter(name=provider_jobs.JOB, payload__provider_id=provider.pk,
                              status=Job.Status.QUEUED).count() == 1
    page.goto(f"/portal-admin/providers/{provider.pk}/sync/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Syncing…")

    run_jobs()
    products = Product.objects.filter(provider=provider).count()
    assert products > 0
    page.goto("/portal-admin/providers/")
    expect(row).not_to_contain_text("Syncing…")
    expect(row.get_by_role("cell", name="Up", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name=str(products), exact=True)).to_be_visible()


# 4. The import tag ---------------------------------------------------------------------------------

def test_the_catalogue_hides_the_import_tag(new_page, tyk_dashboard):
    from playwright.sync_api import expect

    from forecourt.providers import sync

    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    product = Product.objects.filter(provider=provider, hidden_by_sync=False).order_by("name").first()
    assert product is not None and "portal" in product.tags
    product.published = True
    product.tags = [*product.tags, "weather"]
    product.save()
    Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC).products.add(product)

    page = new_page()
    page.goto("/catalogue-products")
    tags = page.locator("select[name=tag] option").all_inner_texts()
    assert "weather" in tags and "portal" not in tags
    card = page.locator(f"#product-{product.slug}")
    expect(card.locator(".tag", has_text="weather")).to_be_visible()
    expect(card.locator(".tag", has_text="portal")).to_have_count(0)
    page.goto(f"/catalogue-products/{product.slug}")
    expect(page.locator(".tag", has_text="portal")).to_have_count(0)


# 5. Small things -------------------------------------------------------------------------------------

def test_one_request_per_minute_reads_in_the_singular(new_page):
    from playwright.sync_api import expect

    product = factories.product(display_name="Tiny", slug="tiny", published=True)
    plan = factories.plan(display_name="Trickle", rate_unlimited=False, rate_limit=1, rate_per=60,
                          quota_unlimited=False, quota_max=1, quota_renewal_seconds=86400)
    Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC).products.add(product)
    Catalogue.objects.get(name="Public").plans.add(plan)
    assert isinstance(plan, Plan)
    page = new_page()
    page.goto("/catalogue-products/tiny")
    # The plans' comparison puts the rate and the quota in columns of their own.
    expect(page.get_by_text("1 request per minute", exact=True).first).to_be_visible()
    expect(page.get_by_text("1 request per day", exact=True).first).to_be_visible()
    expect(page.get_by_text("1 requests")).to_have_count(0)


def test_an_invite_codes_link_opens_sign_up_with_the_code(new_page, admin):
    from playwright.sync_api import expect

    organisation = factories.organisation("Acme Rockets")
    code = InviteCode.objects.create(organisation=organisation, team=organisation.teams.first(), created_by=admin)
    page = new_page()
    admin_sign_in(page, admin)
    page.goto("/portal-admin/invite-codes/")
    expect(page.get_by_text("Invite code field of the Live Portal's sign-up page")).to_be_visible()
    link = page.get_by_role("row").filter(has_text=code.code).locator("a.shareable")
    url = link.inner_text()
    assert url.startswith("http://") and url.endswith(f"/auth/password/register?invite_code={code.code}")

    visitor = new_page()
    visitor.goto(url)
    expect(visitor.get_by_label("Invite code")).to_have_value(code.code)


def test_signing_out_says_so_on_both_portals(new_page, consumer, admin):
    from playwright.sync_api import expect

    page = new_page()
    live_sign_in(page, consumer)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    admin_page = new_page()
    admin_sign_in(admin_page, admin)
    admin_page.get_by_role("button", name="Sign out").click()
    expect(admin_page).to_have_url(re.compile(r"/portal-admin/sign-in/$"))
    expect(admin_page.get_by_role("status")).to_contain_text("You are signed out.")


FITS = """(input) => {
    const style = getComputedStyle(input);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {text: context.measureText(input.placeholder).width, room,
            scroll: input.scrollWidth, client: input.clientWidth};
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 740)])
def test_the_catalogue_search_placeholder_fits(new_page, width, height):
    product = factories.product(display_name="Weather", slug="weather", published=True, tags=["maps"])
    Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC).products.add(product)
    Catalogue.objects.create(name="Other", visibility=Catalogue.Visibility.PUBLIC).products.add(product)
    page = new_page(width, height)
    page.goto("/catalogue-products")
    box = page.get_by_role("main").get_by_role("searchbox")  # the catalogue's, not the header's site search
    measured = box.evaluate(FITS)
    assert measured["text"] <= measured["room"], measured
    assert measured["scroll"] <= measured["client"], measured
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_copying_an_admin_table_row_copies_each_word_once(new_page, admin):
    page = new_page()
    admin_sign_in(page, admin)
    user = factories.consumer()
    page.goto("/portal-admin/users/")
    row = page.get_by_role("row").filter(has_text=user.email)
    def copy(locator) -> str:
        return locator.evaluate("""(row) => {
        const selection = window.getSelection();
        selection.removeAllRanges();
        const range = document.createRange();
        range.selectNodeContents(row);
        selection.addRange(range);
        return selection.toString();
    }""")

    shown = row.inner_text()  # what the eye sees: the e-mail and the name (the e-mail, as it has none)
    copied = copy(row)
    assert copied.count(user.email) == shown.count(user.email), (copied, shown)
    assert copy(row.locator("td.actions")).split() == ["Manage", "Delete"]
    # The links still say which row they act on, to screen readers.
    assert row.get_by_role("link", name=f"Delete {user.email}").count() == 1
    assert row.get_by_role("link", name=f"Manage {user.email}").count() == 1
