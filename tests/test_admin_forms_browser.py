"""The Admin Portal's searchable multi-select and a product's page, in chromium.

With 200 products the catalogue form renders, the filter narrows the list, chips show and remove
what is chosen, keys work, and the choice is saved; the same form saves with JavaScript off. Runs
against pytest-django's live_server like tests/test_admin_browser.py; screenshots go to
test-artifacts/admin/.
"""

import re

import pytest

from forecourt.accounts.models import Organisation, Team
from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI, ProductDoc

from .conftest import PASSWORD
from .test_admin_browser import SCREENSHOTS, expect_flash, field, row

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, live_server, admin, *, javascript: bool = True):
    """A page of a new browser context, signed in as `admin`; console errors and CSP violations are
    collected in page.problems."""
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    return page


@pytest.fixture
def many_products(db):
    Product.objects.bulk_create(Product(name=f"p{i}", display_name=f"Product {i:03}", slug=f"product-{i:03}")
                                for i in range(200))
    Plan.objects.bulk_create(Plan(name=f"plan{i}", display_name=f"Plan {i:02}") for i in range(30))
    organisation = Organisation.objects.create(name="Acme Rockets")
    Team.objects.create(organisation=organisation, name="Launch Team")


def options(page, group: str):
    return page.get_by_role("group", name=group).locator(".multiselect-option")


def test_catalogue_form_filters_chooses_and_saves_200_products(browser, live_server, admin, many_products):
    from playwright.sync_api import expect

    page = signed_in(browser, live_server, admin)
    page.goto("/portal-admin/catalogues/new/")
    products = page.get_by_role("group", name="Products")
    expect(products.get_by_role("checkbox")).to_have_count(200)
    status = products.locator(".multiselect-status")
    expect(status).to_have_text("0 chosen, 200 in all.")

    # Typing narrows the list: every word matches, anywhere ("product 17": 017, 117 and 170-179).
    products.get_by_label("Filter products").fill("product 17")
    visible = options(page, "Products").locator("visible=true")
    expect(visible).to_have_count(12)
    expect(visible.first).to_have_text("Product 017")
    expect(status).to_have_text("0 chosen, 12 of 200 shown.")
    visible.filter(has_text="Product 171").get_by_role("checkbox").check()
    expect(products.get_by_role("button", name="Remove Product 171")).to_be_visible()
    shot = SCREENSHOTS / "catalogue-form-filtered.png"
    page.screenshot(path=shot, full_page=True)

    # Keys: Enter in the filter chooses the first match (and does not submit); Down moves into the
    # list, Space ticks; Up from the first option returns to the filter; Escape empties it.
    box = products.get_by_label("Filter products")
    box.fill("199")
    expect(visible).to_have_count(1)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/catalogues/new/$"))
    expect(products.get_by_role("button", name="Remove Product 199")).to_be_visible()
    box.fill("product 04")  # 004, 040-049, 104
    box.press("ArrowDown")
    expect(products.get_by_role("checkbox", name="Product 004", exact=True)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(products.get_by_role("checkbox", name="Product 040", exact=True)).to_be_focused()
    page.keyboard.press("Space")
    expect(products.get_by_role("checkbox", name="Product 040", exact=True)).to_be_checked()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    box.press("Escape")
    expect(box).to_have_value("")
    expect(options(page, "Products").locator("visible=true")).to_have_count(200)
    expect(status).to_have_text("3 chosen, 200 in all.")

    # A chip removes its item; focus moves to the next chip.
    products.get_by_role("button", name="Remove Product 171").click()
    expect(products.get_by_role("checkbox", name="Product 171", exact=True)).not_to_be_checked()
    expect(products.get_by_role("button", name="Remove Product 199")).to_be_focused()
    expect(products.get_by_role("list", name="Chosen products").get_by_role("button")).to_have_text(
        [re.compile(r"^Product 040\W*$"), re.compile(r"^Product 199\W*$")])

    field(page, "Name").fill("Partners")
    field(page, "Visibility").select_option(label="Private: only its audiences")
    page.get_by_role("group", name="Plans").get_by_label("Filter plans").fill("plan 07")
    page.get_by_role("group", name="Plans").get_by_label("Plan 07").check()
    page.get_by_role("group", name="Audiences").get_by_label("Filter audiences").fill("launch")
    page.get_by_role("group", name="Audiences").get_by_label("Acme Rockets / Launch Team").check()
    page.get_by_role("button", name="Create").click()
    expect_flash(page, "Catalogue “Partners” created.")
    catalogue = Catalogue.objects.get(name="Partners")
    assert sorted(p.display_name for p in catalogue.products.all()) == ["Product 040", "Product 199"]
    assert [p.display_name for p in catalogue.plans.all()] == ["Plan 07"]
    assert [str(a) for a in catalogue.audiences.all()] == ["Acme Rockets / Launch Team"]

    # Editing: the chosen items are chips and come first in the list.
    row(page, "Partners").get_by_role("link", name="Partners", exact=True).click()
    products = page.get_by_role("group", name="Products")
    expect(products.get_by_role("list", name="Chosen products").get_by_role("button")).to_have_count(2)
    expect(options(page, "Products").first).to_have_text("Product 040")
    expect(options(page, "Products").nth(1)).to_have_text("Product 199")
    page.screenshot(path=SCREENSHOTS / "catalogue-form-edit.png", full_page=True)
    assert page.problems == []  # no script errors, no CSP violations


def test_catalogue_form_saves_without_javascript(browser, live_server, admin, many_products):
    from playwright.sync_api import expect

    page = signed_in(browser, live_server, admin, javascript=False)
    page.goto("/portal-admin/catalogues/new/")
    products = page.get_by_role("group", name="Products")
    expect(products.get_by_role("checkbox")).to_have_count(200)
    expect(products.get_by_label("Filter products")).to_have_count(0)  # nothing that would not work
    field(page, "Name").fill("No script")
    field(page, "Visibility").select_option(label="Public: everyone, signed in or not")
    products.get_by_role("checkbox", name="Product 150", exact=True).check()
    products.get_by_role("checkbox", name="Product 003", exact=True).check()
    page.get_by_role("group", name="Plans").get_by_label("Plan 29").check()
    page.get_by_role("button", name="Create").click()
    expect_flash(page, "Catalogue “No script” created.")
    catalogue = Catalogue.objects.get(name="No script")
    assert sorted(p.display_name for p in catalogue.products.all()) == ["Product 003", "Product 150"]
    assert [p.display_name for p in catalogue.plans.all()] == ["Plan 29"]

    # Without chips, the chosen ones are at the top of the list; unticking one and saving removes it.
    page.goto(f"/portal-admin/catalogues/{catalogue.pk}/")
    checked = page.get_by_role("group", name="Products").locator(".multiselect-option")
    expect(checked.nth(0)).to_have_text("Product 003")
    expect(checked.nth(1)).to_have_text("Product 150")
    page.get_by_role("group", name="Products").get_by_label("Product 150").uncheck()
    page.get_by_role("button", name="Save").click()
    expect_flash(page, "Catalogue “No script” saved.")
    assert [p.display_name for p in catalogue.products.all()] == ["Product 003"]


def test_user_teams_are_searchable(browser, live_server, admin, many_products):
    from playwright.sync_api import expect

    from forecourt.accounts.models import User

    organisation = Organisation.objects.get(name="Acme Rockets")
    Team.objects.bulk_create(Team(organisation=organisation, name=f"Squad {i:02}") for i in range(60))
    page = signed_in(browser, live_server, admin)
    page.goto("/portal-admin/users/new/")
    field(page, "E-mail").fill("rita@acme.example")
    field(page, "Role").select_option(label="Consumer team member")
    field(page, "Organisation").select_option(label="Acme Rockets")
    expect(page.get_by_text("Teams of Acme Rockets.")).to_be_visible()  # the teams field, re-fetched by htmx
    teams = page.get_by_role("group", name="Teams")
    teams.get_by_label("Filter teams").fill("squad 4")  # 04, 14, 24, 34, 40-49, 54
    expect(teams.locator(".multiselect-option").locator("visible=true")).to_have_count(15)
    teams.get_by_label("Acme Rockets / Squad 42").check()
    page.get_by_role("button", name="Create").click()
    expect_flash(page, "User “rita@acme.example” created.")
    assert [t.name for t in User.objects.get(email="rita@acme.example").teams.all()] == ["Squad 42"]
    assert page.problems == []


def test_product_page_shows_its_apis_and_docs(browser, live_server, admin):
    from playwright.sync_api import expect

    product = Product.objects.create(name="pets", display_name="Pets", slug="pets")
    ProductAPI.objects.create(product=product, name="Pets v1", api_id="pets-1", listen_path="/pets/",
                              auth_type="authToken", oas_document='{"openapi": "3.0.3"}')
    ProductAPI.objects.create(product=product, name="Pets admin", api_id="pets-2", listen_path="/pets-admin/")
    ProductDoc.objects.create(product=product, title="Quick start", position=1)
    Product.objects.create(name="other", display_name="Other", slug="other")

    page = signed_in(browser, live_server, admin)
    sidebar = page.get_by_role("navigation", name="Main")
    expect(sidebar.get_by_role("link", name="Product APIs", exact=True)).to_be_visible()  # not "Product apis"
    sidebar.get_by_role("link", name="Products", exact=True).click()
    row(page, "Pets").get_by_role("link", name="Pets", exact=True).click()
    # Under a long form: the top of the page links to the lists, with their sizes.
    jump = page.get_by_role("navigation", name="On this page")
    expect(jump.get_by_role("link")).to_have_text(["APIs (2)", "Getting-started documents (1)",
                                                    "Specifications without a provider API (0)",
                                                    "OAuth client types (0)"])
    jump.get_by_role("link", name="APIs (2)").click()
    apis = page.get_by_role("region", name="APIs")
    expect(apis.get_by_role("heading", name="APIs")).to_be_in_viewport()
    expect(apis.get_by_role("row")).to_have_count(3)
    expect(apis.get_by_role("row").nth(1)).to_have_text(re.compile(r"Pets admin\s*pets-2\s*/pets-admin/\s*—\s*No"))
    expect(apis.get_by_role("row").nth(2)).to_have_text(re.compile(r"Pets v1\s*pets-1\s*/pets/\s*authToken\s*Yes"))
    page.screenshot(path=SCREENSHOTS / "product-page.png", full_page=True)

    # "Add an API" opens the API form with this product chosen.
    apis.get_by_role("link", name="Add an API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^New product API$", re.IGNORECASE))
    expect(field(page, "Product").locator("option:checked")).to_have_text("Pets")
    page.go_back()

    # A document added from the product's page is this product's, and saving comes back here.
    docs = page.get_by_role("region", name="Getting-started documents")
    docs.get_by_role("link", name="Add a document").click()
    expect(field(page, "Product").locator("option:checked")).to_have_text("Pets")
    field(page, "Title").fill("Authentication")
    field(page, "Position").fill("2")
    page.get_by_role("button", name="Create").click()
    expect_flash(page, "Getting-started document “Authentication” created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Product: Pets")
    docs = page.get_by_role("region", name="Getting-started documents")
    expect(docs.get_by_role("link")).to_have_text(["Add a document", "Quick start", "Authentication"])
    assert ProductDoc.objects.get(title="Authentication").product == product

    # Editing an API from here comes back here too.
    page.get_by_role("region", name="APIs").get_by_role("link", name="Pets v1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Product API: Pets v1")
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Product: Pets")
    assert page.problems == []
