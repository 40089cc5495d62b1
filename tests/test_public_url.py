"""PublicURL (PORTAL_PUBLIC_URL): links in e-mails start with it, whatever Host header a request
carries; without it they follow the request, and `forecourt serve` warns at start."""

import json
import logging
import re

import pytest

from forecourt import configuration
from forecourt.accounts import tokens
from forecourt.accounts.models import OrganisationRequest, Role
from forecourt.configuration import ConfigError
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings

from . import factories

PUBLIC = "https://portal.example.com"
EVIL = "evil.example"


def links(mail: EmailLog) -> list[str]:
    return re.findall(r"https?://\S+", mail.body_text)


def only_public_links(mail: EmailLog) -> None:
    found = links(mail)
    assert found, mail.body_text
    assert all(link.startswith(PUBLIC + "/") for link in found), found
    assert EVIL not in mail.body_text and EVIL not in mail.body_html


# --- the setting ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("", ""),
    ("  ", ""),
    ("https://portal.example.com", "https://portal.example.com"),
    ("https://Portal.Example.COM/", "https://portal.example.com"),
    ("HTTP://portal.example.com:8080", "http://portal.example.com:8080"),
    ("http://127.0.0.1:3001/", "http://127.0.0.1:3001"),
    ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
])
def test_public_url_is_normalised(tmp_path, value, expected):
    config = configuration.load(environ={"PORTAL_PUBLIC_URL": value}, cwd=tmp_path)
    assert config["PublicURL"] == expected
    assert configuration.load(environ={"TYK_PORTAL_PUBLIC_URL": value}, cwd=tmp_path)["PublicURL"] == expected


@pytest.mark.parametrize("value", [
    "portal.example.com", "ftp://portal.example.com", "https://", "https:///path", "https://portal.example.com/portal",
    "https://user:pw@portal.example.com", "https://portal.example.com?x=1", "https://portal.example.com#top",
    "https://portal.example.com:99999", "https://portal.example.com:port", "https://portal example.com",
    "javascript:alert(1)",
])
def test_public_url_must_be_an_absolute_http_url_without_a_path(tmp_path, value):
    with pytest.raises(ConfigError) as error:
        configuration.load(environ={"PORTAL_PUBLIC_URL": value}, cwd=tmp_path)
    assert error.value.setting == "PORTAL_PUBLIC_URL"
    assert error.value.problem.startswith("must be an absolute http or https URL")


def test_public_url_in_portal_conf(tmp_path):
    (tmp_path / "portal.conf").write_text(json.dumps({"PublicURL": "https://portal.example.com/"}))
    config = configuration.load(environ={}, cwd=tmp_path)
    assert config["PublicURL"] == PUBLIC and config.sources["PublicURL"].startswith("portal.conf")


def test_serve_warns_once_at_start_when_links_follow_the_host_header(tmp_path, caplog):
    from forecourt import supervisor as server

    with caplog.at_level(logging.WARNING, logger="forecourt.startup"):
        server.warn_about_links(configuration.load(environ={}, cwd=tmp_path))
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and "PORTAL_PUBLIC_URL" in record.getMessage()
    assert "Host header" in record.getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="forecourt.startup"):
        server.warn_about_links(configuration.load(environ={"PORTAL_PUBLIC_URL": PUBLIC}, cwd=tmp_path))
    assert caplog.records == []


# --- the links ------------------------------------------------------------------------------------

@pytest.fixture
def public_url(settings):
    settings.PUBLIC_URL = PUBLIC


@pytest.mark.django_db
def test_without_the_setting_links_follow_the_request(client, consumer, settings):
    settings.PUBLIC_URL = ""
    client.post("/auth/password/new", {"email": consumer.email}, HTTP_HOST=EVIL)
    (mail,) = EmailLog.objects.filter(template="password_reset")
    assert links(mail)[0].startswith(f"http://{EVIL}/auth/password/reset/")  # today's behaviour, warned about


@pytest.mark.django_db
def test_forgotten_password_link_uses_the_public_url(client, consumer, public_url):
    response = client.post("/auth/password/new", {"email": consumer.email}, HTTP_HOST=EVIL)
    assert response.status_code == 302
    (mail,) = EmailLog.objects.filter(template="password_reset")
    only_public_links(mail)
    assert links(mail)[0].startswith(PUBLIC + "/auth/password/reset/")


@pytest.mark.django_db
def test_activation_and_invitation_links_use_the_public_url(client, public_url):
    settings = PortalSettings.load()
    settings.auto_approve_registrations = True
    settings.save()
    client.post("/auth/password/register", {"email": "new@example.com", "first_name": "N", "last_name": "N",
                                            "password": "a-brand-new-passphrase",
                                            "password_again": "a-brand-new-passphrase"}, HTTP_HOST=EVIL)
    only_public_links(EmailLog.objects.get(template="account_confirm"))

    owner = factories.consumer(factories.organisation("Acme"), role=Role.CONSUMER_ADMIN)
    client.force_login(owner)
    team = owner.organisation.teams.get(is_default=True)
    response = client.post("/my-organisation/invitations", {"email": "friend@example.com", "first_name": "F",
                                                            "last_name": "R", "role": "consumer-team-member",
                                                            "team": team.pk}, HTTP_HOST=EVIL)
    assert response.status_code == 302
    only_public_links(EmailLog.objects.get(template="invite"))


@pytest.mark.django_db
def test_admin_portal_reset_link_uses_the_public_url(client, admin, public_url):
    client.force_login(admin)
    user = factories.consumer()
    client.post(f"/portal-admin/users/{user.pk}/actions/", {"action": "reset-password"}, HTTP_HOST=EVIL)
    only_public_links(EmailLog.objects.get(template="password_reset"))


@pytest.mark.django_db
def test_admin_api_links_use_the_public_url(client, admin, consumer, public_url):
    settings = PortalSettings.load()
    settings.from_address = "portal@example.com"
    settings.save()
    headers = {"HTTP_AUTHORIZATION": tokens.issue(admin), "HTTP_HOST": EVIL}
    response = client.put(f"/portal-api/users/{consumer.pk}", json.dumps({"ResetPassword": True}),
                          content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    only_public_links(EmailLog.objects.get(template="password_reset"))

    request = OrganisationRequest.objects.create(name="Acme Widgets", requester=consumer)
    response = client.put(f"/portal-api/organisation-requests/{request.pk}/approve", **headers)
    assert response.status_code == 200, response.content
    only_public_links(EmailLog.objects.get(template="organisation_request_approved"))


@pytest.mark.django_db
def test_access_request_decision_links_use_the_public_url(client, admin, public_url):
    client.force_login(admin)
    request = factories.pending_request()
    client.post(f"/portal-admin/access-requests/{request.pk}/", {"action": "approve"}, HTTP_HOST=EVIL)
    mail = EmailLog.objects.get(template="access_request_approved")
    assert EVIL not in mail.body_text and PUBLIC in mail.body_text


@pytest.mark.django_db
def test_an_access_request_approved_at_once_links_to_the_public_url(client, consumer, public_url):
    plan = factories.plan(auto_approve=True)
    product = factories.product(published=True)
    catalogue = factories.catalogue([product], [plan])
    app = factories.app(consumer)
    client.force_login(consumer)
    response = client.post("/apps/request-access", {"catalogue": catalogue.pk, "app": app.pk, "plan": plan.pk,
                                                    "products": [product.pk]}, HTTP_HOST=EVIL)
    assert response.status_code == 302
    (mail,) = EmailLog.objects.filter(template="access_request_approved")
    only_public_links(mail)
