"""The default theme in a real browser (Debian's chromium driven by Playwright): every page of it fits
360, 768 and 1280 pixel wide windows without scrolling sideways, in the light and the dark scheme, and
the header's colour-scheme toggle switches the scheme and keeps the choice across pages.

Full-page screenshots go to test-artifacts/live/<scheme>-<width>-<page>.png (git-ignored), for a person
to look at: this test measures overflow and colours, not taste.
"""

import json
from pathlib import Path

import pytest

from forecourt.catalog.models import ProductAPI, ProductDoc

from . import factories
from .conftest import PASSWORD

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "live"
WIDTHS = (360, 768, 1280)
SCHEMES = ("light", "dark")

OPENAPI = json.dumps({
    "openapi": "3.0.3", "info": {"title": "Payments", "version": "1.0.0"},
    "paths": {"/charges": {"get": {"summary": "List the charges", "responses": {"200": {"description": "The charges"}}},
                           "post": {"summary": "Create a charge", "responses": {"201": {"description": "Created"}}}}},
})


@pytest.fixture
def shop(db):
    """A public catalogue of featured products with long words, plans of every kind, an API with a reference."""
    gold = factories.plan(display_name="Gold", description="For production traffic.", rate_limit=1000, rate_per=60,
                          quota_unlimited=False, quota_max=1_000_000, quota_renewal_seconds=2_592_000,
                          key_expires_in=90 * 86400, auto_approve=True)
    free = factories.plan(display_name="Free", rate_limit=10, rate_per=1, quota_unlimited=False, quota_max=1000,
                          quota_renewal_seconds=86400)
    payments = factories.product(display_name="Payments", slug="payments", published=True, featured=True,
                                 description="Take card payments, refunds and payouts in more than forty currencies "
                                             "with a single integration and reconciliation built in.",
                                 tags=["payments", "cards", "fintech"],
                                 content="## Overview\n\nCharge cards with `POST /charges`.\n\n"
                                         "```\ncurl -X POST https://api.example.com/payments/charges "
                                         "-H 'Authorization: Bearer averyveryverylongtokenthatnevereverbreaks'\n```")
    ProductAPI.objects.create(product=payments, name="Charges API", api_id="charges", listen_path="/payments/",
                              auth_type="authToken", oas_document=OPENAPI)
    ProductDoc.objects.create(product=payments, title="Quick start", content="1. Get a key\n2. Call the API")
    ProductAPI.objects.create(product=payments, name="Payments GraphQL", api_id="payments-graphql",
                              listen_path="/payments/graphql", auth_type="authToken",
                              graphql_schema="type Query { charge(id: ID!): Charge }\n"
                                             "type Charge { id: ID! amount: Int }")
    products = [payments]
    for name, auth in (("Geocoding and reverse-geocoding", "oauth2"), ("Weather", "jwt"), ("Notifications", "")):
        item = factories.product(display_name=name, slug=name.split()[0].lower(), published=True, featured=True,
                                 description=f"{name} for your apps.", tags=["maps"] if "Geo" in name else [])
        if auth:
            ProductAPI.objects.create(product=item, name=f"{name} API", api_id=item.slug, auth_type=auth)
        products.append(item)
    products.append(factories.product(display_name="Guides", slug="guides", published=True, documentation_only=True,
                                      description="How-tos and reference material."))
    factories.catalogue(products=products, plans=[gold, free])
    return payments


def _pages(shop) -> dict[str, str]:
    api = shop.apis.get(api_id="charges")
    graphql = shop.apis.get(api_id="payments-graphql")
    return {"graphql": f"/catalogue-products/{shop.slug}/{graphql.pk}/graphql",
            "home": "/", "catalogue": "/catalogue-products", "product": f"/catalogue-products/{shop.slug}",
            "docs": f"/catalogue-products/{shop.slug}/{api.pk}/docs", "sign-in": "/auth/password/login",
            "sign-up": "/auth/password/register", "blog": "/blog", "not-found": "/no-such-page"}


# The signed-in pages, checked at the narrowest width.
SIGNED_IN = {"dashboard": "/dashboard", "apps": "/apps", "new-app": "/apps/new", "request": "/apps/request-access",
             "account": "/my-account", "organisation": "/my-organisation"}


def _overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_fits_every_width_in_both_schemes(browser, live_server, shop, scheme):
    backgrounds = set()
    for width in WIDTHS:
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900},
                                      color_scheme=scheme)
        context.set_default_timeout(45_000)
        page = context.new_page()
        page.emulate_media(color_scheme=scheme)
        for name, path in _pages(shop).items():
            page.goto(path)  # a 404 page is a page too
            page.wait_for_load_state("networkidle")
            if name == "docs":
                page.locator("elements-api").wait_for()
                # At every width the operations are listed where a reader sees them (Elements' "stacked"
                # layout, tried for narrow screens, folds them away behind closed groups).
                page.get_by_text("List the charges").first.wait_for(state="visible", timeout=15_000)
                # ...and the reference itself has room: up to 768 px the menu goes above it (catalogue.css);
                # beside it, the reference was left 64 px of a 360 px screen.
                reference = page.locator(".sl-elements-api > .sl-overflow-y-auto").evaluate(
                    "e => e.getBoundingClientRect().width")
                assert reference >= 280, f"the reference is {reference}px wide at {width}px"
            if name == "graphql":
                page.locator(".graphiql-container").wait_for()
            scroll_width, inner_width = _overflow(page)
            page.screenshot(path=SCREENSHOTS / f"{scheme}-{width}-{name}.png", full_page=True)
            assert scroll_width <= inner_width, f"{name} at {width}px ({scheme}) scrolls sideways: {scroll_width}"
            backgrounds.add(_background(page))
        home = page.goto("/")
        assert home is not None and home.ok
        # The featured products show, each a card with its monogram (no image request for a missing logo).
        cards = page.locator(".featured .product-card")
        assert cards.count() == 4
        assert page.locator(".featured .monogram").count() == 4
        context.close()
    # The scheme is the system's: one background per scheme, light or dark.
    (colour,) = backgrounds
    red, green, blue = (int(c) for c in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3])
    assert (red + green + blue > 600) == (scheme == "light"), colour


def test_the_toggle_switches_the_scheme_and_keeps_the_choice(browser, live_server, shop):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  color_scheme="light")
    context.set_default_timeout(45_000)
    page = context.new_page()
    page.goto("/")
    toggle = page.get_by_role("group", name="Colour scheme")
    system, dark = (toggle.get_by_role("button", name=name) for name in ("System", "Dark"))
    assert system.get_attribute("aria-pressed") == "true"
    light_background = _background(page)

    dark.click()
    assert dark.get_attribute("aria-pressed") == "true" and system.get_attribute("aria-pressed") == "false"
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert _background(page) != light_background

    # Kept: the next page paints dark from the start, with the choice shown in the toggle.
    page.goto("/catalogue-products")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.get_by_role("group", name="Colour scheme").get_by_role("button", name="Dark") \
        .get_attribute("aria-pressed") == "true"
    assert _background(page) != light_background

    # "Light" overrides a dark system too.
    page.emulate_media(color_scheme="dark")
    page.get_by_role("group", name="Colour scheme").get_by_role("button", name="Light").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert _background(page) == light_background
    page.emulate_media(color_scheme="light")

    # The keyboard works it too; "System" forgets the choice.
    page.get_by_role("group", name="Colour scheme").get_by_role("button", name="System").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.dataset.theme || ''") == ""
    assert page.evaluate("localStorage.getItem('forecourt-colour-scheme')") is None
    page.reload()
    assert _background(page) == light_background
    context.close()


def test_without_javascript_the_system_scheme_applies_and_no_toggle_shows(browser, live_server, shop):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, color_scheme="dark")
    context.set_default_timeout(45_000)
    page = context.new_page()
    page.goto("/")
    assert not page.get_by_role("group", name="Colour scheme").is_visible()
    red, green, blue = (int(c) for c in _background(page)[4:-1].split(",")[:3])
    assert red + green + blue < 150  # dark, from prefers-color-scheme alone
    context.close()


def test_printed_docs_have_no_header_and_show_links(browser, live_server, shop):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  color_scheme="dark")
    context.set_default_timeout(45_000)
    page = context.new_page()
    page.goto(f"/catalogue-products/{shop.slug}")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("group", name="Colour scheme").is_visible()
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    after = page.evaluate("""getComputedStyle(document.querySelector('#overview ~ section a[href^="/"], main a.chip'),
                             '::after').content""")
    assert after.startswith('" (') and "/catalogue-products" in after
    context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_signed_in_pages_fit_the_narrowest_width(browser, live_server, shop, consumer, scheme):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 800},
                                  color_scheme=scheme)
    context.set_default_timeout(45_000)
    page = context.new_page()
    page.goto("/auth/password/login")
    page.get_by_label("E-mail").fill(consumer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    # At this width the toggle shows icons only; its buttons keep their names.
    toggle = page.get_by_role("group", name="Colour scheme")
    for name in ("System", "Light", "Dark"):
        assert toggle.get_by_role("button", name=name, exact=True).is_visible()
    # Signed in, the home page shows the next step: an app and a request.
    assert page.locator('.step[aria-current="step"] h3').inner_text().startswith("Create an app")
    page.screenshot(path=SCREENSHOTS / f"{scheme}-360-home-signed-in.png", full_page=True)
    for name, path in SIGNED_IN.items():
        response = page.goto(path)
        assert response is not None and response.ok, path
        page.screenshot(path=SCREENSHOTS / f"{scheme}-360-{name}.png", full_page=True)
        scroll_width, inner_width = _overflow(page)
        assert scroll_width <= inner_width, f"{name} at 360px ({scheme}) scrolls sideways: {scroll_width}"
    context.close()
