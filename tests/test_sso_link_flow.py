"""Linking an existing password account to an IdP identity from the account page, end to end against the real
OpenID Connect provider (tests/idp/oidc_server.py): the IdP's user whose e-mail is an existing account's is
refused until its owner, signed in with the password, follows "Link"; then SSO signs that account in;
after "Unlink" it is refused again. Every step is in the account's audit log."""

import html
import re

import httpx
import pytest
from django.test import Client

from forecourt.accounts.models import User
from forecourt.audit.models import AuditEntry
from forecourt.sso import oidc
from forecourt.sso.models import SsoIdentity, SsoProfile

from .conftest import PASSWORD
from .idp.oidc_fixture import oidc_idp

__all__ = ["oidc_idp"]
pytestmark = pytest.mark.django_db

CLIENT_ID = "forecourt-portal"
CLIENT_SECRET = "client-secret-for-the-link-tests-7c1d"
KEY = "corp"
START = f"/tib/auth/{KEY}/openid-connect"
CALLBACK = f"{START}/callback"
DEV = {"sub": "idp-dev-0042", "email": "dev@example.com", "name": "Dev Eloper", "groups": []}


@pytest.fixture(autouse=True)
def _no_cached_discovery():
    oidc.forget_cached()
    yield
    oidc.forget_cached()


@pytest.fixture
def profile(oidc_idp) -> SsoProfile:
    oidc_idp.add_client(CLIENT_ID, CLIENT_SECRET, [f"http://testserver{CALLBACK}"])
    oidc_idp.set_users({"dev": DEV})
    return SsoProfile.objects.create(key=KEY, name="Corp", oidc_discovery_url=oidc_idp.discovery_url,
                                     oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET)


def through_the_idp(client: Client, idp, start_url: str):
    """Follow a start URL to the IdP, sign "dev" in there, and bring the IdP's answer to the callback."""
    started = client.get(start_url)
    assert started.status_code == 302, started.content.decode()[:500]
    back = httpx.URL(idp.sign_in(started["Location"], "dev"))
    assert back.path == CALLBACK
    return client.get(f"{back.path}?{back.query.decode()}")


def link_url(page: str) -> str:
    found = re.search(r'href="([^"]*\?link=1)"', page)
    assert found, "no Link button on the account page"
    return html.unescape(found.group(1))


def test_an_existing_account_links_then_signs_in_through_sso_then_unlinks(profile, oidc_idp, consumer):
    stranger = Client()
    refused = through_the_idp(stranger, oidc_idp, START)
    assert refused.status_code == 403 and "already exists" in refused.content.decode()
    assert not SsoIdentity.objects.exists() and User.objects.filter(email__iexact=DEV["email"]).count() == 1

    owner = Client()
    assert owner.post("/auth/password/login", {"email": consumer.email, "password": PASSWORD}).status_code == 302
    start = link_url(owner.get("/my-account").content.decode())
    assert start == f"{START}?link=1"
    linked = through_the_idp(owner, oidc_idp, start)
    assert linked.status_code == 302 and linked["Location"] == "/my-account"
    row = SsoIdentity.objects.get()
    assert (row.user, row.subject, row.linked_by) == (consumer, DEV["sub"], "linked")
    page = owner.get("/my-account").content.decode()
    assert "Corp is linked to your account" in page and "Unlink Corp" in page

    fresh = Client()  # the IdP's user now signs in to that account
    assert through_the_idp(fresh, oidc_idp, START).status_code == 302
    assert int(fresh.session["_auth_user_id"]) == consumer.pk

    assert owner.post(f"/my-account/sign-in-methods/{row.pk}/unlink").status_code == 302
    assert not SsoIdentity.objects.exists()
    assert through_the_idp(Client(), oidc_idp, START).status_code == 403
    notes = list(AuditEntry.objects.filter(object_id=str(consumer.pk)).values_list("note", flat=True))
    assert "Linked to SSO profile corp" in notes and "Unlinked from SSO profile corp" in notes
