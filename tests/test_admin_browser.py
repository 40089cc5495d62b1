"""The Admin Portal end to end in a real browser: a super-admin sets up a consumer and approves its request.

Runs against pytest-django's live_server (in-process, on the test database), so the test can make
the consumer's side (an app and its access request) with the ORM. Full-page screenshots of the
pages visited go to test-artifacts/admin/ (git-ignored), named after the page.
"""

import re
from pathlib import Path

import pytest

from forecourt.accounts.models import Organisation, User

from .conftest import PASSWORD

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "admin"

ORGANISATION = "Acme Rockets"
TEAM = "Launch Team"
CONSUMER = "rita@acme.example"
PLAN = "Gold"
PRODUCT = "Weather API"
CATALOGUE = "Acme Partners"


@pytest.fixture
def page(browser, live_server, admin):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context.new_page()


def field(page, label: str):
    """The form field labelled exactly `label`; a required field's label ends in " *"."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def row(page, link: str):
    """The list row whose link reads `link`."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=link, exact=True))


def shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def open_section(page, title: str) -> None:
    """Follow the sidebar link to a list and check its heading."""
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def expect_flash(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("status")).to_contain_text(text)


def test_super_admin_sets_up_a_consumer_and_approves_its_request(page, admin):
    from playwright.sync_api import expect

    from forecourt.access import services as access
    from forecourt.access.models import AccessRequest, App
    from forecourt.catalog.models import Catalogue, Plan, Product

    # 1. Sign in.
    page.goto("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_text(f"Signed in as {admin.email}")).to_be_visible()
    shot(page, "dashboard")

    # 2. An organisation, then a team in it.
    open_section(page, "Organisations")
    page.get_by_role("link", name="Add organisation").click()
    field(page, "Name").fill(ORGANISATION)
    page.get_by_role("button", name="Create").click()
    expect_flash(page, f"Organisation “{ORGANISATION}” created.")
    expect(row(page, ORGANISATION)).to_be_visible()
    shot(page, "organisations")

    open_section(page, "Teams")
    page.get_by_role("link", name="Add team").click()
    field(page, "Organisation").select_option(label=ORGANISATION)
    field(page, "Name").fill(TEAM)
    page.get_by_role("button", name="Create").click()
    expect_flash(page, f"Team “{ORGANISATION} / {TEAM}” created.")
    expect(row(page, TEAM)).to_contain_text(ORGANISATION)
    shot(page, "teams")

    # 3. A consumer-admin in that organisation and team.
    open_section(page, "Users")
    page.get_by_role("link", name="Add user").click()
    field(page, "E-mail").fill(CONSUMER)
    field(page, "First name").fill("Rita")
    field(page, "Last name").fill("Rocket")
    field(page, "Role").select_option(label="Consumer admin")
    field(page, "Organisation").select_option(label=ORGANISATION)
    # The teams field is re-fetched by htmx for the organisation: a box ticked before it arrives is replaced.
    expect(page.get_by_text(f"Teams of {ORGANISATION}.")).to_be_visible()
    page.get_by_role("group", name="Teams").get_by_label(f"{ORGANISATION} / {TEAM}").check()
    page.get_by_role("button", name="Create").click()
    expect_flash(page, f"User “{CONSUMER}” created.")
    for text in ("Rita Rocket", "Consumer admin", ORGANISATION, TEAM):
        expect(row(page, CONSUMER)).to_contain_text(text)
    shot(page, "users")

    # 4. A plan (first with a mistake), a product, and a private catalogue of both for the organisation.
    open_section(page, "Plans")
    page.get_by_role("link", name="Add plan").click()
    field(page, "Name").fill("gold")
    page.get_by_role("button", name="Create").click()
    display_name = field(page, "Display name")
    expect(display_name).to_have_attribute("aria-invalid", "true")
    display_name_box = page.locator(".field", has=display_name)
    expect(display_name_box.get_by_text("This field is required.")).to_be_visible()
    expect(field(page, "Name")).to_have_value("gold")  # what was typed is kept
    shot(page, "plan-form-error")
    display_name.fill(PLAN)
    page.get_by_role("button", name="Create").click()
    expect_flash(page, f"Plan “{PLAN}” created.")
    expect(row(page, PLAN)).to_contain_text("100 requests per minute, no quota")
    shot(page, "plans")

    open_section(page, "Products")
    page.get_by_role("link", name="Add product").click()
    field(page, "Display name").fill(PRODUCT)
    field(page, "Name").fill("weather")
    field(page, "Path").fill("weather")
    page.get_by_label("Published").check()  # only published products can be requested
    page.get_by_role("button", name="Create").click()
    expect_flash(page, f"Product “{PRODUCT}” created.")
    shot(page, "products")

    open_section(page, "Catalogues")
    page.get_by_role("link", name="Add catalogue").click()
    field(page, "Name").fill(CATALOGUE)
    field(page, "Visibility").select_option(label="Private: only its audiences")
    page.get_by_role("group", name="Products").get_by_label(PRODUCT).check()
    page.get_by_role("group", name="Plans").get_by_label(PLAN).check()
    page.get_by_role("group", name="Audiences").get_by_label(f"{ORGANISATION} (all teams)").check()
    shot(page, "catalogue-form")
    page.get_by_role("button", name="Create").click()
    expect_flash(page, f"Catalogue “{CATALOGUE}” created.")
    expect(row(page, CATALOGUE)).to_contain_text("Private")
    shot(page, "catalogues")

    # 5. The consumer asks for access (ORM); the admin approves it.
    consumer = User.objects.get(email=CONSUMER)
    app = App.objects.create(name="Rocket Tracker", owner=consumer, organisation=consumer.organisation)
    catalogue = Catalogue.objects.get(name=CATALOGUE)
    assert [(a.organisation, a.team) for a in catalogue.audiences.all()] == [(consumer.organisation, None)]
    pending = access.submit_request(app, catalogue, Plan.objects.get(display_name=PLAN),
                                    [Product.objects.get(display_name=PRODUCT)], consumer)
    assert pending.status == AccessRequest.Status.PENDING

    open_section(page, "Access requests")
    page.get_by_label("Status").select_option(label="Pending")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]status=pending"))
    for text in ("Rocket Tracker", PLAN, CATALOGUE, CONSUMER, "Pending"):
        expect(row(page, f"#{pending.pk}")).to_contain_text(text)
    shot(page, "access-requests")
    page.get_by_role("link", name=f"#{pending.pk}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Access request #{pending.pk}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pending")
    page.get_by_role("button", name="Approve").click()
    expect_flash(page, f"Access request #{pending.pk} approved")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approved")
    expect(page.get_by_text(f"Approved by {admin.email}")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    shot(page, "access-request")
    pending.refresh_from_db()
    assert pending.status == AccessRequest.Status.APPROVED and pending.decided_by == admin

    # 6. The audit log.
    open_section(page, "Audit log")
    log = page.get_by_role("table")
    for kind, name in [("accounts.organisation", ORGANISATION), ("accounts.team", f"{ORGANISATION} / {TEAM}"),
                       ("accounts.user", CONSUMER), ("catalog.catalogue", CATALOGUE)]:
        expect(log.get_by_role("row").filter(has_text=kind).filter(has_text=name)).to_contain_text("Created")
    shot(page, "audit-log")
    page.get_by_label("Action").select_option(label="Approved")
    page.get_by_role("button", name="Apply").click()
    rows = log.get_by_role("row").filter(has_not=page.get_by_role("columnheader"))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(admin.email)
    expect(rows).to_contain_text(str(pending))
    shot(page, "audit-log-approved")

    # 7. The Default Organisation cannot be deleted, and the page says why.
    open_section(page, "Organisations")
    expect(row(page, "Default Organisation").get_by_role("link", name=re.compile("^Delete"))).to_have_count(0)
    default_org = Organisation.objects.get(is_default=True)
    page.goto(f"/portal-admin/organisations/{default_org.pk}/delete/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("cannot be deleted")
    expect(page.get_by_role("alert")).to_contain_text("The Default Organisation cannot be deleted.")
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    shot(page, "organisation-delete-refused")
    page.get_by_role("link", name="Back to organisations").click()
    expect(row(page, "Default Organisation")).to_be_visible()
