"""SSO's URLs (Tyk's /tib/auth/<profile>/<provider> scheme): a profile that does not exist, is
disabled, or is named with the other protocol's segment answers the same 404, so the URLs tell a
stranger nothing about which profiles exist."""

import pytest
from django.urls import reverse

from forecourt.sso.models import SsoProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def profiles():
    SsoProfile.objects.create(key="corp-oidc", name="Corp", protocol=SsoProfile.Protocol.OIDC)
    SsoProfile.objects.create(key="corp-saml", name="Corp SAML", protocol=SsoProfile.Protocol.SAML)
    SsoProfile.objects.create(key="off", name="Off", protocol=SsoProfile.Protocol.OIDC, enabled=False)


@pytest.mark.parametrize("path", [
    "/tib/auth/nobody/openid-connect", "/tib/auth/nobody/openid-connect/callback",
    "/tib/auth/off/openid-connect", "/tib/auth/off/openid-connect/callback",
    "/tib/auth/corp-oidc/saml", "/tib/auth/corp-oidc/saml/callback", "/tib/auth/corp-oidc/saml/metadata",
    "/tib/auth/corp-saml/openid-connect", "/tib/auth/corp-saml/ldap", "/tib/auth/nobody/saml/metadata",
])
def test_unknown_disabled_and_wrong_protocol_profiles_all_404(client, profiles, path):
    response = client.get(path)
    assert response.status_code == 404
    # Nothing tells the profiles apart; the language switcher echoes the path asked for (to come back to
    # it), which says nothing the client did not send.
    assert "corp" not in response.content.decode().lower().replace(path, "")


def test_the_callback_takes_a_cross_site_post_without_a_csrf_token(client, profiles):
    """SAML's HTTP-POST binding posts from the IdP's page: no CSRF token, and it must not be a 403."""
    client.handler.enforce_csrf_checks = True
    response = client.post("/tib/auth/off/openid-connect/callback", {"SAMLResponse": "x"})
    assert response.status_code == 404  # reached the dispatcher: CSRF did not stop it


def test_the_urls_are_tyks(profiles):
    assert reverse("live:sso_start", kwargs={"key": "corp-oidc", "provider": "openid-connect"}) == \
        "/tib/auth/corp-oidc/openid-connect"
    assert reverse("live:sso_callback", kwargs={"key": "corp-saml", "provider": "saml"}) == \
        "/tib/auth/corp-saml/saml/callback"
    assert reverse("live:sso_saml_metadata", kwargs={"key": "corp-saml"}) == "/tib/auth/corp-saml/saml/metadata"


def test_an_answer_without_the_session_cookie_is_repeated_from_the_portals_own_page(client, profiles):
    """The SameSite=Strict session cookie does not come with an IdP's cross-site answer: the callback
    repeats it from a page of its own (same-site), escaping every value, caching nothing, sending no referrer."""
    response = client.get("/tib/auth/corp-oidc/openid-connect/callback",
                          {"code": 'c"><script>alert(1)</script>', "state": "s1"})
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta http-equiv="refresh" content="0;url=/tib/auth/corp-oidc/openid-connect/callback?' in page
    assert "state=s1" in page and "_sso_bounced=1" in page and "<script>alert" not in page

    posted = client.post("/tib/auth/corp-saml/saml/callback", {"SAMLResponse": 'PHN"/><x>', "RelayState": "r"})
    page = posted.content.decode()
    assert posted.status_code == 200 and 'action="/tib/auth/corp-saml/saml/callback"' in page
    assert 'name="SAMLResponse" value="PHN&quot;/&gt;&lt;x&gt;"' in page
    assert 'name="_sso_bounced" value="1"' in page and "/static/live/sso-continue.js" in page


def test_a_repeated_answer_or_one_with_the_session_goes_on_to_its_protocol(client, profiles):
    bounced = client.get("/tib/auth/corp-oidc/openid-connect/callback", {"state": "s1", "_sso_bounced": "1"})
    assert "http-equiv" not in bounced.content.decode()
    client.cookies["portal-session"] = "anything"
    assert "http-equiv" not in client.get("/tib/auth/corp-oidc/openid-connect/callback").content.decode()
