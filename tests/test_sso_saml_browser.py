"""SAML sign-in in chromium: a consumer signs in through the pysaml2 IdP's own form (tests/idp/saml_server.py).

The IdP (127.0.0.1) and the portal (localhost) are different sites, so the IdP's page posts the Response
cross-site, without the portal's SameSite=Strict session cookie, as it would in production: the portal
repeats it from its own page (live/sso/bounce.py), and the sign-in ends in the browser that started it.
The protocol's refusals are tested in test_sso_saml.py.
"""

import logging

import httpx
import pytest

from forecourt.accounts.models import Organisation, Role, Team, User
from forecourt.sso.models import SsoIdentity, SsoProfile

from .idp.saml_fixture import saml_idp  # noqa: F401 - the fixture

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(30_000)  # a shared machine: the first pages can be slow
    return context.new_page()


def test_a_consumer_signs_in_through_the_idps_form_and_lands_in_the_mapped_team(
        page, live_server, saml_idp, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    team = Team.objects.create(organisation=Organisation.objects.create(name="Acme"), name="Developers")
    profile = SsoProfile.objects.create(
        key="corp", name="Corp SAML", protocol=SsoProfile.Protocol.SAML, saml_metadata_url=saml_idp.metadata_url,
        group_field="groups", group_team_mapping={"dev": str(team.pk)})
    saml_idp.trust_sp(httpx.get(f"{live_server.url}/tib/auth/corp/saml/metadata", timeout=60).text)
    saml_idp.users({"grace": {"email": ["grace@corp.example"], "givenName": ["Grace"], "sn": ["Hopper"],
                              "groups": ["dev"]}})
    assert live_server.url.startswith("http://localhost:") and saml_idp.url.startswith("http://127.0.0.1:")

    page.goto("/tib/auth/corp/saml?next=/my-account")
    page.wait_for_url(f"{saml_idp.url}/sso/redirect**")
    page.get_by_label("User name").fill("grace")
    page.get_by_role("button", name="Sign in at the IdP").click()
    page.wait_for_url(f"{live_server.url}/my-account")
    assert "grace@corp.example" in page.content()

    user = User.objects.get(email="grace@corp.example")
    assert (user.first_name, user.last_name) == ("Grace", "Hopper")
    assert list(user.teams.all()) == [team]
    assert SsoIdentity.objects.get(profile=profile).user == user
    assert saml_idp.last()["SAMLResponse"] not in caplog.text


def test_an_admin_signs_in_through_saml_with_the_mapped_role_and_lands_in_the_admin_portal(
        page, live_server, saml_idp):  # noqa: F811
    SsoProfile.objects.create(
        key="staff", name="Staff SAML", protocol=SsoProfile.Protocol.SAML, saml_metadata_url=saml_idp.metadata_url,
        action_type=SsoProfile.ActionType.ADMINS, group_field="groups",
        group_role_mapping={"portal-owners": Role.SUPER_ADMIN})
    saml_idp.trust_sp(httpx.get(f"{live_server.url}/tib/auth/staff/saml/metadata", timeout=60).text)
    saml_idp.users({"linus": {"email": ["linus@corp.example"], "groups": ["staff", "portal-owners"]}})

    page.goto("/tib/auth/staff/saml")
    page.get_by_label("User name").fill("linus")
    page.get_by_role("button", name="Sign in at the IdP").click()
    page.wait_for_url(f"{live_server.url}/portal-admin/**")
    assert "sign-in" not in page.url  # the dashboard, not the Admin Portal's sign-in page
    assert page.get_by_role("button", name="Sign out").count() >= 1
    assert User.objects.get(email="linus@corp.example").role == Role.SUPER_ADMIN
