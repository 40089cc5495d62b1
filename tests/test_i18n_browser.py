"""Choosing a language in a real browser (Debian's chromium driven by Playwright), in both portals, and
a right-to-left page's layout mirrored.

The switchers are plain POST forms (forecourt.i18n.views): the choice comes back as a cookie, and onto
the account when signed in. The right-to-left language is a pseudo one standing in for a real one
(tests/support/pseudo_locale.py): Forecourt ships none yet, but a page must be ready for one.
Screenshots go to the test's tmp_path.
"""

import pytest

from forecourt.accounts.models import User
from forecourt.i18n import negotiation

from .conftest import PASSWORD
from .support import pseudo_locale

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def new_page(browser, live_server, locale: str = "en-GB", viewport=WIDE):
    """A page of a new browser context whose Accept-Language is `locale`'s."""
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale=locale)
    context.set_default_timeout(30_000)
    return context.new_page()


def switch_language(page, name: str) -> None:
    """Pick `name` (as the switcher shows it, in its own language) and send the form."""
    switcher = page.locator("form.language-switcher")
    switcher.locator("select").select_option(label=name)
    with page.expect_navigation():
        switcher.locator("button[type=submit]").click()


def sign_in_live(page, user: User) -> None:
    from playwright.sync_api import expect

    page.goto("/auth/password/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".site-header form[action='/auth/logout']")).to_be_visible()


def sign_in_admin(page, user: User) -> None:
    from playwright.sync_api import expect

    page.goto("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_live_portal_visitor_and_consumer_switch_language(browser, live_server, consumer, tmp_path):
    from playwright.sync_api import expect

    # A visitor whose browser asks for English picks Deutsch in the footer.
    visitor = new_page(browser, live_server, locale="en-GB")
    visitor.goto("/")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.locator(".site-header").get_by_role("link", name="Sign in")).to_be_visible()
    switch_language(visitor, "Deutsch")
    expect(visitor.locator("html")).to_have_attribute("lang", "de")
    expect(visitor.locator(".site-header").get_by_role("link", name="Anmelden")).to_be_visible()
    visitor.screenshot(path=tmp_path / "live-de.png", full_page=True)
    cookies = {c["name"]: c["value"] for c in visitor.context.cookies()}
    assert cookies[negotiation.COOKIE] == "de"

    # The next page they open stays German: the cookie, not the browser's English.
    visitor.goto("/auth/password/login")
    expect(visitor.locator("html")).to_have_attribute("lang", "de")
    expect(visitor.get_by_role("button", name="Anmelden")).to_be_visible()

    # A signed-in consumer picks 日本語: saved on the account, and their pages are Japanese.
    member = new_page(browser, live_server, locale="en-GB")
    sign_in_live(member, consumer)
    member.goto("/")
    switch_language(member, "日本語")
    expect(member.locator("html")).to_have_attribute("lang", "ja")
    expect(member.locator(".site-header").get_by_role("button", name="サインアウト")).to_be_visible()
    consumer.refresh_from_db()
    assert consumer.language == "ja"
    member.context.clear_cookies(name=negotiation.COOKIE)  # the account's choice alone, not the cookie
    member.goto("/my-account")
    expect(member.locator("html")).to_have_attribute("lang", "ja")
    member.screenshot(path=tmp_path / "live-ja.png", full_page=True)


def test_admin_switches_to_french_in_the_top_bar(browser, live_server, admin, tmp_path):
    from playwright.sync_api import expect

    page = new_page(browser, live_server, locale="en-GB")
    sign_in_admin(page, admin)
    switch_language(page, "Français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(page.locator(".topbar").get_by_role("button", name="Se déconnecter")).to_be_visible()
    page.screenshot(path=tmp_path / "admin-fr.png", full_page=True)
    admin.refresh_from_db()
    assert admin.language == "fr"


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None and found["width"] > 0, f"{selector} is not shown"
    return found


def assert_right_of(page, right: str, left: str) -> None:
    a, b = box(page, right), box(page, left)
    assert a["x"] >= b["x"] + b["width"], f"{right} {a} is not right of {left} {b}"


def assert_no_horizontal_overflow(page) -> None:
    widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]} > {widths[1]}"


def test_right_to_left_pages_are_mirrored(browser, live_server, admin, tmp_path):
    from playwright.sync_api import expect

    # The pseudo catalogue for "de", which the portal offers, taken for a language written right to left:
    # Django's LANGUAGES_BIDI, which forecourt.i18n.languages.direction() reads too (one source).
    with pseudo_locale.active(tmp_path / "locale", "de", right_to_left=True):
        # The Live Portal's home page, as a visitor whose browser asks for that language.
        live = new_page(browser, live_server, locale="de-DE")
        live.goto("/")
        expect(live.locator("html")).to_have_attribute("dir", "rtl")
        expect(live.locator("html")).to_have_attribute("lang", "de")
        assert_right_of(live, ".site-header .brand", ".site-header .header-end")
        assert_no_horizontal_overflow(live)
        live.screenshot(path=tmp_path / "live-rtl.png", full_page=True)
        live.set_viewport_size(PHONE)
        assert_no_horizontal_overflow(live)
        live.screenshot(path=tmp_path / "live-rtl-phone.png", full_page=True)

        # The Admin Portal's dashboard: signed in, then the language chosen.
        page = new_page(browser, live_server, locale="de-DE")
        page.context.add_cookies([{"name": negotiation.COOKIE, "value": "de", "url": live_server.url}])
        page.goto("/portal-admin/sign-in/")
        page.locator("input[name=email], input[type=email]").first.fill(admin.email)
        page.locator("input[type=password]").first.fill(PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator(".sidebar")).to_be_visible()
        assert_right_of(page, ".topbar .brand", ".topbar .topbar-tools")
        assert_right_of(page, ".sidebar", "main#content")
        assert_no_horizontal_overflow(page)
        page.screenshot(path=tmp_path / "admin-rtl.png", full_page=True)
