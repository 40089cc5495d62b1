"""The access-request queue: submit, approve, reject, provision, and the e-mails that follow."""

import pytest
from django.core.exceptions import ValidationError

from forecourt.access import services as access
from forecourt.access.models import AccessRequest
from forecourt.audit.models import AuditEntry
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.portalconfig.models import PortalSettings
from forecourt.providers import registry

from . import factories
from .support.smtp import SMTPServer, smtp_server

__all__ = ["smtp_server"]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mail(smtp_server: SMTPServer) -> SMTPServer:
    settings = PortalSettings.load()
    settings.smtp_host, settings.smtp_port = "127.0.0.1", smtp_server.port
    settings.smtp_security = PortalSettings.Security.NONE
    settings.from_address = "portal@example.com"
    settings.save()
    return smtp_server


def run_jobs() -> None:
    while queue.run_next("test") is not None:
        pass


def test_submit_checks_the_catalogue_and_ownership():
    owner, stranger = factories.consumer(), factories.consumer()
    prod, other_prod, pl = factories.product(published=True), factories.product(published=True), factories.plan()
    cat = factories.catalogue([prod], [pl])
    app = factories.app(owner)
    with pytest.raises(ValidationError) as error:
        access.submit_request(app, cat, factories.plan(), [other_prod], owner)
    assert any("is not offered in the catalogue" in m for m in error.value.messages)
    assert any("Not in the catalogue" in m for m in error.value.messages)
    with pytest.raises(ValidationError, match="only for your own apps"):
        access.submit_request(app, cat, pl, [prod], stranger)
    with pytest.raises(ValidationError, match="at least one product"):
        access.submit_request(app, cat, pl, [], owner)
    assert AccessRequest.objects.count() == 0


@pytest.mark.parametrize("flags", [{"published": False}, {"published": True, "documentation_only": True},
                                   {"published": True, "hidden_by_sync": True}])
def test_unpublished_documentation_only_or_hidden_products_cannot_be_requested(flags):
    owner, pl = factories.consumer(), factories.plan()
    prod = factories.product(**flags)
    with pytest.raises(ValidationError, match="Access cannot be requested to"):
        access.submit_request(factories.app(owner), factories.catalogue([prod], [pl]), pl, [prod], owner)


def test_approve_in_the_admin_portal_records_the_decision_and_emails_the_consumer(client, admin, mail):
    request = factories.pending_request()
    client.force_login(admin)
    queue_page = client.get("/portal-admin/access-requests/", {"status": "pending"})
    assert queue_page.context["page"].count.value == 1
    response = client.post(f"/portal-admin/access-requests/{request.pk}/", {"action": "approve"}, follow=True)
    assert "approved; the consumer is told by e-mail" in response.content.decode()
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.provisioning) == ("approved", admin, "not-needed")
    assert request.decided_at is not None
    assert AuditEntry.objects.filter(action="approve", object_id=str(request.pk), actor=admin).exists()
    run_jobs()
    (message,) = mail.messages
    assert message.rcpt_tos == [request.requester.email]
    assert request.app.name in message.part("text/plain")


def test_reject_needs_a_reason_which_reaches_the_consumer(client, admin, mail):
    request = factories.pending_request()
    client.force_login(admin)
    response = client.post(f"/portal-admin/access-requests/{request.pk}/", {"action": "reject", "reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"

    client.post(f"/portal-admin/access-requests/{request.pk}/",
                {"action": "reject", "reason": "Use the sandbox plan first & tell us why."})
    request.refresh_from_db()
    assert (request.status, request.reason) == ("rejected", "Use the sandbox plan first & tell us why.")
    run_jobs()
    (message,) = mail.messages
    assert "Use the sandbox plan first & tell us why." in message.part("text/plain")


def test_a_decided_request_cannot_be_decided_again(client, admin):
    request = factories.pending_request()
    access.approve(request, admin)
    with pytest.raises(access.NotPending):
        access.reject(request, admin, "changed my mind")
    client.force_login(admin)
    response = client.post(f"/portal-admin/access-requests/{request.pk}/", {"action": "reject", "reason": "x"},
                           follow=True)
    assert "Nothing changed: access request" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "approved"


def test_auto_approving_plan_approves_on_submit():
    request = factories.pending_request(plan_obj=factories.plan(auto_approve=True))
    assert request.status == "approved"
    assert request.decided_by is None
    assert AuditEntry.objects.get(action="approve").note == "approved automatically by the plan"


def test_provisioning_without_an_integration_fails_visibly_and_can_be_retried(client, admin, monkeypatch):
    monkeypatch.delitem(registry._clients, "tyk-pro")  # as if no integration were installed
    plan = factories.plan(provider=factories.provider())
    request = access.approve(factories.pending_request(plan_obj=plan), admin)
    assert request.provisioning == "pending"
    run_jobs()
    request.refresh_from_db()
    assert request.status == "approved"  # the decision stands
    assert request.provisioning == "failed"
    assert "no integration for providers of type 'tyk-pro'" in request.provisioning_error

    client.force_login(admin)
    page = client.get(f"/portal-admin/access-requests/{request.pk}/")
    assert "Retry provisioning" in page.content.decode()
    client.post(f"/portal-admin/access-requests/{request.pk}/", {"action": "retry"})
    request.refresh_from_db()
    assert request.provisioning == "pending"
    assert Job.objects.filter(name="access.provision", status="queued").count() == 1


def test_provisioning_failure_at_the_gateway_is_retried_and_then_succeeds(admin, monkeypatch):
    calls = []

    class FlakyGateway:
        def __init__(self, provider):
            self.provider = provider

        def new_credential(self, request):
            return {"type": "key", "provider_reference": "k1", "secret": "k1", "secret_hint": "k1",
                    "provider_data": {}}

        def create_credential(self, credential):
            calls.append(credential.access_request_id)
            if len(calls) == 1:
                raise ConnectionError("gateway unreachable")

    monkeypatch.setitem(registry._clients, "tyk-pro", FlakyGateway)
    plan = factories.plan(provider=factories.provider())
    request = access.approve(factories.pending_request(plan_obj=plan), admin)
    Job.objects.exclude(name="access.provision").delete()  # the consumer's e-mail is not under test here
    assert queue.run_next("test") is False
    request.refresh_from_db()
    assert (request.provisioning, request.provisioning_error) == ("pending", "gateway unreachable")
    Job.objects.update(run_at=Job.objects.get().created_at)  # due again now (no waiting for the backoff)
    assert queue.run_next("test") is True
    request.refresh_from_db()
    assert (request.provisioning, request.provisioning_error) == ("done", "")
    assert calls == [request.pk, request.pk]
