"""The Admin Portal's colour schemes in chromium: the system's by default, the top bar's button switches
and the choice outlives a reload, and without JavaScript the button is not shown and the system's
scheme still applies (admin.css's prefers-color-scheme)."""

import pytest

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIGHT_BG = "rgb(245, 247, 250)"  # --bg of the light scheme
DARK_BG = "rgb(15, 23, 32)"  # --bg of the dark scheme


def background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


def test_the_toggle_switches_the_scheme_and_the_choice_is_remembered(browser, live_server):
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, color_scheme="light")
    page = context.new_page()
    page.goto("/portal-admin/sign-in/")
    toggle = page.get_by_role("button", name="Dark mode")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert background(page) == LIGHT_BG

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_attribute("data-scheme", "dark")
    assert background(page) == DARK_BG

    page.reload()  # remembered in this browser, applied before the page shows
    expect(page.locator("html")).to_have_attribute("data-scheme", "dark")
    expect(page.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")
    assert background(page) == DARK_BG

    page.emulate_media(color_scheme="dark")  # a chosen scheme wins over the system's...
    page.get_by_role("button", name="Dark mode").click()
    expect(page.locator("html")).to_have_attribute("data-scheme", "light")
    assert background(page) == LIGHT_BG  # ...both ways
    context.close()


def test_the_system_scheme_applies_by_default_and_without_javascript(browser, live_server):
    from playwright.sync_api import expect

    with_js = browser.new_context(base_url=live_server.url, color_scheme="dark")
    page = with_js.new_page()
    page.goto("/portal-admin/sign-in/")
    expect(page.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")
    assert page.locator("html").get_attribute("data-scheme") is None  # nothing chosen: the system's
    assert background(page) == DARK_BG
    with_js.close()

    for scheme, colour in (("dark", DARK_BG), ("light", LIGHT_BG)):
        without_js = browser.new_context(base_url=live_server.url, color_scheme=scheme, java_script_enabled=False)
        page = without_js.new_page()
        page.goto("/portal-admin/sign-in/")
        expect(page.get_by_role("button", name="Dark mode")).to_be_hidden()  # it would do nothing
        assert background(page) == colour
        without_js.close()
