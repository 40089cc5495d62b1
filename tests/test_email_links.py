"""E-mails link to the page about their subject, and that page opens for the one who gets it.

Each e-mail is sent through the portal's own entry point; its link is read back from both parts
of the logged message and followed with the recipient signed in.
"""

import re

import pytest
from django.test import Client

from forecourt.access import services as access
from forecourt.accounts import org_requests
from forecourt.accounts.models import OrganisationRequest
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings

from . import factories

pytestmark = pytest.mark.django_db

BASE = "http://testserver/"


def links(entry: EmailLog) -> tuple[list[str], list[str]]:
    """The portal links of the text part and the hrefs of the HTML part."""
    return (re.findall(r"http://testserver/\S*", entry.body_text),
            re.findall(r'href="(http://testserver/[^"]*)"', entry.body_html))


def the_link(template: str, to: str) -> str:
    (entry,) = EmailLog.objects.filter(template=template, to=to)
    text, html = links(entry)
    assert text and html and set(text) == set(html), (text, html)
    (url,) = set(text)
    return url


def opens_for(user, url: str) -> None:
    client = Client()
    client.force_login(user)
    response = client.get(url.removeprefix(BASE.rstrip("/")))
    assert response.status_code == 200, url


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_an_access_decision_links_to_the_app(decision, admin):
    request = factories.pending_request()
    if decision == "approve":
        access.approve(request, admin, BASE)
        template = "access_request_approved"
    else:
        access.reject(request, admin, "Say more.", BASE)
        template = "access_request_rejected"
    url = the_link(template, request.requester.email)
    assert url == f"{BASE}apps/{request.app_id}"
    opens_for(request.requester, url)


def test_an_access_decision_without_a_known_address_still_renders(admin, settings):
    settings.PUBLIC_URL = ""
    request = factories.pending_request()
    access.approve(request, None)  # auto-approval outside a request, no PublicURL: no link at all
    (entry,) = EmailLog.objects.filter(template="access_request_approved")
    assert "http" not in entry.body_text and request.app.name in entry.body_text


def test_an_organisation_request_links_admins_to_that_request(admin):
    row = PortalSettings.load()
    row.allow_organisation_requests, row.admin_notification_address = True, "ops@example.com"
    row.save()
    consumer = factories.consumer()
    org_requests.request_organisation(consumer, "Rockets Ltd", BASE)
    request = OrganisationRequest.objects.get(requester=consumer)
    url = the_link("organisation_request_submitted", "ops@example.com")
    assert url == f"{BASE}portal-admin/organisation-requests/{request.pk}/"
    opens_for(admin, url)
