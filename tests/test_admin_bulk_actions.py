"""Bulk actions of the Admin Portal's lists: approving and rejecting many access requests at once
(credentials made at the Tyk Dashboard simulator, as one approval makes them), partial failure,
the batch cap, who may, CSRF; activating and deactivating many users under the single user's rules."""

import pytest
from django.test import Client

from forecourt.access import services as access_services
from forecourt.access.models import AccessRequest, Credential
from forecourt.accounts.models import Role, User
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Plan, Product
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.notify.models import EmailLog
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.resources import bulk
from forecourt.webhooks.models import Event

from . import factories
from .conftest import PASSWORD
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db

URL = "/portal-admin/access-requests/bulk/"


def run_jobs() -> None:
    Job.objects.filter(name__startswith="notify.").delete()
    while queue.run_next("test") is not None:
        pass


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def provider(tyk_dashboard):
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    return provider


def gateway_requests(provider, count: int) -> list[AccessRequest]:
    """`count` pending requests, each of a new consumer's app, on a plan of the simulator."""
    item = Product.objects.get(provider=provider, name="Payments Product")
    item.published = True
    item.save()
    plan = Plan.objects.get(provider=provider, name="Free Plan")
    cat = factories.catalogue([item], [plan])
    made = []
    for _ in range(count):
        owner = factories.consumer()
        made.append(access_services.submit_request(factories.app(owner), cat, plan, [item], owner))
    return made


def test_bulk_approve_provisions_each_request_at_the_gateway(client, admin, provider, tyk_dashboard):
    requests = gateway_requests(provider, 3)
    client.force_login(admin)
    response = client.post(URL, {"action": "approve", "ids": [r.pk for r in requests],
                                 "query": "status=pending&sort=-created_at"}, follow=True)
    assert response.redirect_chain[-1][0] == "/portal-admin/access-requests/?status=pending&sort=-created_at"
    (said,) = messages_of(response)
    assert said.startswith("3 approved: ")
    for r in requests:
        r.refresh_from_db()
        assert (r.status, r.decided_by, r.provisioning) == ("approved", admin, "pending")
        assert AuditEntry.objects.filter(action="approve", object_id=str(r.pk), actor=admin).exists()
    assert Event.objects.filter(name="AccessRequestApproved").count() == 3
    run_jobs()
    credentials = Credential.objects.filter(access_request__in=requests, status="active")
    assert credentials.count() == 3
    assert {c.provider_reference for c in credentials} == set(tyk_dashboard.hashed_keys)


def test_bulk_reject_needs_one_reason_which_each_request_gets(client, admin):
    requests = [factories.pending_request() for _ in range(2)]
    client.force_login(admin)
    response = client.post(URL, {"action": "reject", "ids": [r.pk for r in requests], "reason": " "}, follow=True)
    assert messages_of(response) == ["Nothing changed: Say why, so the consumer knows what to change."]
    assert set(AccessRequest.objects.values_list("status", flat=True)) == {"pending"}

    response = client.post(URL, {"action": "reject", "ids": [r.pk for r in requests], "reason": "No staging keys"},
                           follow=True)
    assert messages_of(response)[0].startswith("2 rejected: ")
    for r in requests:
        r.refresh_from_db()
        assert (r.status, r.reason, r.decided_by) == ("rejected", "No staging keys", admin)
    assert AuditEntry.objects.filter(action="reject", note="No staging keys").count() == 2
    assert Event.objects.filter(name="AccessRequestRejected").count() == 2


def test_requests_no_longer_pending_or_gone_are_skipped_with_a_message(client, admin):
    decided, pending, gone = (factories.pending_request() for _ in range(3))
    access_services.reject(decided, admin, "Earlier")
    gone_pk = gone.pk
    gone.app.delete()
    client.force_login(admin)
    response = client.post(URL, {"action": "approve", "ids": [decided.pk, pending.pk, gone_pk]}, follow=True)
    said = messages_of(response)
    assert said[0] == f"1 approved: #{pending.pk} ({pending.app.name})."
    assert said[1] == (f"2 rows skipped: #{decided.pk} ({decided.app.name}): no longer pending; "
                       f"#{gone_pk}: no longer exists.")
    decided.refresh_from_db()
    assert decided.status == "rejected"


def test_a_failing_request_is_rolled_back_whole_and_the_others_stand(client, admin, monkeypatch):
    first, broken, last = (factories.pending_request() for _ in range(3))
    emit = access_services._webhook_event

    def failing(name, request):
        if request.pk == broken.pk:
            raise RuntimeError("the webhook store is unavailable")
        emit(name, request)

    monkeypatch.setattr(access_services, "_webhook_event", failing)
    jobs_before = Job.objects.count()
    client.force_login(admin)
    response = client.post(URL, {"action": "approve", "ids": [first.pk, broken.pk, last.pk]}, follow=True)
    said = messages_of(response)
    assert said[0] == f"2 approved: #{first.pk} ({first.app.name}), #{last.pk} ({last.app.name})."
    assert said[1] == (f"1 failed and did not change: #{broken.pk} ({broken.app.name}): "
                       "the webhook store is unavailable.")
    statuses = dict(AccessRequest.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[broken.pk], statuses[last.pk]) == ("approved", "pending", "approved")
    broken.refresh_from_db()
    assert broken.decided_by is None and broken.decided_at is None
    assert not AuditEntry.objects.filter(action="approve", object_id=str(broken.pk)).exists()
    assert Job.objects.count() == jobs_before + 2  # the two decision e-mails; none for the broken one
    assert not EmailLog.objects.filter(to=broken.requester.email, template="access_request_approved").exists()
    assert Event.objects.filter(name="AccessRequestApproved").count() == 2


def test_more_than_the_cap_is_refused_before_anything_changes(client, admin):
    request = factories.pending_request()
    client.force_login(admin)
    ids = [request.pk, *range(10_000, 10_000 + bulk.MAX_BATCH)]
    response = client.post(URL, {"action": "approve", "ids": ids}, follow=True)
    refused = f"Nothing changed: At most {bulk.MAX_BATCH} at once; {bulk.MAX_BATCH + 1} were chosen."
    assert messages_of(response) == [refused]
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.parametrize(("ids", "message"), [
    ([], "Nothing changed: Choose at least one row first."),
    (["1", "x"], "Nothing changed: “x” is not an ID."),
])
def test_bad_choices_change_nothing(client, admin, ids, message):
    request = factories.pending_request()
    client.force_login(admin)
    response = client.post(URL, {"action": "approve", "ids": [request.pk, *ids] if ids else []}, follow=True)
    assert messages_of(response) == [message]
    request.refresh_from_db()
    assert request.status == "pending"


def test_unknown_actions_and_lists_without_bulk_actions_are_404(client, admin):
    client.force_login(admin)
    request = factories.pending_request()
    assert client.post(URL, {"action": "delete", "ids": [request.pk]}).status_code == 404
    assert client.post("/portal-admin/products/bulk/", {"action": "approve", "ids": [request.pk]}).status_code == 404
    assert client.get(URL).status_code == 405


def test_only_admins_may_and_csrf_is_checked(client, admin):
    request = factories.pending_request()
    # A consumer gets the Live Portal's 404; a visitor the sign-in page.
    assert client.post(URL, {"action": "approve", "ids": [request.pk]}).status_code == 302
    client.force_login(factories.consumer())
    assert client.post(URL, {"action": "approve", "ids": [request.pk]}).status_code == 404
    # A provider-admin may approve one request, so many too.
    provider_admin = User.objects.create_user("pa@example.com", PASSWORD, role=Role.PROVIDER_ADMIN)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(provider_admin)
    assert strict.post(URL, {"action": "approve", "ids": [request.pk]}).status_code == 403  # no CSRF token
    request.refresh_from_db()
    assert request.status == "pending"
    client.force_login(provider_admin)
    client.post(URL, {"action": "approve", "ids": [request.pk]})
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", provider_admin)


def test_the_queue_page_has_labelled_checkboxes_and_the_bulk_form(client, admin):
    requests = [factories.pending_request() for _ in range(2)]
    client.force_login(admin)
    page = client.get("/portal-admin/access-requests/?status=pending").content.decode()
    assert 'action="/portal-admin/access-requests/bulk/"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    for r in requests:
        assert f'name="ids" value="{r.pk}" id="select-{r.pk}" aria-label="Select {r}"' in page
    assert "Select all on this page" in page and f"At most {bulk.MAX_BATCH} at once." in page
    assert '<button type="submit" name="action" value="approve">Approve</button>' in page
    assert '<label for="bulk-reason">' in page
    assert 'value="status=pending"' in page  # the list's query goes back with the form
    assert 'name="ids"' not in client.get("/portal-admin/products/").content.decode()


# -- users ------------------------------------------------------------------------------------------

USERS = "/portal-admin/users/bulk/"


def test_bulk_deactivate_and_activate_users(client, admin):
    a, b = factories.consumer(), factories.consumer(is_active=False)
    client.force_login(admin)
    response = client.post(USERS, {"action": "deactivate", "ids": [a.pk, b.pk]}, follow=True)
    said = messages_of(response)
    assert said == [f"1 deactivated: {a.email}.", f"1 row skipped: {b.email}: already inactive."]
    a.refresh_from_db()
    assert not a.is_active
    assert AuditEntry.objects.filter(action="deactivate", object_id=str(a.pk), actor=admin).exists()
    response = client.post(USERS, {"action": "activate", "ids": [a.pk, b.pk]}, follow=True)
    assert messages_of(response) == [f"2 activated: {a.email}, {b.email}."]
    assert set(User.objects.filter(pk__in=[a.pk, b.pk]).values_list("is_active", flat=True)) == {True}


def test_an_admin_cannot_deactivate_themselves_in_bulk_either(client, admin):
    other = factories.consumer()
    client.force_login(admin)
    response = client.post(USERS, {"action": "deactivate", "ids": [admin.pk, other.pk]}, follow=True)
    said = messages_of(response)
    assert said[0] == f"1 deactivated: {other.email}."
    assert said[1].startswith(f"1 failed and did not change: {admin.email}: ")
    assert "You cannot deactivate your own account." in said[1]
    admin.refresh_from_db()
    assert admin.is_active


def test_a_provider_admin_cannot_deactivate_admins_in_bulk(client, admin):
    provider_admin = User.objects.create_user("pa@example.com", PASSWORD, role=Role.PROVIDER_ADMIN)
    consumer = factories.consumer()
    client.force_login(provider_admin)
    response = client.post(USERS, {"action": "deactivate", "ids": [admin.pk, consumer.pk]}, follow=True)
    said = messages_of(response)
    assert said[0] == f"1 deactivated: {consumer.email}."
    assert "Only super-admins can create or change admin accounts." in said[1]
    admin.refresh_from_db()
    assert admin.is_active
