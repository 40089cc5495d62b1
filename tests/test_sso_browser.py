"""Single sign-on through OpenID Connect in chromium, against the real test provider (tests/idp/oidc_server.py):
a consumer presses the Live Portal's button, types their username into the IdP's form and lands signed in,
where they were going, in the team their IdP group maps to; an admin does the same from the Admin Portal's
sign-in page through an admins' profile; and with a second factor required of admins, the admin is sent to
the second step instead of being signed in. The protocol's refusals are tested in tests/test_sso_oidc.py."""

import logging

import pytest

from forecourt.accounts import services as accounts
from forecourt.accounts.models import User
from forecourt.portalconfig.models import PortalSettings
from forecourt.sso import oidc
from forecourt.sso.models import SsoIdentity, SsoProfile

from . import factories
from .idp.oidc_fixture import oidc_idp

__all__ = ["oidc_idp"]
pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENT_SECRET = "browser-test-client-secret-5d1c0f"
DANA = {"sub": "idp-dana", "email": "dana@corp.example", "name": "Dana Developer", "groups": ["payments-devs"]}
ADA = {"sub": "idp-ada", "email": "admin@example.com", "name": "Ada Admin", "groups": ["portal-admins"]}


@pytest.fixture
def page(browser, live_server):
    oidc.forget_cached()
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    return context.new_page()


def oidc_profile(idp, live_server, key: str, name: str, *, admins: bool = False, **fields) -> SsoProfile:
    client_id = f"portal-{key}"
    idp.add_client(client_id, CLIENT_SECRET, [f"{live_server.url}/tib/auth/{key}/openid-connect/callback"])
    return SsoProfile.objects.create(
        key=key, name=name, oidc_discovery_url=idp.discovery_url, oidc_client_id=client_id,
        oidc_client_secret=CLIENT_SECRET, group_field="groups",
        action_type=SsoProfile.ActionType.ADMINS if admins else SsoProfile.ActionType.CONSUMERS, **fields)


def through_the_idp(page, username: str) -> None:
    page.wait_for_url("**/authorize?**")
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Sign in to the test IdP").click()


def test_a_consumer_signs_in_through_the_idps_form_into_the_mapped_team(page, live_server, oidc_idp, caplog):
    caplog.set_level(logging.DEBUG)
    accounts.ensure_default_organisation()
    team = factories.team(factories.organisation("Payments Inc"), "Payments developers")
    oidc_idp.set_users({"dana": DANA})
    oidc_profile(oidc_idp, live_server, "corp", "Corporate sign-in", group_team_mapping={"payments-devs": str(team.pk)})

    page.goto("/auth/password/login?next=/my-account")
    page.get_by_role("link", name="Corporate sign-in").click()
    through_the_idp(page, "dana")
    page.wait_for_url("**/my-account")
    assert DANA["email"] in page.content()
    user = User.objects.get(email=DANA["email"])
    assert list(user.teams.all()) == [team] and user.organisation == team.organisation
    assert SsoIdentity.objects.get(user=user).subject == DANA["sub"]
    assert CLIENT_SECRET not in caplog.text and CLIENT_SECRET not in oidc_idp.log_text()


@pytest.fixture
def linked_admin(admin, oidc_idp, live_server) -> tuple[User, SsoProfile]:
    oidc_idp.set_users({"ada": ADA})
    staff = oidc_profile(oidc_idp, live_server, "staff", "Staff sign-in", admins=True)
    SsoIdentity.objects.create(profile=staff, subject=ADA["sub"], user=admin, linked_by="admin")
    return admin, staff


def test_an_admin_signs_in_to_the_admin_portal_through_an_admins_profile(page, linked_admin):
    page.goto("/portal-admin/sign-in/")
    page.get_by_role("link", name="Staff sign-in").click()
    through_the_idp(page, "ada")
    page.wait_for_url("**/portal-admin/")
    page.goto("/portal-admin/users/")
    assert page.url.endswith("/portal-admin/users/") and "admin@example.com" in page.content()


def test_with_a_second_factor_required_the_admin_is_sent_to_the_second_step(page, linked_admin):
    settings = PortalSettings.load()
    settings.require_mfa_admins = True
    settings.save()
    page.goto("/portal-admin/sign-in/")
    page.get_by_role("link", name="Staff sign-in").click()
    through_the_idp(page, "ada")
    page.wait_for_url("**/sign-in/set-up/**")
    page.goto("/portal-admin/users/")
    assert "/portal-admin/sign-in/" in page.url  # not signed in until the second step is done
