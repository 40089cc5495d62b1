"""The Admin Portal in a real browser (Debian's chromium driven by Playwright)."""

import re

import pytest

import forecourt

from .support import servers

pytestmark = [pytest.mark.server, pytest.mark.browser]



@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context()
    yield context.new_page()
    context.close()


def test_admin_signs_in_and_out_in_a_browser(migrated_env, start_server, tmp_path, browser_page):
    from playwright.sync_api import expect

    boot = servers.run(["bootstrap", "--email", "admin@example.com", "--password", "a-long-passphrase",
                        "--first-name", "Ada"], migrated_env, tmp_path)
    assert boot.returncode == 0, boot.stderr
    server = start_server(migrated_env)
    server.wait_for("/ready", 200)
    page = browser_page

    page.goto(server.url + "/portal-admin/")
    expect(page).to_have_url(re.compile(r"/portal-admin/sign-in/\?next="))
    expect(page.locator("footer .version")).to_have_text(forecourt.__version__)

    page.get_by_label("E-mail").fill("admin@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the e-mail address and password of an admin account.")

    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(server.url + "/portal-admin/")
    expect(page.get_by_text("Signed in as admin@example.com")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/portal-admin/sign-in/"))
    page.goto(server.url + "/portal-admin/")
    expect(page).to_have_url(re.compile(r"/portal-admin/sign-in/"))
