"""Deciding consumers' organisation requests: the Admin Portal's Approve and Reject (POST with
CSRF, errors as messages that change nothing) and /portal-api/organisation-requests."""

import pytest
from django.test import Client

from forecourt.accounts import org_requests, tokens
from forecourt.accounts.models import Organisation, OrganisationRequest, Role, User
from forecourt.audit.models import AuditEntry
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_on(db):
    settings = PortalSettings.load()
    settings.from_address = "portal@example.com"
    settings.save()


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def a_request(name: str = "Acme Widgets") -> OrganisationRequest:
    return OrganisationRequest.objects.create(name=name, requester=factories.consumer(first_name="Rita"))


def page(pk: int) -> str:
    return f"/portal-admin/organisation-requests/{pk}/"


def decided_mail(to: str) -> EmailLog:
    return EmailLog.objects.get(template__startswith="organisation_request_", to=to)


# --- Admin Portal ---------------------------------------------------------------------------------

def test_the_list_links_to_each_requests_page_with_approve_and_reject(signed_in):
    request = a_request()
    listing = signed_in.get("/portal-admin/organisation-requests/").content.decode()
    assert f'href="{page(request.pk)}"' in listing
    detail = signed_in.get(page(request.pk))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Acme Widgets" in text and request.requester.email in text
    assert 'value="approve"' in text and 'value="reject"' in text and 'name="reason"' in text


def test_approve_creates_the_organisation_and_tells_the_requester(signed_in, admin, mail_on):
    request = a_request()
    response = signed_in.post(page(request.pk), {"action": "approve"}, follow=True)
    assert response.redirect_chain[-1][0] == page(request.pk)
    text = response.content.decode()
    assert "Organisation “Acme Widgets” created" in text and "the requester is told by e-mail" in text
    request.refresh_from_db()
    requester = User.objects.get(pk=request.requester_id)
    assert request.status == "approved" and request.decided_by == admin
    assert requester.organisation == request.organisation and requester.role == Role.CONSUMER_ADMIN
    assert decided_mail(requester.email).subject == "Your organisation Acme Widgets is ready"
    assert 'value="approve"' not in text  # decided: no more buttons
    assert AuditEntry.objects.filter(action="approve", object_type="accounts.organisationrequest").exists()


def test_reject_asks_for_a_reason_that_the_requester_is_emailed(signed_in, admin, mail_on):
    request = a_request()
    refused = signed_in.post(page(request.pk), {"action": "reject", "reason": "  "})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    request.refresh_from_db()
    assert request.status == "pending" and not EmailLog.objects.exists()

    response = signed_in.post(page(request.pk), {"action": "reject", "reason": "We only host companies."},
                              follow=True)
    assert "The request for “Acme Widgets” is rejected; the requester is told by e-mail." \
        in response.content.decode()
    request.refresh_from_db()
    assert (request.status, request.reason, request.decided_by) == ("rejected", "We only host companies.", admin)
    mail = decided_mail(request.requester.email)
    assert mail.subject == "Organisation not approved: Acme Widgets"
    assert "We only host companies." in mail.body_text and "We only host companies." in mail.body_html
    assert request.requester.organisation.is_default
    assert not Organisation.objects.filter(name="Acme Widgets").exists()
    assert "We only host companies." in response.content.decode()  # shown on the page, and in the history


def test_errors_are_messages_and_change_nothing(signed_in, admin):
    taken = a_request("Taken Ltd")
    factories.organisation("TAKEN LTD")
    response = signed_in.post(page(taken.pk), {"action": "approve"}, follow=True)
    assert "Nothing changed: An organisation of that name already exists" in response.content.decode()
    taken.refresh_from_db()
    assert taken.status == "pending" and taken.organisation is None

    decided = a_request("Decided Ltd")
    org_requests.reject_organisation_request(decided, admin, reason="No.")
    for data in ({"action": "approve"}, {"action": "reject", "reason": "Again"}):
        again = signed_in.post(page(decided.pk), data, follow=True)
        assert "Nothing changed: This request was already rejected." in again.content.decode()
    decided.refresh_from_db()
    assert (decided.status, decided.reason) == ("rejected", "No.")
    assert not Organisation.objects.filter(name="Decided Ltd").exists()

    unknown = signed_in.post(page(taken.pk), {"action": "delete"}, follow=True)
    assert "Unknown action." in unknown.content.decode()
    assert not EmailLog.objects.exists()


def test_decisions_need_a_csrf_token_and_an_admin(admin, consumer):
    request = a_request()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    assert strict.post(page(request.pk), {"action": "approve"}).status_code == 403
    as_consumer = Client()
    as_consumer.force_login(consumer)
    assert as_consumer.post(page(request.pk), {"action": "approve"}).status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_service_refuses_a_rejection_without_a_reason(admin):
    from django.core.exceptions import ValidationError

    request = a_request()
    with pytest.raises(ValidationError) as error:
        org_requests.reject_organisation_request(request, admin, reason=" ")
    assert "reason" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == "pending"


# --- Admin API ------------------------------------------------------------------------------------

def test_api_lists_and_shows_organisation_requests(api, admin):
    first, second = a_request("First Ltd"), a_request("Second Ltd")
    org_requests.reject_organisation_request(second, admin, reason="Duplicate.")
    listed = api("get", "/organisation-requests")
    assert listed.status_code == 200
    body = listed.json()
    assert [r["Name"] for r in body] == ["Second Ltd", "First Ltd"]
    assert body[0]["Status"] == "rejected" and body[0]["Reason"] == "Duplicate."
    assert body[0]["DecidedBy"] == admin.email
    assert [r["ID"] for r in api("get", "/organisation-requests", status="pending").json()] == [first.pk]
    one = api("get", f"/organisation-requests/{first.pk}").json()
    assert one == {"ID": first.pk, "Name": "First Ltd", "Status": "pending", "User": first.requester.email,
                   "UserID": first.requester_id, "OrganisationID": None, "Reason": "", "DecidedBy": None,
                   "DecidedAt": None, "CreatedAt": one["CreatedAt"], "UpdatedAt": one["CreatedAt"]}
    assert api("get", "/organisation-requests/999999").status_code == 404


def test_api_approves_once(api, admin, mail_on):
    request = a_request()
    approved = api("put", f"/organisation-requests/{request.pk}/approve")
    assert approved.status_code == 200, approved.content
    organisation = Organisation.objects.get(name="Acme Widgets")
    assert approved.json()["message"] == (f"Organisation request #{request.pk} approved: organisation "
                                          f"#{organisation.pk} “Acme Widgets” created")
    shown = api("get", f"/organisation-requests/{request.pk}").json()
    assert (shown["Status"], shown["OrganisationID"]) == ("approved", organisation.pk)
    assert User.objects.get(pk=request.requester_id).role == Role.CONSUMER_ADMIN
    assert decided_mail(request.requester.email).body_text.count("http://testserver/my-organisation") == 1
    again = api("put", f"/organisation-requests/{request.pk}/approve")
    assert again.status_code == 409 and "already approved" in again.content.decode()
    assert api("put", f"/organisation-requests/{request.pk}/reject", {"Reason": "x"}).status_code == 409
    assert Organisation.objects.filter(name="Acme Widgets").count() == 1


def test_api_approval_of_a_name_taken_since_is_a_422(api):
    request = a_request("Taken Ltd")
    factories.organisation("taken ltd")
    refused = api("put", f"/organisation-requests/{request.pk}/approve")
    assert refused.status_code == 422 and "already exists" in refused.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


def test_api_rejects_only_with_a_reason(api, admin, mail_on):
    request = a_request()
    for body in (None, {}, {"Reason": "  "}):
        refused = api("put", f"/organisation-requests/{request.pk}/reject", body)
        assert refused.status_code == 422 and "Reason" in refused.content.decode()
    too_long = api("put", f"/organisation-requests/{request.pk}/reject", {"Reason": "x" * 2001})
    assert too_long.status_code == 422
    request.refresh_from_db()
    assert request.status == "pending" and not EmailLog.objects.exists()
    rejected = api("put", f"/organisation-requests/{request.pk}/reject", {"Reason": "Not a company."})
    assert rejected.status_code == 200 and rejected.json()["message"] == f"Organisation request #{request.pk} rejected"
    request.refresh_from_db()
    assert (request.status, request.reason, request.decided_by) == ("rejected", "Not a company.", admin)
    assert "Not a company." in decided_mail(request.requester.email).body_text


def test_api_needs_an_admin_token(api, consumer):
    request = a_request()
    consumer_token = tokens.issue(consumer)
    assert api("get", "/organisation-requests", token=consumer_token).status_code == 403
    assert api("put", f"/organisation-requests/{request.pk}/approve", token=consumer_token).status_code == 403
    assert api("get", "/organisation-requests", token="").status_code == 401
