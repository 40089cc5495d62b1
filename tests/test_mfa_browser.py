"""Multi-factor sign-in in chromium: a consumer sets up an authenticator app from the key the page
shows (the code computed by pyotp, as a phone would), signs out, and signs in again with a code.
Few and focused: the rules themselves are tested in tests/test_mfa.py."""

import logging
import time

import pyotp
import pytest

from forecourt.accounts.models import TotpDevice, User

from .conftest import PASSWORD

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server, consumer):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    return context.new_page()


def next_code(secret: str, after: str = "") -> str:
    """The current code, or (after a code was used) the next step's: a code is accepted once."""
    totp = pyotp.TOTP(secret)
    while (code := totp.now()) == after:
        time.sleep(1)
    return code


def test_a_consumer_sets_up_an_authenticator_and_signs_in_with_a_code(page, consumer: User, caplog):
    caplog.set_level(logging.DEBUG)
    page.goto("/auth/password/login")
    page.get_by_label("E-mail").fill(consumer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/my-account/authenticator")
    assert page.get_by_role("img", name="QR code of your authenticator key").is_visible()
    secret = page.locator("code.totp-secret").inner_text().strip()
    assert secret == TotpDevice.objects.get(user=consumer).secret
    first = next_code(secret)
    page.get_by_label("Code from the app").fill(first)
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("ul.recovery-codes li").count() == 10

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.goto("/auth/password/login?next=/my-account")
    page.get_by_label("E-mail").fill(consumer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/auth/password/login/code**")
    page.get_by_label("Code").fill(first)  # already used: refused
    page.get_by_role("button", name="Sign in").click()
    assert "not right" in page.content()
    page.get_by_label("Code").fill(next_code(secret, after=first))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/my-account")
    assert "authenticator app" in page.content()
    assert secret not in caplog.text


def sign_in_with_password(page, user: User, next_path: str = "") -> None:
    page.goto("/auth/password/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_passkey_is_registered_and_used_through_chromiums_virtual_authenticator(page, consumer: User):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})

    sign_in_with_password(page, consumer)
    page.goto("/my-account")
    page.get_by_label("Passkey name").fill("Test laptop")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_load_state("networkidle")
    page.goto("/my-account")
    assert consumer.passkeys.get().name == "Test laptop"
    assert page.get_by_role("button", name="Remove Test laptop").is_visible()

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    sign_in_with_password(page, consumer, "/my-account")
    page.wait_for_url("**/auth/password/login/code**")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url("**/my-account")
    assert page.get_by_role("button", name="Remove Test laptop").is_visible()  # signed in
    assert consumer.passkeys.get().last_used_at is not None


def _virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})


@pytest.mark.parametrize("audience", ["consumer", "admin"])
def test_a_required_second_factor_can_be_a_passkey_set_up_during_sign_in(page, consumer: User, admin: User,
                                                                         audience):
    """With a second factor required and none set up, the set-up page offers a passkey beside the
    authenticator app, in both portals: it signs the user in and shows recovery codes once."""
    from forecourt.portalconfig.models import PortalSettings

    settings = PortalSettings.load()
    settings.require_mfa_consumers = settings.require_mfa_admins = True
    settings.save()
    _virtual_authenticator(page)
    user = consumer if audience == "consumer" else admin
    if audience == "consumer":
        sign_in_with_password(page, consumer, "/my-account")
        page.wait_for_url("**/auth/password/login/set-up**")
    else:
        page.goto("/portal-admin/sign-in/")
        page.get_by_label("E-mail").fill(admin.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/portal-admin/sign-in/set-up/**")
    page.get_by_label("Passkey name").fill("Phone")
    page.get_by_role("button", name="Set up a passkey").click()
    page.wait_for_url("**/set-up/codes**")
    codes = page.locator("ul.recovery-codes li")
    assert codes.count() == 10
    assert user.passkeys.get().name == "Phone" and user.recovery_codes.filter(used_at__isnull=True).count() == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url("**/my-account" if audience == "consumer" else "**/portal-admin/")
    # the codes were shown once: the page does not show them again
    page.goto("/auth/password/login/set-up/codes" if audience == "consumer" else "/portal-admin/sign-in/set-up/codes/")
    assert page.locator("ul.recovery-codes li").count() == 0
