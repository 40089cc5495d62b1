"""A new account keeps the language its owner was reading the portal in (issue 21): the Live Portal's
sign-up and an accepted invitation save the language the visitor asked for (the switcher's cookie, else
the browser's Accept-Language) when the portal offers it, so the account's pages and e-mails (the
activation e-mail sent right away among them) stay in it. The portal's default is not saved: it was not
asked for, and an account without a language follows the default as it changes. (An account made just in
time by an SSO sign-in: tests/test_sso_oidc.py.)"""

import re

import pytest

from forecourt.accounts import invitations
from forecourt.accounts.models import Role, User
from forecourt.i18n import negotiation
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings

from . import factories

pytestmark = pytest.mark.django_db

SIGN_UP = "/auth/password/register"
PASSWORD = "a-brand-new-passphrase"


def sign_up(client, address, **headers):
    return client.post(SIGN_UP, {"email": address, "first_name": "Nina", "last_name": "New", "password": PASSWORD,
                                 "password_again": PASSWORD}, **headers)


def offer(*languages: str) -> None:
    settings = PortalSettings.load()
    settings.offered_languages, settings.default_language = ",".join(languages), languages[0]
    settings.save()


@pytest.mark.parametrize(("cookie", "header", "saved"), [
    ("fr", "de", "fr"),  # the switcher's choice beats the browser's
    ("", "ja, de;q=0.5", "ja"),  # the browser's, when no choice was made
    ("", "", ""),  # nothing asked for: the account follows the portal's default
])
def test_sign_up_saves_the_language_the_visitor_asked_for(client, cookie, header, saved):
    if cookie:
        client.cookies[negotiation.COOKIE] = cookie
    assert sign_up(client, "nina@example.com", HTTP_ACCEPT_LANGUAGE=header).status_code == 302
    assert User.objects.get(email="nina@example.com").language == saved


def test_a_language_the_portal_does_not_offer_is_not_saved(client):
    offer("en", "de")
    client.cookies[negotiation.COOKIE] = "ja"
    assert sign_up(client, "nina@example.com", HTTP_ACCEPT_LANGUAGE="fr, de;q=0.3").status_code == 302
    assert User.objects.get(email="nina@example.com").language == "de"  # the browser's offered one
    client.cookies.clear()
    assert sign_up(client, "olga@example.com", HTTP_ACCEPT_LANGUAGE="ja").status_code == 302
    assert User.objects.get(email="olga@example.com").language == ""


def test_an_accepted_invitation_saves_the_invitees_language(client):
    org = factories.organisation("Acme")
    inviter = factories.consumer(org, role=Role.CONSUMER_ADMIN)
    team = factories.team(org)
    invitations.invite(inviter, "fay@example.com", "Fay", "Friend", Role.CONSUMER_TEAM_MEMBER, team,
                       "https://portal.example.com/")
    mail = EmailLog.objects.get(template="invite")
    path = re.search(r"https://portal\.example\.com(/auth/invite/\S+)", mail.body_text).group(1)
    response = client.post(path, {"first_name": "Fay", "last_name": "Friend", "password": PASSWORD,
                                  "password_again": PASSWORD}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302, response.content.decode()[:500]
    assert User.objects.get(email="fay@example.com").language == "es"
